import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIGRATIONS } from '../migrations';
import members from '../src/demo/members.json';
import { openDatabase } from '../src/db/data-source';
import { ENTITIES } from '../src/server/modules';
import { indexNations } from '../src/store/search-index';
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

describe('the search vectors migration [postgres]', { skip: !DRIVERS.includes('postgres') && 'set TEST_POSTGRES_URL' }, () => {
  it('keeps the vectors PostgreSQL generated, which are what the gateway writes now, and drops the text they came from', async () => {
    const database = freshDatabase('postgres');
    const db = await openDatabase(database, { entities: ENTITIES });
    const runner = db.createQueryRunner();
    const vectors = async () => (await db.query(`SELECT subject_id, document::text AS document FROM search_entry ORDER BY subject_id`)) as { subject_id: string; document: string }[];
    try {
      for (const m of members) {
        await db.query(`INSERT INTO member_nation (code, name, kind, region, joined_year) VALUES ($1, $2, $3, $4, $5)`, [m.code, m.name, m.kind, m.region, m.joinedYear]);
      }
      // Back to generated vectors: the members are indexed again from their text, by PostgreSQL's to_tsvector.
      await db.undoLastMigration();
      assert.equal(await runner.hasColumn('search_entry', 'body'), true);
      const generated = await vectors();
      assert.equal(generated.length, 81);
      assert.ok(generated.every((entry) => entry.document !== ''));

      await db.runMigrations();
      for (const column of ['title', 'summary', 'body']) assert.equal(await runner.hasColumn('search_entry', column), false, column);
      assert.deepEqual(await vectors(), generated);
      // Indexing the members again, as the gateway does now (literals), changes no vector.
      const nations = (await db.query(`SELECT code, name, region FROM member_nation`)) as { code: string; name: string; region: string | null }[];
      await db.transaction((manager) => indexNations(manager, nations));
      assert.deepEqual(await vectors(), generated);
    } finally {
      await runner.release();
      await db.destroy();
      await dropDatabase(database);
    }
  });
});
