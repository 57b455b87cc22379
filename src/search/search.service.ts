import type { FeedFilter } from '../feed/feed.inputs';
import { feedQuery } from '../feed/feed.service';
import { nationCatalogue } from '../member-nations/nation-catalogue';
import { localisedNation } from '../member-nations/localised-nation';
import type { Locale } from '../shared/content/locale';
import { localiseItems } from '../shared/content/localise';
import { MemberNation } from '../member-nations/member-nation.entity';
import type { Content } from '../shared/content/content.entity';
import { sqlEnumList, type Visibility } from '../shared/content/content.query';
import type { ContentType } from '../shared/content/content-status';
import { contentReader } from '../shared/content/content.reader';
import type { ContentReads } from '../shared/content/content.reads';
import { BadUserInputError } from '../shared/errors';
import { encodeCursor } from '../shared/pagination/cursor';
import { keysetClause, Page, pageRequest, type Keyset } from '../shared/pagination/keyset';
import { highlight } from './highlight';
import { TEXT_SEARCH_CONFIG } from './normalise';
import { expandPrefixes } from './prefixes';
import { parseSearchQuery, toFts5Match, toTsQuery, type SearchQuery } from './query';
import type { SearchHighlight, SearchResultConnection } from './search.types';

/** What a search hit is before it becomes an edge. */
interface Hit {
  readonly node: Content | MemberNation;
  readonly score: number;
  readonly at: Date;
  readonly id: string;
}

/** Most relevant first, then newest, then by id: the order (and the cursor) of search results. */
const SEARCH_KEYSET: Keyset<Hit> = {
  columns: ['r."score"', 'r."searchAt"', 'r."searchId"'],
  kinds: ['number', 'date', 'string'],
  order: 'DESC',
  key: (hit) => [hit.score, hit.at, hit.id],
};

/** The relevance of one SQLite row: bm25 with title, summary and body weighted 10, 4 and 1 (negated: bm25 is lower for better). */
const SQLITE_SCORE = '-bm25(search_fts, 10.0, 4.0, 1.0)';

/**
 * The condition for the results after a cursor on SQLite. bm25 depends on the
 * whole index (how many entries there are, how many hold each word, their
 * average length), so every score moves when items are added or removed, and
 * the score a cursor recorded no longer marks the same place: items that were
 * below it can score above it now (skipped) and the other way round (repeated).
 * So the page starts below the cursor's entry as it scores now, computed in the
 * same statement; only if that entry no longer matches does the recorded score
 * serve. PostgreSQL's ts_rank depends on the entry and the query alone, so
 * the recorded score stays exact there.
 */
const SQLITE_AFTER_CURSOR =
  `(r."score", r."searchAt", r."searchId") < (COALESCE((SELECT ${SQLITE_SCORE} FROM search_fts WHERE search_fts MATCH :searchQuery ` +
  `AND search_fts.rowid = (SELECT id FROM search_entry WHERE subject_id = :keyset_2)), :keyset_0), :keyset_1, :keyset_2)`;

/** A member's publication time, for ordering among items: the epoch (after every item of the same score). */
const NO_DATE = new Date(0);

/** PostgreSQL's two forms of the query: as typed (`query`, what ranks) and with its prefixes expanded (`matching`, what finds). */
const POSTGRES_QUERIES = `(SELECT to_tsquery('${TEXT_SEARCH_CONFIG}', :searchQuery) AS query, to_tsquery('${TEXT_SEARCH_CONFIG}', :matchQuery) AS matching)`;

/** Weights of title, summary and body on PostgreSQL (`{D, C, B, A}`: body is C, summary B, title A). */
const POSTGRES_WEIGHTS = `'{0.05, 0.2, 0.5, 1.0}'`;

/**
 * One page of search results in one statement: items the viewer may see
 * matching the filter, and member nations when there is no filter, ranked by
 * relevance (title above summary above body), ties broken by recency then id.
 * The query is parsed as people type it and compiled to each database's
 * syntax, never passed through; only an empty query is an error.
 */
