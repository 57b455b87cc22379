import { tokenise, type Token } from './normalise';
import { matchTerms, type MatchTerm, type SearchQuery } from './query';

/** A matched word in a highlight's `text`, in UTF-16 code units as JavaScript counts them. */
export interface HighlightRange {
  readonly start: number;
  readonly length: number;
}

/** Plain text and the ranges to mark in it: clients style them however they like, and no HTML is ever built here. */
export interface Highlight {
  readonly text: string;
  readonly ranges: readonly HighlightRange[];
}

export interface HighlightOptions {
  /** A field longer than this (UTF-16 code units) is cut down to a passage of about this length. Default 160. */
  readonly maxLength?: number;
}

/** The default passage length: about two lines of a result list. */
export const DEFAULT_PASSAGE_LENGTH = 160;

const ELLIPSIS = '\u2026';

/**
 * The words of `text` that `query` matches, found with the same
 * normalisation as the index (so "reouverture" marks "réouverture" and
 * "العراق" marks the whole of "والعراق"). Each word of a phrase occurrence is
 * a range of its own; a prefix marks every word that starts with it; excluded
 * terms are never marked.
 *
 * A field of at most `maxLength` code units comes back whole and unchanged.
 * A longer one comes back as the passage of about `maxLength` code units with
 * the most distinct query terms (then the most matches, then the earliest),
 * widened evenly around them, cut at word boundaries, with runs of whitespace
 * made single spaces and "…" where words were cut off. A single match longer
 * than `maxLength` is returned whole.
 *
 * @returns null when nothing in the field matches.
 */
export function highlight(text: string, query: SearchQuery, options: HighlightOptions = {}): Highlight | null {
  const terms = matchTerms(query);
  if (terms.length === 0) return null;
  const tokens = tokenise(text);
  const matches = matchedWords(tokens, terms);
  if (matches.length === 0) return null;
  const maxLength = Math.max(1, options.maxLength ?? DEFAULT_PASSAGE_LENGTH);
  if (text.length <= maxLength) {
    return { text, ranges: matches.map((match) => ({ start: match.start, length: match.end - match.start })) };
  }
  return passage(text, tokens, matches, maxLength);
}

/** A matched word: its span in the original text, the first token it covers, and a bit per clause it satisfies. */
interface MatchedWord {
  readonly start: number;
  readonly end: number;
  readonly token: number;
  clauses: number;
}

function matchedWords(tokens: readonly Token[], terms: readonly MatchTerm[]): MatchedWord[] {
  const clauseBits = new Uint32Array(tokens.length);
  const exact = new Map<string, number>();
  const prefixes: MatchTerm[] = [];
  for (const term of terms) {
    const bit = 2 ** (term.clause % 32);
    if (term.words.length > 1) markPhrase(tokens, term, bit, clauseBits);
    else if (term.prefix) prefixes.push(term);
    else exact.set(term.words[0], (exact.get(term.words[0]) ?? 0) | bit);
  }
  for (let t = 0; t < tokens.length; t++) {
    const word = tokens[t].normalised;
    let bits = exact.get(word) ?? 0;
    for (const term of prefixes) if (word.startsWith(term.words[0])) bits |= 2 ** (term.clause % 32);
    if (bits !== 0) clauseBits[t] |= bits;
  }
  const words: MatchedWord[] = [];
  for (let t = 0; t < tokens.length; t++) {
    if (clauseBits[t] === 0) continue;
    const previous = words[words.length - 1];
    // Tokens folded out of one word share its span: one range.
    if (previous !== undefined && previous.start === tokens[t].start) previous.clauses |= clauseBits[t];
    else words.push({ start: tokens[t].start, end: tokens[t].end, token: t, clauses: clauseBits[t] });
  }
  return words;
}

function markPhrase(tokens: readonly Token[], term: MatchTerm, bit: number, clauseBits: Uint32Array): void {
  const { words } = term;
  const last = words.length - 1;
  for (let t = 0; t + last < tokens.length; t++) {
    let k = 0;
    while (k < last && tokens[t + k].normalised === words[k]) k++;
    if (k < last) continue;
    const word = tokens[t + last].normalised;
    if (term.prefix ? !word.startsWith(words[last]) : word !== words[last]) continue;
    for (let m = 0; m <= last; m++) clauseBits[t + m] |= bit;
  }
}

