import type { DataSource } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { PreparedStatements } from '../../db/prepared';
import type { StatementScope } from '../../db/statement-scope';
import type { ContentType } from './content-status';
import { Content, NODE_ID } from './content.entity';

/** How one column of a raw row becomes an entity property. */
interface ColumnReader {
  readonly property: string;
  readonly convert: ((value: unknown) => unknown) | null;
}

/** The select list and readers for the columns a set of content types has. */
interface Projection {
  /** `"c"."published_at" AS "publishedAt", …` */
  readonly select: string;
  /** The select list's expressions, one per reader. */
  readonly expressions: readonly string[];
  /**
   * Each column as a NULL of its own type (`CASE WHEN false THEN "c"."phase" END AS "phase"`,
   * which PostgreSQL folds to a typed NULL when it plans, reading nothing), for a branch of a
   * UNION that does not want it: an untyped NULL would be text, and not match a date in another branch.
   */
  readonly nulls: readonly string[];
  readonly readers: readonly ColumnReader[];
  /** Makes one entity from one row: {@link readers} written out as straight-line code (see {@link compileHydrator}). */
  readonly hydrateRow: (row: Record<string, unknown>, prototype: object) => Record<string, unknown>;
  /**
   * The one type a projection of one type reads: it selects no `type` column
   * (a column fewer on every row), and every row is of this type, which the
   * hydrator writes in. Undefined when the rows' `type` column says.
   */
  readonly type?: ContentType;
}

const MAX_PROJECTIONS = 1_000;

/** Column types whose raw value is already what the entity holds, on both drivers. */
const PLAIN = new Set(['uuid', 'varchar', 'text', 'integer', 'int']);

/**
 * Reads content rows straight from SQL into entity instances. The feed and every
 * list go through here instead of TypeORM's query builder and entity transformer:
 * those rebuilt the SQL and walked every column's metadata for every row, which
 * under load cost more than the database did. The projection comes from the
 * entities' metadata, so it cannot drift from the schema: a single type selects
 * only its own columns; a mix selects every column of the table.
 */
export class ContentReader {
  private readonly projections = new Map<string, Projection>();
  /** {@link branchSelect}'s lists, by the branch's projection and the statement's (the same reads come together on every request). */
  private readonly branchSelects = new WeakMap<Projection, WeakMap<Projection, string>>();
  /** The same, for statements whose rows' lists say their type (the branches read no `type`). */
  private readonly typedBranchSelects = new WeakMap<Projection, WeakMap<Projection, string>>();
  private readonly classes: ReadonlyMap<string, Function>;
  private readonly prepared: PreparedStatements | null;

  constructor(private readonly db: DataSource) {
    this.prepared = db.options.type === 'postgres' ? new PreparedStatements(db) : null;
    const metadata = db.getMetadata(Content);
    this.classes = new Map(metadata.childEntityMetadatas.map((child) => [String(child.discriminatorValue), child.target as Function]));
  }

  /**
   * The select list for these types (all of them when none are given), with
   * alias `c`: every column they have, or only those of `properties`.
   */
  projection(types?: readonly ContentType[], properties?: readonly string[]): Projection {
    const type = types?.length === 1 ? types[0] : '*';
    const key = `${type}|${properties?.join(',') ?? '*'}`;
    let projection = this.projections.get(key);
    if (!projection) {
      const parent = this.db.getMetadata(Content);
      const metadata = type === '*' ? parent : parent.childEntityMetadatas.find((child) => child.discriminatorValue === type)!;
      const wanted = properties ? new Set(properties) : null;
      // One type's rows all have it: the hydrator writes it in instead of reading it from every row.
      const columns = metadata.columns.filter((column) => (!wanted || wanted.has(column.propertyName)) && (type === '*' || column.propertyName !== 'type'));
      const select = columns.map((column) => `"c"."${column.databaseName}" AS "${column.propertyName}"`);
      const nulls = columns.map((column) => `CASE WHEN false THEN "c"."${column.databaseName}" END AS "${column.propertyName}"`);
      const readers = columns.map((column) => this.reader(column));
      if (wanted?.has('nations')) {
        // The nation tags come along in the same statement: one index probe per row instead of a round trip.
        const concat = this.db.options.type === 'postgres' ? 'string_agg' : 'group_concat';
        select.push(`(SELECT COALESCE(${concat}(t.nation_code, ','), '') FROM content_nation t WHERE t.content_id = c.id) AS "nationCodes"`);
        nulls.push(`CAST(NULL AS text) AS "nationCodes"`);
        readers.push({ property: 'nationCodes', convert: nationCodesOf });
      }
      const fixedType = type === '*' ? undefined : type;
      projection = { select: select.join(', '), expressions: select, nulls, readers, hydrateRow: compileHydrator(readers, fixedType), type: fixedType };
      // Selections come from clients; keep the cache bounded whatever they send.
      if (this.projections.size >= MAX_PROJECTIONS) this.projections.clear();
      this.projections.set(key, projection);
    }
    return projection;
  }

  /**
   * The select list of one branch of a statement whose rows are read with
   * `all`: its columns, in its order, those of `own` read, the others NULL
   * (a project's branch beside stories asks for no summary or nation tags).
   * A branch of one type reads its rows' `type` only when the statement
   * cannot tell it otherwise (`typedByList` false): its own projection writes
   * it in instead.
   */
  branchSelect(all: Projection, own: Projection, typedByList = false): string {
    const cache = typedByList ? this.typedBranchSelects : this.branchSelects;
    let byAll = cache.get(own);
    if (!byAll) cache.set(own, (byAll = new WeakMap()));
    let select = byAll.get(all);
    if (select === undefined) {
      const has = new Set(own.readers.map((reader) => reader.property));
      if (own.type && !typedByList) has.add('type');
      select = all.readers.map(({ property }, i) => (has.has(property) ? all.expressions[i] : all.nulls[i])).join(', ');
      byAll.set(all, select);
    }
    return select;
  }

