import type { DataSource, EntityManager } from 'typeorm';

/** Each SQLite database's last transaction queued: settled once it has ended, whatever its outcome. */
const lastQueued = new WeakMap<DataSource, Promise<void>>();

const settled = (): void => {};

/**
 * Runs `work`, which opens a transaction on `db`, once every transaction queued
 * before it on the same SQLite database has ended; on PostgreSQL at once.
 *
 * better-sqlite3 gives a database one connection, which all of TypeORM's query
 * runners share. A transaction begun while another is open on it becomes a
 * savepoint inside that one: the first to commit only releases the other's
 * savepoint, the first to fail rolls back the other's work (one reported
 * committed included), and a write that fails half way can leave its first
 * statements to be committed by the other. Writes begun in the same turn of
 * the event loop (a scheduler starting two sources, two deliveries ending
 * together) did exactly that. PostgreSQL gives each transaction a connection
 * of its own, and its locks order them.
 *
 * Never call it from inside `work` on the same database: the inner call would
 * wait for the outer one, which waits for it.
 */
export function inTurn<T>(db: DataSource, work: () => Promise<T>): Promise<T> {
  if (db.options.type !== 'better-sqlite3') return work();
  const previous = lastQueued.get(db);
  const turn = previous ? previous.then(work) : work();
  lastQueued.set(db, turn.then(settled, settled));
  return turn;
}

/** `db.transaction(work)` in turn with the database's other transactions (see {@link inTurn}). */
export function transaction<T>(db: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return inTurn(db, () => db.transaction(work));
}
