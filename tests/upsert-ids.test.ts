import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../src/db/data-source';
import { loadDemoContent } from '../src/demo/demo.loader';
import { ENTITIES } from '../src/server/modules';
import { ContentStatus, ContentType } from '../src/shared/content/content-status';
import { CLI_ACTOR, write } from '../src/store/session';
import { provenanceId, upsertContent, type UpsertInput } from '../src/store/upsert';
import { SourceKind } from '../src/shared/content/source-kind';
import { isUuid } from '../src/shared/node/global-id';
import { DRIVERS, dropDatabase, freshDatabase } from './helpers/drivers';

function digest(slug: string, country: string, language: string): UpsertInput {
  return {
    type: ContentType.DIGEST_ARTICLE,
    slug,
    title: `Title of ${slug}`,
    summary: `Summary of ${slug}.`,
    language,
    publishedAt: new Date('2021-06-01T00:00:00Z'),
    status: ContentStatus.PUBLISHED,
    countries: [country],
    tags: [slug],
    fields: { outlet: 'Test Outlet', originalUrl: null },
  };
}

describe('ids derived from provenance', () => {
  const feed = (name: string, externalId: string) => provenanceId({ name, kind: SourceKind.FEED, externalId });

  it('are canonical version-8 UUIDs, the same for the same source and external id on every call', () => {
    const id = feed('Reuters world', 'https://example.org/a');
    assert.ok(isUuid(id), id);
    assert.equal(id[14], '8', 'version nibble');
    assert.match(id[19], /[89ab]/, 'variant');
    assert.equal(feed('Reuters world', 'https://example.org/a'), id);
    assert.notEqual(feed('Reuters world', 'https://example.org/b'), id);
  });

  // What makes a batch write neighbouring index pages: one source's ids share their first four bytes, another source's do not.
  it('begin with the same four bytes for every item of one source, and with others for another source', () => {
    const ids = Array.from({ length: 50 }, (_, i) => feed('Reuters world', `entry-${i}`));
    assert.equal(new Set(ids).size, 50);
    assert.deepEqual(new Set(ids.map((id) => id.slice(0, 8))).size, 1);
    assert.notEqual(feed('Al Arabiya', 'entry-0').slice(0, 8), ids[0].slice(0, 8));
    // The source name and the external id are hashed apart: moving a character from one to the other gives another item part.
    assert.notEqual(feed('ab', 'c').slice(9), feed('a', 'bc').slice(9));
  });
});

for (const driver of DRIVERS) {
  describe(`upsert of a batch [${driver}]`, () => {
    const database = freshDatabase(driver);
    let db: DataSource;
    before(async () => {
      db = await openDatabase(database, { entities: ENTITIES });
      await loadDemoContent(db);
    });
    after(async () => {
      await db.destroy();
      await dropDatabase(database);
    });

    it('keeps the demo content’s ids, which the examples quote (the node lookup’s default among them)', async () => {
      const [row] = await db.query(`SELECT source_name, source_external_id FROM content WHERE id = '74f1a6e6-bbb5-5aef-8f84-da11211aa4ee'`);
      assert.ok(row, 'the node lookup example’s digest article is in the demo content');
      assert.equal(provenanceId({ name: row.source_name, externalId: row.source_external_id }), '74f1a6e6-bbb5-5aef-8f84-da11211aa4ee');
      assert.equal(provenanceId({ name: row.source_name, kind: SourceKind.DEMO, externalId: row.source_external_id }), '74f1a6e6-bbb5-5aef-8f84-da11211aa4ee');
    });

    // A source's ids share their first bytes: a suffix made from them gave two same-titled entries one slug, and the batch failed.
    it('gives same-titled entries of one source slugs of their own, in one batch and the next', async () => {
      const entry = (externalId: string): UpsertInput => ({
        ...digest('same-title', 'IRQ', 'en'),
        title: 'Same title',
        source: { name: 'Same-title feed', kind: SourceKind.FEED, externalId },
      });
      const first = await write(db, CLI_ACTOR, (session) => upsertContent(session, ['a', 'b', 'c'].map(entry), { adjustSlugs: true }));
      const second = await write(db, CLI_ACTOR, (session) => upsertContent(session, ['d', 'e'].map(entry), { adjustSlugs: true }));
      const ids = [...first, ...second].map((result) => result.id);
      assert.deepEqual([...first, ...second].map((result) => result.outcome), ['created', 'created', 'created', 'created', 'created']);
      const rows: { slug: string }[] = await db.query(`SELECT slug FROM content WHERE id IN (${ids.map((id) => `'${id}'`).join(', ')})`);
      assert.equal(new Set(rows.map((row) => row.slug)).size, 5, rows.map((row) => row.slug).join(' '));
    });

    // Stored items are found by provenance, never by their id: those stored with UUIDv5 ids before keep them.
    it('updates an item stored under an id of the earlier scheme in place, keeping its id', async () => {
      const stored: UpsertInput = { ...digest('legacy-entry', 'IRQ', 'en'), source: { name: 'Legacy-feed', kind: SourceKind.DEMO, externalId: 'entry-1' } };
      const [created] = await write(db, CLI_ACTOR, (session) => upsertContent(session, [stored]));
      assert.equal(created.id[14], '5', 'stored under a UUIDv5');
      await db.query(`UPDATE content SET source_kind = 'FEED' WHERE id = '${created.id}'`);
      const changed: UpsertInput = { ...stored, title: 'A new title', source: { ...stored.source!, kind: SourceKind.FEED } };
      const [updated] = await write(db, CLI_ACTOR, (session) => upsertContent(session, [changed], { adjustSlugs: true }));
      assert.deepEqual([updated.outcome, updated.id], ['updated', created.id]);
      const rows = await db.query(`SELECT id, title FROM content WHERE source_name = 'Legacy-feed'`);
      assert.deepEqual(rows.map((row: { id: string; title: string }) => [row.id, row.title]), [[created.id, 'A new title']]);
    });

    // Ids are random, so the order SQLite read the rows back in was too: 20 batches of two left a swap unseen once in a million runs.
    it('returns each new item’s own id, and gives it its own tags, countries and language, batch after batch', async () => {
      for (let batch = 0; batch < 20; batch++) {
        const inputs = [digest(`batch-${batch}-a`, 'IRQ', 'de'), digest(`batch-${batch}-b`, 'SYR', 'fr')];
        const results = await write(db, CLI_ACTOR, (session) => upsertContent(session, inputs));
        for (const [i, result] of results.entries()) {
          assert.equal(result.outcome, 'created');
          assert.deepEqual(result.after?.tags, [inputs[i].slug]);
          const [row] = await db.query(
            `SELECT c.slug, c.language, t.tag, k.country_code FROM content c JOIN content_tag t ON t.content_id = c.id JOIN content_country k ON k.content_id = c.id WHERE c.id = '${result.id}'`,
          );
          assert.deepEqual({ ...row }, { slug: inputs[i].slug, language: inputs[i].language, tag: inputs[i].slug, country_code: inputs[i].countries[0] }, `batch ${batch}, item ${i}`);
        }
        const changes = await db.query(`SELECT subject_id, tags FROM change_log WHERE subject_id IN ('${results[0].id}', '${results[1].id}') ORDER BY tags`);
        assert.deepEqual(
          changes.map((change: { subject_id: string; tags: string }) => [change.subject_id, change.tags]),
          [
            [results[0].id, `,${inputs[0].slug},`],
            [results[1].id, `,${inputs[1].slug},`],
          ],
        );
      }
    });
  });
}
