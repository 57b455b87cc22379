import { alpha2ToAlpha3 } from 'i18n-iso-countries/index';
import arabicNames from 'i18n-iso-countries/langs/ar.json';
import englishNames from 'i18n-iso-countries/langs/en.json';
import frenchNames from 'i18n-iso-countries/langs/fr.json';
import {
  BLOCKED_PHRASES,
  DROPPED_LIBRARY_NAMES,
  LIBRARY_CODE_OVERRIDES,
  MEMBER_COUNTRY_CODES,
  NATION_NAMES,
  ORGANISATION_CODES,
  PERSON_LIKE_NAMES,
  PLACE_WORDS,
  WORD_ACRONYMS,
} from './nation-names';

/** The members and countries a text names, as ingestion tags an item with them. */
export interface FoundNations {
  /** ISO 3166-1 alpha-3 codes of every country named, member of the coalition or not, sorted. */
  readonly countries: string[];
  /** Codes of coalition members named: member countries (alpha-3) and organisations (EU, NATO, INTERPOL, LAS, CENSAD), sorted. */
  readonly nations: string[];
}

/**
 * The coalition members and countries named in `text` (English, French or
 * Arabic; ingestion passes `title + '\n' + summary + '\n' + body`), so that an
 * item can be filtered by nation and country without anyone tagging it.
 *
 * Names are matched as whole words, the longest first ("Papua New Guinea" is
 * not Guinea, "Niger Delta" is not Niger), after folding French accents,
 * splitting elisions ("l’Irak") and stripping Arabic clitics ("وبالعراق"),
 * letter variants and diacritics. Case decides between a country and a word:
 * acronyms count only in capitals ("US", never the pronoun "us"), names only
 * when capitalised or in capitals ("Turkey", "TURKEY", never the bird
 * "turkey"), French adjectives of nationality in any case ("irakienne").
 * Two heuristics cover what case cannot: in a line written all in capitals
 * "US" is a country unless it reads as the pronoun ("LET US PRAY", "HELP US
 * REBUILD", "STAND WITH US"); and in ordinary sentences Jordan, Chad and
 * Georgia next to another capitalised word that is neither a place word nor a
 * name we know ("Michael Jordan", "Chad Miller said") are taken for people.
 * Phrases that contain a name without naming the country ("New Mexico",
 * "Latin America", "Islamic State of Iraq and the Levant") name nothing.
 *
 * Non-members go to `countries` only, member countries to both lists,
 * organisations to `nations` only. Pure and synchronous; the dictionary is
 * built once when the module loads.
 */
export function findNations(text: string): FoundNations {
  scan(text);
  const found: string[] = [];
  for (let i = 0; i < count; ) {
    const entry = longestAt(i);
    if (entry === undefined) {
      i++;
      continue;
    }
    if (entry.code !== null && !found.includes(entry.code) && passesGuard(entry, i)) found.push(entry.code);
    i += entry.keys.length;
  }
  release();
  const countries: string[] = [];
  const nations: string[] = [];
  for (const code of found) {
    if (ORGANISATIONS.has(code)) {
      nations.push(code);
      continue;
    }
    countries.push(code);
    if (MEMBER_COUNTRIES.has(code)) nations.push(code);
  }
  return { countries: countries.sort(), nations: nations.sort() };
}

/** `acronym`: every word in capitals; `capitalised`: the first word capitalised or in capitals; `any`: no rule. */
type Policy = 'acronym' | 'capitalised' | 'any';

/** `pronoun`: an acronym that is also a word; `person`: a country that is also a given name. */
type Guard = 'none' | 'pronoun' | 'person';

interface Entry {
  readonly keys: readonly string[];
  /** Null for a blocked phrase, which is matched only to hide the names inside it. */
  code: string | null;
  policy: Policy;
  guard: Guard;
  readonly curated: boolean;
}

const ORGANISATIONS = new Set(ORGANISATION_CODES);
const MEMBER_COUNTRIES = new Set(MEMBER_COUNTRY_CODES);

// ---- Characters and words ----
//
// One pass over the text with lookup tables, rather than a Unicode regex, a
// normalisation and a fresh string per word: a word is folded (lower case, no
// accents, Arabic variants merged) and hashed as it is read, and only a word
// whose hash some name's first word shares ever becomes a string.

