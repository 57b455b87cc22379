import { escapeLexeme } from './document';
import { scanWords } from './normalise';
import { tsPrefix, type PrefixExpansions } from './prefixes';
import { finishToken, prefixForms } from './stem';

/**
 * Consecutive normalised tokens a document must contain. A single word is a
 * phrase of one token. With `prefix`, the last token matches any token that
 * begins with it (search-as-you-type).
 */
export interface SearchPhrase {
  readonly words: readonly string[];
  readonly prefix: boolean;
}

/** Alternatives joined by `OR`: a document must contain at least one. */
export interface SearchClause {
  readonly anyOf: readonly SearchPhrase[];
}

/** A query that can match: every clause must match and no excluded phrase may. */
export interface MatchingSearchQuery {
  readonly matchesNothing: false;
  readonly clauses: readonly SearchClause[];
  readonly excluded: readonly SearchPhrase[];
}

/**
 * A query that cannot match anything, kept distinct from "no query" so the
 * caller can answer with an empty page rather than an error:
 * - `no-searchable-terms`: every term normalised to nothing (only punctuation,
 *   emoji, `*`, a lone `-`, a dangling `OR`…);
 * - `only-exclusions`: all terms were `-excluded`, and excluding from nothing
 *   leaves nothing (listing everything but X is not what search is for).
 */
export interface EmptySearchQuery {
  readonly matchesNothing: true;
  readonly reason: 'no-searchable-terms' | 'only-exclusions';
}

export type SearchQuery = MatchingSearchQuery | EmptySearchQuery;

/** A phrase the highlighter looks for, with the index of the clause it satisfies (to prefer passages that satisfy many). */
export interface MatchTerm extends SearchPhrase {
  readonly clause: number;
}

/**
 * Limits that bound what one query can cost to parse and to run: terms typed
 * after the first `terms` are not read, and later clauses, alternatives,
 * exclusions and phrase words are dropped. Dropping a required clause, a
 * phrase word or an exclusion widens the result, dropping an alternative
 * narrows it; nothing raises. (Clauses also number the highlighter's bits.)
 */
export const QUERY_LIMITS = { terms: 128, clauses: 32, alternatives: 16, excluded: 16, phraseWords: 32 } as const;

/**
 * Parses what someone typed into a search box. The syntax:
 * - words: all must match (`mosul schools`);
 * - `"quoted phrases"`, also with typographic quotes (“ ” „ « »), which phones
 *   put in place of `"`;
 * - `OR` (upper case, between two terms) for alternatives; it binds tighter
 *   than the implicit AND (`a b OR c` is a AND (b OR c)); an `OR` with no term on
 *   one side, or next to an exclusion, is ignored, so `mosul OR` typed on the
 *   way to `mosul OR raqqa` still shows mosul's results;
 * - `-word` and `-"phrase"` exclude (a `-` elsewhere is punctuation);
 * - the last word is a prefix when the input does not end in whitespace or a
 *   closing quote (search-as-you-type); an excluded last word is not.
 * Everything else is text: it goes through `normaliseForSearch`, so
 * punctuation and operators of either engine (`*`, `:`, `^`, `(`, `NEAR`,
 * stray quotes) separate words and never reach the database as syntax. A term
 * with several tokens (`anti-Daesh`, `l'école`) is a phrase.
 *
 * @returns null for an empty or whitespace-only input (a client error);
 *   otherwise a query, possibly one that matches nothing.
 */
