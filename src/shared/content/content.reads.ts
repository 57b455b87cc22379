import type { DataSource } from 'typeorm';
import type { StatementScope } from '../../db/statement-scope';
import type { ContentType } from './content-status';
import type { Content } from './content.entity';
import { contentReader } from './content.reader';
import { Locale } from './locale';
import { askedIn, translateItems } from './localise';

/**
 * One read of content rows: one or more lists, selected with the columns for
 * `types` and `properties`, with `:named` parameters.
 */
export interface ContentRead {
  readonly types?: readonly ContentType[];
  /** The entity properties to read; every column when absent. */
  readonly properties?: readonly string[];
  readonly parameters: Readonly<Record<string, unknown>>;
  /** How many lists it returns. */
  readonly lists: number;
  /** The locale its items are served in; the request's when absent. */
  readonly locale?: Locale;
  /**
   * Its SELECT statements, given the select list (columns of `content c`), the
   * number of its first list, and `branch`, which makes the column that
   * carries a row's list number (`branch(firstList)` → `, 3 AS "branch"`): put
   * right after the select list, it is empty when the statement holds one list
   * only, whose rows need no number.
   */
  readonly selects: (select: string, firstList: number, branch: Branch) => string[];
}

/** The select list's column that numbers a row's list, from an SQL expression or a number: empty when the statement has one list. */
export type Branch = (list: string | number) => string;

const NUMBERED: Branch = (list) => `, ${list} AS "branch"`;
const UNNUMBERED: Branch = () => '';

