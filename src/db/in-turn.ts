import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import type { PgClient } from './pg';
import type { StatementScope } from './statement-scope';

/** Each SQLite database's last turn queued: settled once it has ended, whatever its outcome. */
const lastQueued = new WeakMap<DataSource, Promise<void>>();

const settled = (): void => {};

/**
 * Runs `work` once every turn queued before it on the same SQLite database has
 * ended; on PostgreSQL at once. A turn is a whole transaction, or one
 * statement run outside any.
 *
 * better-sqlite3 gives a database one connection. Without turns, a transaction
 * begun while another was open on it became a savepoint inside that one: the
 * first to commit only released the other's savepoint, the first to fail
 * rolled back the other's work (one reported committed included), and a write
 * that failed half way could leave its first statements to be committed by the
 * other. A statement outside any transaction (a read, a source's claim) that
 * ran while one was open saw its uncommitted rows, and was rolled back with
 * it. Work begun in the same turn of the event loop (a scheduler starting two
 * sources, two deliveries ending together) did exactly that. PostgreSQL gives
 * each transaction a connection of its own, and its locks order them.
 *
 * `work` must not wait for anything but its own statements (no I/O, no timer):
 * every statement of the process waits for it. Nor may it call `inTurn` again
 * on the same database, or run a statement outside its own transaction (on
 * the DataSource rather than its manager): that would wait for `work`, which
 * waits for it.
 */
export function inTurn<T>(db: DataSource, work: () => Promise<T>): Promise<T> {
  if (db.options.type !== 'better-sqlite3') return work();
  const previous = lastQueued.get(db);
  const turn = previous ? previous.then(work) : work();
  lastQueued.set(db, turn.then(settled, settled));
  return turn;
}

/**
 * The query runner a transaction runs on, with its own manager: on SQLite the
 * connection's runner that statements outside transactions do not use (they
 * take their turns through the DataSource's, see `data-source.ts`); on
 * PostgreSQL a pooled connection of its own. Release it when done.
 */
export function transactionRunner(db: DataSource): QueryRunner {
  return (db as Partial<TurnTaking>).transactionRunner?.() ?? db.createQueryRunner();
}

/** Called in a `finally` as a transaction's turn ends, however it ended: on SQLite, leaves no transaction open (see `data-source.ts`). */
export function endTransactionTurn(db: DataSource): void {
  (db as Partial<TurnTaking>).endTransactionTurn?.();
}

/** A DataSource whose statements outside transactions take turns with its transactions (SQLite's). */
export interface TurnTaking {
  transactionRunner(): QueryRunner;
  endTransactionTurn(): void;
}

/** TypeORM's PostgreSQL query runner: releasing with an error closes the connection instead of pooling it. */
interface PostgresRunner {
  readonly databaseConnection?: PgClient;
  releasePostgresConnection(error?: Error): Promise<void>;
}

/**
 * Runs `work` in one transaction and commits; a failure anywhere rolls it
 * back. In turn with the database's other transactions and statements (see
 * {@link inTurn}). With a `scope` (a GraphQL request's), its statements count
 * towards it and are cancelled with it.
 */
export function transaction<T>(db: DataSource, work: (manager: EntityManager) => Promise<T>, scope?: StatementScope): Promise<T> {
  return inTurn(db, () => runTransaction(db, work, scope));
}

async function runTransaction<T>(db: DataSource, work: (manager: EntityManager) => Promise<T>, scope: StatementScope | undefined): Promise<T> {
  const runner = transactionRunner(db);
  const postgres = db.options.type === 'postgres';
  const data = runner.data;
  let client: PgClient | undefined;
  let rollbackFailed = false;
  try {
    await runner.connect();
    if (scope) {
      runner.data = { ...runner.data, scope };
      client = postgres ? ((runner as unknown as PostgresRunner).databaseConnection ?? undefined) : undefined;
      if (client) scope.attach(client);
    }
    await runner.startTransaction();
    try {
      const result = await work(runner.manager);
      await runner.commitTransaction();
      return result;
    } catch (error) {
      // Out of the scope first: a cancel request sent again must not stop the ROLLBACK.
      if (client) scope?.detach(client);
      // The work's error is the one to report, not a failed ROLLBACK's (which makes the connection unusable, below).
      if (runner.isTransactionActive) {
        await runner.rollbackTransaction().catch(() => {
          rollbackFailed = true;
        });
      }
      throw error;
    }
  } finally {
    if (client) scope?.detach(client);
    // SQLite's runner serves the next transaction too: its statements are not this request's.
    runner.data = data;
    // Closed, not reused, a connection whose ROLLBACK failed or that was sent a second cancel request (it may still be on its way).
    const unusable = rollbackFailed || (client !== undefined && scope?.wasCancelledAgain(client));
    if (unusable && postgres) await (runner as unknown as PostgresRunner).releasePostgresConnection(new Error('not reusable'));
    else await runner.release();
    endTransactionTurn(db);
  }
}
