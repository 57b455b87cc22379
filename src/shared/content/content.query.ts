import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context';
import type { ConnectionArgs } from '../pagination/connection.args';
import type { Connection } from '../pagination/connection.type';
import { keysetClause, pageRequest, toConnection, withoutLookahead, type Keyset, type KeysetClause, type PageRequest, type SqlType } from '../pagination/keyset';
import { hasRole, Role, type Viewer } from '../viewer';
import { ContentStatus, type ContentType } from './content-status';
import type { Content } from './content.entity';
import type { Locale } from './locale';
import type { ContentRead, ContentReads } from './content.reads';
import { asksWhetherMore, requestedProperties } from './content.selection';

/** Newest first, ties broken by id: the order of the feed and of every content list. */
export const CONTENT_KEYSET: Keyset<Content> = {
  columns: ['c.published_at', 'c.id'],
  kinds: ['date', 'uuid'],
  order: 'DESC',
  key: (item) => [item.publishedAt, item.id],
  sqlTypes: ['timestamp', 'uuid'],
};

/** The statuses a viewer may see: drafts only for editors and admins. */
export type Visibility = readonly ContentStatus[];

const PUBLIC: Visibility = Object.freeze([ContentStatus.PUBLISHED]);
const EDITORIAL: Visibility = Object.freeze([ContentStatus.DRAFT, ContentStatus.PUBLISHED]);

/** What `viewer` may see. Every content query takes this, so no path can forget it. */
export function visibilityOf(viewer: Viewer): Visibility {
  return hasRole(viewer, Role.EDITOR) ? EDITORIAL : PUBLIC;
}

/**
 * A query over `content c`: SQL conditions with `:named` parameters, which the
 * feed's filters and the domains' relations add to. Built as plain SQL (see
 * `content.reader.ts` for why), with the table's real column names, and read
 * through the request's {@link ContentReads}, which sends the reads asked for
 * together as one statement.
 */
export class ContentQuery {
  private readonly joins: string[] = [];
  private readonly conditions: string[] = [];
  private readonly parameters: Record<string, unknown> = {};
  /** The locale the items are served in; the request's when unset. */
  private locale: Locale | undefined;

  constructor(
    readonly reads: ContentReads,
    readonly visible: Visibility,
    readonly types?: readonly ContentType[],
    /** The entity properties to read; every column when absent. */
    readonly properties?: readonly string[],
  ) {
    this.where(`c.status IN (${sqlEnumList(visible)})`);
    if (types?.length) this.where(`c.type IN (${sqlEnumList(types)})`);
  }

  /** Adds a condition, AND-ed with the others. */
  where(condition: string, parameters: Record<string, unknown> = {}): this {
    this.conditions.push(condition);
    Object.assign(this.parameters, parameters);
    return this;
  }

  /**
   * A parameter whose value PostgreSQL's planner does not look at: a scalar
   * subquery, evaluated once before the scan (an InitPlan), which index
   * conditions use as they would the value. A parent's id or code is the only
   * value left in most list statements (statuses and types are literals, see
   * {@link sqlEnumList}), with a cursor's position on later pages (see
   * {@link keysetOf}); hidden, every parent gets the same plan, so the
   * prepared statement's generic plan serves all requests and nothing is
   * planned per request (the indexes match each parent's order, so that one
   * plan is the right one for every parent). SQLite plans in-process, cheaply,
   * and gets the plain parameter.
   */
  opaque(name: string, type: SqlType): string {
    return this.reads.db.options.type === 'postgres' ? `(SELECT CAST(:${name} AS ${type}))` : `:${name}`;
  }

  /** Only the items of one parent (a campaign's, a country's), its value hidden from the planner (see {@link opaque}). */
  ofParent(partition: Partition, parent: string): this {
    return this.where(`${partition.column} = ${this.opaque('parent', partition.type)}`, { parent });
  }

  /** How many items match (one statement, the request's). */
  count(): Promise<number> {
    const { joins, where, parameters } = this.clause();
    return this.reads.query(`SELECT count(*) AS "n" FROM content c ${joins} WHERE ${where}`, parameters).then((rows) => Number(rows[0]?.n ?? 0));
  }

  /** How many items match for each parent, in one statement. */
  countPerParent(partition: Partition, parents: readonly string[]): Promise<Map<string, number>> {
    const { joins, where, parameters } = this.clause();
    return this.reads
      .query(`SELECT ${partition.column} AS "parent", count(*) AS "n" FROM content c ${joins} WHERE ${where} AND ${partition.column} IN (:...countParents) GROUP BY ${partition.column}`, {
        ...parameters,
        countParents: parents,
      })
      .then((rows) => new Map(rows.map((row) => [String(row.parent), Number(row.n)])));
  }