export async function searchPage(
  reads: ContentReads,
  visible: Visibility,
  text: string,
  filter: FeedFilter | null | undefined,
  args: { first?: number | null; after?: string | null },
  properties: readonly string[],
  locale: Locale,
): Promise<SearchResultConnection> {
  const query = parseSearchQuery(text);
  if (!query) throw new BadUserInputError('Give search words: the query is empty', { argument: 'query' });
  const page = pageRequest({ first: args.first, after: args.after }, SEARCH_KEYSET.kinds);
  const postgres = reads.db.options.type === 'postgres';
  const compiled = postgres ? toTsQuery(query) : toFts5Match(query);
  // PostgreSQL ranks by the query as typed and finds the matches by the words its prefixes begin (prefixes.ts): the same rows, faster.
  const expansions = postgres && compiled !== null ? await expandPrefixes(query, (sql, parameters) => reads.query(sql, parameters)) : null;
  const matching = expansions?.size ? toTsQuery(query, expansions) : compiled;
  if (compiled === null) return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: page.from !== null, startCursor: null, endCursor: null }, totalCount: 0 };

  const content = feedQuery(reads, visible, filter, properties).clause();
  const given = Object.entries(filter ?? {}).filter(([, value]) => value != null && !(Array.isArray(value) && value.length === 0));
  const withNations = given.length === 0;
  const reader = contentReader(reads.db);
  // Highlights need the title and summary whatever the selection.
  const projection = reader.projection(undefined, [...new Set([...properties, 'nations', 'title', 'summary'])].sort());
  const keyset = keysetClause(SEARCH_KEYSET, page);
  const afterCursor = page.from ? [postgres ? keyset.where[0] : SQLITE_AFTER_CURSOR] : [];
  const matches = `(${content.where ? `(c.id IS NOT NULL AND ${content.where})` : 'c.id IS NOT NULL'}${withNations ? ` OR e.subject_type = 'NATION'` : ''})`;
  const inner = postgres
    ? `SELECT ${projection.select}, e.subject_type AS "searchType", e.subject_id AS "searchId", ` +
      `CAST(ts_rank(${POSTGRES_WEIGHTS}, e.document, q.query) AS float8) AS "score", COALESCE(c.published_at, TIMESTAMP '1970-01-01') AS "searchAt" ` +
      `FROM search_entry e CROSS JOIN ${POSTGRES_QUERIES} q LEFT JOIN content c ON c.id = e.content_id ${content.joins} ` +
      `WHERE e.document @@ q.matching AND ${matches}`
    : `SELECT ${projection.select}, e.subject_type AS "searchType", e.subject_id AS "searchId", ` +
      `${SQLITE_SCORE} AS "score", COALESCE(c.published_at, '1970-01-01 00:00:00.000') AS "searchAt" ` +
      `FROM search_fts JOIN search_entry e ON e.id = search_fts.rowid LEFT JOIN content c ON c.id = e.content_id ${content.joins} ` +
      `WHERE search_fts MATCH :searchQuery AND ${matches}`;
  // On PostgreSQL the index carries each item's status, type and publication time: without other filters, ranking needs no join.
  const onIndex = postgres && given.every(([name]) => name === 'types');
  const onIndexMatches = onIndex ? indexMatches(visible, filter?.types, withNations) : '';
  const sql = postgres
    ? postgresPageSql(onIndex ? { joins: null, matches: onIndexMatches } : { joins: content.joins, matches }, projection.select, afterCursor, keyset.orderBy, keyset.limit)
    : `SELECT * FROM (${inner}) r${afterCursor.length ? ` WHERE ${afterCursor.join(' AND ')}` : ''} ORDER BY ${keyset.orderBy} LIMIT ${keyset.limit}`;
  const parameters = { ...content.parameters, searchQuery: compiled, ...(postgres ? { matchQuery: matching } : {}) };
  const rows = await reads.query(sql, { ...parameters, ...keyset.parameters });
  let counted: Promise<number> | undefined;
  const countSql = onIndex
    ? `SELECT count(*) AS "n" FROM search_entry e WHERE e.document @@ to_tsquery('${TEXT_SEARCH_CONFIG}', :matchQuery) AND ${onIndexMatches}`
    : `SELECT count(*) AS "n" FROM (${inner}) r`;
  const count = () => (counted ??= reads.query(countSql, onIndex ? { matchQuery: matching } : parameters).then((found) => Number(found[0]?.n ?? 0)));

  const nations = (await nationCatalogue(reads.db).get()).byCode;
  const items = reader.hydrate(rows.filter((row) => row.searchType === 'CONTENT'), projection);
  await localiseItems(reads.db, items.map((item) => ({ item, locale })), (sql, parameters) => reads.query(sql, parameters));
  let next = 0;
  const hits: Hit[] = rows.flatMap((row): Hit[] => {
    const at = row.searchAt instanceof Date ? row.searchAt : new Date(`${String(row.searchAt).replace(' ', 'T')}Z`);
    const base = { score: Number(row.score), at: row.searchType === 'NATION' ? NO_DATE : at, id: String(row.searchId) };
    if (row.searchType === 'CONTENT') return [{ ...base, node: items[next++] }];
    const nation = nations.get(String(row.searchId));
    return nation ? [{ ...base, node: localisedNation(nation, locale) }] : [];
  });
  const slice = hits.slice(0, page.size);
  const edges = slice.map((hit) => ({ cursor: encodeCursor(SEARCH_KEYSET.key(hit)), node: hit.node, score: hit.score, highlights: highlightsOf(hit.node, query) }));
  // A class's getter, not a literal's (see `Page`).
  return new Page(edges, { hasNextPage: hits.length > page.size, hasPreviousPage: page.from !== null, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null }, count);
}

