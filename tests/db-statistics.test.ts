import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../src/db/data-source';
import { refreshStatisticsAfter } from '../src/db/statistics';
import { ENTITIES } from '../src/server/modules';
import { DRIVERS, dropDatabase, freshDatabase } from './helpers/drivers';

for (const driver of DRIVERS) {
  describe(`statistics after a bulk write [${driver}]`, () => {
    const database = freshDatabase(driver);
    let db: DataSource;
    const estimate = async () => Number((await db.query(`SELECT reltuples::float8 AS n FROM pg_class WHERE oid = 'content'::regclass`))[0].n);
    before(async () => {
      db = await openDatabase(database, { entities: ENTITIES });
    });
    after(async () => {
      await db.destroy();
      await dropDatabase(database);
    });

    if (driver === 'sqlite') {
      it('are left to SQLite', async () => {
        assert.equal(await refreshStatisticsAfter(db, 1_000_000), false);
      });
      return;
    }

    it('are not refreshed for fewer than 500 items', async () => {
      assert.equal(await refreshStatisticsAfter(db, 499), false);
      assert.equal(await estimate(), -1, 'the table was never analysed');
    });

    it('are refreshed for a write of half the table or more, and only then', async () => {
      // Autovacuum, where it runs, would refresh the estimate by itself after the DELETE below.
      await db.query(`ALTER TABLE content SET (autovacuum_enabled = false)`);
      assert.equal(await refreshStatisticsAfter(db, 500), true);
      assert.equal(await estimate(), 0, 'analysed: the planner knows the table is empty');
      await db.query(
        `INSERT INTO content (id, type, slug, title, summary, status, published_at, version, created_at, updated_at)
         SELECT gen_random_uuid(), 'DIGEST_ARTICLE', 'item-' || n, 'Item ' || n, '', 'PUBLISHED', now(), 1, now(), now() FROM generate_series(1, 6000) AS n`,
      );
      assert.equal(await refreshStatisticsAfter(db, 6000), true);
      assert.equal(await estimate(), 6000);
      await db.query(`DELETE FROM content WHERE slug LIKE 'item-%' AND slug::text > 'item-5'`);
      assert.equal(await refreshStatisticsAfter(db, 2999), false, 'under half the 6,000 rows the planner knows of');
      assert.equal(await estimate(), 6000, 'so the estimate stays');
      assert.equal(await refreshStatisticsAfter(db, 3000), true);
      assert.ok((await estimate()) < 6000, 'half: analysed again');
    });

    it('read the table’s size once per refresh for a caller that keeps it between batches', async () => {
      const known: { tableRows?: number } = { tableRows: 1_000_000 };
      // A kept size is believed: no read of pg_class, so 600 items are not half of it.
      assert.equal(await refreshStatisticsAfter(db, 600, known), false);
      assert.equal(known.tableRows, 1_000_000);
      known.tableRows = 1_000;
      assert.equal(await refreshStatisticsAfter(db, 600, known), true);
      assert.equal(known.tableRows, undefined, 'forgotten after a refresh, to be read again');
    });
  });
}