  /** Serves the items in `locale` (the request's when undefined). */
  inLocale(locale: Locale | null | undefined): this {
    this.locale = locale ?? undefined;
    return this;
  }

  /** The query's joins, its conditions AND-ed, and their parameters: for statements built around it (search). */
  clause(): { joins: string; where: string; parameters: Record<string, unknown> } {
    return { joins: this.joins.join(' '), where: this.conditions.join(' AND '), parameters: { ...this.parameters } };
  }

  /** Adds a join, e.g. `JOIN content_nation cn ON cn.content_id = c.id`. */
  join(clause: string, parameters: Record<string, unknown> = {}): this {
    this.joins.push(clause);
    Object.assign(this.parameters, parameters);
    return this;
  }

  /** Runs the query, with more conditions, an order and a limit, into entities. */
  async fetch<T extends Content>(
    options: { extra?: string[]; parameters?: Record<string, unknown>; orderBy?: string; limit?: number } = {},
  ): Promise<T[]> {
    const tail =
      `FROM content c ${this.joins.join(' ')} WHERE ${[...this.conditions, ...(options.extra ?? [])].join(' AND ')}` +
      (options.orderBy ? ` ORDER BY ${options.orderBy}` : '') +
      (options.limit !== undefined ? ` LIMIT ${Math.trunc(options.limit)}` : '');
    const [items] = await this.reads.read<T>({
      locale: this.locale,
      types: this.types,
      properties: this.properties,
      parameters: merged(this.parameters, options.parameters),
      lists: 1,
      selects: (select, list, branch) => [`SELECT ${select}${branch(list)} ${tail}`],
    });
    return items;
  }

  /**
   * Like {@link fetch}, for several parents at once: the first `limit` rows of
   * each parent, one list per parent, in one statement, each parent's rows read
   * from the top of its index until the limit (a window function over all the
   * parents' rows, or `= ANY(…)`, read every row of every parent: 300 ms for 20
   * nations' projects at a million items). On PostgreSQL a LATERAL join over
   * the parents, whose text is the same for any number of them (so its
   * prepared statement is reused); SQLite has no LATERAL, and gets one SELECT
   * per parent, joined with UNION ALL.
   */
  fetchPerParent<T extends Content>(options: {
    partition: Partition;
    parents: readonly string[];
    extra: string[];
    parameters: Record<string, unknown>;
    orderBy: string;
    limit: number;
  }): Promise<T[][]> {
    const { partition, parents } = options;
    const parameters: Record<string, unknown> = merged(this.parameters, options.parameters);
    const page = (parent: string) => this.pageOfParent(options, parent);
    const read = (selects: ContentRead['selects']): ContentRead => ({ locale: this.locale, types: this.types, properties: this.properties, parameters, lists: parents.length, selects });
    if (this.reads.db.options.type === 'postgres') {
      parameters.parents = parents;
      const parent = partition.type === 'uuid' ? 'CAST(p.parent AS uuid)' : 'p.parent';
      return this.reads.read<T>(
        read((select, first, branch) => [
          `SELECT ${select}${branch(`CAST(p.ordinal AS integer) + ${first - 1}`)} ` +
            `FROM unnest(${this.opaque('parents', 'text[]')}) WITH ORDINALITY AS p(parent, ordinal) CROSS JOIN LATERAL (SELECT c.* ${page(parent)}) c`,
        ]),
      );
    }
    parents.forEach((parent, i) => (parameters[`parent_${i}`] = parent));
    return this.reads.read<T>(read((select, first, branch) => parents.map((_, i) => `SELECT ${select}${branch(first + i)} ${page(`:parent_${i}`)}`)));
  }

