import { DocumentError } from '../connector';
import { all, attribute, child, isObject, rawText, text, type FeedEntry, type FeedSource, type XmlValue } from './feed-model';

/** Reads an RSS 2.0 document (and its 0.9x ancestors, which share its shape). */
export function readRss2(rss: XmlValue): FeedSource {
  const version = attribute(rss, 'version');
  if (version !== null && !/^(2\.|0\.9)/.test(version)) throw new DocumentError(`Not a feed this connector reads: RSS version "${version}"`);
  const channel = child(rss, 'channel');
  if (!isObject(channel)) throw new DocumentError('Not a readable RSS feed: the <rss> element has no <channel>');
  return {
    format: `RSS ${version ?? '2.0'}`,
    title: rawText(child(channel, 'title'), 'html'),
    link: text(child(channel, 'link')),
    base: attribute(channel, 'xml:base') ?? attribute(rss, 'xml:base'),
    language: text(child(channel, 'language')) ?? text(child(channel, 'dc:language')) ?? attribute(channel, 'xml:lang') ?? attribute(rss, 'xml:lang'),
    entries: all(channel.item),
    readEntry: readRssItem,
  };
}

/**
 * Reads an RSS 1.0 (RDF) document: the channel and the items are siblings
 * under `rdf:RDF`, items are named by `rdf:about`, dates and languages come
 * from Dublin Core.
 */
export function readRss1(rdf: XmlValue): FeedSource {
  const channel = child(rdf, 'channel');
  if (!isObject(rdf) || (!isObject(channel) && rdf.item === undefined)) throw new DocumentError('Not a feed: an RDF document without an RSS 1.0 <channel> or <item>');
  return {
    format: 'RSS 1.0',
    title: rawText(child(channel, 'title'), 'html'),
    link: text(child(channel, 'link')),
    base: attribute(channel, 'xml:base') ?? attribute(rdf, 'xml:base'),
    language: text(child(channel, 'dc:language')) ?? attribute(channel, 'xml:lang') ?? attribute(rdf, 'xml:lang'),
    entries: all(rdf.item),
    readEntry: readRssItem,
  };
}

/**
 * One `item` of either RSS. RSS 2.0's guid is a permalink unless it says
 * `isPermaLink="false"`, so an item with a guid and no link takes its guid as
 * its link. Descriptions and titles are HTML, as RSS has it (escaped or in
 * CDATA).
 */
function readRssItem(item: XmlValue): FeedEntry {
  if (!isObject(item)) throw new Error('the item is empty');
  const guid = child(item, 'guid');
  const id = text(guid) ?? attribute(item, 'rdf:about');
  const permalink = attribute(guid, 'isPermaLink') !== 'false' && id !== null && /^https?:\/\//i.test(id);
  return {
    id,
    title: rawText(child(item, 'title'), 'html'),
    summary: rawText(child(item, 'description'), 'html') ?? rawText(child(item, 'dc:description'), 'html'),
    content: rawText(child(item, 'content:encoded'), 'html'),
    link: text(child(item, 'link')) ?? (permalink ? id : null),
    base: attribute(item, 'xml:base'),
    dates: [
      ['pubDate', text(child(item, 'pubDate'))],
      ['dc:date', text(child(item, 'dc:date'))],
    ],
    language: text(child(item, 'dc:language')) ?? attribute(item, 'xml:lang'),
    tags: [...all(item.category), ...all(item['dc:subject'])].map(text).filter((tag): tag is string => tag !== null),
  };
}
