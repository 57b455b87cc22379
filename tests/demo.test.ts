import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase } from '../src/db/data-source';
import { loadDemoContent } from '../src/demo/demo.loader';
import { ENTITIES } from '../src/server/modules';
import { DRIVERS, dropDatabase, freshDatabase } from './helpers/drivers';

const TABLES = ['member_nation', 'campaign', 'content', 'content_nation', 'content_country', 'content_tag', 'content_translation'];

for (const driver of DRIVERS) {
  describe(`demo content [${driver}]`, () => {
    it('loads 81 nations, 1 campaign, 19 items and 8 translations, and a second load changes nothing', async () => {
      const database = freshDatabase(driver);
      const db = await openDatabase(database, { entities: ENTITIES });
      try {
        const lines: string[] = [];
        const first = await loadDemoContent(db, (line) => lines.push(line));
        assert.deepEqual(first, {
          nations: { created: 81, updated: 0, unchanged: 0 },
          campaigns: { created: 1, updated: 0, unchanged: 0 },
          content: { created: 19, updated: 0, unchanged: 0 },
          translations: { created: 8, updated: 0, unchanged: 0 },
        });
        assert.deepEqual(lines, [
          'nations: 81 created, 0 updated, 0 unchanged',
          'campaigns: 1 created, 0 updated, 0 unchanged',
          'content: 19 created, 0 updated, 0 unchanged',
          'translations: 8 created, 0 updated, 0 unchanged',
        ]);
        const snapshot = async () => {
          const counts: Record<string, number> = {};
          for (const table of TABLES) counts[table] = Number((await db.query(`SELECT count(*) AS n FROM ${table}`))[0].n);
          const versions = await db.query(`SELECT id, version, updated_at FROM content ORDER BY id`);
          return { counts, versions: JSON.stringify(versions) };
        };
        const before = await snapshot();
        assert.deepEqual(before.counts, { member_nation: 81, campaign: 1, content: 19, content_nation: 17, content_country: 24, content_tag: 60, content_translation: 8 });

        const second = await loadDemoContent(db);
        assert.deepEqual(second, {
          nations: { created: 0, updated: 0, unchanged: 81 },
          campaigns: { created: 0, updated: 0, unchanged: 1 },
          content: { created: 0, updated: 0, unchanged: 19 },
          translations: { created: 0, updated: 0, unchanged: 8 },
        });
        assert.deepEqual(await snapshot(), before);
      } finally {
        await db.destroy();
        await dropDatabase(database);
      }
    });

    it('gives demo items the same ids on every install', async () => {
      const ids: string[][] = [];
      for (let i = 0; i < 2; i++) {
        const database = freshDatabase(driver);
        const db = await openDatabase(database, { entities: ENTITIES });
        try {
          await loadDemoContent(db);
          ids.push((await db.query(`SELECT id FROM content ORDER BY slug`)).map((r: { id: string }) => r.id));
        } finally {
          await db.destroy();
          await dropDatabase(database);
        }
      }
      assert.equal(ids[0].length, 19);
      assert.deepEqual(ids[0], ids[1]);
    });
  });
}