  /**
   * PostgreSQL only: like {@link fetchPerParent}, for parents that a subquery
   * lists (`SELECT … AS parent`), in the same statement as whatever that
   * subquery reads: the first `limit` rows of each, as one list in no
   * particular order of parents (group them by the entity property that
   * holds the partition's column, which must be among the properties read).
   */
  fetchPerParentOf<T extends Content>(options: {
    partition: Partition;
    parents: { readonly sql: string; readonly parameters: Record<string, unknown> };
    extra: string[];
    parameters: Record<string, unknown>;
    orderBy: string;
    limit: number;
  }): Promise<T[]> {
    const parameters: Record<string, unknown> = merged(this.parameters, options.parameters);
    for (const [name, value] of Object.entries(options.parents.parameters)) {
      // Both name their parameters freely (`parent`, `keyset_0`): one name for two values would read the wrong one.
      if (Object.hasOwn(parameters, name)) throw new Error(`The parents' subquery and the list both name a parameter :${name}`);
      parameters[name] = value;
    }
    const parent = options.partition.type === 'uuid' ? 'CAST(p.parent AS uuid)' : 'p.parent';
    return this.reads
      .read<T>({
        locale: this.locale,
        types: this.types,
        properties: this.properties,
        parameters,
        lists: 1,
        selects: (select, list, branch) => [`SELECT ${select}${branch(list)} FROM (${options.parents.sql}) p CROSS JOIN LATERAL (SELECT c.* ${this.pageOfParent(options, parent)}) c`],
      })
      .then(([items]) => items);
  }

  /**
   * The ids of one page of this query (without the row past it that tells
   * whether another page follows), as a subquery with its parameters, for a
   * read that depends on the page and goes in the same statement (see
   * `nested-lists.ts`). Its parameters keep the query's names: a read that
   * embeds it must not use the same ones.
   */
  pageIds(page: PageRequest, keyset: Keyset<Content> = CONTENT_KEYSET): { sql: string; parameters: Record<string, unknown> } {
    const clause = keysetOf(this, keyset, page);
    return {
      sql: `SELECT c.id FROM content c ${this.joins.join(' ')} WHERE ${[...this.conditions, ...clause.where].join(' AND ')} ORDER BY ${clause.orderBy} LIMIT ${Math.trunc(page.size)}`,
      parameters: merged(this.parameters, clause.parameters),
    };
  }

  /** The FROM … LIMIT of one parent's page, the parent given as SQL (a parameter, or a column of the parents' list). */
  private pageOfParent(options: { partition: Partition; extra: string[]; orderBy: string; limit: number }, parent: string): string {
    const where = [...this.conditions, ...options.extra].join(' AND ');
    return `FROM content c ${this.joins.join(' ')} WHERE ${where} AND ${options.partition.column} = ${parent} ORDER BY ${options.orderBy} LIMIT ${Math.trunc(options.limit)}`;
  }
}

/**
 * Two sets of parameters as one. Not `{ ...a, ...b }`: on Node 20 a spread
 * followed by more properties takes V8's slow path (about 0.8 µs, against
 * 0.07 for `Object.assign`), and every list's read merges its parameters.
 */
function merged(a: Record<string, unknown>, b: Record<string, unknown> | undefined): Record<string, unknown> {
  return Object.assign({}, a, b);
}

/**
 * Values of the schema's enums (statuses, types) as a list of SQL literals. They
 * never come from free text (checked here), and as literals they give
 * PostgreSQL each value's statistics in a prepared statement's generic plan,
 * which then serves every request without planning.
 */
export function sqlEnumList(values: readonly string[]): string {
  return values
    .map((value) => {
      if (!/^[A-Z][A-Z_]*$/.test(value)) throw new Error(`Not an enum value: ${JSON.stringify(value)}`);
      return `'${value}'`;
    })
    .join(', ');
}

/** The column that names each row's parent in per-parent lists, and the SQL type of its values. */
export interface Partition {
  readonly column: string;
  readonly type: Extract<SqlType, 'text' | 'uuid'>;
}

/** Stories and posts by campaign. */
export const BY_CAMPAIGN: Partition = { column: 'c.campaign_id', type: 'uuid' };
/** Projects by the country they are in. */
export const BY_COUNTRY: Partition = { column: 'c.country_code', type: 'text' };

/** Content the viewer may see, optionally of some types only, optionally reading only some properties. */
export function visibleContent(reads: ContentReads, visible: Visibility, types?: readonly ContentType[], properties?: readonly string[]): ContentQuery {
  return new ContentQuery(reads, visible, types, properties);
}

/** Runs one page of a content query in one statement. */
export async function findContentPage<T extends Content>(
  query: ContentQuery,
  page: PageRequest,
  keyset: Keyset<Content> = CONTENT_KEYSET,
): Promise<Connection<T>> {
  const clause = keysetOf(query, keyset, page);
  const rows = await query.fetch<T>({ extra: clause.where, parameters: clause.parameters, orderBy: clause.orderBy, limit: clause.limit });
  return toConnection(rows, keyset as Keyset<T>, page, () => query.count());
}