const OTHER = 0;
const LETTER = 1;
/** A combining mark (an accent, tashkeel): part of the word it follows, never the start of one. */
const MARK = 2;
const UPPER_CASE = 1;
const LOWER_CASE = 2;

const CHAR_KIND = new Uint8Array(0x10000);
/** The letter a character folds to; 0 when it folds to nothing (marks, tatweel). */
const CHAR_FOLD = new Uint16Array(0x10000);
const CHAR_CASE = new Uint8Array(0x10000);

/**
 * The scripts names are written in: Latin with its accents and combining
 * marks, Greek and Cyrillic (so their words stay whole), Arabic. Letters of
 * any other script are not words here, which only means they never match.
 */
const SCRIPT_RANGES: readonly (readonly [number, number])[] = [
  [0x0000, 0x0530],
  [0x0600, 0x0700],
  [0x0750, 0x0780],
  [0x08a0, 0x0900],
  [0x1e00, 0x1f00],
];
/** Hamza and alef forms, tā' marbūṭa and alef maqṣūra fold onto the letters writers swap them for; tatweel folds to nothing. */
const ARABIC_FOLD: Readonly<Record<string, string>> = { أ: 'ا', إ: 'ا', آ: 'ا', ٱ: 'ا', ة: 'ه', ى: 'ي', ؤ: 'و', ئ: 'ي', ی: 'ي', ک: 'ك', ـ: '' };
/** Modifier letters that look like apostrophes (lʼIrak): they must split the elision from the name, as ’ and ' do. */
const MODIFIER_APOSTROPHES = [0x2bb, 0x2bc];

function buildCharacterTables(): void {
  const letter = /\p{L}/u;
  const mark = /\p{M}/u;
  const marks = /\p{M}/gu;
  for (const [from, to] of SCRIPT_RANGES) {
    for (let code = from; code < to; code++) {
      const char = String.fromCharCode(code);
      if (mark.test(char)) CHAR_KIND[code] = MARK;
      if (!letter.test(char) || MODIFIER_APOSTROPHES.includes(code)) continue;
      CHAR_KIND[code] = LETTER;
      const folded = ARABIC_FOLD[char] ?? char.normalize('NFD').replace(marks, '').toLowerCase();
      CHAR_FOLD[code] = folded.length > 0 ? folded.charCodeAt(0) : 0;
      const upper = char.toUpperCase();
      const lower = char.toLowerCase();
      CHAR_CASE[code] = upper === lower ? 0 : char === upper ? UPPER_CASE : LOWER_CASE;
    }
  }
}

buildCharacterTables();

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

function hashOf(key: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), FNV_PRIME);
  return hash;
}

const LOWER = 0;
const CAPITAL = 1;
const UPPER = 2;
const UNCASED = 3;

const ASCII_WORD = 1;
const DOTTED = 2;
const ARABIC_WORD = 4;

// The words of the text being read, in arrays reused from call to call (the
// function is synchronous, so calls never overlap).
let source = '';
let count = 0;
let capacity = 256;
let starts = new Int32Array(capacity);
let ends = new Int32Array(capacity);
let lineOf = new Int32Array(capacity);
let hashes = new Int32Array(capacity);
let lengths = new Int32Array(capacity);
let shapes = new Uint8Array(capacity);
let flags = new Uint8Array(capacity);
let firsts = new Uint16Array(capacity);
/** Folded words, made only for the words that might start a name, or that a longer name or a heuristic asks about. */
let keys: (string | undefined)[] = [];

function grow(): void {
  capacity *= 2;
  starts = copyInto(starts, new Int32Array(capacity));
  ends = copyInto(ends, new Int32Array(capacity));
  lineOf = copyInto(lineOf, new Int32Array(capacity));
  hashes = copyInto(hashes, new Int32Array(capacity));
  lengths = copyInto(lengths, new Int32Array(capacity));
  shapes = copyInto(shapes, new Uint8Array(capacity));
  flags = copyInto(flags, new Uint8Array(capacity));
  firsts = copyInto(firsts, new Uint16Array(capacity));
}