function passage(text: string, tokens: readonly Token[], matches: readonly MatchedWord[], maxLength: number): Highlight {
  const [first, last] = bestWindow(matches, maxLength);
  const coreStart = matches[first].start;
  const coreEnd = matches[last].end;
  const slack = Math.max(0, maxLength - (coreEnd - coreStart));
  const after = Math.min(text.length - coreEnd, slack - Math.min(coreStart, Math.floor(slack / 2)));
  const before = Math.min(coreStart, slack - after);
  // Widen to whole words: the first token starting inside the window, the last one ending inside it.
  let firstToken = matches[first].token;
  while (firstToken > 0 && tokens[firstToken - 1].start >= coreStart - before) firstToken--;
  let lastToken = lastTokenOf(tokens, matches[last]);
  while (lastToken + 1 < tokens.length && tokens[lastToken + 1].end <= coreEnd + after) lastToken++;
  const start = tokens[firstToken].start;
  const end = tokens[lastToken].end;

  const { text: body, offsets } = collapseWhitespace(text, start, end);
  const lead = firstToken > 0 ? ELLIPSIS : '';
  const tail = lastToken < tokens.length - 1 ? ELLIPSIS : '';
  const ranges: HighlightRange[] = [];
  for (const match of matches) {
    if (match.start < start || match.end > end) continue;
    const rangeStart = offsets[match.start - start];
    ranges.push({ start: lead.length + rangeStart, length: offsets[match.end - start] - rangeStart });
  }
  return { text: lead + body + tail, ranges };
}

/** The last token of a matched word (a word folded into several tokens has them all under one span). */
function lastTokenOf(tokens: readonly Token[], match: MatchedWord): number {
  let t = match.token;
  while (t + 1 < tokens.length && tokens[t + 1].start === match.start) t++;
  return t;
}

/**
 * The run of matches, spanning at most `maxLength` code units (or a single
 * match), that satisfies the most clauses, then has the most matches, then
 * comes first. Two pointers keep it linear in the number of matches.
 */
function bestWindow(matches: readonly MatchedWord[], maxLength: number): [number, number] {
  const perClause = new Int32Array(32);
  let distinct = 0;
  let best: [number, number] = [0, 0];
  let bestDistinct = -1;
  let bestCount = 0;
  let next = 0;
  for (let first = 0; first < matches.length; first++) {
    while (next < matches.length && (next === first || matches[next].end - matches[first].start <= maxLength)) {
      distinct += countClauses(perClause, matches[next].clauses, 1);
      next++;
    }
    const count = next - first;
    if (distinct > bestDistinct || (distinct === bestDistinct && count > bestCount)) {
      best = [first, next - 1];
      bestDistinct = distinct;
      bestCount = count;
    }
    distinct -= countClauses(perClause, matches[first].clauses, -1);
  }
  return best;
}

/** Adds `delta` to each clause in `bits`; returns how many clauses went from or to zero. */
function countClauses(perClause: Int32Array, bits: number, delta: 1 | -1): number {
  let changed = 0;
  for (let clause = 0; clause < 32; clause++) {
    if ((bits & (2 ** clause)) === 0) continue;
    const before = perClause[clause];
    perClause[clause] = before + delta;
    if (before === 0 || before + delta === 0) changed++;
  }
  return changed;
}

/**
 * `text.slice(start, end)` with each run of whitespace (line breaks included)
 * made one space, and where each original offset in it ends up.
 */
function collapseWhitespace(text: string, start: number, end: number): { text: string; offsets: Int32Array } {
  const offsets = new Int32Array(end - start + 1);
  let out = '';
  let runStart = start;
  let length = 0;
  let i = start;
  while (i < end) {
    if (!isWhitespace(text.charCodeAt(i))) {
      offsets[i - start] = length + (i - runStart);
      i++;
      continue;
    }
    out += text.slice(runStart, i);
    length += i - runStart;
    const spaceAt = length;
    out += ' ';
    length++;
    while (i < end && isWhitespace(text.charCodeAt(i))) offsets[i++ - start] = spaceAt;
    runStart = i;
  }
  out += text.slice(runStart, end);
  length += end - runStart;
  offsets[end - start] = length;
  return { text: out, offsets };
}

function isWhitespace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0x85 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000
  );
}
