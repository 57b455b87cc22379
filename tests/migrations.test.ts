import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import type { DataSource, QueryRunner } from 'typeorm';
import type { DatabaseConfig } from '../src/config';
import { MIGRATIONS } from '../migrations';
import members from '../src/demo/members.json';
import { openDatabase } from '../src/db/data-source';
import { ENTITIES } from '../src/server/modules';
import { indexNations, nationDocument, searchEntryValues } from '../src/store/search-index';
import { DRIVERS, dropDatabase, freshDatabase, type Driver } from './helpers/drivers';
import { storedExternalId } from '../src/ingest/enrich';
import { ContentType } from '../src/shared/content/content-status';
import { dialectOf } from '../src/db/insert-values';
import { isUniqueViolation } from '../src/db/failures';

const TABLES = ['campaign', 'content', 'content_country', 'content_nation', 'content_tag', 'member_nation', 'api_key', 'audit_entry', 'change_log', 'gateway_state', 'content_source', 'ingest_run', 'source_revision', 'webhook', 'webhook_delivery', 'content_translation', 'search_entry'];

/** Runs `work` on a freshly migrated database of `driver`, with a query runner on it; closes and drops both after. */
async function onFreshDatabase(driver: Driver, work: (db: DataSource, runner: QueryRunner, database: DatabaseConfig) => Promise<void>): Promise<void> {
  const database = freshDatabase(driver);
  const db = await openDatabase(database, { entities: ENTITIES });
  const runner = db.createQueryRunner();
  try {
    await work(db, runner, database);
  } finally {
    await runner.release();
    await db.destroy();
    await dropDatabase(database);
  }
}

/** Undoes the migrations from the last back to `name`, that one included. */
async function undoThrough(db: DataSource, name: string): Promise<void> {
  const index = MIGRATIONS.findIndex((migration) => migration.name === name);
  assert.ok(index >= 0, `no migration ${name}`);
  for (let i = MIGRATIONS.length; i > index; i--) await db.undoLastMigration();
}

