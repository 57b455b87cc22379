/**
 * The light, word-level rules of search normalisation: English and French
 * plurals, Arabic conjunction and article. They run on a token whose
 * characters are already folded (lower case, no marks, Arabic letter forms
 * unified), at write time and at query time alike, so a rule that conflates
 * two words costs precision (the words find each other) but never recall.
 * That is why each rule is small and each exception is a word the rule would
 * otherwise merge with a different, common word.
 */

/**
 * The longest token kept, in UTF-16 code units; longer ones are cut. PostgreSQL
 * refuses to index a lexeme over 2,047 bytes (it drops it with a notice) while
 * SQLite keeps it, so without a cap the two engines would disagree; 100 units
 * is well above any real word and at most 400 bytes of UTF-8.
 */
export const MAX_TOKEN_LENGTH = 100;

/**
 * Words ending in `s` that are not plurals, or whose singular would be
 * another common word: left as they are. (Words ending in -ss, -us and -is,
 * and words of three letters or fewer, never lose their s, which already keeps
 * is, was, has, bus, gas, this, status, analysis, crisis, Paris, fois…)
 */
const INVARIANT = new Set([
  // English: news ≠ new, goods ≠ good, means ≠ mean, customs ≠ custom, specie ≠ species.
  'news',
  'goods',
  'means',
  'customs',
  'series',
  'species',
  'hamas', // ≠ Hama, the Syrian city
  // French words that end in s in the singular, whose s-less form is another word.
  'pays', // ≠ pay
  'temps', // ≠ temp
  'corps', // ≠ corp
  'cours', // ≠ cour
  'vers', // ≠ ver
  'pres',
  'apres',
  'tres',
  'sans',
  'dans',
  'bras',
  'fils',
]);

/**
 * Reduces an English or French plural to the form its singular also reduces to.
 * Applies only to tokens of the letters a–z, which is what both languages
 * become once accents are removed. Rules:
 * 1. A word in {@link INVARIANT} is kept.
 * 2. A final `s` is dropped from words of four letters or more, unless they end
 *    in -ss, -us or -is (class, status, analysis). French -eaux loses its `x`
 *    (bureaux → bureau) and -aux in words of six letters or more becomes -al
 *    (internationaux → international; taux, faux are shorter).
 * 3. The result is put in a shape that singular and plural share:
 *    a consonant + `y` ending becomes `ie` (city and cities → citie; strategy,
 *    stratégie and stratégies → strategie; spy and spies → spie), because
 *    English -y/-ies and French -ie/-ies are otherwise irreconcilable once
 *    the accent of réfugiés is gone;
 *    and an `e` after ch, sh, ss, x or zz is dropped from words of four letters
 *    or more (boxes → boxe → box; classes, classe → class; recherche(s) → recherch;
 *    Straße, strasse → strass),
 *    because English drops -es there and French keeps the e in the singular.
 * Left out on purpose: -ves (lives), -oes (heroes), irregular plurals
 * (men, children), French -eux and -oux (singular adjectives such as
 * dangereux, doux end so too), and accented French plurals of -ie words whose
 * folded form is an English invariant (séries stays series, série is serie).
 */
export function reduceLatinPlural(word: string): string {
  const n = word.length;
  let stem = word;
  const last = word.charCodeAt(n - 1);
  if (last === S && n >= 4) {
    const before = word.charCodeAt(n - 2);
    if (before === S || before === U || before === I || INVARIANT.has(word)) return word;
    stem = word.slice(0, n - 1);
  } else if (last === X && n >= 4) {
    if (word.endsWith('eaux')) return word.slice(0, n - 1);
    if (n >= 6 && word.endsWith('aux')) return word.slice(0, n - 3) + 'al';
    return word;
  }
  return sharedSingularShape(stem);
}

function sharedSingularShape(word: string): string {
  const n = word.length;
  const last = word.charCodeAt(n - 1);
  if (last === Y && n >= 3 && !isVowel(word.charCodeAt(n - 2))) return word.slice(0, n - 1) + 'ie';
  if (last === E && n >= 4 && endsWithSibilant(word, n - 1)) return word.slice(0, n - 1);
  return word;
}

/** Whether `word` up to `end` ends in ch, sh, ss, x or zz: where English plurals take -es. */
function endsWithSibilant(word: string, end: number): boolean {
  const last = word.charCodeAt(end - 1);
  if (last === X) return true;
  const before = word.charCodeAt(end - 2);
  if (last === H) return before === C || before === S;
  if (last === S) return before === S;
  if (last === Z) return before === Z;
  return false;
}

