import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { DataSource, EntityManager } from 'typeorm';
import { pruneChangeLog } from '../src/changes/retention';
import { transaction } from '../src/db/in-turn';
import { CLI_ACTOR, write } from '../src/store/session';
import { DRIVERS, openedDatabase } from './helpers/drivers';

/** Writes a `gateway_state` entry: a row any transaction can write without touching content. */
function mark(manager: EntityManager, name: string): Promise<unknown> {
  const postgres = manager.connection.options.type === 'postgres';
  return manager.query(postgres ? 'INSERT INTO gateway_state (name, value, updated_at) VALUES ($1, $2, $3)' : 'INSERT INTO gateway_state (name, value, updated_at) VALUES (?, ?, ?)', [
    name,
    'x',
    postgres ? new Date() : new Date().toISOString(),
  ]);
}

async function marks(db: DataSource, prefix: string): Promise<string[]> {
  const rows = (await db.query('SELECT name FROM gateway_state ORDER BY name')) as { name: string }[];
  return rows.map((row) => row.name).filter((name) => name.startsWith(prefix));
}

/** A few turns of the microtask queue and one of the event loop: what a write's own awaits give other work begun in the same turn. */
async function pause(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await nextTurn();
}

// On SQLite every transaction shares the one connection better-sqlite3 gives a database: begun together, two writes would nest
// (the second a savepoint in the first), and one's rollback would undo the other's work or one's failure roll back the other's
// commit. Each write waits for its turn instead; on PostgreSQL each has its own connection. Both databases must give the same answers.
for (const driver of DRIVERS) {
  describe(`transactions begun together [${driver}]`, () => {
    const opened = openedDatabase(driver);

    it('a write that fails leaves nothing, and one begun with it that succeeds keeps all of its work', async () => {
      const results = await Promise.allSettled([
        write(opened.db, CLI_ACTOR, async (session) => {
          await mark(session.manager, 'a:failing-1');
          await pause();
          await mark(session.manager, 'a:failing-2');
          throw new Error('boom');
        }),
        write(opened.db, CLI_ACTOR, async (session) => {
          await mark(session.manager, 'a:kept-1');
          await pause();
          await mark(session.manager, 'a:kept-2');
        }),
      ]);
      assert.deepEqual(
        results.map((result) => result.status),
        ['rejected', 'fulfilled'],
      );
      assert.deepEqual(await marks(opened.db, 'a:'), ['a:kept-1', 'a:kept-2']);
    });

    it('a write reported committed stays committed when one begun after it fails', async () => {
      const results = await Promise.allSettled([
        write(opened.db, CLI_ACTOR, async (session) => {
          await mark(session.manager, 'b:kept');
        }),
        write(opened.db, CLI_ACTOR, async (session) => {
          await mark(session.manager, 'b:failing');
          await pause();
          throw new Error('boom');
        }),
      ]);
      assert.deepEqual(
        results.map((result) => result.status),
        ['fulfilled', 'rejected'],
      );
      assert.deepEqual(await marks(opened.db, 'b:'), ['b:kept']);
    });

    it('ten writes begun together, every other one failing, leave exactly the work of the five that succeeded', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) =>
          write(opened.db, CLI_ACTOR, async (session) => {
            await mark(session.manager, `c:${i}-1`);
            await pause();
            await mark(session.manager, `c:${i}-2`);
            if (i % 2) throw new Error(`boom ${i}`);
          }),
        ),
      );
      assert.deepEqual(
        results.map((result) => result.status),
        Array.from({ length: 10 }, (_, i) => (i % 2 ? 'rejected' : 'fulfilled')),
      );
      assert.deepEqual(await marks(opened.db, 'c:'), ['c:0-1', 'c:0-2', 'c:2-1', 'c:2-2', 'c:4-1', 'c:4-2', 'c:6-1', 'c:6-2', 'c:8-1', 'c:8-2']);
    });

    it('the transactions outside write() (the change log’s pruning, webhooks) take their turn with the writes', async () => {
      const results = await Promise.allSettled([
        write(opened.db, CLI_ACTOR, async (session) => {
          await mark(session.manager, 'd:failing');
          await pause();
          throw new Error('boom');
        }),
        transaction(opened.db, async (manager) => {
          await mark(manager, 'd:kept');
          await pause();
        }),
        pruneChangeLog(opened.db, new Date(0)),
      ]);
      assert.deepEqual(
        results.map((result) => result.status),
        ['rejected', 'fulfilled', 'fulfilled'],
      );
      assert.deepEqual(await marks(opened.db, 'd:'), ['d:kept']);
    });
  });
}