for (const driver of DRIVERS) {
  describe(`migrations [${driver}]`, () => {
    it('leave no difference between the entities and the migrated schema', async () => {
      await onFreshDatabase(driver, async (db) => {
        const pending = await db.driver.createSchemaBuilder().log();
        assert.deepEqual(pending.upQueries.map((q) => q.query), []);
      });
    });

    it('percent-encodes the % signs of the change log’s tags and campaigns written before, and decodes them going down', async () => {
      await onFreshDatabase(driver, async (db) => {
        await undoThrough(db, 'ChangeLogListValues1765100000000');
        const postgres = driver === 'postgres';
        const rows: [string | null, string | null][] = [[',100%,iraq,', ',slug,'], [',water,', null], [null, null]];
        for (const [tags, campaigns] of rows) {
          await db.query(
            `INSERT INTO change_log (at, subject, kind, subject_id, content_type, tags, campaigns) VALUES (${postgres ? 'now()' : "'2026-12-01 00:00:00.000'"}, 'CONTENT', 'PUBLISHED', 'x', 'DIGEST_ARTICLE', ${postgres ? '$1, $2' : '?, ?'})`,
            [tags, campaigns],
          );
        }
        const stored = async () => ((await db.query('SELECT tags AS "tags", campaigns AS "campaigns" FROM change_log ORDER BY seq')) as { tags: string | null; campaigns: string | null }[]).map((row) => [row.tags, row.campaigns]);
        await db.runMigrations();
        assert.deepEqual(await stored(), [[',100%25,iraq,', ',slug,'], [',water,', null], [null, null]]);
        // Written after it, in the new form: the tags `a,b` and `x%2C`.
        await db.query(
          `INSERT INTO change_log (at, subject, kind, subject_id, content_type, tags) VALUES (${postgres ? 'now()' : "'2026-12-01 00:00:00.000'"}, 'CONTENT', 'PUBLISHED', 'y', 'DIGEST_ARTICLE', ${postgres ? '$1' : '?'})`,
          [',a%2Cb,x%252C,'],
        );
        await undoThrough(db, 'ChangeLogListValues1765100000000');
        assert.deepEqual(await stored(), [...rows, [',a,b,x%2C,', null]]);
      });
    });

    it('keeps a source id longer than its column as its hash, as ingestion now writes it (SQLite kept such ids whole)', async () => {
      await onFreshDatabase(driver, async (db) => {
        await undoThrough(db, 'LongSourceIds1765200000000');
        const short = 'urn:wire:short';
        // What SQLite kept before; PostgreSQL refused it, so there it stands in a column made wide for the test.
        const long = `urn:wire:${'x'.repeat(291)}`;
        if (driver === 'postgres') await db.query('ALTER TABLE content ALTER COLUMN source_external_id TYPE varchar(400)');
        // Rows as the schema of then holds them (today's entities have columns that schema lacks).
        const { param } = dialectOf(db);
        for (const [n, externalId] of [short, long].entries()) {
          await db.query(
            `INSERT INTO content (id, type, slug, title, summary, status, published_at, source_name, source_external_id, version) VALUES (${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(param).join(', ')})`,
            [randomUUID(), ContentType.DIGEST_ARTICLE, `long-id-${n}`, `Item ${n}`, 'An item.', 'PUBLISHED', '2026-01-01 00:00:00.000', 'wire', externalId, 1],
          );
        }
        await db.runMigrations();
        const ids = ((await db.query(`SELECT source_external_id AS "id" FROM content WHERE source_name = 'wire' ORDER BY slug`)) as { id: string }[]).map((row) => row.id);
        assert.deepEqual(ids, [short, storedExternalId(long)]);
        assert.match(ids[1], /^sha256:[0-9a-f]{64}$/);
        if (driver === 'postgres') await db.query('ALTER TABLE content ALTER COLUMN source_external_id TYPE varchar(200)');
      });
    });

    describe('campaign hashtag keys', () => {
      const HASHTAG_KEY_INDEX = { name: 'UQ_campaign_hashtag_key', table: 'campaign', columns: ['hashtag_key'] } as const;

      /** Campaigns as the schema before the migration holds them (no key); returns their ids by slug. */
      async function insertCampaigns(db: DataSource, campaigns: [slug: string, hashtag: string][]): Promise<Record<string, string>> {
        const { param } = dialectOf(db);
        const ids: Record<string, string> = {};
        for (const [slug, hashtag] of campaigns) {
          ids[slug] = randomUUID();
          await db.query(`INSERT INTO campaign (id, slug, hashtag, title, summary, version) VALUES (${[1, 2, 3, 4, 5, 6].map(param).join(', ')})`, [ids[slug], slug, hashtag, slug, 'A campaign.', 1]);
        }
        return ids;
      }

      async function stored(db: DataSource): Promise<string[][]> {
        const rows = (await db.query('SELECT slug AS "slug", hashtag AS "hashtag" FROM campaign ORDER BY slug')) as { slug: string; hashtag: string }[];
        return rows.map((row) => [row.slug, row.hashtag]);
      }

      it('keeps each hashtag folded as JavaScript folds it, under a unique index that refuses it again in another case; items keep their campaigns', async () => {
        await onFreshDatabase(driver, async (db) => {
          await undoThrough(db, 'CampaignHashtagKeys1765600000000');
          const ids = await insertCampaigns(db, [['ecole-ouverte', 'ÉcoleOuverte'], ['schools-open', 'SchoolsOpen']]);
          const { param } = dialectOf(db);
          const story = randomUUID();
          await db.query(
            `INSERT INTO content (id, type, slug, title, summary, status, published_at, campaign_id, version) VALUES (${[1, 2, 3, 4, 5, 6, 7, 8, 9].map(param).join(', ')})`,
            [story, ContentType.CAMPAIGN_STORY, 'keyed-story', 'A story', 'Of a campaign.', 'PUBLISHED', '2026-01-01 00:00:00.000', ids['ecole-ouverte'], 1],
          );
          await db.runMigrations();
          const keys = (await db.query('SELECT slug AS "slug", hashtag_key AS "key" FROM campaign ORDER BY slug')) as { slug: string; key: string }[];
          // Not SQL's LOWER: SQLite's would have left the É.
          assert.deepEqual(keys, [{ slug: 'ecole-ouverte', key: 'écoleouverte' }, { slug: 'schools-open', key: 'schoolsopen' }]);
          const [item] = (await db.query(`SELECT campaign_id AS "campaignId" FROM content WHERE id = ${param(1)}`, [story])) as { campaignId: string }[];
          assert.equal(item.campaignId, ids['ecole-ouverte'], 'the story keeps its campaign as the table is built again');
          // A writer that skips the gateway's check (as two at the same moment both pass it) is refused by the database, as the gateway recognises it.
          await assert.rejects(
            db.query(`INSERT INTO campaign (id, slug, hashtag, hashtag_key, title, summary, version) VALUES (${[1, 2, 3, 4, 5, 6, 7].map(param).join(', ')})`, [
              randomUUID(), 'ecole-again', 'ÉCOLEOUVERTE', 'écoleouverte', 'Again', 'Again.', 1,
            ]),
            (error) => isUniqueViolation(error, HASHTAG_KEY_INDEX),
          );
          assert.deepEqual(await stored(db), [['ecole-ouverte', 'ÉcoleOuverte'], ['schools-open', 'SchoolsOpen']]);
        });
      });

      it('refuses a database whose campaigns share a hashtag in different cases, naming both, and changes nothing', async () => {
        await onFreshDatabase(driver, async (db, runner) => {
          await undoThrough(db, 'CampaignHashtagKeys1765600000000');
          // What two creates at the same moment could leave, the case-sensitive index allowing it.
          await insertCampaigns(db, [['ecole-ouverte', 'ÉcoleOuverte'], ['ecole-ouverte-2', 'écoleOUVERTE'], ['schools-open', 'SchoolsOpen']]);
          await assert.rejects(db.runMigrations(), (error: Error) => {
            assert.equal(
              error.message,
              `Campaign hashtags must now differ in more than case, and these campaigns' do not: "ecole-ouverte" (#ÉcoleOuverte) and "ecole-ouverte-2" (#écoleOUVERTE). ` +
                'Give one campaign of each pair another hashtag (updateCampaign) with the version before, then upgrade; nothing was changed.',
            );
            return true;
          });
          assert.equal(await db.showMigrations(), true, 'the migration is still pending');
          const columns = (await runner.getTable('campaign'))!.columns.map((column) => column.name);
          assert.equal(columns.includes('hashtag_key'), false, columns.join());
          assert.equal(await runner.hasTable('temporary_campaign'), false);
          assert.deepEqual(await stored(db), [['ecole-ouverte', 'ÉcoleOuverte'], ['ecole-ouverte-2', 'écoleOUVERTE'], ['schools-open', 'SchoolsOpen']]);
          // Once an editor has given one another hashtag, it goes through.
          await db.query(`UPDATE campaign SET hashtag = 'ÉcoleOuverte2' WHERE slug = 'ecole-ouverte-2'`);
          await db.runMigrations();
          assert.equal(await db.showMigrations(), false);
        });
      });
    });

    it('migrate down to nothing and up again to the same schema', async () => {
      await onFreshDatabase(driver, async (db, runner) => {
        for (const table of TABLES) assert.equal(await runner.hasTable(table), true, `${table} after up`);
        for (let i = 0; i < MIGRATIONS.length; i++) await db.undoLastMigration();
        for (const table of TABLES) assert.equal(await runner.hasTable(table), false, `${table} after down`);
        assert.equal(await db.showMigrations(), true, 'every migration is pending again');

        await db.runMigrations();
        for (const table of TABLES) assert.equal(await runner.hasTable(table), true, `${table} after up again`);
        assert.deepEqual((await db.driver.createSchemaBuilder().log()).upQueries, []);
      });
    });
  });
}

