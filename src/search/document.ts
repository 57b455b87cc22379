import { plainText } from '../text/text';
import { normaliseForSearch } from './normalise';

/** The text an item is found by: its fields in its own language and in every translation. */
export interface SearchableText {
  readonly title: string;
  readonly summary: string;
  /** Sanitised HTML, or null. */
  readonly body?: string | null;
  /** A project's place, a post's text: found like the summary. */
  readonly extra?: readonly (string | null | undefined)[];
}

/** The normalised text the search index holds for one item, by weight: title above summary above body. */
export interface SearchDocument {
  readonly title: string;
  readonly summary: string;
  readonly body: string;
}

/**
 * Most bytes (UTF-8) of normalised text one item is indexed by: title, summary
 * and body, of the original and every translation, together.
 *
 * PostgreSQL refuses a tsvector whose lexemes and positions take more than
 * 1,048,575 bytes ("string is too long for tsvector"), and characters say
 * little of that: NFKD spells a Hangul syllable (3 bytes) as two or three jamo
 * (6 to 9), so 198,006 characters of Korean made 1.4 MB. From the normalised
 * text on, the growth is bounded: `to_tsvector` keeps each distinct word once
 * (its bytes, at most one byte of alignment, a 2-byte count and a 2-byte
 * position: the word's bytes + 5 at most) and each repetition as a 2-byte
 * position, where the text spends the word's bytes and a space on every
 * occurrence (PostgreSQL splits normalised text at its spaces, `normalise.ts`).
 * A word has at least one byte, so a text of n bytes makes at most 3n + 3
 * bytes of vector, and the three fields joined by `||` (which counts the same
 * way) at most 3 × 320,000 + 9 = 960,009: 8% under the limit, whatever the
 * text. The shortest distinct words, as bad as text gets, make 1.83 bytes per
 * byte (585,000 for a full document; search-index.test.ts indexes them), and
 * 320,000 bytes is some 50,000 words of English.
 */
export const MAX_DOCUMENT_BYTES = 320_000;

/**
 * What an item is indexed by: title, summary (with the type's short fields)
 * and body, each normalised the same way queries are (`normalise.ts`), over
 * the original and every translation, so that a reader finds an item in any
 * of the languages it exists in.
 *
 * Never more than {@link MAX_DOCUMENT_BYTES} in all: a longer item is indexed
 * by the first words of its texts (see {@link fitted}) rather than refused, on
 * both databases alike.
 */
export function searchDocument(versions: readonly SearchableText[]): SearchDocument {
  const [title, summary, body] = fitted([
    distinct(versions.map((version) => version.title)),
    distinct(versions.flatMap((version) => [version.summary, ...(version.extra ?? [])])),
    distinct(versions.map((version) => (version.body ? plainText(version.body) : null))),
  ]);
  return { title, summary, body };
}

/**
 * The texts of one field, normalised, each distinct text once. A text met
 * twice would count its words twice, which ranks by repetition rather than
 * relevance: a post's text is its summary as the social archive stores it,
 * and a translation often keeps a name as the original's title.
 *
 * Each text is cut to {@link MAX_DOCUMENT_BYTES} characters before it is
 * normalised, which costs time by the character: what is past them could never
 * be indexed, but for a text of mostly punctuation or marks.
 */
function distinct(texts: readonly (string | null | undefined)[]): string[] {
  const found = new Set<string>();
  for (const text of texts) {
    const normalised = text ? normaliseForSearch(text.length > MAX_DOCUMENT_BYTES ? text.slice(0, MAX_DOCUMENT_BYTES) : text) : '';
    if (normalised !== '') found.add(normalised);
  }
  return [...found];
}

/**
 * Each field's texts joined by spaces, all three within
 * {@link MAX_DOCUMENT_BYTES}: the title takes what it needs first, then the
 * summary, then the body, so that a cut falls on the lightest weight. Within a
 * field the room is shared evenly between the texts (what a short one leaves
 * goes to the others), so that a long original cannot crowd its translations
 * out of the index. A cut text keeps its first whole words.
 */
function fitted(fields: readonly (readonly string[])[]): string[] {
  let room = MAX_DOCUMENT_BYTES;
  return fields.map((texts) => {
    // Each text with the space that follows it: a little more than the joined text, never less.
    const sizes = texts.map((text) => Buffer.byteLength(text) + 1);
    const needed = sizes.reduce((sum, size) => sum + size, 0);
    if (needed <= room) {
      room -= needed;
      return texts.join(' ');
    }
    const shares = new Array<number>(texts.length);
    let left = room;
    const smallestFirst = texts.map((_, i) => i).sort((a, b) => sizes[a] - sizes[b]);
    smallestFirst.forEach((i, n) => {
      shares[i] = Math.min(sizes[i], Math.floor(left / (texts.length - n)));
      left -= shares[i];
    });
    room = left;
    return texts
      .map((text, i) => firstWords(text, shares[i] - 1))
      .filter((text) => text !== '')
      .join(' ');
  });
}