  /**
   * Turns raw rows (selected with {@link projection}) into instances of their
   * own content class: the one type of the projection, the type of each row's
   * list (`typeOfRow`, for branches that read no `type`), or the row's `type`.
   */
  hydrate<T extends Content>(rows: readonly Record<string, unknown>[], projection: Projection, typeOfRow?: (row: Record<string, unknown>) => ContentType): T[] {
    const { hydrateRow } = projection;
    // A projection of one type reads no `type`: its class is known once for all rows.
    const fixed = projection.type ? (this.classes.get(projection.type)!.prototype as object) : null;
    if (fixed || !typeOfRow) return rows.map((row) => hydrateRow(row, fixed ?? this.classes.get(row.type as string)!.prototype) as unknown as T);
    return rows.map((row) => {
      const type = typeOfRow(row);
      const item = hydrateRow(row, this.classes.get(type)!.prototype);
      item.type = type;
      return item as unknown as T;
    });
  }

  /**
   * Runs SQL with `:named` parameters (`:...list` for lists) on either driver;
   * prepared on PostgreSQL. A `scope` counts the statement and can cancel it.
   */
  query(sql: string, parameters: Record<string, unknown>, scope?: StatementScope): Promise<Record<string, unknown>[]> {
    const [statement, values] = this.db.driver.escapeQueryWithParameters(sql, parameters);
    if (this.prepared) return this.prepared.query(statement, values, scope);
    try {
      scope?.begin();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.db.query(statement, values);
  }

  private reader(column: ColumnMetadata): ColumnReader {
    const type = typeof column.type === 'string' ? column.type : '';
    // Dates, JSON and transformed columns convert as TypeORM itself would for this driver.
    if (PLAIN.has(type) && !column.transformer) return { property: column.propertyName, convert: null };
    const hydrated = (value: unknown) => this.db.driver.prepareHydratedValue(value, column);
    // node-postgres already made the Date (db/timestamps.ts), which TypeORM would hand back as it is.
    const dated = !column.transformer && (column.type === Date || TIMESTAMPS.has(type));
    return { property: column.propertyName, convert: dated ? (value) => (value instanceof Date ? value : hydrated(value)) : hydrated };
  }
}

/**
 * An item's nation tags from the statement's comma-separated list: one frozen
 * array for each distinct list, shared by every item and request that has it
 * (a page of 50 items holds a handful of combinations), so that rows split
 * nothing and the nations' resolver can keep what it makes of each list
 * (`getNationsFromCodes`). Bounded: past {@link MAX_CODE_LISTS} lists, it starts again.
 */
function nationCodesOf(value: unknown): readonly string[] {
  const text = String(value);
  let codes = CODE_LISTS.get(text);
  if (codes === undefined) {
    codes = Object.freeze(text === '' ? [] : text.split(','));
    if (CODE_LISTS.size >= MAX_CODE_LISTS) CODE_LISTS.clear();
    CODE_LISTS.set(text, codes);
  }
  return codes;
}

const CODE_LISTS = new Map<string, readonly string[]>();
const MAX_CODE_LISTS = 4_096;

/** Column types TypeORM hydrates by leaving a Date as it is (and parsing text). */
const TIMESTAMPS = new Set(['timestamp', 'timestamptz', 'timestamp with time zone', 'timestamp without time zone', 'datetime']);

/**
 * One row's hydration as straight-line code, made once per projection: an
 * assignment per column, in the projection's order, so that every entity of a
 * projection gets its properties in one order (one hidden class) through
 * monomorphic stores, where a loop over the readers stored through one
 * megamorphic keyed store per column of every row. The property names come
 * from the entities' metadata, never from a request, and are written as JSON
 * string literals.
 */
function compileHydrator(readers: readonly ColumnReader[], type: ContentType | undefined): Projection['hydrateRow'] {
  const converters = readers.map((reader) => reader.convert);
  // A projection of one type reads no `type` column: every item gets it as a literal, written first.
  const typeLine = type === undefined ? '' : `item["type"] = ${JSON.stringify(type)};`;
  const lines = readers.map(({ property, convert }, i) => {
    const name = JSON.stringify(property);
    return convert
      ? `value = row[${name}]; item[${name}] = value === null || value === undefined ? null : converters[${i}](value);`
      : `value = row[${name}]; item[${name}] = value === undefined ? null : value;`;
  });
  // Generated from metadata, as graphql-jit generates its executors. The last slot is where the item keeps its global id (`NODE_ID`).
  return new Function('converters', 'nodeId', `return function hydrateRow(row, prototype) { const item = Object.create(prototype); let value; ${typeLine} ${lines.join(' ')} item[nodeId] = ''; return item; };`)(
    converters,
    NODE_ID,
  ) as Projection['hydrateRow'];
}

const readers = new WeakMap<DataSource, ContentReader>();

/** The reader of a database, one per process. */
export function contentReader(db: DataSource): ContentReader {
  let reader = readers.get(db);
  if (!reader) readers.set(db, (reader = new ContentReader(db)));
  return reader;
}