/**
 * A content page's keyset clause, its cursor's values hidden from the planner
 * when the keyset gives their types: `(c.published_at, c.id) < ($1, $2)` made
 * PostgreSQL plan every page after a cursor afresh (a custom plan): the feed
 * 10,000 items deep (Q5) cost the database 370–410 µs of CPU per page where
 * the planned-once statement costs 193 (1M items, 3,000 executions).
 */
function keysetOf(query: ContentQuery, keyset: Keyset<Content>, page: PageRequest): KeysetClause {
  const types = keyset.sqlTypes;
  return keysetClause(keyset, page, types ? (name, column) => query.opaque(name, types[column]) : undefined);
}

/**
 * Loads one page of content for each parent (a campaign's stories, a nation's
 * projects) in a single statement (see {@link ContentQuery.fetchPerParent}).
 * A single parent takes the plain path.
 *
 * @param partition the column naming each row's parent, e.g. {@link BY_CAMPAIGN}.
 */
export async function findContentPagesByParent<T extends Content>(
  query: ContentQuery,
  partition: Partition,
  parents: readonly string[],
  page: PageRequest,
  keyset: Keyset<Content> = CONTENT_KEYSET,
): Promise<Connection<T>[]> {
  if (parents.length === 1) return [await findContentPage<T>(query.ofParent(partition, parents[0]), page, keyset)];
  const clause = keysetOf(query, keyset, page);
  const lists = await query.fetchPerParent<T>({
    partition,
    parents,
    extra: clause.where,
    parameters: clause.parameters,
    orderBy: clause.orderBy,
    limit: clause.limit,
  });
  return parentPages(query, partition, parents, lists, page, keyset);
}

/** Each parent's page as a connection; every parent's count comes from one grouped statement, read when the first `totalCount` is. */
function parentPages<T extends Content>(query: ContentQuery, partition: Partition, parents: readonly string[], lists: T[][], page: PageRequest, keyset: Keyset<Content>): Connection<T>[] {
  let counts: Promise<Map<string, number>> | undefined;
  return lists.map((items, i) => toConnection(items, keyset as Keyset<T>, page, () => (counts ??= query.countPerParent(partition, parents)).then((byParent) => byParent.get(parents[i]) ?? 0)));
}

/**
 * PostgreSQL only: one page of content for each parent that a subquery lists,
 * read in one statement with whatever the subquery depends on (see
 * `nested-lists.ts`). Resolves to the pages of the parents asked for: a
 * parent the subquery did not list, or that has no items, gets an empty page.
 *
 * @param property the entity property that holds the partition's column (`countryCode`), which `query` must read.
 */
export async function findContentPagesOfParentsIn<T extends Content>(
  query: ContentQuery,
  partition: Partition,
  property: string,
  parents: { readonly sql: string; readonly parameters: Record<string, unknown> },
  page: PageRequest,
  keyset: Keyset<Content> = CONTENT_KEYSET,
): Promise<(parents: readonly string[]) => Connection<T>[]> {
  const clause = keysetOf(query, keyset, page);
  const items = await query.fetchPerParentOf<T>({ partition, parents, extra: clause.where, parameters: clause.parameters, orderBy: clause.orderBy, limit: clause.limit });
  const byParent = new Map<string, T[]>();
  for (const item of items) {
    const parent = String((item as unknown as Record<string, unknown>)[property]);
    const list = byParent.get(parent);
    if (list) list.push(item);
    else byParent.set(parent, [item]);
  }
  return (wanted) => parentPages(query, partition, wanted, wanted.map((parent) => byParent.get(parent) ?? []), page, keyset);
}

/**
 * The page a content list's arguments ask for (validated, its cursor decoded),
 * read without the row past it when the list's selection does not ask whether
 * another page follows (see {@link withoutLookahead}).
 *
 * @param info the list's field, or a field node and its document's fragments.
 */
export function contentPageRequest(args: ConnectionArgs, info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): PageRequest {
  const page = pageRequest(args, CONTENT_KEYSET.kinds);
  return asksWhetherMore(info) ? page : withoutLookahead(page);
}

/**
 * One page of published items of one type, for the `digestArticles`-style root
 * lists: validates the paging arguments, then runs one statement.
 */
export function listContent<T extends Content>(
  ctx: Context<{ contentReads: ContentReads }>,
  type: ContentType,
  args: ConnectionArgs,
  info: GraphQLResolveInfo,
  locale?: Locale | null,
): Promise<Connection<T>> {
  const page = contentPageRequest(args, info);
  return findContentPage<T>(visibleContent(ctx.loaders.contentReads, visibilityOf(ctx.viewer), [type], requestedProperties(info)).inLocale(locale), page);
}
