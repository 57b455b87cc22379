import { SourceKind } from '../../shared/content/source-kind';
import { DocumentError, type Connector, type FetchedDocument, type ParseResult, type RunContext } from '../connector';
import { plainText } from '../../text/text';
import { quoted } from '../storable-text';
import { decodeXmlBody, parseXml } from '../xml';
import { readAtom } from './feed-atom';
import { feedResult } from './feed-items';
import { readJsonFeed } from './feed-json';
import type { FeedSource } from './feed-model';
import { readRss1, readRss2 } from './feed-rss';

/**
 * Elements kept raw by the XML parser, because they may hold markup (Atom's
 * XHTML, HTML a feed forgot to escape) whose order and spaces the object tree
 * would lose.
 */
const RAW_ELEMENTS = ['..title', '..subtitle', '..description', '..dc:description', '..summary', '..content', '..content:encoded'];

/**
 * News feeds: RSS 2.0 (and 0.9x), RSS 1.0 (RDF), Atom 1.0 and JSON Feed 1.0
 * and 1.1. The format is read from the document itself (its root element or
 * JSON Feed `version`), never from the content type, which servers get wrong;
 * anything else is a {@link DocumentError} saying what was found. Each entry
 * becomes an item of the source's target type (see `feed-items.ts` for the
 * rules); a feed is never a complete listing, so nothing is withdrawn.
 */
export const feedConnector: Connector = {
  kind: SourceKind.FEED,
  parse(document: FetchedDocument, context: RunContext): ParseResult {
    return feedResult(readFeed(document), document, context);
  },
};

/** Reads a fetched document as whichever feed format it is. */
export function readFeed(document: FetchedDocument): FeedSource {
  const text = decodeXmlBody(document.body, charsetOf(document.headers['content-type']));
  const start = /\S/.exec(text);
  if (!start) throw new DocumentError('Not a feed: the document is empty');
  const first = start[0];
  if (first === '{' || first === '[') return readJsonFeed(parseJson(text));
  // Quoted as JSON: what a server sends instead of a feed may be anything (compressed bytes, NUL included), and the run's record must take it.
  if (first !== '<') throw new DocumentError(`Not a feed: neither XML nor JSON (it starts with ${quoted(text.slice(start.index, start.index + 40).trim())})`);
  if (looksLikeHtml(text)) throw new DocumentError(`Not a feed: an HTML page${htmlTitle(text)}`);
  const root = parseXml(text, [], { rawElements: RAW_ELEMENTS });
  const [name] = Object.keys(root);
  const element = root[name];
  switch (name) {
    case 'rss':
      return readRss2(element);
    case 'rdf:RDF':
      return readRss1(element);
    case 'feed':
      return readAtom(element);
    default:
      throw new DocumentError(`Not a feed: the root element is <${name}> (RSS has <rss> or <rdf:RDF>, Atom <feed>)`);
  }
}

/** The `charset` parameter of a Content-Type header, or null (RFC 9110 §8.3: case-insensitive, perhaps quoted). */
function charsetOf(contentType: string | undefined): string | null {
  const match = contentType ? /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]+))/i.exec(contentType) : null;
  const charset = (match?.[1] ?? match?.[2] ?? '').trim();
  return charset === '' ? null : charset;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DocumentError(`Not a feed: unreadable JSON (${(error as Error).message})`);
  }
}

/** An HTML page (a server's error page, a login wall), told apart before XML parsing says something less helpful. */
function looksLikeHtml(text: string): boolean {
  return /^\s*(?:<!--[\s\S]*?-->\s*)*(?:<!doctype\s+html|<html[\s>])/i.test(text.slice(0, 2000));
}

function htmlTitle(html: string): string {
  const title = /<title[^>]*>([\s\S]{0,300}?)<\/title>/i.exec(html.slice(0, 10_000));
  const text = title ? plainText(title[1], 100) : '';
  return text ? ` ("${text}")` : '';
}
