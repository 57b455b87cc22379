import { Feed, type Category, type Item } from 'feed';
import { NATION_SCHEME, PUBLISHER, TAG_SCHEME, type SyndicatedFeed, type SyndicatedItem } from './model';

/** The three formats, by the extension that asks for each. */
export type FeedFormat = 'atom' | 'rss' | 'json';

export const MEDIA_TYPES: Readonly<Record<FeedFormat, string>> = {
  atom: 'application/atom+xml; charset=utf-8',
  rss: 'application/rss+xml; charset=utf-8',
  json: 'application/feed+json; charset=utf-8',
};

/** What the documents name as their generator. */
const GENERATOR = 'Coalition Graph';

/** Stands in for the date of a feed with no items, which Atom and RSS still require: stable, so an empty feed keeps its ETag. */
const EPOCH = new Date(0);

/** Writes a feed in one format. */
export function renderFeed(feed: SyndicatedFeed, format: FeedFormat): string {
  switch (format) {
    case 'atom':
      return renderAtom(feed);
    case 'rss':
      return renderRss(feed);
    case 'json':
      return JSON.stringify(jsonFeed(feed));
  }
}

/**
 * Atom 1.0 through the `feed` package. Titles and summaries are plain text
 * and the package marks them `type="html"`, so they are escaped as HTML here
 * (a `<` in a title stays text, and no markup from a source reaches a reader
 * that renders HTML). Every entry has content (its sanitised body, else its
 * text), so an entry without a web page is still valid without a link.
 */
function renderAtom(feed: SyndicatedFeed): string {
  const xml = packageFeed(feed, 'atom').atom1();
  // The package writes an empty `<link/>` for an entry without a link; Atom requires `href` on every link, and content stands in for it.
  // It writes no language: the feed's goes on the root and each entry's on the entry (`xml:lang`, RFC 4287 §2), in the items' order.
  // Entries are the package's lines `    <entry>` (content is in CDATA and escaped, never such a line of its own).
  // It writes no `next` link (RFC 5005 paging): it goes after the self link.
  let entry = 0;
  const out = withNextLink(xml, /\n( *)<link rel="self" href="[^"]*"\/>/, feed.nextUrl, (indent, href) => `\n${indent}<link rel="next" href="${href}"/>`)
    .replace(/\n\s*<link\/>/g, '')
    .replace(/^(<\?xml[^>]*\?>\s*)?<feed xmlns="http:\/\/www\.w3\.org\/2005\/Atom"/, (root) => `${root} xml:lang="${feed.language}"`)
    .replace(/^ {4}<entry>$/gm, () => `    <entry xml:lang="${feed.items[entry++]?.language ?? feed.language}">`);
  if (entry !== feed.items.length) throw new Error(`the Atom writer wrote ${entry} entries for ${feed.items.length} items`);
  return out;
}

/** RSS 2.0 through the `feed` package; each item's author goes in `dc:creator` (RSS's own `author` must be an e-mail address), the next page's link in an `atom:link` beside the self link. */
function renderRss(feed: SyndicatedFeed): string {
  const xml = packageFeed(feed, 'rss').rss2();
  return withNextLink(xml, /\n( *)<atom:link href="[^"]*" rel="self" type="application\/rss\+xml"\/>/, feed.nextUrl, (indent, href) => `\n${indent}<atom:link href="${href}" rel="next" type="application/rss+xml"/>`);
}

/** `xml` with the next page's link written after the self link `self` matches (its first group the indentation); unchanged on the last page. */
function withNextLink(xml: string, self: RegExp, nextUrl: string | null, link: (indent: string, href: string) => string): string {
  if (nextUrl === null) return xml;
  const match = self.exec(xml);
  if (!match) throw new Error('the feed writer wrote no self link to put the next link beside');
  const end = match.index + match[0].length;
  return xml.slice(0, end) + link(match[1], escapeHtml(nextUrl)) + xml.slice(end);
}

function packageFeed(feed: SyndicatedFeed, format: 'atom' | 'rss'): Feed {
  const out = new Feed({
    id: feed.id,
    title: feed.title,
    description: feed.description,
    link: feed.homePage,
    feed: feed.selfUrl,
    updated: feed.updated ?? EPOCH,
    generator: GENERATOR,
    author: { name: PUBLISHER, link: feed.homePage },
    language: feed.language,
    ttl: 1,
    // Required by the package's types; an empty string writes no rights statement.
    copyright: '',
  });
  for (const item of feed.items) out.addItem(packageItem(item, format));
  return out;
}

function packageItem(item: SyndicatedItem, format: 'atom' | 'rss'): Item {
  // Atom writes a category as attributes (`term`, `label` from the name), RSS as text with a `domain`.
  const category = (term: string, name: string, scheme: string): Category =>
    format === 'atom' ? { term: escapeAttribute(term), name: escapeAttribute(name), scheme } : { name, domain: scheme };
  const categories = [
    ...item.nations.map((nation) => category(nation.code, nation.name, NATION_SCHEME)),
    ...item.tags.map((tag) => category(tag, tag, TAG_SCHEME)),
  ];
  return {
    id: item.id,
    guid: item.id,
    title: escapeHtml(item.title),
    // The package's type wants a link; entries without one lose the empty element in renderAtom, and RSS writes none.
    link: item.link ?? (undefined as unknown as string),
    date: item.updated,
    published: item.published,
    description: escapeHtml(item.summary),
    content: cdataSafe(item.html ?? `<p>${escapeHtml(item.text)}</p>`),
    author: [{ name: item.author }],
    category: categories,
    extensions: [{ name: 'dc:creator', objects: { _text: item.author } }],
  };
}

/** The package's XML writer escapes only `"` in attributes (text it escapes fully): the rest is escaped here. */
function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The package's writer splits only the first `]]>` out of a CDATA section; in HTML `]]&gt;` reads the same. */
function cdataSafe(html: string): string {
  return html.replace(/]]>/g, ']]&gt;');
}

/**
 * JSON Feed 1.1 (https://jsonfeed.org/version/1.1), written here: the
 * package writes only 1.0. `_coalition` is this gateway's extension, on each
 * item: `id` (the GraphQL global id), `type` (a `ContentType`), `nations`
 * (member codes), `countries` (ISO alpha-3) and `campaign` (a slug, or null).
 */
export function jsonFeed(feed: SyndicatedFeed): Record<string, unknown> {
  return {
    version: 'https://jsonfeed.org/version/1.1',
    title: feed.title,
    home_page_url: feed.homePage,
    feed_url: feed.selfUrl,
    ...(feed.nextUrl ? { next_url: feed.nextUrl } : {}),
    description: feed.description,
    language: feed.language,
    authors: [{ name: PUBLISHER, url: feed.homePage }],
    items: feed.items.map((item) => ({
      id: item.id,
      ...(item.url ? { url: item.url } : {}),
      ...(item.externalUrl ? { external_url: item.externalUrl } : {}),
      title: item.title,
      summary: item.summary,
      language: item.language,
      content_text: item.text,
      ...(item.html ? { content_html: item.html } : {}),
      date_published: item.published.toISOString(),
      date_modified: item.updated.toISOString(),
      authors: [{ name: item.author }],
      tags: [...item.nations.map((nation) => nation.name), ...item.tags],
      _coalition: {
        id: item.globalId,
        type: item.type,
        nations: item.nations.map((nation) => nation.code),
        countries: item.countries,
        campaign: item.campaign,
      },
    })),
  };
}
