import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { prunedThrough } from '../src/changes/retention';
import { openDatabase } from '../src/db/data-source';
import { ENTITIES } from '../src/server/modules';
import { CLI_ACTOR, write } from '../src/store/session';
import { logHead, storedChanges } from './helpers/changes';
import { DRIVERS, dropDatabase, freshDatabase } from './helpers/drivers';
import { PrunerProcess } from './helpers/pruner-process';

/** Appends `count` entries to the change log, as a write does. */
async function changes(db: DataSource, count: number): Promise<void> {
  await write(db, CLI_ACTOR, async (session) => {
    for (let n = 0; n < count; n++) session.change({ subject: 'MEMBER', kind: 'UPDATED', subjectId: 'IRQ' });
  });
}

/** Makes the entries up to `seq` look `days` old. */
async function age(db: DataSource, seq: number, days: number): Promise<void> {
  const postgres = db.options.type === 'postgres';
  const then = new Date(Date.now() - days * 86_400_000);
  const value = postgres ? then : then.toISOString().replace('T', ' ').replace('Z', '');
  await db.query(`UPDATE change_log SET at = ${postgres ? '$1' : '?'} WHERE seq <= ${postgres ? '$2' : '?'}`, [value, seq]);
}

// Every gateway process prunes the change log, and at the same moment: each tailer prunes when the oldest entry falls due,
// and they all read the same oldest entry. Two processes here, on one database (a SQLite file, or PostgreSQL).
for (const driver of DRIVERS) {
  describe(`two processes pruning the change log at once [${driver}]`, () => {
    it('the second waits for the first and finds its work done: neither fails, and the position recorded is the newest pruned', async () => {
      const database = freshDatabase(driver);
      const db = await openDatabase(database, { entities: ENTITIES });
      const pruners: PrunerProcess[] = [];
      try {
        await changes(db, 3);
        const through = await logHead(db);
        await age(db, through, 40);
        await changes(db, 2);
        const cutoff = new Date(Date.now() - 30 * 86_400_000);

        // The first is in its transaction, about to delete what it found due.
        const first = await PrunerProcess.start(database, cutoff, { pauseBeforeDelete: true });
        pruners.push(first);
        first.go();
        await first.next((message) => message.paused === true, 'the first to stop before its delete');
        // The second starts while the first is there, and goes as far as its first write: then the first goes on.
        const second = await PrunerProcess.start(database, cutoff);
        pruners.push(second);
        second.go();
        await second.firstWrite();
        first.resume();

        const results = await Promise.all([first.result, second.result]);
        assert.deepEqual(
          results.filter((result) => 'error' in result),
          [],
          'neither failed',
        );
        assert.equal(Math.max(...results.map((result) => ('pruned' in result ? result.pruned : 0))), through);
        assert.equal(await prunedThrough(db), through);
        assert.deepEqual(
          (await storedChanges(db)).map((entry) => entry.seq),
          [through + 1, through + 2],
        );
      } finally {
        await Promise.all(pruners.map((pruner) => pruner.stop()));
        await db.destroy();
        await dropDatabase(database);
      }
    });
  });
}