function isVowel(code: number): boolean {
  return code === A || code === E || code === I || code === O || code === U || code === Y;
}

const A = 0x61;
const C = 0x63;
const E = 0x65;
const H = 0x68;
const I = 0x69;
const O = 0x6f;
const S = 0x73;
const U = 0x75;
const X = 0x78;
const Y = 0x79;
const Z = 0x7a;

/**
 * How many letters of Arabic clitic start `word`, or 0: the article ال and the
 * particles that fuse with it (بال by the, فال so the, كال like the, لل for the
 * — لـ + الـ with the alef dropped), or the conjunction و (and). Each starts with
 * a different letter, so the first letter decides which one to try.
 */
function cliticLength(word: string): number {
  const first = word.charCodeAt(0);
  const second = word.charCodeAt(1);
  if (first === WAW) return 1;
  if (first === ALEF || first === LAM) return second === LAM ? 2 : 0;
  if (first === BEH || first === FEH || first === KAF) return second === ALEF && word.charCodeAt(2) === LAM ? 3 : 0;
  return 0;
}

const ALEF = 0x0627;
const BEH = 0x0628;
const FEH = 0x0641;
const KAF = 0x0643;
const LAM = 0x0644;
const WAW = 0x0648;

/** How many letters must remain after a clitic for it to be taken for a clitic rather than part of the word. */
export const ARABIC_STEM_MIN = 3;

/**
 * Strips the Arabic conjunction و and the article ال (alone, fused with
 * ب ف ك ل, or after و) from the front of a folded Arabic token, repeatedly,
 * while at least `minRemaining` letters stay: العراق, والعراق, بالعراق and
 * للعراق all become عراق, and الوزير → وزير → زير, the same as وزير → زير.
 * The price is that a word which merely begins with these letters loses them
 * too, which is harmless except where the rest is another word: وزير → زير
 * (a jar), وجود → جود (generosity), والي → الي (the same as إلى), إلهام → هام
 * (important), and للبنان → بنان (لـ + لبنان read as لـ + الـ).
 */
export function stripArabicClitics(word: string, minRemaining = ARABIC_STEM_MIN): string {
  let stem = word;
  for (let pass = 0; pass < 4; pass++) {
    const clitic = cliticLength(stem);
    if (clitic === 0 || stem.length - clitic < minRemaining) break;
    stem = stem.slice(clitic);
  }
  return stem;
}

/** Whether a folded token is Arabic-script (its first letter is one of the Arabic block's letters). */
function isArabicToken(word: string): boolean {
  const first = word.charCodeAt(0);
  return first >= 0x0621 && first <= 0x064a;
}

function isLatinToken(word: string): boolean {
  for (let i = 0; i < word.length; i++) {
    const code = word.charCodeAt(i);
    if (code < A || code > Z) return false;
  }
  return true;
}

/** The indexed form of a folded token: word-level rules applied, then length capped. */
export function finishToken(folded: string): string {
  let token = folded;
  if (isArabicToken(token)) token = stripArabicClitics(token);
  else if (isLatinToken(token)) token = reduceLatinPlural(token);
  return capLength(token);
}

/**
 * What a word typed as a prefix (the last word of a search-as-you-type query)
 * must be matched as: its finished form, its folded form (so "city" still
 * finds "cityscape", which does not begin with "citie"), and for Arabic its
 * form with clitics stripped down to a single letter (so that "الع" already
 * finds العراق, indexed as عراق). A form that another form is a prefix of is
 * left out, since the shorter prefix matches everything the longer does.
 */
export function prefixForms(folded: string): string[] {
  const forms = new Set([finishToken(folded), capLength(folded)]);
  if (isArabicToken(folded)) forms.add(capLength(stripArabicClitics(folded, 1)));
  const distinct = [...forms];
  return distinct.filter((form) => !distinct.some((other) => other !== form && form.startsWith(other)));
}

function capLength(token: string): string {
  if (token.length <= MAX_TOKEN_LENGTH) return token;
  const cut = isHighSurrogate(token.charCodeAt(MAX_TOKEN_LENGTH - 1)) ? MAX_TOKEN_LENGTH - 1 : MAX_TOKEN_LENGTH;
  return token.slice(0, cut);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
