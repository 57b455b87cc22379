import { xmlContent } from '../xml';

/**
 * Text as a feed gives it, before it becomes plain text or sanitised HTML:
 * `html` for markup (RSS descriptions, Atom `type="html"`/`"xhtml"`, JSON
 * `content_html`), `text` for text that is plain by declaration.
 */
export interface FeedText {
  readonly kind: 'text' | 'html';
  readonly value: string;
}

/** One entry of any format, read but not yet judged (see `feed-items.ts`). */
export interface FeedEntry {
  /** guid, Atom id, `rdf:about`, JSON `id`. */
  readonly id: string | null;
  readonly title: FeedText | null;
  /** description, Atom `summary`, JSON `summary`. */
  readonly summary: FeedText | null;
  /** `content:encoded`, Atom `content`, JSON `content_html`/`content_text`. */
  readonly content: FeedText | null;
  /** The entry's address as written (maybe relative). */
  readonly link: string | null;
  /** Where the reported original is, when the format tells it apart from `link` (JSON `external_url`). */
  readonly originalLink?: string | null;
  /** The entry's own `xml:base`. */
  readonly base: string | null;
  /** Its date fields in order of preference, by their names in the format, for messages. */
  readonly dates: readonly (readonly [field: string, value: string | null])[];
  readonly language: string | null;
  readonly tags: readonly string[];
}

/** What a format reader made of a document: the feed's own details and its entries, each read on demand. */
export interface FeedSource<Raw = unknown> {
  /** The format, for messages: `RSS 2.0`, `RSS 1.0`, `Atom 1.0`, `JSON Feed 1.1`. */
  readonly format: string;
  readonly title: FeedText | null;
  /** The site the feed belongs to (RSS `link`, Atom `link rel="alternate"`, JSON `home_page_url`). */
  readonly link: string | null;
  /** The feed's `xml:base`. */
  readonly base: string | null;
  readonly language: string | null;
  readonly entries: readonly Raw[];
  /** Reads one entry; may throw for an entry too broken to read, which then becomes an entry error. */
  readEntry(raw: Raw): FeedEntry;
}

/** An element as fast-xml-parser gives it: a string, an object of children and `@_` attributes, or an array of either. */
export type XmlValue = unknown;

/** Every occurrence of an element (none, one or many). */
export function all(value: XmlValue): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The first occurrence of a child element. */
export function child(node: XmlValue, name: string): XmlValue {
  if (!isObject(node)) return undefined;
  const value = node[name];
  return Array.isArray(value) ? value[0] : value;
}

/** An element's text (already decoded by the parser); null when it has none. */
export function text(node: XmlValue): string | null {
  if (typeof node === 'string') return node.trim() === '' ? null : node.trim();
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (isObject(node)) return text(node['#text']);
  return null;
}

/** An attribute of an element; null when absent or empty. */
export function attribute(node: XmlValue, name: string): string | null {
  if (!isObject(node)) return null;
  const value = node[`@_${name}`];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/**
 * The content of an element the parser kept raw: its text when it holds
 * character data (of `textKind`: `html` for RSS, where text is escaped HTML),
 * its markup as HTML when it holds elements.
 */
export function rawText(node: XmlValue, textKind: FeedText['kind']): FeedText | null {
  const raw = isObject(node) ? node['#text'] : node;
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  const content = xmlContent(raw);
  if (content.kind === 'markup') return { kind: 'html', value: content.html };
  return content.text === '' ? null : { kind: textKind, value: content.text };
}

/** A plain object (an element with children or attributes, a JSON object). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
