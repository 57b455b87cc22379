import { decodeHTML } from 'entities';
import { stripTags } from './text-strip';

export { sanitiseHtml, sanitiseReport, type SanitiseOptions, type SanitiseReport } from './text-sanitise';
export { slugify } from './text-slug';

/** Markup left in text after a round of decoding: the sign of HTML escaped once more than it should be. */
const MARKUP = /<\/?[a-z][^>]*>|<!--|<!\[CDATA\[|<![a-z]/i;
/** An entity reference left after a round of decoding (`&amp;amp;` written by a feed that escapes twice). */
const ENTITY = /&(?:#[0-9]{1,7}|#x[0-9a-f]{1,6}|[a-z][a-z0-9]{1,31});/i;
/** The start of anything a browser would read as a tag, left after the last round. */
const TAG_OPENING = /<[a-z/!?]/i;
/** How many times text may turn out to be escaped again; feeds in the wild stop at two. */
const MAX_ROUNDS = 3;
// C0 and C1 controls other than whitespace, the soft hyphen and zero-width no-break space: invisible, never wanted in a title.
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u00ad\ufeff]/g;
const WHITESPACE = /\s+/g;

/**
 * Plain text from a fragment of HTML or text, for titles, summaries and tags:
 * tags dropped, the content of `script`, `style`, `noscript`, `template`,
 * `iframe`, `svg`… dropped with them, block elements (`p`, `br`, `li`, `div`,
 * headings, table cells) turned into spaces so that no two words are glued
 * together, every HTML entity decoded (named, decimal, hex), whitespace
 * collapsed and the ends trimmed.
 *
 * Feeds often escape HTML once more than their format asks (`&lt;b&gt;` in an
 * RSS description, which is already HTML escaped into XML): when a round of
 * stripping and decoding leaves markup or entity references behind, the text
 * goes through another round (at most three), and whatever still looks like
 * the start of a tag after that is stripped without decoding. So the result
 * never holds `<` followed by a letter, `/`, `!` or `?` (nothing a careless
 * consumer could render as a tag), at the price of dropping text that merely
 * looks like one: `x<y` and `x&lt;y` are both `x`; `a < b` and `<3` stay.
 *
 * With `maxLength`, longer text is cut at a word boundary and ends with `…`
 * (see {@link truncateText}).
 */
export function plainText(htmlOrText: string, maxLength?: number): string {
  const text = toText(htmlOrText);
  return maxLength === undefined ? text : truncateText(text, maxLength);
}

function toText(input: string): string {
  let text = input;
  if (text.includes('<') || text.includes('&')) {
    for (let round = 0; round < MAX_ROUNDS; round += 1) {
      if (text.includes('<')) text = stripTags(text);
      if (text.includes('&')) text = decodeHTML(text);
      if (!MARKUP.test(text) && !ENTITY.test(text)) break;
    }
    if (TAG_OPENING.test(text)) text = stripTags(text);
  }
  return text.replace(INVISIBLE, '').replace(WHITESPACE, ' ').trim();
}

/**
 * Cuts plain text to at most `maxLength` characters (UTF-16 code units, never
 * fewer than the database counts), at the last word boundary when there is one
 * in the second half, and ends it with `…`. Text that fits is returned as is.
 */
export function truncateText(text: string, maxLength: number): string {
  if (text.length <= maxLength) return text;
  if (maxLength < 2) return maxLength < 1 ? '' : '…';
  const room = maxLength - 1;
  let cut: string;
  if (text[room] === ' ') {
    cut = text.slice(0, room);
  } else {
    const space = text.lastIndexOf(' ', room);
    cut = space > room / 2 ? text.slice(0, space) : text.slice(0, room);
  }
  // A cut between the halves of a surrogate pair would leave half a character.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return cut.replace(/[\s,;:.\-–—(]+$/, '') + '…';
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ESCAPES[character]);
}

/**
 * HTML for text that is known to be plain (Atom `type="text"` content, JSON
 * Feed `content_text`): escaped, blank lines separate paragraphs, single line
 * breaks become `<br />`. Null when there is no text.
 */
export function textToHtml(text: string): string | null {
  const paragraphs = text
    .replace(INVISIBLE, '')
    .split(/\r?\n[ \t]*\r?\n/)
    .map((paragraph) => paragraph.trim())
    .filter((paragraph) => paragraph !== '');
  if (paragraphs.length === 0) return null;
  return paragraphs
    .map((paragraph) => `<p>${paragraph.split(/\r?\n/).map((line) => escapeHtml(line.replace(/[ \t]+/g, ' ').trim())).join('<br />')}</p>`)
    .join('');
}
