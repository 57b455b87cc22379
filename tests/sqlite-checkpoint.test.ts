import 'reflect-metadata';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { openDatabase } from '../src/db/data-source';
import { INLINE_CHECKPOINT_PAGES } from '../src/db/sqlite-checkpoint';
import { ENTITIES } from '../src/server/modules';
import { dropDatabase, freshDatabase } from './helpers/drivers';

/** Polls `check` until it holds or `ms` pass. */
async function eventually(check: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(25)) if (check()) return true;
  return check();
}

describe('SQLite checkpoints [sqlite]', () => {
  it('sync the log at checkpoints (synchronous NORMAL), checkpoint inline only past the bound, keep temporary data in memory and cache 32 MiB', async () => {
    const database = freshDatabase('sqlite');
    const db = await openDatabase(database, { entities: ENTITIES });
    try {
      assert.deepEqual(await db.query('PRAGMA synchronous'), [{ synchronous: 1 }]);
      assert.deepEqual(await db.query('PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
      assert.deepEqual(await db.query('PRAGMA wal_autocheckpoint'), [{ wal_autocheckpoint: INLINE_CHECKPOINT_PAGES }]);
      // Statement journals and sorts stay in memory (2), and 32 MiB of pages are cached (negative: KiB).
      assert.deepEqual(await db.query('PRAGMA temp_store'), [{ temp_store: 2 }]);
      assert.deepEqual(await db.query('PRAGMA cache_size'), [{ cache_size: -32_768 }]);
    } finally {
      await db.destroy();
      await dropDatabase(database);
    }
  });

  it('copy a commit’s log into the database file on their own thread, without a commit past the bound', async () => {
    const database = freshDatabase('sqlite') as { kind: 'sqlite'; path: string };
    const db = await openDatabase(database, { entities: ENTITIES });
    try {
      await db.query('CREATE TABLE filler (n INTEGER PRIMARY KEY, text TEXT NOT NULL)');
      const before = fs.statSync(database.path).size;
      // About 8 MB of log in one commit: far below the inline bound (64 MiB), so the commit does not copy it
      // into the database file (and a PASSIVE checkpoint copies only what is committed): only the thread does.
      await db.transaction(async (manager) => {
        for (let i = 0; i < 80; i++) {
          await manager.query(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) INSERT INTO filler (text) SELECT randomblob(2000) FROM n`);
        }
      });
      const wal = `${database.path}-wal`;
      assert.ok(fs.statSync(wal).size > 4_000_000, 'the commit went to the log');
      assert.ok(await eventually(() => fs.statSync(database.path).size > before + 6_000_000, 5_000), 'the checkpointing thread copied it in');
      const [row] = (await db.query('SELECT count(*) AS n FROM filler')) as { n: number }[];
      assert.equal(row.n, 4_000);
    } finally {
      await db.destroy();
      await dropDatabase(database);
    }
  });

  it('stop with the data source, so a closed database opens again with everything in it', async () => {
    const database = freshDatabase('sqlite');
    let db = await openDatabase(database, { entities: ENTITIES });
    await db.query('CREATE TABLE kept (n INTEGER PRIMARY KEY)');
    await db.query('INSERT INTO kept (n) VALUES (1), (2), (3)');
    await db.destroy();
    db = await openDatabase(database, { entities: ENTITIES });
    try {
      assert.deepEqual(await db.query('SELECT n FROM kept ORDER BY n'), [{ n: 1 }, { n: 2 }, { n: 3 }]);
    } finally {
      await db.destroy();
      await dropDatabase(database);
    }
  });
});
