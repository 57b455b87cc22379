/**
 * How search normalisation sees each code point, and what it folds it to.
 * Both are worked out once per code point, the first time it is met (NFKD,
 * lower case, Unicode-property regexes), and cached — a typed array for the
 * BMP, maps above it — so the hot loop of normalisation reads a number and, for
 * the few characters that change, a string, instead of normalising or running a
 * regex for every character.
 */

/** A letter or number that folds to itself: most Arabic and lower-case Latin letters, ASCII digits. */
export const SAME = 1;
/** A letter or number that folds to another string (É → e, أ → ا, ة → ه, ٣ → 3, ﬁ → fi, ـ → nothing): see {@link foldOf}. */
export const FOLDED = 2;
/**
 * A letter or number whose compatibility decomposition holds something that
 * separates words (½ → 1⁄2, ﷺ → four words), or a number that is neither a
 * digit nor decomposes into letters or digits (৴; Ⅻ is fine, it becomes xii):
 * the word it is in takes the slow path, which decomposes the whole word and
 * splits it there. Such numbers separate words because PostgreSQL's parser
 * does not take them for letters.
 */
export const COMPLEX = 3;
/** A combining mark (`\p{M}`): part of the word it follows, dropped from the normalised text. */
export const MARK = 4;
/** A format character that must not split a word (soft hyphen, zero-width joiners, bidi marks): dropped. */
export const JOINER = 5;
/** Everything else: spaces, punctuation, symbols, emoji, unassigned and private-use code points. */
export const SEPARATOR = 6;

export type CharKind = typeof SAME | typeof FOLDED | typeof COMPLEX | typeof MARK | typeof JOINER | typeof SEPARATOR;

/** ARABIC HAMZA ABOVE, which NFKD splits off أ ؤ ئ: see {@link followsHamzaSeat}. */
export const HAMZA_ABOVE = 0x0654;
const HAMZA = '\u0621';

/**
 * Letters rewritten after NFKD and lower-casing. Each entry is a choice:
 * - Arabic: alef wasla ٱ → ا (NFKD already turns أ إ آ into ا plus a mark that is dropped);
 *   taa marbuta ة → ه and alef maqsura ى → ي, which writers and keyboards swap at the end of words;
 *   the Persian keyboard's ی and ک → ي and ك, which Arabic typed on such keyboards contains;
 *   tatweel ـ (a letter by category, a stretch in print) → nothing.
 * - Latin letters that NFKD leaves whole although readers treat them as plain letters:
 *   ß → ss, œ → oe, æ → ae, ø → o, đ ð → d, ł → l, ı → i, ħ → h, þ → th.
 * - Greek final sigma ς → σ, because lower-casing chooses between them by position in the word.
 * Decimal digits of every script become ASCII digits (see {@link digitValue}).
 */
const LETTER_FOLDS = new Map<number, string>([
  [0x0671, '\u0627'],
  [0x0629, '\u0647'],
  [0x0649, '\u064a'],
  [0x06cc, '\u064a'],
  [0x06a9, '\u0643'],
  [0x0640, ''],
  [0x00df, 'ss'],
  [0x0153, 'oe'],
  [0x00e6, 'ae'],
  [0x00f8, 'o'],
  [0x0111, 'd'],
  [0x00f0, 'd'],
  [0x0142, 'l'],
  [0x0131, 'i'],
  [0x0127, 'h'],
  [0x00fe, 'th'],
  [0x03c2, '\u03c3'],
]);

/**
 * Format characters that sit inside words in real text (soft hyphens from
 * hyphenation, ZWNJ/ZWJ in Arabic-script text, bidi marks pasted from word
 * processors): they are dropped without splitting the word around them.
 */
const JOINERS = new Set<number>([
  0x00ad, 0x034f, 0x061c, 0x180e, 0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2060, 0x2066,
  0x2067, 0x2068, 0x2069, 0xfeff,
]);