export function parseSearchQuery(input: string): SearchQuery | null {
  if (input.trim() === '') return null;
  const clauses: SearchPhrase[][] = [];
  const excluded: SearchPhrase[] = [];
  let lastWasPositive = false;
  let orPending = false;
  for (const item of lexQuery(input, QUERY_LIMITS.terms)) {
    if (item.kind === 'or') {
      orPending = lastWasPositive;
      continue;
    }
    const phrases = termPhrases(item.text, item.prefix && !item.excluded);
    if (phrases.length === 0) continue;
    if (item.excluded) {
      excluded.push(...phrases);
      lastWasPositive = false;
    } else if (orPending) {
      clauses[clauses.length - 1].push(...phrases);
      lastWasPositive = true;
    } else {
      clauses.push(phrases);
      lastWasPositive = true;
    }
    orPending = false;
  }
  const kept = dedupeClauses(clauses).slice(0, QUERY_LIMITS.clauses);
  if (kept.length === 0) return { matchesNothing: true, reason: excluded.length > 0 ? 'only-exclusions' : 'no-searchable-terms' };
  return {
    matchesNothing: false,
    clauses: kept.map((anyOf) => ({ anyOf: anyOf.slice(0, QUERY_LIMITS.alternatives) })),
    excluded: dedupePhrases(excluded).slice(0, QUERY_LIMITS.excluded),
  };
}

/**
 * An FTS5 MATCH expression for the query, for a table whose tokenizer splits
 * the stored normalised text on spaces (`FTS5_TOKENIZER`). Every token is a
 * double-quoted string, so nothing a user typed is read as FTS5 syntax:
 * `"a b"` is a phrase, `"a"*` a prefix, `OR` inside parentheses, and exclusions
 * use FTS5's binary NOT: `("a" AND "b") NOT ("c" OR "d")`.
 *
 * @returns null when the query matches nothing (run no MATCH at all).
 */
export function toFts5Match(query: SearchQuery): string | null {
  if (query.matchesNothing) return null;
  const clause = (c: SearchClause) => (c.anyOf.length === 1 ? fts5Phrase(c.anyOf[0]) : `(${c.anyOf.map(fts5Phrase).join(' OR ')})`);
  const required = query.clauses.map(clause).join(' AND ');
  if (query.excluded.length === 0) return required;
  return `(${required}) NOT (${query.excluded.map(fts5Phrase).join(' OR ')})`;
}

/**
 * Text for PostgreSQL's `to_tsquery('simple', $1)`, matched against
 * `to_tsvector('simple', normalised)`. Every token is a quoted lexeme
 * (`'word'`, quotes doubled and backslashes escaped although normalised tokens
 * contain neither), phrases are joined with `<->`, a prefix is `'word':*`,
 * alternatives `|`, required clauses `&`, exclusions `& !(…)`. `to_tsquery`
 * and not `websearch_to_tsquery`, because the latter has no prefix syntax.
 * With `expansions` (see prefixes.ts), a prefix is the words it begins
 * instead: the same matches, found faster.
 *
 * @returns null when the query matches nothing (run no query at all).
 */
export function toTsQuery(query: SearchQuery, expansions?: PrefixExpansions): string | null {
  if (query.matchesNothing) return null;
  const phrase = (p: SearchPhrase) => tsPhrase(p, expansions);
  const clause = (c: SearchClause) => (c.anyOf.length === 1 ? phrase(c.anyOf[0]) : `(${c.anyOf.map(phrase).join(' | ')})`);
  const parts = query.clauses.map(clause);
  if (query.excluded.length > 0) parts.push(`!(${query.excluded.map(phrase).join(' | ')})`);
  return parts.join(' & ');
}

/** The phrases a highlighter should mark: every alternative of every clause, never an exclusion. */
export function matchTerms(query: SearchQuery): MatchTerm[] {
  if (query.matchesNothing) return [];
  return query.clauses.flatMap((clause, index) => clause.anyOf.map((phrase) => ({ words: phrase.words, prefix: phrase.prefix, clause: index })));
}

function fts5Phrase(phrase: SearchPhrase): string {
  const quoted = `"${phrase.words.join(' ').replaceAll('"', '""')}"`;
  return phrase.prefix ? `${quoted}*` : quoted;
}