/** The longest run of `text`'s first whole words that takes at most `bytes` bytes of UTF-8. */
function firstWords(text: string, bytes: number): string {
  if (bytes <= 0) return '';
  const utf8 = Buffer.from(text);
  if (utf8.length <= bytes) return text;
  // Normalised words are separated by single spaces, a byte no other character's UTF-8 holds.
  const end = utf8.lastIndexOf(0x20, bytes);
  return end <= 0 ? '' : utf8.toString('utf8', 0, end);
}

/** Longest word PostgreSQL indexes, in bytes of UTF-8: `to_tsvector` skips longer ones (with a notice) and counts no position for them. */
export const MAX_LEXEME_BYTES = 2047;
/** PostgreSQL's last word position: later words all sit there. */
const LAST_POSITION = 16_383;
/** Positions `to_tsvector` keeps of one word in one text, and a `tsvector` of one lexeme in all. */
const POSITIONS_PER_TEXT = 255;
const POSITIONS_PER_LEXEME = 256;
const WEIGHTS = ['A', 'B', 'C'] as const;

/**
 * The document as a PostgreSQL `tsvector` literal: exactly what
 * `setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', summary), 'B')
 * || setweight(to_tsvector('simple', body), 'C')` makes of the normalised
 * text (search-vector.test.ts compares them). The synthetic loader writes
 * these, so that PostgreSQL reads a million vectors rather than parsing a
 * million texts (140 µs a row, 2.5 times reading the literal); the gateway's
 * own writes send the text, which costs it less than building the literal.
 *
 * PostgreSQL's rules, kept: positions count words from 1 in each text, a word
 * keeps at most 255 of them and none past 16,383; each text's positions follow
 * the previous texts' highest; a lexeme keeps at most 256 positions in all;
 * words longer than {@link MAX_LEXEME_BYTES} are skipped and not counted.
 */
export function tsvectorOf(document: SearchDocument): string {
  // Per lexeme, its positions so far, each as position × 4 + weight (0 = A, 1 = B, 2 = C).
  const lexemes = new Map<string, number[]>();
  let shift = 0;
  let highest = 0;
  [document.title, document.summary, document.body].forEach((text, weight) => {
    const positions = new Map<string, number[]>();
    let position = 0;
    for (const word of text.split(' ')) {
      if (word === '' || !indexable(word)) continue;
      position++;
      const at = position < LAST_POSITION ? position : LAST_POSITION;
      const list = positions.get(word);
      if (!list) positions.set(word, [at]);
      else if (list.length < POSITIONS_PER_TEXT && list[list.length - 1] !== at) list.push(at);
    }
    for (const [word, list] of positions) {
      let kept = lexemes.get(word);
      if (!kept) lexemes.set(word, (kept = []));
      for (const at of list) {
        if (kept.length >= POSITIONS_PER_LEXEME || (kept.length > 0 && kept[kept.length - 1] >> 2 === LAST_POSITION)) break;
        const shifted = Math.min(at + shift, LAST_POSITION);
        kept.push((shifted << 2) | weight);
        if (shifted > highest) highest = shifted;
      }
    }
    shift = highest;
  });
  let literal = '';
  for (const [word, kept] of lexemes) {
    literal += `${literal === '' ? '' : ' '}'${escapeLexeme(word)}':`;
    for (let i = 0; i < kept.length; i++) literal += `${i === 0 ? '' : ','}${kept[i] >> 2}${WEIGHTS[kept[i] & 3]}`;
  }
  return literal;
}

/** Whether PostgreSQL indexes `word` (not too long for a lexeme; normalised tokens never are: `MAX_TOKEN_LENGTH`). */
function indexable(word: string): boolean {
  return word.length * 3 <= MAX_LEXEME_BYTES || Buffer.byteLength(word) <= MAX_LEXEME_BYTES;
}

const QUOTED = /['\\]/;

/** A lexeme quoted for a `tsvector` or `tsquery` literal: quotes doubled, backslashes escaped. */
export function escapeLexeme(word: string): string {
  return QUOTED.test(word) ? word.replaceAll('\\', '\\\\').replaceAll("'", "''") : word;
}