function copyInto<T extends Int32Array | Uint8Array | Uint16Array>(from: ArrayLike<number>, to: T): T {
  to.set(from);
  return to;
}

/** Lets go of the last text and its words, so that a long body is not kept alive until the next call. */
function release(): void {
  source = '';
  keys = [];
}

function scan(text: string): void {
  source = text;
  count = 0;
  keys = [];
  let line = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const code = text.charCodeAt(i);
    if (CHAR_KIND[code] !== LETTER) {
      if (code === 10) line++;
      i++;
      continue;
    }
    const start = i;
    let first = 0;
    let length = 0;
    let hash = FNV_OFFSET;
    let firstCase = 0;
    let lowers = 0;
    let bits = 0;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (CHAR_KIND[c] === OTHER) break;
      bits |= c;
      const folded = CHAR_FOLD[c];
      if (folded !== 0) {
        if (length === 0) first = folded;
        length++;
        hash = Math.imul(hash ^ folded, FNV_PRIME);
      }
      const letterCase = CHAR_CASE[c];
      if (letterCase !== 0) {
        if (firstCase === 0) firstCase = letterCase;
        if (letterCase === LOWER_CASE) lowers++;
      }
    }
    let flag = bits < 128 ? ASCII_WORD : 0;
    if (first >= 0x600 && first < 0x900) flag |= ARABIC_WORD;
    if (length === 1 && firstCase === UPPER_CASE && text.charCodeAt(i) === 46) {
      const end = dottedEnd(text, i);
      for (let j = i + 1; j < end; j += 2) {
        hash = Math.imul(hash ^ CHAR_FOLD[text.charCodeAt(j)], FNV_PRIME);
        length++;
      }
      if (end !== i) flag |= DOTTED;
      i = end;
    }
    if (count === capacity) grow();
    starts[count] = start;
    ends[count] = i;
    lineOf[count] = line;
    hashes[count] = hash;
    lengths[count] = length;
    shapes[count] = firstCase === 0 ? UNCASED : lowers === 0 ? UPPER : firstCase === UPPER_CASE ? CAPITAL : LOWER;
    flags[count] = flag;
    firsts[count] = first;
    count++;
  }
}

/** Where a dotted acronym whose first capital ends at `end` ends (U.S., U.K., E.U.), or `end` when there is none. */
function dottedEnd(text: string, end: number): number {
  let j = end;
  while (text.charCodeAt(j) === 46 && isCapitalAt(text, j + 1) && !isWordCharAt(text, j + 2)) j += 2;
  if (j === end) return end;
  return text.charCodeAt(j) === 46 ? j + 1 : j;
}

function isCapitalAt(text: string, index: number): boolean {
  if (index >= text.length) return false;
  const code = text.charCodeAt(index);
  return CHAR_KIND[code] === LETTER && CHAR_CASE[code] === UPPER_CASE;
}

function isWordCharAt(text: string, index: number): boolean {
  return index < text.length && CHAR_KIND[text.charCodeAt(index)] !== OTHER;
}

function keyAt(t: number): string {
  let key = keys[t];
  if (key === undefined) {
    key = fold(source, starts[t], ends[t], flags[t]);
    keys[t] = key;
  }
  return key;
}

function fold(text: string, start: number, end: number, flag: number): string {
  if (flag === ASCII_WORD) return text.slice(start, end).toLowerCase();
  let key = '';
  for (let i = start; i < end; i++) {
    const folded = CHAR_FOLD[text.charCodeAt(i)];
    if (folded !== 0) key += String.fromCharCode(folded);
  }
  return key;
}

/** The folded form of a word or phrase written in the data, exactly as a scanned word folds. */
function keyOf(words: string): string {
  scan(words);
  const folded = Array.from({ length: count }, (_, t) => keyAt(t)).join(' ');
  release();
  return folded;
}

/**
 * The stems an Arabic word may hide behind its clitics: the conjunction و or
 * ف, then a preposition ب ل ك, where ل before the article swallows its alef
 * (للعراق is ل + العراق). The word as written is always tried too, so a name
 * that starts with one of these letters (بريطانيا، لبنان) is never cut.
 */
