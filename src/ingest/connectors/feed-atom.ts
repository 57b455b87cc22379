import { DocumentError } from '../connector';
import { all, attribute, child, isObject, rawText, text, type FeedEntry, type FeedSource, type FeedText, type XmlValue } from './feed-model';

export const ATOM_NAMESPACE = 'http://www.w3.org/2005/Atom';
const ATOM_03_NAMESPACE = 'http://purl.org/atom/ns#';

/**
 * Reads an Atom 1.0 document. A `feed` root in Atom 0.3's namespace or any
 * other is refused; one without a namespace is read as Atom, as lenient
 * readers do.
 */
export function readAtom(feed: XmlValue): FeedSource {
  const namespace = attribute(feed, 'xmlns');
  if (namespace === ATOM_03_NAMESPACE) throw new DocumentError('Not a feed this connector reads: Atom 0.3 (only Atom 1.0)');
  if (namespace !== null && namespace !== ATOM_NAMESPACE) throw new DocumentError(`Not a feed: a <feed> element in the namespace "${namespace}", not Atom 1.0's`);
  if (!isObject(feed)) throw new DocumentError('Not a readable Atom feed: the <feed> element is empty');
  return {
    format: 'Atom 1.0',
    title: atomText(child(feed, 'title')),
    link: alternateLink(feed),
    base: attribute(feed, 'xml:base'),
    language: attribute(feed, 'xml:lang'),
    entries: all(feed.entry),
    readEntry: readAtomEntry,
  };
}

function readAtomEntry(entry: XmlValue): FeedEntry {
  if (!isObject(entry)) throw new Error('the entry is empty');
  const content = child(entry, 'content');
  return {
    id: text(child(entry, 'id')),
    title: atomText(child(entry, 'title')),
    summary: atomText(child(entry, 'summary')),
    content: atomContent(content),
    link: alternateLink(entry),
    base: attribute(entry, 'xml:base'),
    dates: [
      ['published', text(child(entry, 'published'))],
      ['updated', text(child(entry, 'updated'))],
    ],
    language: attribute(entry, 'xml:lang') ?? attribute(content, 'xml:lang') ?? attribute(child(entry, 'title'), 'xml:lang'),
    tags: all(entry.category)
      .map((category) => attribute(category, 'term') ?? attribute(category, 'label'))
      .filter((tag): tag is string => tag !== null),
  };
}

/** The entry's (or feed's) web page: the `rel="alternate"` link (an absent rel means alternate), else the first link. */
function alternateLink(node: XmlValue): string | null {
  const links = all(isObject(node) ? node.link : undefined);
  const alternate = links.find((link) => (attribute(link, 'rel') ?? 'alternate') === 'alternate' && attribute(link, 'href') !== null);
  return attribute(alternate ?? links.find((link) => attribute(link, 'href') !== null), 'href');
}

/** An Atom text construct (`title`, `summary`): `type="text"` (the default), `"html"` or `"xhtml"`. */
function atomText(node: XmlValue): FeedText | null {
  const type = attribute(node, 'type') ?? 'text';
  return rawText(node, type === 'html' ? 'html' : 'text');
}

/**
 * Atom `content`: a text construct, or a media type; `text/*` is read as
 * text, other media types (base64, XML) and content held elsewhere (`src`)
 * give no body.
 */
function atomContent(node: XmlValue): FeedText | null {
  if (attribute(node, 'src') !== null) return null;
  const type = (attribute(node, 'type') ?? 'text').toLowerCase();
  if (type === 'text' || type === 'html' || type === 'xhtml') return atomText(node);
  if (type.startsWith('text/')) return rawText(node, type === 'text/html' ? 'html' : 'text');
  return null;
}
