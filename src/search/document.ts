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

/** Longest body text indexed (characters, before normalising): PostgreSQL limits a tsvector to 1 MB. */
const MAX_BODY = 200_000;

/**
 * What an item is indexed by: title, summary (with the type's short fields)
 * and body, each normalised the same way queries are (`normalise.ts`), over
 * the original and every translation, so that a reader finds an item in any
 * of the languages it exists in.
 */
export function searchDocument(versions: readonly SearchableText[]): SearchDocument {
  return {
    title: join(versions.map((version) => version.title)),
    summary: join(versions.flatMap((version) => [version.summary, ...(version.extra ?? [])])),
    body: join(versions.map((version) => (version.body ? plainText(version.body).slice(0, MAX_BODY) : null))),
  };
}

/**
 * The texts of one field, normalised, each distinct text once. A text met
 * twice would count its words twice, which ranks by repetition rather than
 * relevance: a post's text is its summary as the social archive stores it,
 * and a translation often keeps a name as the original's title.
 */
function join(texts: readonly (string | null | undefined)[]): string {
  const distinct = new Set<string>();
  for (const text of texts) {
    const normalised = text ? normaliseForSearch(text) : '';
    if (normalised !== '') distinct.add(normalised);
  }
  return [...distinct].join(' ');
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
