import { escapeLexeme } from './document';
import type { SearchPhrase, SearchQuery } from './query';

/**
 * The most words a typed prefix is expanded to. A prefix that begins more
 * words (one or two letters, say) is left to the index's own prefix match.
 */
export const PREFIX_EXPANSION_LIMIT = 64;

/** The words of the index that begin with each prefix, or null where there are more than {@link PREFIX_EXPANSION_LIMIT}. */
export type PrefixExpansions = ReadonlyMap<string, readonly string[] | null>;

/** Runs one statement with named parameters and gives its rows. */
export type RunQuery = (sql: string, parameters: Record<string, unknown>) => Promise<Record<string, unknown>[]>;

/** The prefixes a query has (search-as-you-type: the last word of a phrase), each once. */
export function prefixesOf(query: SearchQuery): string[] {
  if (query.matchesNothing) return [];
  const phrases: SearchPhrase[] = [...query.clauses.flatMap((clause) => clause.anyOf), ...query.excluded];
  return [...new Set(phrases.filter((phrase) => phrase.prefix).map((phrase) => phrase.words[phrase.words.length - 1]))];
}

/**
 * Looks up, in one statement, the words of PostgreSQL's index (the table
 * `search_lexeme`, which triggers on `search_entry` keep) that begin with
 * each prefix of the query.
 *
 * Why: GIN answers `'elec':*` by reading the posting list of every word that
 * begins with "elec" into one bitmap before it can intersect it with the
 * other words, so a prefix that begins common words costs as much as the
 * whole list (60 ms at 1M items for `'hajin' & 'elec':*`, 96,000 items begin
 * with "elec"). The same words named one by one (`'hajin' & ('electricite' |
 * 'electricitie' | 'electrique')`) let GIN skip through the lists from the
 * rarest word: 13 ms, and the same items. The words are only ever added to
 * `search_lexeme`, never removed, so an expansion holds every word an entry
 * has (and perhaps words no entry has any more, which match nothing).
 *
 * The words that begin with a prefix follow each other in the table's byte
 * order from the prefix on, so each prefix reads the index from there, at
 * most one word past the limit (a `LIKE` with a pattern from a parameter
 * could not use the index: it read the whole table). A word two writers
 * added at once is there twice, and taken once. The lookup and the search
 * are two statements: an entry with a word new to the index, committed
 * between them, is found by the next search.
 */
export async function expandPrefixes(query: SearchQuery, run: RunQuery): Promise<PrefixExpansions> {
  const prefixes = prefixesOf(query);
  if (prefixes.length === 0) return new Map();
  const rows = await run(
    `SELECT p."prefix", ARRAY(SELECT s.word FROM (SELECT l.word FROM search_lexeme l WHERE l.word >= p."prefix" COLLATE "C" ORDER BY l.word LIMIT ${PREFIX_EXPANSION_LIMIT + 1}) s ` +
      `WHERE starts_with(s.word, p."prefix" COLLATE "C") ORDER BY s.word) AS "words" FROM unnest(CAST(:prefixes AS text[])) AS p("prefix")`,
    { prefixes },
  );
  return new Map(
    rows.map((row) => {
      const words = row.words as string[];
      // Past the limit only if every word read begins with the prefix (then there may be more).
      return [String(row.prefix), words.length > PREFIX_EXPANSION_LIMIT ? null : [...new Set(words)]];
    }),
  );
}

/**
 * The tsquery text of a prefix: its expansion as alternatives when there is
 * one (`('electricite' | 'electrique')`), else `'elec':*`. A prefix that
 * begins no word of the index keeps `:*` (it matches nothing, at no cost).
 */
export function tsPrefix(word: string, expansions: PrefixExpansions | undefined): string {
  const words = expansions?.get(word);
  if (!words || words.length === 0) return `'${escapeLexeme(word)}':*`;
  const lexemes = words.map((found) => `'${escapeLexeme(found)}'`);
  return lexemes.length === 1 ? lexemes[0] : `(${lexemes.join(' | ')})`;
}
