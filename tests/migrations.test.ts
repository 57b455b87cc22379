import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIGRATIONS } from '../migrations';
import { openDatabase } from '../src/db/data-source';
import { ENTITIES } from '../src/server/modules';
import { DRIVERS, dropDatabase, freshDatabase } from './helpers/drivers';

const TABLES = ['campaign', 'content', 'content_country', 'content_nation', 'content_tag', 'member_nation', 'api_key', 'audit_entry', 'change_log', 'gateway_state', 'content_source', 'ingest_run', 'source_revision', 'webhook', 'webhook_delivery', 'content_translation', 'search_entry'];

for (const driver of DRIVERS) {
  describe(`migrations [${driver}]`, () => {
    it('leave no difference between the entities and the migrated schema', async () => {
      const database = freshDatabase(driver);
      const db = await openDatabase(database, { entities: ENTITIES });
      try {
        const pending = await db.driver.createSchemaBuilder().log();
        assert.deepEqual(pending.upQueries.map((q) => q.query), []);
      } finally {
        await db.destroy();
        await dropDatabase(database);
      }
    });

    it('migrate down to nothing and up again to the same schema', async () => {
      const database = freshDatabase(driver);
      const db = await openDatabase(database, { entities: ENTITIES });
      const runner = db.createQueryRunner();
      try {
        for (const table of TABLES) assert.equal(await runner.hasTable(table), true, `${table} after up`);
        for (let i = 0; i < MIGRATIONS.length; i++) await db.undoLastMigration();
        for (const table of TABLES) assert.equal(await runner.hasTable(table), false, `${table} after down`);
        assert.equal(await db.showMigrations(), true, 'every migration is pending again');

        await db.runMigrations();
        for (const table of TABLES) assert.equal(await runner.hasTable(table), true, `${table} after up again`);
        assert.deepEqual((await db.driver.createSchemaBuilder().log()).upQueries, []);
      } finally {
        await runner.release();
        await db.destroy();
        await dropDatabase(database);
      }
    });
  });
}
