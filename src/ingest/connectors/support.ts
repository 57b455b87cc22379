import { isUtf8 } from 'node:buffer';
import { DocumentError, type FetchedDocument } from '../connector';
import { storableText } from '../storable-text';

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const UTF16LE = new TextDecoder('utf-16le', { fatal: true });
const UTF16BE = new TextDecoder('utf-16be', { fatal: true });

/**
 * A document's body as text, without its byte-order mark. UTF-8 unless a
 * UTF-16 mark says otherwise (spreadsheet programs save "Unicode text" so).
 * Bytes that are not valid UTF-8 fail the document rather than turning
 * into replacement characters that would then be stored for good: a CSV
 * saved in a legacy code page has to be saved again as UTF-8.
 */
export function bodyText(document: FetchedDocument): string {
  const body = document.body;
  try {
    if (body[0] === 0xff && body[1] === 0xfe) return UTF16LE.decode(body);
    if (body[0] === 0xfe && body[1] === 0xff) return UTF16BE.decode(body);
    return UTF8.decode(body);
  } catch {
    throw new DocumentError(`${document.url} is not UTF-8 text`);
  }
}

/**
 * The body as UTF-8 bytes without a byte-order mark, for parsers that read
 * bytes (csv-parse): the same checks as {@link bodyText}, without turning a
 * large file into a string and back.
 */
export function bodyBytes(document: FetchedDocument): Buffer {
  const body = document.body;
  if ((body[0] === 0xff && body[1] === 0xfe) || (body[0] === 0xfe && body[1] === 0xff)) return Buffer.from(bodyText(document), 'utf8');
  if (!isUtf8(body)) throw new DocumentError(`${document.url} is not UTF-8 text`);
  return body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? body.subarray(3) : body;
}

/**
 * The start of a text, at most `max` characters, cut at a word boundary and
 * marked with an ellipsis when anything was cut. Titles and summaries made
 * from longer text stay readable this way.
 */
export function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  // A single long "word" (a URL, unspaced script) is cut where it must be.
  const head = space > max / 2 ? cut.slice(0, space) : cut;
  return `${head.replace(/[\s,;:.–—-]+$/, '')}…`;
}

/**
 * Whitespace of any kind collapsed to single spaces, ends trimmed, and the
 * control characters no column may hold dropped (see `storableText`): a NUL
 * in one spreadsheet cell made PostgreSQL refuse its row's whole batch.
 */
export function collapse(text: string): string {
  return storableText(text.replace(/\s+/g, ' ')).replace(/ {2,}/g, ' ').trim();
}

/** A string option, trimmed; null when unset or empty. */
export function stringOption(options: Readonly<Record<string, unknown>>, name: string): string | null {
  const value = options[name];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

/** A boolean option; only `true` (or the string "true", as a form may store it) counts. */
export function flagOption(options: Readonly<Record<string, unknown>>, name: string): boolean {
  const value = options[name];
  return value === true || value === 'true';
}

/** Text made safe to put inside HTML, in element content or a double-quoted attribute. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

/** True for an absolute http(s) URL: the only addresses an item may link to. */
export function isWebUrl(value: string): boolean {
  if (!/^https?:\/\//i.test(value)) return false;
  try {
    new URL(value);
    return true;
  } catch {
    return false;
  }
}


/** The largest amount a budget keeps, in whole dollars: 2^53 − 1, past which a JavaScript number no longer holds every whole number exactly. */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;

/**
 * True for an amount a budget column keeps: a whole number within
 * ±{@link MAX_AMOUNT}. The column is a bigint, and a typo's twenty digits
 * made PostgreSQL refuse the whole batch of its row, on every run.
 */
export function isStorableAmount(amount: number): boolean {
  return Number.isSafeInteger(amount);
}


/**
 * Plain text (IATI narratives, spreadsheet cells) as an HTML body: each
 * paragraph (a line of its own) escaped into a `<p>`. Escaped text is safe
 * HTML, so it needs no sanitising, which matters at 100,000 rows.
 */
export function paragraphs(text: string): string | null {
  const html = text
    .split(/\r?\n/)
    .map(collapse)
    .filter((paragraph) => paragraph !== '')
    .map((paragraph) => `<p>${escapeHtml(paragraph)}</p>`)
    .join('');
  return html || null;
}