describe('the search vectors migration [postgres]', { skip: !DRIVERS.includes('postgres') && 'set TEST_POSTGRES_URL' }, () => {
  it('keeps the vectors PostgreSQL generated, which are what the gateway writes now, and drops the text they came from', async () => {
    await onFreshDatabase('postgres', async (db, runner) => {
      const vectors = async () => (await db.query(`SELECT subject_id, document::text AS document FROM search_entry ORDER BY subject_id`)) as { subject_id: string; document: string }[];
      for (const m of members) {
        await db.query(`INSERT INTO member_nation (code, name, kind, region, joined_year) VALUES ($1, $2, $3, $4, $5)`, [m.code, m.name, m.kind, m.region, m.joinedYear]);
      }
      // Back to generated vectors: the members are indexed again from their text, by PostgreSQL's to_tsvector.
      await undoThrough(db, 'SearchVectorsWithoutText1764800000000');
      assert.equal(await runner.hasColumn('search_entry', 'body'), true);
      const generated = await vectors();
      assert.equal(generated.length, 81);
      assert.ok(generated.every((entry) => entry.document !== ''));

      await db.runMigrations();
      for (const column of ['title', 'summary', 'body']) assert.equal(await runner.hasColumn('search_entry', column), false, column);
      assert.deepEqual(await vectors(), generated);
      // Indexing the members again, as the gateway does now, changes no vector; nor would the synthetic loader's literals.
      const nations = (await db.query(`SELECT code, name, region FROM member_nation ORDER BY code`)) as { code: string; name: string; region: string | null }[];
      await db.transaction((manager) => indexNations(manager, nations));
      assert.deepEqual(await vectors(), generated);
      const literals = nations.map((nation) => String(searchEntryValues(true, 'NATION', nation.code, nationDocument(nation)).at(-1)));
      const { rows } = { rows: (await db.query(`SELECT code, CAST(v AS tsvector)::text AS document FROM unnest($1::text[], $2::text[]) AS u(code, v) ORDER BY code`, [nations.map((n) => n.code), literals])) as { code: string; document: string }[] };
      assert.deepEqual(rows.map((row) => ({ subject_id: row.code, document: row.document })), generated);
    });
  });
});

