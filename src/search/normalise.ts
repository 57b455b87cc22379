import { COMPLEX, FOLDED, foldOf, followsHamzaSeat, HAMZA_ABOVE, JOINER, kindOf, MARK, SAME, seatHamza, SEPARATOR } from './characters';
import { finishToken } from './stem';

/**
 * One word of a text as search sees it: where it is in the original text
 * (UTF-16 code units, as JavaScript indexes strings, so `text.slice(start, end)`
 * is the word) and what it is indexed as.
 */
export interface Token {
  readonly start: number;
  readonly end: number;
  readonly normalised: string;
}

/**
 * The FTS5 tokenizer for a table of {@link normaliseForSearch} output
 * (`tokenize = 'ascii'`). It splits on ASCII characters other than letters and
 * digits, of which normalised text holds only the space, and takes every other
 * character as part of a token, so the tokens are exactly the normaliser's.
 * `unicode61` would apply its own Unicode tables on top (Unicode 6.1 categories
 * decide what separates, case folding, optional diacritic removal), which can
 * only disagree with the normaliser and with PostgreSQL.
 */
export const FTS5_TOKENIZER = 'ascii';

/**
 * The PostgreSQL text search configuration to index and query normalised text
 * with: `simple` lower-cases and keeps every word (no stemming, no stop words),
 * and `to_tsvector(regconfig, text)` is immutable, so it can back a GIN index.
 */
export const TEXT_SEARCH_CONFIG = 'simple';

/**
 * The text to store in a search column and index with each engine's simplest
 * tokenizer (`to_tsvector('simple', …)` on PostgreSQL, FTS5's `ascii`
 * tokenizer on SQLite): lower-case tokens of letters and ASCII digits joined
 * by single spaces. Both engines then split exactly where this function did,
 * which is what makes their results agree; queries are normalised by the same
 * code (see `query.ts`).
 *
 * Per word: NFKD, lower case, combining marks and tatweel dropped, Arabic letter
 * forms unified (see `characters.ts`), digits of every script made ASCII, a
 * number in scientific notation split off as PostgreSQL's parser would;
 * then the word-level rules of `stem.ts` (English/French plurals, Arabic و and ال).
 * Anything that is not a letter, number or mark separates words.
 */
export function normaliseForSearch(text: string): string {
  const tokens: string[] = [];
  scanWords(text, (_start, _end, folded) => {
    tokens.push(finishToken(folded));
  });
  return tokens.join(' ');
}

/**
 * The words of `text` with their positions in it, for highlighting: the
 * `normalised` values, joined by spaces, are exactly {@link normaliseForSearch}.
 * A word that normalises to several tokens (½ → 1 2) gives several tokens
 * with the same span.
 */
export function tokenise(text: string): Token[] {
  const tokens: Token[] = [];
  scanWords(text, (start, end, folded) => {
    tokens.push({ start, end, normalised: finishToken(folded) });
  });
  return tokens;
}

/** Receives each folded token with the span, in the original text, of the word it came from. */
export type WordVisitor = (start: number, end: number, folded: string) => void;

/**
 * Splits `text` into words (runs of letters, numbers, marks and joiners) and
 * folds each at the character level, before any word-level rule. Shared by
 * indexing, highlighting and query parsing, which needs the folded form of a
 * prefix as well as the finished one.
 *
 * One pass: characters that fold to themselves are copied a run at a time,
 * the others are looked up in the cache of `characters.ts`. Folding character
 * by character gives what folding the NFKD of the whole word would, because
 * NFKD only decomposes (it never composes across characters), and what it
 * reorders are the marks, which are dropped.
 */
export function scanWords(text: string, visit: WordVisitor): void {
  const length = text.length;
  let i = 0;
  while (i < length) {
    let code = codePointAt(text, i);
    let kind = kindOf(code);
    if (kind === SEPARATOR) {
      i += code > 0xffff ? 2 : 1;
      continue;
    }
    // A word, up to the next separator. Joiners at its edges are not part of its span.
    let start = -1;
    let end = i;
    let folded = '';
    let runStart = i;
    let complex = false;
    while (true) {
      const width = code > 0xffff ? 2 : 1;
      if (kind !== SAME) {
        folded += text.slice(runStart, i);
        runStart = i + width;
        if (kind === FOLDED) folded += foldOf(code);
        else if (kind === COMPLEX) complex = true;
        else if (kind === MARK && code === HAMZA_ABOVE && followsHamzaSeat(folded)) folded = seatHamza(folded);
      }
      if (kind !== JOINER) {
        if (start < 0) start = i;
        end = i + width;
      }
      i += width;
      if (i >= length) break;
      code = codePointAt(text, i);
      kind = kindOf(code);
      if (kind === SEPARATOR) break;
    }
    if (complex) {
      foldComplexWord(text.slice(start, end), (piece) => emitPieces(piece, start, end, visit));
      continue;
    }
    folded += text.slice(runStart, i);
    if (folded !== '') emitPieces(folded, start, end, visit);
  }
}

/**
 * The slow path, for a word holding a character whose decomposition separates
 * words (½, ﷺ): the whole word is decomposed, and split where that produced
 * punctuation or a number that is not a digit.
 */
function foldComplexWord(word: string, emit: (folded: string) => void): void {
  const source = word.normalize('NFKD').toLowerCase();
  let out = '';
  for (let i = 0; i < source.length; ) {
    const code = codePointAt(source, i);
    i += code > 0xffff ? 2 : 1;
    const kind = kindOf(code);
    if (kind === SAME) out += String.fromCodePoint(code);
    else if (kind === FOLDED) out += foldOf(code);
    else if (kind === MARK) {
      if (code === HAMZA_ABOVE && followsHamzaSeat(out)) out = seatHamza(out);
    } else if (kind !== JOINER && out !== '') {
      emit(out);
      out = '';
    }
  }
  if (out !== '') emit(out);
}

/**
 * PostgreSQL's parser reads digits, `e` and digits at the start of a word as a
 * number in scientific notation and ends the token there (`2e3x` → `2e3`, `x`),
 * while FTS5 keeps `2e3x` whole; the normalised text splits such words the way
 * PostgreSQL does, so that both engines index the same tokens.
 */
function emitPieces(token: string, start: number, end: number, visit: WordVisitor): void {
  let i = 0;
  while (i < token.length && isDigit(token.charCodeAt(i))) i++;
  if (i > 0 && i + 1 < token.length && token.charCodeAt(i) === 0x65 /* e */ && isDigit(token.charCodeAt(i + 1))) {
    i += 2;
    while (i < token.length && isDigit(token.charCodeAt(i))) i++;
    if (i < token.length) {
      visit(start, end, token.slice(0, i));
      visit(start, end, token.slice(i));
      return;
    }
  }
  visit(start, end, token);
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** The code point at `i`, or the lone surrogate there. */
function codePointAt(text: string, i: number): number {
  const code = text.charCodeAt(i);
  if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
    const next = text.charCodeAt(i + 1);
    if (next >= 0xdc00 && next <= 0xdfff) return (code - 0xd800) * 0x400 + (next - 0xdc00) + 0x10000;
  }
  return code;
}
