import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { DataSource, EntityManager } from 'typeorm';
import { pruneChangeLog } from '../src/changes/retention';
import { openDatabase } from '../src/db/data-source';
import { transaction } from '../src/db/in-turn';
import { StatementScope } from '../src/db/statement-scope';
import { ENTITIES } from '../src/server/modules';
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

// On SQLite every statement shares the one connection better-sqlite3 gives a database: begun together, two writes would nest
// (the second a savepoint in the first), and one's rollback would undo the other's work or one's failure roll back the other's
// commit; a statement outside both would run inside whichever was open. Each waits for its turn instead (db/in-turn.ts); on
// PostgreSQL each transaction has its own connection. Both databases must give the same answers.
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
      // Something for the pruning to delete: two entries, appended by a write that commits.
      await write(opened.db, CLI_ACTOR, async (session) => {
        session.change({ subject: 'MEMBER', kind: 'UPDATED', subjectId: 'IRQ' });
        session.change({ subject: 'MEMBER', kind: 'UPDATED', subjectId: 'SYR' });
      });
      const [{ head }] = (await opened.db.query('SELECT max(seq) AS head FROM change_log')) as { head: unknown }[];
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
        pruneChangeLog(opened.db, new Date(Date.now() + 60_000)),
      ]);
      assert.deepEqual(
        results.map((result) => result.status),
        ['rejected', 'fulfilled', 'fulfilled'],
      );
      assert.equal((results[2] as PromiseFulfilledResult<number>).value, Number(head), 'the pruning deleted through the newest entry');
      assert.deepEqual(await opened.db.query('SELECT seq FROM change_log'), []);
      assert.deepEqual(await marks(opened.db, 'd:'), ['d:kept']);
    });

    it('a statement sent outside any transaction while one is open neither sees its rows nor goes with its rollback', async () => {
      let marked!: () => void;
      const open = new Promise<void>((resolve) => (marked = resolve));
      const failing = write(opened.db, CLI_ACTOR, async (session) => {
        await mark(session.manager, 'e:uncommitted');
        marked();
        // The transaction stays open past a turn of the event loop, which the statements below are sent in.
        await pause();
        throw new Error('boom');
      }).then(
        () => 'committed',
        (error: Error) => error.message,
      );
      await open;
      const [seen] = await Promise.all([marks(opened.db, 'e:'), mark(opened.db.manager, 'e:outside')]);
      assert.equal(await failing, 'boom');
      assert.ok(!seen.includes('e:uncommitted'), 'the read did not see the row the write then rolled back');
      assert.deepEqual(await marks(opened.db, 'e:'), ['e:outside'], 'the insert sent meanwhile was not rolled back with the write');
    });

    it('a write whose transaction ended under it (its ROLLBACK then failing) leaves none open: the writes after it commit', async () => {
      await assert.rejects(
        write(opened.db, CLI_ACTOR, async (session) => {
          await mark(session.manager, 'g:lost');
          // As SQLite does after a full disk or an I/O error: the transaction is gone before the write's own ROLLBACK.
          await session.manager.query('ROLLBACK');
          throw new Error('disk full');
        }),
        { message: 'disk full' },
      );
      await assert.rejects(
        write(opened.db, CLI_ACTOR, async (session) => {
          await mark(session.manager, 'g:failing');
          throw new Error('boom');
        }),
        { message: 'boom' },
      );
      await write(opened.db, CLI_ACTOR, (session) => mark(session.manager, 'g:kept'));
      // Read from another connection: committed, not merely visible inside a transaction left open on this one.
      const other = await openDatabase(opened.database, { entities: ENTITIES });
      try {
        assert.deepEqual(await marks(other, 'g:'), ['g:kept']);
      } finally {
        await other.destroy();
      }
    });

    it('a write in a request’s scope counts its statements there, and the writes after it do not', async () => {
      const scope = new StatementScope();
      await write(opened.db, CLI_ACTOR, (session) => mark(session.manager, 'h:scoped'), scope);
      const counted = scope.statements;
      assert.ok(counted >= 1, `the scoped write's statements were counted (${counted})`);
      await write(opened.db, CLI_ACTOR, async (session) => {
        await mark(session.manager, 'h:unscoped-1');
        await mark(session.manager, 'h:unscoped-2');
      });
      await marks(opened.db, 'h:');
      assert.equal(scope.statements, counted);
    });
  });
}
