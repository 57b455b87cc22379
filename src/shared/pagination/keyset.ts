import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { BadUserInputError } from '../errors';
import type { ConnectionArgs } from './connection.args';
import type { Connection, PageInfo } from './connection.type';
import { decodeCursor, encodeCursor, type KeyKind, type KeyValue } from './cursor';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** A PostgreSQL type a statement casts a hidden parameter to (see `ContentQuery.opaque`). */
export type SqlType = 'text' | 'uuid' | 'timestamp' | 'text[]';

/**
 * A list's sort key: the columns it is ordered by (most significant first, the
 * last one unique so that the order is total) and how to read them off a row.
 */
export interface Keyset<T> {
  /** SQL column expressions, e.g. `c.published_at`. */
  readonly columns: readonly string[];
  readonly kinds: readonly KeyKind[];
  /** The list's natural order; every column sorts the same way so row values compare. */
  readonly order: 'ASC' | 'DESC';
  readonly key: (row: T) => KeyValue[];
  /**
   * Each column's PostgreSQL type, for lists whose statements hide a cursor's
   * values from the planner (see `ContentQuery.opaque`), so that a page after
   * a cursor is planned once, not on every request.
   */
  readonly sqlTypes?: readonly SqlType[];
}

/** A validated request for one page: which way, how many, and from where. */
export interface PageRequest {
  readonly backward: boolean;
  readonly size: number;
  /** The decoded position to start after (or before, when backward). */
  readonly from: KeyValue[] | null;
  /**
   * Read the page's rows only, not the one past them that tells whether
   * another page follows: for a selection that asks neither `hasNextPage`
   * nor `hasPreviousPage` (see {@link withoutLookahead}), whose page info then
   * says false to both. Part of the page's JSON, so that a loader never
   * serves such a page to a field that asks.
   */
  readonly exact?: true;
}

/**
 * Checks Relay paging arguments and decodes the cursor against the list's keyset.
 * Mixing directions, a size outside 0–100 or a cursor from elsewhere is a
 * `BAD_USER_INPUT` that names the argument, before any SQL runs.
 */
export function pageRequest(args: ConnectionArgs, kinds: readonly KeyKind[]): PageRequest {
  const { first, after, last, before } = args;
  const forward = first != null || after != null;
  const backward = last != null || before != null;
  if (forward && backward) {
    throw new BadUserInputError('Page with either `first`/`after` or `last`/`before`, not both', {
      argument: first != null && last != null ? 'last' : before != null ? 'before' : 'last',
    });
  }
  const [argument, size] = backward ? ['last', last] : ['first', first];
  if (size != null && (size < 0 || size > MAX_PAGE_SIZE)) {
    throw new BadUserInputError(`\`${argument}\` must be between 0 and ${MAX_PAGE_SIZE}, got ${size}`, {
      argument,
      max: MAX_PAGE_SIZE,
    });
  }
  const cursor = backward ? before : after;
  if (cursor == null) return firstPage(backward, size ?? DEFAULT_PAGE_SIZE);
  return { backward, size: size ?? DEFAULT_PAGE_SIZE, from: decodeCursor(cursor, kinds, backward ? 'before' : 'after') };
}

/** The requests without a cursor, one per direction and size (frozen: every list asking for its first 5 shares one). */
const FIRST_PAGES = new Map<number, PageRequest>();

/** The JSON of each shared first page, written with it. */
const FIRST_PAGE_JSON = new WeakMap<PageRequest, string>();

/**
 * A page from the start (or the end, backward), shared: a nested list asks for
 * the same page under every parent (Q4: each of fifty nations' first five
 * projects), and its loader keys each parent's batch by the page's JSON
 * ({@link pageRequestJson}), written once here, not per parent.
 */
function firstPage(backward: boolean, size: number, exact = false): PageRequest {
  // Sizes are 0–100: forward pages keyed by their size, backward ones by -1 - size (-1 to -101).
  const key = backward ? -1 - size : size;
  const pages = exact ? EXACT_FIRST_PAGES : FIRST_PAGES;
  let page = pages.get(key);
  if (!page) {
    pages.set(key, (page = Object.freeze(exact ? { backward, size, from: null, exact } : { backward, size, from: null })));
    FIRST_PAGE_JSON.set(page, JSON.stringify(page));
  }
  return page;
}

/** The first pages read without the row past them ({@link withoutLookahead}), keyed as {@link FIRST_PAGES}. */
const EXACT_FIRST_PAGES = new Map<number, PageRequest>();

/**
 * `page`, read without the row past it: for a list whose selection does not
 * ask whether another page follows (Q4's nations' projects: each nation's
 * first five, not six; PostGraphile reads the extra row only when asked too).
 */
export function withoutLookahead(page: PageRequest): PageRequest {
  if (page.exact) return page;
  return page.from === null ? firstPage(page.backward, page.size, true) : Object.freeze({ backward: page.backward, size: page.size, from: page.from, exact: true as const });
}

/** A page request's JSON: a shared first page's as written with it, any other written now. */
export function pageRequestJson(page: PageRequest): string {
  return FIRST_PAGE_JSON.get(page) ?? JSON.stringify(page);
}

/** Whether a page request is a shared first page (one object per direction and size, kept for the life of the process). */
export function isSharedPage(page: PageRequest): boolean {
  return FIRST_PAGE_JSON.has(page);
}

/** The SQL of one page: the keyset condition (if a cursor was given), the order and the limit. */
export interface KeysetClause {
  readonly where: string[];
  readonly parameters: Record<string, unknown>;
  readonly orderBy: string;
  /** One row more than the page, so that {@link toConnection} can tell whether another page follows, without a count (the page's size for an {@link PageRequest.exact} page). */
  readonly limit: number;
}