function arabicStems(key: string): string[] {
  const stems: string[] = [];
  let rest = key;
  if (rest.length > 3 && (rest[0] === 'و' || rest[0] === 'ف')) {
    rest = rest.slice(1);
    stems.push(rest);
  }
  if (rest.length > 3) {
    if (rest.startsWith('لل')) stems.push('ال' + rest.slice(2));
    if (rest[0] === 'ب' || rest[0] === 'ل' || rest[0] === 'ك') stems.push(rest.slice(1));
  }
  return stems;
}

const CLITIC_LETTERS = new Set(['و', 'ف', 'ب', 'ل', 'ك'].map((letter) => letter.charCodeAt(0)));

// ---- The dictionary, built once ----

const ENTRIES = new Map<string, Entry>();
/** One bit per hash of a name's first word, so that most words are passed over without becoming strings. */
const FIRST_KEY_HASHES = new Uint32Array(1 << 15);
/** Entries by their first word, longest first, so the first that fits is the longest match. */
const BY_FIRST_KEY = new Map<string, Entry[]>();

const PERMISSIVENESS: Readonly<Record<Policy, number>> = { acronym: 0, capitalised: 1, any: 2 };

function policyOf(surface: string): Policy {
  const upper = surface.toUpperCase();
  if (upper === surface.toLowerCase()) return 'any';
  if (surface === upper) return 'acronym';
  const firstCased = [...surface].find((c) => c.toUpperCase() !== c.toLowerCase()) ?? '';
  return firstCased === firstCased.toLowerCase() ? 'any' : 'capitalised';
}

function addName(surface: string, code: string | null, curated: boolean): void {
  const keys = keyOf(surface).split(' ');
  if (keys[0] === '') return;
  const id = keys.join(' ');
  const policy = policyOf(surface);
  const existing = ENTRIES.get(id);
  if (existing === undefined) {
    ENTRIES.set(id, { keys, code, policy, guard: 'none', curated });
    return;
  }
  if (existing.code === code) {
    if (PERMISSIVENESS[policy] > PERMISSIVENESS[existing.policy]) existing.policy = policy;
    return;
  }
  if (code === null || existing.code === null) {
    existing.code = null;
    existing.policy = 'any';
    return;
  }
  if (curated && existing.curated) throw new Error(`nation names: "${surface}" is listed for both ${existing.code} and ${code}`);
  if (curated) {
    Object.assign(existing, { code, policy, curated });
    return;
  }
  if (!existing.curated) existing.code = null;
}

function englishForms(singular: string): string[] {
  return /(?:ese|ish|ch|sh|ss|ic)$/.test(singular) ? [singular] : [singular, `${singular}s`];
}

function frenchForms(masculine: string): string[] {
  if (/(?:ien|éen)$/.test(masculine)) return [masculine, `${masculine}ne`, `${masculine}s`, `${masculine}nes`];
  if (/on$/.test(masculine)) return [masculine, `${masculine}e`, `${masculine}ne`, `${masculine}s`, `${masculine}es`, `${masculine}nes`];
  if (/[sx]$/.test(masculine)) return [masculine, `${masculine}e`, `${masculine}es`];
  if (/e$/.test(masculine)) return [masculine, `${masculine}s`];
  return [masculine, `${masculine}e`, `${masculine}s`, `${masculine}es`];
}

function arabicForms(nisba: string): string[] {
  const inflected = [nisba, `${nisba}ة`, `${nisba}ين`, `${nisba}ون`];
  return [...inflected, ...inflected.map((form) => `ال${form}`), `${nisba}ا`];
}

