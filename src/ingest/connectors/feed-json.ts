import { decodeHTML } from 'entities';
import { DocumentError } from '../connector';
import { isObject, type FeedEntry, type FeedSource, type FeedText } from './feed-model';

const VERSION = /^https?:\/\/jsonfeed\.org\/version\/(1(?:\.1)?)\/?$/;

/**
 * Reads a JSON Feed 1.0 or 1.1 document, recognised by its `version` URL.
 * Titles and summaries are plain text, as the format says; `content_html` is
 * HTML and `content_text` text; `url` is the item's page and `external_url`
 * the page it is about (a digest's original report).
 */
export function readJsonFeed(document: unknown): FeedSource {
  if (!isObject(document)) throw new DocumentError(`Not a feed: JSON ${Array.isArray(document) ? 'array' : typeof document}, not a JSON Feed object`);
  const version = typeof document.version === 'string' ? VERSION.exec(document.version.trim()) : null;
  if (!version) {
    const found = typeof document.version === 'string' ? `version "${document.version.slice(0, 100)}"` : 'no "version"';
    throw new DocumentError(`Not a feed: JSON with ${found}, not a JSON Feed (https://jsonfeed.org/version/1.1)`);
  }
  if (!Array.isArray(document.items)) throw new DocumentError('Not a readable JSON Feed: "items" is not a list');
  return {
    format: `JSON Feed ${version[1]}`,
    title: plain(document.title),
    link: string(document.home_page_url),
    base: null,
    language: string(document.language),
    entries: document.items,
    readEntry: readJsonItem,
  };
}

function readJsonItem(item: unknown): FeedEntry {
  if (!isObject(item)) throw new Error('the item is not a JSON object');
  // Ids are strings in the format; numbers are what some generators write.
  const id = typeof item.id === 'number' && Number.isFinite(item.id) ? String(item.id) : string(item.id);
  const html = string(item.content_html);
  const contentText = string(item.content_text);
  const url = string(item.url);
  const externalUrl = string(item.external_url);
  return {
    id,
    title: plain(item.title),
    summary: plain(item.summary),
    content: html !== null ? { kind: 'html', value: html } : contentText !== null ? { kind: 'text', value: contentText } : null,
    link: url ?? externalUrl,
    originalLink: externalUrl ?? url,
    base: null,
    dates: [
      ['date_published', string(item.date_published)],
      ['date_modified', string(item.date_modified)],
    ],
    language: string(item.language),
    tags: Array.isArray(item.tags) ? item.tags.filter((tag): tag is string => typeof tag === 'string') : [],
  };
}

function string(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/**
 * A title or summary, plain text by the spec. Its character references are
 * read, though (`&amp;` is `&`): publishers (WordPress's JSON feeds, for one)
 * escape plain titles as HTML, and JSON has no escaping of its own that they
 * could stand for. (XML feeds' text comes with its references read already.)
 */
function plain(value: unknown): FeedText | null {
  const text = string(value);
  return text === null ? null : { kind: 'text', value: decodeHTML(text) };
}
