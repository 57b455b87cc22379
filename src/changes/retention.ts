import type { DataSource, EntityManager } from 'typeorm';
import { transaction } from '../db/in-turn';

/** The `gateway_state` entry that says up to which position the change log has been pruned. */
export const PRUNED_THROUGH = 'change_log.pruned_through';

/**
 * Deletes the entries written before `cutoff`, and records the newest position
 * deleted, so that a reader whose cursor is below it is told its cursor has
 * expired (it would otherwise silently miss what was pruned).
 *
 * Every process prunes, and at the same moment: each one's tailer prunes when
 * the oldest entry falls due, and they all read the same oldest entry. So the
 * transaction's first statement writes, and prunes take turns from there: the
 * second waits for the first to commit, then reads what it left (nothing to
 * delete, or only what fell due meanwhile), and the position recorded only
 * moves forward. On SQLite every transaction takes the write lock as it
 * begins (`data-source.ts`), so the second waits there (`busy_timeout`); on
 * PostgreSQL the entry's row lock orders them the same way.
 */
export async function pruneChangeLog(db: DataSource, cutoff: Date): Promise<number> {
  return transaction(db, async (manager) => {
    // The turn: the entry made if it is missing (0, what a missing one means), or locked, unchanged.
    await manager.query(
      ...params(manager, `INSERT INTO gateway_state (name, value, updated_at) VALUES (:name, '0', :now) ON CONFLICT (name) DO UPDATE SET value = gateway_state.value`, {
        name: PRUNED_THROUGH,
        now: new Date(),
      }),
    );
    const [{ through }] = (await manager.query(...params(manager, 'SELECT max(seq) AS "through" FROM change_log WHERE at < :cutoff', { cutoff }))) as { through: unknown }[];
    if (through == null) return 0;
    const last = Number(through);
    await manager.query(...params(manager, 'DELETE FROM change_log WHERE seq <= :last', { last }));
    await manager.query(
      ...params(manager, 'UPDATE gateway_state SET value = :value, updated_at = :now WHERE name = :name AND CAST(value AS integer) < :last', {
        name: PRUNED_THROUGH,
        value: String(last),
        last,
        now: new Date(),
      }),
    );
    return last;
  });
}

/** The newest position pruned from the log; 0 when nothing was. */
export async function prunedThrough(db: DataSource | EntityManager): Promise<number> {
  const manager = 'manager' in db ? db.manager : db;
  const [row] = (await manager.query(...params(manager, 'SELECT value FROM gateway_state WHERE name = :name', { name: PRUNED_THROUGH }))) as { value: string }[];
  return row ? Number(row.value) : 0;
}

function params(manager: EntityManager, sql: string, parameters: Record<string, unknown>): [string, unknown[]] {
  const prepared = Object.fromEntries(
    Object.entries(parameters).map(([name, value]) => [name, value instanceof Date && manager.connection.options.type !== 'postgres' ? manager.connection.driver.preparePersistentValue(value, { type: Date } as never) : value]),
  );
  return manager.connection.driver.escapeQueryWithParameters(sql, prepared) as [string, unknown[]];
}