function buildDictionary(): void {
  const dropped = new Set(DROPPED_LIBRARY_NAMES);
  for (const locale of [englishNames, frenchNames, arabicNames]) {
    for (const [alpha2, names] of Object.entries(locale.countries as Record<string, string | string[]>)) {
      const alpha3 = alpha2ToAlpha3(alpha2);
      if (alpha3 === undefined) continue;
      const code = LIBRARY_CODE_OVERRIDES[alpha3] ?? alpha3;
      // "Korea, Republic of" and "Holy See (Vatican City State)" are index forms, never written in running text.
      for (const name of typeof names === 'string' ? [names] : names) {
        if (!dropped.has(name) && !/[,(]/.test(name)) addName(name, code, false);
      }
    }
  }
  for (const [code, names] of Object.entries(NATION_NAMES)) {
    const surfaces = [
      ...(names.names ?? []),
      ...(names.en ?? []).flatMap(englishForms),
      ...(names.fr ?? []).flatMap(frenchForms),
      ...(names.ar ?? []).flatMap(arabicForms),
    ];
    for (const surface of surfaces) addName(surface, code, true);
  }
  for (const phrase of BLOCKED_PHRASES) addName(phrase, null, true);

  const wordAcronyms = new Set(WORD_ACRONYMS.map(keyOf));
  const personLike = new Set(PERSON_LIKE_NAMES.map(keyOf));
  for (const entry of ENTRIES.values()) {
    if (entry.keys.length === 1 && entry.policy === 'acronym' && wordAcronyms.has(entry.keys[0])) entry.guard = 'pronoun';
    if (entry.keys.length === 1 && entry.code !== null && personLike.has(entry.keys[0])) entry.guard = 'person';
    const list = BY_FIRST_KEY.get(entry.keys[0]);
    if (list === undefined) BY_FIRST_KEY.set(entry.keys[0], [entry]);
    else list.push(entry);
  }
  for (const [first, list] of BY_FIRST_KEY) {
    list.sort((a, b) => b.keys.length - a.keys.length);
    const hash = hashOf(first);
    FIRST_KEY_HASHES[hash >>> 17] |= 1 << ((hash >>> 12) & 31);
  }
}

buildDictionary();

const PLACE_KEYS = new Set(PLACE_WORDS.map(keyOf));
/** Verbs after which "US" in capitals is the pronoun: LET US, HELP US REBUILD. */
const PRONOUN_BEFORE = new Set(['let', 'help', 'join', 'tell', 'give', 'show', 'send', 'ask', 'thank', 'follow', 'contact', 'bring', 'keep', 'make', 'call', 'support', 'allow']);
/** Words after which "US" in capitals is the pronoun: FOR US ALL, WITH US AGAIN. */
const PRONOUN_AFTER = new Set(['all', 'both', 'too', 'alone', 'again', 'from', 'not', 'what', 'how', 'why', 'where', 'when']);
const LIST_JOINERS = new Set(['and', 'or', 'et', 'ou']);

// ---- Matching ----

/** Arabic words that may carry a clitic skip the hash test: their stems hash differently from the word as written. */
function mightStartName(t: number): boolean {
  if ((flags[t] & ARABIC_WORD) !== 0 && CLITIC_LETTERS.has(firsts[t])) return true;
  const hash = hashes[t];
  return (FIRST_KEY_HASHES[hash >>> 17] & (1 << ((hash >>> 12) & 31))) !== 0;
}

function longestAt(i: number): Entry | undefined {
  if (!mightStartName(i)) return undefined;
  const key = keyAt(i);
  let best = firstFit(BY_FIRST_KEY.get(key), i, 0);
  if ((flags[i] & ARABIC_WORD) !== 0) {
    for (const stem of arabicStems(key)) best = firstFit(BY_FIRST_KEY.get(stem), i, best?.keys.length ?? 0) ?? best;
  }
  return best;
}

/** The longest entry of `candidates` longer than `longerThan` words that fits at word `i`. */
function firstFit(candidates: Entry[] | undefined, i: number, longerThan: number): Entry | undefined {
  if (candidates === undefined) return undefined;
  for (const entry of candidates) {
    if (entry.keys.length <= longerThan) return undefined;
    if (fits(entry, i)) return entry;
  }
  return undefined;
}

function fits(entry: Entry, i: number): boolean {
  const { keys: words, policy } = entry;
  if (i + words.length > count) return false;
  for (let k = 1; k < words.length; k++) {
    const t = i + k;
    if (lineOf[t] !== lineOf[i] || keyAt(t) !== words[k] || breaksBetween(t - 1, t)) return false;
  }
  if (policy === 'any') return true;
  if (policy === 'capitalised') return shapes[i] === CAPITAL || shapes[i] === UPPER;
  for (let k = 0; k < words.length; k++) if (shapes[i + k] !== UPPER) return false;
  return true;
}

/** Between the words of one name a comma may stand ("Atlanta, Georgia"), a full stop may not ("the South. Sudan"). */
function breaksBetween(a: number, b: number): boolean {
  for (let i = ends[a]; i < starts[b]; i++) {
    const c = source.charCodeAt(i);
    if (c === 46 || c === 33 || c === 63 || c === 59 || c === 58 || c === 0x61f || c === 0x6d4) return true;
  }
  return false;
}

function onlySpaceBetween(a: number, b: number): boolean {
  for (let i = ends[a]; i < starts[b]; i++) {
    const c = source.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 0xa0) return false;
  }
  return true;
}

