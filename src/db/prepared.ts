import { QueryFailedError, type DataSource } from 'typeorm';
import { isConnectionFailure } from './failures';
import { pgPoolOf, type PgClient, type PgPool, type PooledClient } from './pg';
import type { StatementScope } from './statement-scope';
import { testHooksOf } from './test-hooks';

/** Prepared statements kept on each connection; the least recently used is deallocated beyond this. */
export const PREPARED_PER_CONNECTION = 100;

/** Names given to statement texts, process-wide; forgotten all at once beyond this (connections then prepare again). */
const MAX_NAMES = 10_000;

/** Statement names are unique in the process, so that two sets never give one name to two texts on a connection. */
let nextName = 0;

/**
 * `client.query` given a callback, and promised here. Without a callback,
 * node-postgres makes the promise itself and sets `query.callback = (err, res) => …`:
 * V8 allocates a function literal assigned straight to a property in old space
 * (a parser heuristic for methods) while that code runs unoptimised (start-up,
 * after a deoptimisation), and each such dead closure keeps its statement's
 * promise, result and rows alive through every scavenge until the next full GC;
 * the surviving rows then make V8 allocate node-postgres' `Result.rows` arrays in
 * old space for good, with the same effect. The stack of an error is taken again
 * here, as node-postgres does, so that it leads back to the caller.
 */
function queryWithCallback(client: PgClient, config: { name: string; text: string; values: unknown[] }): Promise<{ rows: Record<string, unknown>[] }> {
  return new Promise<{ rows: Record<string, unknown>[] }>((resolve, reject) => {
    client.query(config, (error, result) => (error ? reject(error) : resolve(result)));
  }).catch((error: Error) => {
    Error.captureStackTrace(error);
    throw error;
  });
}

/** A checked-out client may fail at any moment (the server goes away); without a listener that would crash the process. */
const IGNORE = (): void => {};

/**
 * Runs SQL on PostgreSQL as named prepared statements, so that the server
 * parses and plans a statement once per connection rather than on every
 * request: for the lists here, planning cost more server time than
 * executing (0.3 ms each at 200,000 items), and the server shares the
 * machine's cores with the gateway. PostGraphile does the same.
 *
 * Each connection keeps at most {@link PREPARED_PER_CONNECTION} statements;
 * beyond that the least recently used one is deallocated, so clients that
 * send endless shapes of query cannot grow the server's memory. node-postgres
 * has no public API for that, so, like PostGraphile, this forgets a
 * deallocated statement in its `parsedStatements`.
 *
 * Statements are logged through TypeORM's logger, as its own are, so that
 * statement counts and query logs see them; errors are TypeORM's
 * `QueryFailedError`, as from `DataSource.query`.
 */
export class PreparedStatements {
  private readonly names = new Map<string, string>();
  private readonly perConnection = new WeakMap<PgClient, Map<string, true>>();

  constructor(
    private readonly db: DataSource,
    private readonly perConnectionLimit = PREPARED_PER_CONNECTION,
  ) {}

  /**
   * Runs `text` as a prepared statement. With a `scope`, the statement counts
   * towards it and is cancelled if the scope is (a request past its time limit).
   * A connection that failed, or whose statement needed a second cancel request, is dropped from the pool rather than reused.
   */
  async query(text: string, values: unknown[], scope?: StatementScope): Promise<Record<string, unknown>[]> {
    const pool = pgPoolOf(this.db) as PgPool;
    scope?.begin();
    this.db.logger.logQuery(text, values);
    let client: PooledClient;
    try {
      client = await pool.connect();
    } catch (error) {
      this.db.logger.logQueryError(error as Error, text, values);
      throw new QueryFailedError(text, values, error as Error);
    }
    client.on('error', IGNORE);
    let failed: Error | undefined;
    try {
      scope?.attach(client);
      const slow = testHooksOf(this.db)?.beforeRead;
      if (slow) await client.query(slow);
      const name = this.nameOf(text);
      this.keep(client, name);
      const result = await queryWithCallback(client, { name, text, values });
      return result.rows;
    } catch (error) {
      if (isConnectionFailure(error)) failed = error as Error;
      this.db.logger.logQueryError(error as Error, text, values);
      throw error instanceof QueryFailedError || (error as Error).name === 'ScopeCancelledError' ? error : new QueryFailedError(text, values, error as Error);
    } finally {
      scope?.detach(client);
      client.removeListener('error', IGNORE);
      client.release(failed ?? (scope?.wasCancelledAgain(client) ? true : undefined));
    }
  }

  private nameOf(text: string): string {
    let name = this.names.get(text);
    if (!name) {
      if (this.names.size >= MAX_NAMES) this.names.clear();
      this.names.set(text, (name = `cg_${(nextName++).toString(36)}`));
    }
    return name;
  }

  /** Marks `name` as the connection's most recently used statement, deallocating the least recently used beyond the limit. */
  private keep(client: PgClient, name: string): void {
    let kept = this.perConnection.get(client);
    if (!kept) this.perConnection.set(client, (kept = new Map()));
    kept.delete(name);
    kept.set(name, true);
    if (kept.size <= this.perConnectionLimit) return;
    const oldest = kept.keys().next().value!;
    kept.delete(oldest);
    const parsed = client.connection?.parsedStatements;
    if (!parsed?.[oldest]) return;
    delete parsed[oldest];
    // Queued on this connection ahead of the statement it makes room for; a failure costs only server memory.
    client.query({ text: `DEALLOCATE ${client.escapeIdentifier(oldest)}` }).catch((error: Error) => this.db.logger.logQueryError(error, `DEALLOCATE ${oldest}`));
  }
}