function tsPhrase(phrase: SearchPhrase, expansions: PrefixExpansions | undefined): string {
  const lexemes = phrase.words.map((word) => `'${escapeLexeme(word)}'`);
  if (phrase.prefix) lexemes[lexemes.length - 1] = tsPrefix(phrase.words[phrase.words.length - 1], expansions);
  return lexemes.length === 1 ? lexemes[0] : `(${lexemes.join(' <-> ')})`;
}

/** The phrases one term stands for: one, or for a prefix one per form of its last word. */
function termPhrases(text: string, prefix: boolean): SearchPhrase[] {
  const folded: string[] = [];
  scanWords(text, (_start, _end, token) => {
    folded.push(token);
  });
  if (folded.length === 0) return [];
  const words = folded.slice(0, QUERY_LIMITS.phraseWords);
  const truncated = words.length < folded.length;
  const head = words.slice(0, -1).map(finishToken);
  const last = words[words.length - 1];
  if (!prefix || truncated) return [{ words: [...head, finishToken(last)], prefix: false }];
  return prefixForms(last).map((form) => ({ words: [...head, form], prefix: true }));
}

function phraseKey(phrase: SearchPhrase): string {
  return `${phrase.prefix ? '*' : ''}${phrase.words.join(' ')}`;
}

function dedupePhrases(phrases: SearchPhrase[]): SearchPhrase[] {
  const seen = new Set<string>();
  return phrases.filter((phrase) => {
    const key = phraseKey(phrase);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function dedupeClauses(clauses: SearchPhrase[][]): SearchPhrase[][] {
  const seen = new Set<string>();
  const kept: SearchPhrase[][] = [];
  for (const clause of clauses) {
    const anyOf = dedupePhrases(clause);
    const key = anyOf.map(phraseKey).sort().join('\n');
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(anyOf);
  }
  return kept;
}

/** A term as typed (its text is not normalised yet), or the `OR` keyword. */
type QueryItem = { readonly kind: 'or' } | { readonly kind: 'term'; readonly text: string; readonly excluded: boolean; readonly prefix: boolean };

/**
 * Splits the input into terms and `OR`s. A quote opens a phrase only if
 * another quote closes it; otherwise it is punctuation like any other.
 */
function lexQuery(input: string, maxTerms: number): QueryItem[] {
  const items: QueryItem[] = [];
  const length = input.length;
  let terms = 0;
  let i = 0;
  while (i < length && terms < maxTerms) {
    if (isSpace(input.charCodeAt(i))) {
      i++;
      continue;
    }
    let excluded = false;
    if (input.charCodeAt(i) === HYPHEN && i + 1 < length && !isSpace(input.charCodeAt(i + 1))) {
      excluded = true;
      i++;
    }
    if (isQuote(input.charCodeAt(i))) {
      const close = nextQuote(input, i + 1);
      if (close >= 0) {
        items.push({ kind: 'term', text: input.slice(i + 1, close), excluded, prefix: false });
        terms++;
        i = close + 1;
        continue;
      }
    }
    const start = i;
    while (i < length && !isSpace(input.charCodeAt(i))) i++;
    const text = input.slice(start, i);
    if (text === 'OR' && !excluded) {
      items.push({ kind: 'or' });
    } else {
      items.push({ kind: 'term', text, excluded, prefix: i === length });
      terms++;
    }
  }
  return items;
}

const HYPHEN = 0x2d;

/** ASCII " and the typographic double quotes: “ ” „ ‟ « ». */
function isQuote(code: number): boolean {
  return code === 0x22 || code === 0x201c || code === 0x201d || code === 0x201e || code === 0x201f || code === 0xab || code === 0xbb;
}

function nextQuote(input: string, from: number): number {
  for (let i = from; i < input.length; i++) if (isQuote(input.charCodeAt(i))) return i;
  return -1;
}

/** The characters `String.prototype.trim` removes, so that a query that is not blank has a term. */
function isSpace(code: number): boolean {
  return (
    (code >= 0x09 && code <= 0x0d) ||
    code === 0x20 ||
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}