function neighbour(i: number, step: 1 | -1): number {
  const t = i + step;
  return t >= 0 && t < count && lineOf[t] === lineOf[i] ? t : -1;
}

function passesGuard(entry: Entry, i: number): boolean {
  if (entry.guard === 'pronoun') return !isShouting(i) || (entry.keys[0] === 'us' && !readsAsPronoun(i));
  if (entry.guard === 'person') return isShouting(i) || isTitled(i) || !readsAsPerson(i);
  return true;
}

/**
 * In capitals, "US" is the country when a word follows it and nothing around
 * it makes it an object ("HELP US REBUILD"); at the end of a sentence only
 * when it closes a list ("THE UK AND US").
 */
function readsAsPronoun(i: number): boolean {
  if ((flags[i] & DOTTED) !== 0) return false;
  const previous = neighbour(i, -1);
  const next = neighbour(i, 1);
  if (next === -1 || (flags[next] & ARABIC_WORD) !== 0 || breaksBetween(i, next)) {
    return previous === -1 || !LIST_JOINERS.has(keyAt(previous));
  }
  if (PRONOUN_AFTER.has(keyAt(next))) return true;
  return previous !== -1 && PRONOUN_BEFORE.has(keyAt(previous));
}

/** "Michael Jordan", "Chad Miller said": a capitalised neighbour, with only a space between, that is neither a place word nor a name we know. */
function readsAsPerson(i: number): boolean {
  const next = neighbour(i, 1);
  if (next !== -1 && shapes[next] === CAPITAL && isUnknownWord(next) && onlySpaceBetween(i, next)) return true;
  const previous = neighbour(i, -1);
  return previous !== -1 && shapes[previous] === CAPITAL && isUnknownWord(previous) && onlySpaceBetween(previous, i) && !startsSentence(previous);
}

function isUnknownWord(t: number): boolean {
  const key = keyAt(t);
  return !PLACE_KEYS.has(key) && !BY_FIRST_KEY.has(key);
}

function startsSentence(t: number): boolean {
  const previous = neighbour(t, -1);
  return previous === -1 || breaksBetween(previous, t);
}

/** The words of the line word `i` is on, as [first, last + 1). */
function lineAround(i: number): [number, number] {
  let first = i;
  while (first > 0 && lineOf[first - 1] === lineOf[i]) first--;
  let end = i + 1;
  while (end < count && lineOf[end] === lineOf[i]) end++;
  return [first, end];
}

/**
 * A headline set in capitals: no Latin word in lower or mixed case, and either
 * a word of three capitals or more, or two words in capitals ("IT'S UP TO US");
 * a lone "US" is just an acronym.
 */
function isShouting(i: number): boolean {
  const [first, end] = lineAround(i);
  let capitals = 0;
  let long = false;
  for (let t = first; t < end; t++) {
    if (shapes[t] === LOWER || shapes[t] === CAPITAL) return false;
    if (shapes[t] === UPPER && lengths[t] >= 2) {
      capitals++;
      if (lengths[t] >= 3) long = true;
    }
  }
  return long || capitals >= 2;
}

/** A line in Title Case: three in four of its longer words after the first are capitalised, so capitals say nothing about names. */
function isTitled(i: number): boolean {
  const [first, end] = lineAround(i);
  let capitalised = 0;
  let words = 0;
  for (let t = first + 1; t < end; t++) {
    if (shapes[t] === UNCASED || lengths[t] < 4) continue;
    words++;
    if (shapes[t] !== LOWER) capitalised++;
  }
  return words >= 2 && capitalised * 4 >= words * 3;
}