const LETTER = /^\p{L}$/u;
const DECIMAL_DIGIT = /^\p{Nd}$/u;
const NUMBER = /^\p{N}$/u;
const COMBINING_MARK = /^\p{M}$/u;

const BMP_KINDS = new Uint8Array(0x10000);
const ASTRAL_KINDS = new Map<number, CharKind>();
const FOLDS = new Map<number, string>();

for (let code = 0; code < 0x80; code++) {
  const lower = code >= 0x61 && code <= 0x7a;
  const digit = code >= 0x30 && code <= 0x39;
  const upper = code >= 0x41 && code <= 0x5a;
  BMP_KINDS[code] = lower || digit ? SAME : upper ? FOLDED : SEPARATOR;
  if (upper) FOLDS.set(code, String.fromCharCode(code + 0x20));
}

/** The kind of a code point, as it appears in original text. */
export function kindOf(code: number): CharKind {
  if (code < 0x10000) {
    const cached = BMP_KINDS[code];
    if (cached !== 0) return cached as CharKind;
    const kind = classify(code);
    BMP_KINDS[code] = kind;
    return kind;
  }
  let kind = ASTRAL_KINDS.get(code);
  if (kind === undefined) {
    kind = classify(code);
    ASTRAL_KINDS.set(code, kind);
  }
  return kind;
}

/** What a {@link FOLDED} code point becomes (possibly the empty string). */
export function foldOf(code: number): string {
  return FOLDS.get(code) ?? '';
}

/**
 * Whether HAMZA ABOVE after `folded` (the word folded so far) turns its last
 * letter into a bare hamza: و or ي, as in ؤ and ئ once decomposed. NFKD turns
 * أ إ آ into ا plus a mark; the alef forms are meant to meet, since writers drop
 * the hamza on alef all the time. For ؤ and ئ the hamza is kept as ء instead,
 * since the seat of a medial hamza is what varies between spelling conventions
 * (مسؤول, مسئول → مسءول), while dropping it would merge words with plain و and ي.
 */
export function followsHamzaSeat(folded: string): boolean {
  return folded.endsWith('\u0648') || folded.endsWith('\u064a');
}

/** `folded` with the hamza rule of {@link followsHamzaSeat} applied. */
export function seatHamza(folded: string): string {
  return folded.slice(0, -1) + HAMZA;
}

function classify(code: number): CharKind {
  if (JOINERS.has(code)) return JOINER;
  const char = String.fromCodePoint(code);
  if (COMBINING_MARK.test(char)) return MARK;
  if (!LETTER.test(char) && !NUMBER.test(char)) return SEPARATOR;
  const folded = foldDecomposed(char.normalize('NFKD').toLowerCase());
  if (folded === null) return COMPLEX;
  if (folded === char) return SAME;
  FOLDS.set(code, folded);
  return FOLDED;
}

/** A decomposed, lower-cased letter or number, folded; null if it holds something that separates words. */
function foldDecomposed(decomposed: string): string | null {
  let out = '';
  for (const char of decomposed) {
    const code = char.codePointAt(0)!;
    if (JOINERS.has(code)) continue;
    if (COMBINING_MARK.test(char)) {
      if (code === HAMZA_ABOVE && followsHamzaSeat(out)) out = seatHamza(out);
      continue;
    }
    if (LETTER.test(char)) out += LETTER_FOLDS.get(code) ?? char;
    else if (DECIMAL_DIGIT.test(char)) out += String(digitValue(code));
    else return null;
  }
  return out;
}

/**
 * The value of a decimal digit of any script (Arabic-Indic ٣ → 3, Persian ۳ → 3,
 * Devanagari ३ → 3…), so that numbers match whatever digits they were written
 * in. Unicode guarantees that every script's digits are contiguous runs of
 * 0–9 in order, so the value is how far back the run goes, modulo 10 (some
 * runs are adjacent).
 */
function digitValue(code: number): number {
  let run = 0;
  while (run < 100 && DECIMAL_DIGIT.test(String.fromCodePoint(code - run - 1))) run++;
  return run % 10;
}