/**
 * The page statement on PostgreSQL: every match is ranked in a narrow CTE
 * (the entry's type, id and score, the item's publication time), the page is
 * cut from it, and only the page's rows are joined to the item's columns.
 * Ranking the full rows instead carried the whole projection (and the entry's
 * document) through the sort of every match: a broad query sorted tens of MB
 * on disk. Same rows, same order, same scores as ranking the full rows.
 * `ranked` says what the matches are read from: `search_entry` alone, which
 * carries each item's status, type and publication time (migration
 * 1764900000000), when the search is filtered by type at most; joined to
 * `content` (and the filter's joins) otherwise.
 */
function postgresPageSql(
  ranked: { readonly joins: string | null; readonly matches: string },
  select: string,
  afterCursor: readonly string[],
  orderBy: string,
  limit: number,
): string {
  const at = ranked.joins === null ? 'e.published_at' : 'c.published_at';
  const hits =
    `SELECT e.subject_type AS "searchType", e.subject_id AS "searchId", e.content_id AS "searchContentId", ` +
    `CAST(ts_rank(${POSTGRES_WEIGHTS}, e.document, q.query) AS float8) AS "score", COALESCE(${at}, TIMESTAMP '1970-01-01') AS "searchAt" ` +
    `FROM search_entry e CROSS JOIN ${POSTGRES_QUERIES} q ` +
    `${ranked.joins === null ? '' : `LEFT JOIN content c ON c.id = e.content_id ${ranked.joins} `}WHERE e.document @@ q.matching AND ${ranked.matches}`;
  const page = `SELECT * FROM (${hits}) r${afterCursor.length ? ` WHERE ${afterCursor.join(' AND ')}` : ''} ORDER BY ${orderBy} LIMIT ${limit}`;
  return `SELECT ${select}, r.* FROM (${page}) r LEFT JOIN content c ON c.id = r."searchContentId" ORDER BY ${orderBy}`;
}

/** Which of `search_entry e`'s rows a viewer may find, by the item's copied status and type (members when `withNations`). */
function indexMatches(visible: Visibility, types: readonly ContentType[] | null | undefined, withNations: boolean): string {
  const items = `e.status IN (${sqlEnumList(visible)})${types?.length ? ` AND e.content_type IN (${sqlEnumList(types)})` : ''}`;
  return withNations ? `(${items} OR e.subject_type = 'NATION')` : items;
}

/** The matching passages of a result's title and summary (a member's name), as plain text with ranges. */
function highlightsOf(node: Content | MemberNation, query: SearchQuery): SearchHighlight[] {
  const fields: [string, string | undefined][] = node instanceof MemberNation ? [['name', node.name]] : [['title', node.title], ['summary', node.summary]];
  return fields.flatMap(([field, text]) => {
    const found = text ? highlight(text, query) : null;
    return found ? [{ field, text: found.text, ranges: found.ranges.map((range) => ({ start: range.start, length: range.length })) }] : [];
  });
}
