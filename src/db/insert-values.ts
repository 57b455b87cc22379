import type { DataSource } from 'typeorm';

/** How a database takes bound parameters. */
export interface Dialect {
  readonly postgres: boolean;
  /** The n-th (1-based) placeholder. */
  param(n: number): string;
  /** Bound parameters one statement may carry. */
  readonly maxParameters: number;
}

export function dialectOf(db: Pick<DataSource, 'options'>): Dialect {
  // PostgreSQL's wire protocol counts parameters in 16 bits; SQLite's default SQLITE_MAX_VARIABLE_NUMBER is 32,766.
  return db.options.type === 'postgres'
    ? { postgres: true, param: (n) => `$${n}`, maxParameters: 65_535 }
    : { postgres: false, param: () => '?', maxParameters: 32_766 };
}

/** A cell written into the statement as SQL (DEFAULT, a default's expression) rather than bound. */
export class SqlLiteral {
  constructor(readonly sql: string) {}
}

/** At most this many rows per INSERT: big enough to amortise the round trip, small enough to parse quickly. */
const MAX_ROWS_PER_STATEMENT = 1_000;

/**
 * Multi-row INSERTs of `rows` (one value per column, in order; a
 * {@link SqlLiteral} is written as is) into `table`, as many rows per
 * statement as the parameter limit allows, each run through `run`.
 */
export async function insertValues(
  run: (sql: string, parameters: unknown[]) => Promise<unknown>,
  dialect: Dialect,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): Promise<void> {
  const perStatement = Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(dialect.maxParameters / columns.length)));
  const head = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES `;
  for (let start = 0; start < rows.length; start += perStatement) {
    const parameters: unknown[] = [];
    const tuples = rows.slice(start, start + perStatement).map((row) => {
      const cells = row.map((value) => {
        if (value instanceof SqlLiteral) return value.sql;
        parameters.push(value);
        return dialect.param(parameters.length);
      });
      return `(${cells.join(', ')})`;
    });
    await run(head + tuples.join(', '), parameters);
  }
}