/**
 * The condition, order and limit for one page. The row-value comparison
 * `(a, b) < (:a, :b)` is what lets both databases walk the matching index from
 * the cursor instead of skipping rows. `placeholder` writes each value's
 * parameter (`:keyset_0` unless given).
 */
export function keysetClause<T>(keyset: Keyset<T>, page: PageRequest, placeholder: (name: string, column: number) => string = (name) => `:${name}`): KeysetClause {
  // Paging backward reads the list in reverse from the cursor, then flips the rows.
  const order = page.backward ? flip(keyset.order) : keyset.order;
  const names = keyset.columns.map((_, i) => `keyset_${i}`);
  return {
    where: page.from ? [`(${keyset.columns.join(', ')}) ${order === 'DESC' ? '<' : '>'} (${names.map(placeholder).join(', ')})`] : [],
    parameters: page.from ? Object.fromEntries(names.map((n, i) => [n, page.from![i]])) : {},
    orderBy: keyset.columns.map((column) => `${column} ${order}`).join(', '),
    limit: page.exact ? page.size : page.size + 1,
  };
}

/**
 * One page of a TypeORM query (lists outside the content table), as a
 * connection whose `totalCount` counts the query without the page's bounds.
 * `serve` turns each row into what the page shows (a view in a locale, say).
 */
export async function pageOf<E extends ObjectLiteral, T extends E>(
  qb: SelectQueryBuilder<E>,
  keyset: Keyset<T>,
  page: PageRequest,
  serve?: (row: T) => T,
): Promise<Connection<T>> {
  const counting = qb.clone();
  const rows = (await applyKeyset(qb, keyset, page).getMany()) as T[];
  return toConnection(serve ? rows.map(serve) : rows, keyset, page, () => counting.getCount());
}

/** Adds {@link keysetClause} to a TypeORM query (lists outside the content table). */
export function applyKeyset<E extends ObjectLiteral, T>(
  qb: SelectQueryBuilder<E>,
  keyset: Keyset<T>,
  page: PageRequest,
): SelectQueryBuilder<E> {
  const clause = keysetClause(keyset, page);
  for (const condition of clause.where) qb.andWhere(condition, clause.parameters);
  const order = page.backward ? flip(keyset.order) : keyset.order;
  keyset.columns.forEach((column, i) => (i === 0 ? qb.orderBy(column, order) : qb.addOrderBy(column, order)));
  return qb.limit(clause.limit);
}

/**
 * Turns the rows fetched by {@link applyKeyset} into a Relay connection.
 *
 * @param count counts the whole list; called once, when `totalCount` is read.
 */
export function toConnection<T>(rows: T[], keyset: Keyset<T>, page: PageRequest, count: () => Promise<number>): Connection<T> {
  const hasMore = !page.exact && rows.length > page.size;
  const slice = rows.slice(0, page.size);
  if (page.backward) slice.reverse();
  const edges = slice.map((node) => new Edge(node, keyset));
  // Relay: with a cursor given, the item it names (or its neighbours) lies on the other side.
  const pageInfo = new EdgesPageInfo(edges, page.backward ? page.from !== null : hasMore, page.backward ? hasMore : page.from !== null);
  return new Page(edges, pageInfo, count);
}

/**
 * A page whose `totalCount` is counted (one statement) only when read, and once.
 *
 * Pages and their page info read their lazy fields through a class's getters,
 * on the prototype, never through `get` in an object literal: V8 allocates the
 * accessor pair of each literal's getter in old space, where it outlives the
 * request until the next full GC and keeps the getter's closure, and through it
 * the page's edges, items and their strings, alive through every scavenge: they
 * were promoted, at about 1.2 MB a scavenge on a 50-item feed. `totalCount`
 * lives on the prototype: a page copied by spreading loses it, so pass pages on
 * as they are.
 */
export class Page<T, E extends { cursor: string; node: T } = { cursor: string; node: T }> implements Connection<T> {
  readonly #count: () => Promise<number>;
  #counted: Promise<number> | undefined = undefined;

  constructor(
    readonly edges: E[],
    readonly pageInfo: PageInfo,
    count: () => Promise<number>,
  ) {
    this.#count = count;
  }

  get totalCount(): Promise<number> {
    return (this.#counted ??= this.#count());
  }
}

/** Page info whose cursors are the first and last edges', encoded only if asked for. */
class EdgesPageInfo<T> implements PageInfo {
  readonly #edges: readonly Edge<T>[];

  constructor(
    edges: readonly Edge<T>[],
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
  ) {
    this.#edges = edges;
  }

  get startCursor(): string | null {
    return this.#edges[0]?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.#edges.at(-1)?.cursor ?? null;
  }
}

/**
 * An edge whose cursor is encoded only if asked for: nested lists rarely select
 * `cursor`, and encoding one for each of hundreds of items was measurable.
 */
class Edge<T> {
  /** The cursor once encoded: `pageInfo.endCursor` asks the last edge again. */
  private encoded: string | undefined = undefined;

  constructor(
    readonly node: T,
    private readonly keyset: Keyset<T>,
  ) {}

  get cursor(): string {
    return (this.encoded ??= encodeCursor(this.keyset.key(this.node)));
  }
}

/** A connection with no items, for a parent that cannot have any. */
export function emptyConnection<T>(): Connection<T> {
  return { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null }, totalCount: 0 };
}

function flip(order: 'ASC' | 'DESC'): 'ASC' | 'DESC' {
  return order === 'ASC' ? 'DESC' : 'ASC';
}