describe('the search entry visibility migration [postgres]', { skip: !DRIVERS.includes('postgres') && 'set TEST_POSTGRES_URL' }, () => {
  it("copies each item's status, type and publication time into its entry, and the database keeps the copies as items change", async () => {
    await onFreshDatabase('postgres', async (db, runner, database) => {
      const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
      const addItem = (id: string, status: string) =>
        db.query(`INSERT INTO content (id, type, slug, title, summary, status, published_at, version) VALUES ($1::uuid, 'SOCIAL_POST', $1::text, 'Title', 'Summary', $2, '2019-03-23', 1)`, [id, status]);
      const addEntry = (type: string, id: string, contentId: string | null) =>
        db.query(`INSERT INTO search_entry (subject_type, subject_id, content_id, document) VALUES ($1, $2, $3, to_tsvector('simple', 'words'))`, [type, id, contentId]);
      const copies = async () =>
        (await db.query(`SELECT subject_id AS id, status, content_type AS type, to_char(published_at, 'YYYY-MM-DD') AS at FROM search_entry ORDER BY subject_id`)) as Record<string, string | null>[];
      await undoThrough(db, 'SearchEntryVisibility1764900000000');
      assert.equal(await runner.hasColumn('search_entry', 'status'), false);
      await addItem(ids[0], 'DRAFT');
      await addEntry('CONTENT', ids[0], ids[0]);
      await addEntry('NATION', 'NOR', null);

      await db.runMigrations();
      assert.deepEqual(await copies(), [
        { id: ids[0], status: 'DRAFT', type: 'SOCIAL_POST', at: '2019-03-23' },
        { id: 'NOR', status: null, type: null, at: null },
      ], 'the backfill');

      await db.query(`UPDATE content SET status = 'PUBLISHED', published_at = '2020-01-02' WHERE id = $1`, [ids[0]]);
      await addItem(ids[1], 'PUBLISHED');
      await addEntry('CONTENT', ids[1], ids[1]);
      assert.deepEqual(await copies(), [
        { id: ids[0], status: 'PUBLISHED', type: 'SOCIAL_POST', at: '2020-01-02' },
        { id: ids[1], status: 'PUBLISHED', type: 'SOCIAL_POST', at: '2019-03-23' },
        { id: 'NOR', status: null, type: null, at: null },
      ], 'an item that changes, and an entry written later');

      // The triggers work from a session whose search_path does not name the gateway's schema.
      const schema = database.kind === 'postgres' ? database.schema : undefined;
      assert.ok(schema, 'the tests run each database in a schema of its own');
      const outsider = db.createQueryRunner();
      try {
        await outsider.query(`SET search_path TO pg_catalog`);
        await outsider.query(`UPDATE "${schema}".content SET status = 'DRAFT' WHERE id = $1`, [ids[1]]);
        await outsider.query(`DELETE FROM "${schema}".content WHERE id = $1`, [ids[0]]);
        await outsider.query(`RESET search_path`);
      } finally {
        await outsider.release();
      }
      assert.deepEqual(await copies(), [
        { id: ids[1], status: 'DRAFT', type: 'SOCIAL_POST', at: '2019-03-23' },
        { id: 'NOR', status: null, type: null, at: null },
      ], 'a status changed and an item deleted outside the gateway');

      await undoThrough(db, 'SearchEntryVisibility1764900000000');
      for (const column of ['status', 'content_type', 'published_at']) assert.equal(await runner.hasColumn('search_entry', column), false, column);
      const left = (await db.query(`SELECT proname FROM pg_proc WHERE proname IN ('search_entry_from_content', 'content_to_search_entry', 'content_gone_from_search') AND pronamespace = current_schema()::regnamespace`)) as unknown[];
      assert.deepEqual(left, [], 'no trigger function left behind');
      await db.query(`UPDATE content SET status = 'PUBLISHED' WHERE id = $1`, [ids[1]]);
      await db.query(`DELETE FROM content WHERE id = $1`, [ids[1]]);
    });
  });
});