interface Pending {
  readonly read: ContentRead;
  readonly resolve: (items: Content[][]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The content reads of one request, sent to the database together. Every read
 * asked for in the same turn of the event loop (the root lists of a home page; a
 * nation's projects and its feed, which DataLoader dispatches together) becomes one
 * SELECT … UNION ALL SELECT … statement, each branch numbered so its rows go
 * back to the read that asked. Branches select the same columns of the same
 * table (each reading only its own, the others as NULLs of their type: see
 * `ContentReader.branchSelect`), so they line up; each keeps its own ORDER BY and LIMIT
 * and walks its own index. One statement instead of several saves the round
 * trips, the pool checkouts and the planning of each.
 *
 * Made per request (see `createLoaders`): reads of different viewers never mix.
 */
export class ContentReads {
  private pending: Pending[] = [];

  /**
   * @param scope the request's statements: counted, and cancelled with it when
   * the request runs past its time limit. Without one (tests, tools), reads are
   * neither counted nor cancellable.
   */
  constructor(
    readonly db: DataSource,
    readonly scope?: StatementScope,
    /** The locale items are served in unless a read says another: the request's (`Accept-Language`, else English). */
    readonly locale: Locale = Locale.EN,
  ) {}

  /** Runs any other read of the request (tag lists, say) with `:named` parameters, in the request's scope. */
  query(sql: string, parameters: Record<string, unknown>): Promise<Record<string, unknown>[]> {
    return contentReader(this.db).query(sql, parameters, this.scope);
  }

  /** The items of each list of `read`, in each list's order. */
  read<T extends Content>(read: ContentRead): Promise<T[][]> {
    return new Promise<Content[][]>((resolve, reject) => {
      // Sent once this turn of the event loop has run every resolver and DataLoader dispatch it led to.
      if (this.pending.length === 0) setImmediate(() => void this.flush());
      this.pending.push({ read, resolve, reject });
    }) as Promise<T[][]>;
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const results = await readTogether(this.db, batch.map((pending) => pending.read), this.scope);
      // Only the items a translation may replace text of are listed for the lookup (most are none: no object per item for them).
      const needing: { item: Content; locale: Locale }[] = [];
      for (let i = 0; i < batch.length; i++) {
        const locale = batch[i].read.locale ?? this.locale;
        for (const list of results[i]) for (const item of list) if (askedIn(item, locale)) needing.push({ item, locale });
      }
      await translateItems(this.db, needing, (sql, parameters) => this.query(sql, parameters));
      batch.forEach((pending, i) => pending.resolve(results[i]));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
  }
}

/** Runs several reads as one statement; the items of each read's lists, in order. */
async function readTogether(db: DataSource, reads: readonly ContentRead[], scope: StatementScope | undefined): Promise<Content[][][]> {
  const reader = contentReader(db);
  const single = reads.length === 1 ? reads[0] : null;
  // The rows of every branch, hydrated alike: the columns any read asks for.
  const projection = reader.projection(single ? single.types : commonTypes(reads), single ? single.properties : allProperties(reads));
  const parameters: Record<string, unknown> = {};
  const selects: string[] = [];
  // A statement of one list reads no list numbers: a column fewer to send and parse on every row.
  const numbered = !single || single.lists !== 1;
  // Reads of one type each, of different types (a campaign's stories and their nations' projects): each row's list says its type,
  // and no branch reads the `type` column.
  const listTypes = !single && !projection.type && reads.every((read) => read.types?.length === 1) ? reads.flatMap((read) => Array<ContentType>(read.lists).fill(read.types![0])) : null;
  let lists = 0;
  reads.forEach((read, r) => {
    // Each read names its parameters freely (`visible`, `parent_0`); prefix them when reads share a statement.
    const rename = single ? (sql: string) => sql : prefixParameters(read.parameters, `r${r}_`);
    for (const [name, value] of Object.entries(read.parameters)) parameters[single ? name : `r${r}_${name}`] = value;
    // Every branch has the statement's columns; each reads only its own (a story's nation tags are no project's), NULL for the others'.
    const select = single ? projection.select : reader.branchSelect(projection, reader.projection(read.types, read.properties), listTypes !== null);
    for (const branch of read.selects(select, lists, numbered ? NUMBERED : UNNUMBERED)) selects.push(rename(branch));
    lists += read.lists;
  });
  const sql = selects.length === 1 ? selects[0] : selects.map((select, i) => `SELECT * FROM (${select}) b${i}`).join(' UNION ALL ');
  const rows = await reader.query(sql, parameters, scope);
  const items = reader.hydrate(rows, projection, listTypes ? (row) => listTypes[Number(row.branch)] : undefined);
  if (!numbered) return [[items]];
  const byList: Content[][] = Array.from({ length: lists }, () => []);
  rows.forEach((row, i) => byList[Number(row.branch)].push(items[i]));
  let next = 0;
  return reads.map((read) => byList.slice(next, (next += read.lists)));
}

/** The one type every read is of, if they agree; otherwise all types (the columns of the whole table). */
function commonTypes(reads: readonly ContentRead[]): readonly ContentType[] | undefined {
  const first = reads[0].types;
  const same = first?.length === 1 && reads.every((read) => read.types?.length === 1 && read.types[0] === first[0]);
  return same ? first : undefined;
}

/** Every property some read asks for; every column if one asks for all. */
function allProperties(reads: readonly ContentRead[]): readonly string[] | undefined {
  if (reads.some((read) => !read.properties)) return undefined;
  // The reads' lists are the selections' own (cached with them): their union is kept with them, not written per request.
  let level: UnionCache = UNIONS;
  for (const read of reads) {
    let next = level.next.get(read.properties!);
    if (!next) level.next.set(read.properties!, (next = { next: new WeakMap() }));
    level = next;
  }
  return (level.union ??= Object.freeze([...new Set(reads.flatMap((read) => read.properties!))].sort()));
}

interface UnionCache {
  readonly next: WeakMap<readonly string[], UnionCache>;
  union?: readonly string[];
}

const UNIONS: UnionCache = { next: new WeakMap() };

/** Rewrites `:name` and `:...name` for the given parameters to `:<prefix>name`; `::casts` are left alone. */
function prefixParameters(parameters: Readonly<Record<string, unknown>>, prefix: string): (sql: string) => string {
  return (sql) =>
    sql.replace(/(?<!:):(\.\.\.)?([A-Za-z0-9_]+)/g, (match, spread: string | undefined, name: string) =>
      Object.hasOwn(parameters, name) ? `:${spread ?? ''}${prefix}${name}` : match,
    );
}