describe('the search lexemes migration [postgres]', { skip: !DRIVERS.includes('postgres') && 'set TEST_POSTGRES_URL' }, () => {
  it('fills search_lexeme with the words of the entries already there, and its triggers add the words of every entry written after', async () => {
    await onFreshDatabase('postgres', async (db, runner) => {
      const words = async () => ((await db.query(`SELECT word FROM search_lexeme WHERE word LIKE 'nor%' ORDER BY word`)) as { word: string }[]).map((row) => row.word);
      await undoThrough(db, 'SearchLexemes1765000000000');
      assert.equal(await runner.hasTable('search_lexeme'), false);
      await db.query(`INSERT INTO search_entry (subject_type, subject_id, content_id, document) VALUES ('NATION', 'NOR', NULL, to_tsvector('simple', 'norway norvege'))`);

      await db.runMigrations();
      assert.deepEqual(await words(), ['norvege', 'norway'], 'the backfill');
      await db.query(`UPDATE search_entry SET document = to_tsvector('simple', 'noreg') WHERE subject_id = 'NOR'`);
      await db.query(`INSERT INTO search_entry (subject_type, subject_id, content_id, document) VALUES ('NATION', 'NZL', NULL, to_tsvector('simple', 'nordic norway'))`);
      assert.deepEqual(await words(), ['nordic', 'noreg', 'norvege', 'norway'], 'an entry updated and one inserted; a word no entry has any more stays');

      await undoThrough(db, 'SearchLexemes1765000000000');
      assert.equal(await runner.hasTable('search_lexeme'), false);
      const left = (await db.query(`SELECT proname FROM pg_proc WHERE proname IN ('search_lexemes_of_inserted', 'search_lexemes_of_updated') AND pronamespace = current_schema()::regnamespace`)) as unknown[];
      assert.deepEqual(left, [], 'no trigger function left behind');
      await db.query(`UPDATE search_entry SET document = to_tsvector('simple', 'norge') WHERE subject_id = 'NOR'`);
    });
  });
});
