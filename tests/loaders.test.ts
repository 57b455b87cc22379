import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../src/db/data-source';
import { loadDemoContent } from '../src/demo/demo.loader';
import { createMemberNationLoaders, getMemberNationsByCodes, getNationsByContentIds } from '../src/member-nations/member-nation.loaders';
import { nationCatalogue } from '../src/member-nations/nation-catalogue';
import { ENTITIES } from '../src/server/modules';
import { byKey, groupByKey } from '../src/shared/batch';
import { ContentStatus } from '../src/shared/content/content-status';
import { createContentLoaders, getCountriesByContentIds } from '../src/shared/content/content.loaders';
import { CONTENT_KEYSET } from '../src/shared/content/content.query';
import { Locale } from '../src/shared/content/locale';
import { pageRequest } from '../src/shared/pagination/keyset';
import { listOptions } from '../src/shared/pagination/page.loader';
import { ContentReads } from '../src/shared/content/content.reads';
import { createLoaders } from '../src/server/context';
import { ANONYMOUS } from '../src/shared/viewer';
import { createStabilisationProjectLoaders } from '../src/stabilisation-projects/stabilisation-project.loaders';
import { DRIVERS, dropDatabase, freshDatabase } from './helpers/drivers';
import { SqlRecorder } from './helpers/sql-count';

describe('batch helpers', () => {
  it('byKey returns one slot per key, in key order, null for a miss', () => {
    assert.deepEqual(byKey(['b', 'x', 'a', 'b'], [{ k: 'a' }, { k: 'b' }], (r) => r.k), [{ k: 'b' }, null, { k: 'a' }, { k: 'b' }]);
  });

  it('groupByKey keeps row order within a key and gives an empty list for a miss', () => {
    const rows = [{ k: 1, v: 'x' }, { k: 2, v: 'y' }, { k: 1, v: 'z' }];
    assert.deepEqual(groupByKey([2, 3, 1], rows, (r) => r.k, (r) => r.v), [['y'], [], ['x', 'z']]);
  });
});

for (const driver of DRIVERS) {
  describe(`batch functions and loaders [${driver}]`, () => {
    const database = freshDatabase(driver);
    const sql = new SqlRecorder();
    let db: DataSource;
    before(async () => {
      db = await openDatabase(database, { entities: ENTITIES, logger: sql });
      await loadDemoContent(db);
    });
    after(async () => {
      await db.destroy();
      await dropDatabase(database);
    });

    it('getMemberNationsByCodes answers in key order with null for a non-member, reading the members once per process', async () => {
      nationCatalogue(db).clear();
      sql.reset();
      const nations = await getMemberNationsByCodes(db, ['IRQ', 'SYR', 'EU', 'IRQ']);
      assert.deepEqual(nations.map((n) => n?.name ?? null), ['Iraq', null, 'European Union', 'Iraq']);
      assert.equal(sql.count, 1);
      await getMemberNationsByCodes(db, ['GBR']);
      assert.equal(sql.count, 1, 'the second lookup needs no statement');
    });

    it('memberNationByCode batches concurrent loads into one call of the batch function', async () => {
      let calls = 0;
      const catalogue = nationCatalogue(db);
      const get = catalogue.get.bind(catalogue);
      catalogue.get = () => (calls++, get());
      try {
        const loaders = createMemberNationLoaders(db);
        const names = await Promise.all(['FRA', 'DEU', 'XXX', 'FRA'].map((code) => loaders.memberNationByCode.load(code)));
        assert.deepEqual(names.map((n) => n?.code ?? null), ['FRA', 'DEU', null, 'FRA']);
        assert.equal(calls, 1);
        await loaders.memberNationByCode.load('DEU');
        assert.equal(calls, 1, 'a second load of a key is served from the request’s cache');
      } finally {
        catalogue.get = get;
      }
    });

    it('getNationsByContentIds and getCountriesByContentIds give each item its own list, empty for an unknown id', async () => {
      const [post] = await db.query(`SELECT id FROM content WHERE slug = 'maas-tells-cavusoglu-of-german-concern-over-turkish-operation-in-syria'`);
      const unknown = '00000000-0000-4000-8000-000000000000';
      sql.reset();
      const nations = await getNationsByContentIds(db, [unknown, post.id]);
      assert.deepEqual(nations.map((list) => list.map((n) => n.code)), [[], ['EU', 'DEU', 'TUR']]);
      assert.deepEqual(await getCountriesByContentIds(new ContentReads(db), [post.id, unknown]), [['DEU', 'SYR', 'TUR'], []]);
      assert.equal(sql.count, 2);
    });

    it('contentById returns items as instances of their own type', async () => {
      const [row] = await db.query(`SELECT id FROM content WHERE slug = 'anah-market-rehabilitation'`);
      const item = await createContentLoaders(new ContentReads(db), [ContentStatus.PUBLISHED]).contentById.load(row.id);
      assert.equal(item?.constructor.name, 'StabilisationProject');
      assert.equal(item?.publishedAt.toISOString(), '2019-10-08T11:30:00.000Z');
    });

    it('projectsByCountryCode loads the pages of many countries in one statement, equal to one-by-one', async () => {
      const page = { backward: false, size: 1, from: null };
      const codes = ['IRQ', 'SYR', 'USA'];
      const loaders = createStabilisationProjectLoaders(new ContentReads(db), [ContentStatus.PUBLISHED]);
      sql.reset();
      const batched = await Promise.all(codes.map((parent) => loaders.projectsByCountryCode.load({ parent, page, options: undefined })));
      assert.equal(sql.count, 1);
      const single = [];
      for (const parent of codes) single.push(await createStabilisationProjectLoaders(new ContentReads(db), [ContentStatus.PUBLISHED]).projectsByCountryCode.load({ parent, page, options: undefined }));
      assert.deepEqual(
        batched.map((c) => [c.edges.map((e) => e.node.slug), c.pageInfo.hasNextPage]),
        [[['anah-market-rehabilitation'], true], [['schooling-in-raqqa-tabqa-and-tal-abyad'], false], [[], false]],
      );
      assert.deepEqual(batched.map((c) => c.edges.map((e) => e.cursor)), single.map((c) => c.edges.map((e) => e.cursor)));
    });

    it('a page loader serves a primed page at once, and otherwise as DataLoader does', async () => {
      const page = { backward: false, size: 1, from: null };
      const loader = createStabilisationProjectLoaders(new ContentReads(db), [ContentStatus.PUBLISHED]).projectsByCountryCode;
      const primed = { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null } } as never;
      loader.prime({ parent: 'SYR', page, options: undefined }, primed);
      // The same page asked with another key object (as each resolver call makes one): the primed page itself, not a promise.
      assert.equal(loader.loadNow({ parent: 'SYR', page: { ...page }, options: undefined }), primed);
      assert.equal(await loader.load({ parent: 'SYR', page, options: undefined }), primed);
      // A page not primed comes as DataLoader's promise; priming it once it is loaded (or loading) changes nothing.
      sql.reset();
      const loading = loader.loadNow({ parent: 'IRQ', page, options: undefined });
      assert.ok(loading instanceof Promise);
      loader.prime({ parent: 'IRQ', page, options: undefined }, primed);
      const loaded = await loading;
      assert.equal(sql.count, 1);
      assert.deepEqual(loaded.edges.map((e) => e.node.slug), ['anah-market-rehabilitation']);
      assert.equal(await loader.loadNow({ parent: 'IRQ', page, options: undefined }), loaded);
      // A cleared page is read again, and a primed error or promise is not served at once.
      loader.clear({ parent: 'SYR', page, options: undefined });
      const reread = loader.loadNow({ parent: 'SYR', page, options: undefined });
      assert.ok(reread instanceof Promise);
      assert.deepEqual((await reread).edges.map((e) => e.node.slug), ['schooling-in-raqqa-tabqa-and-tal-abyad']);
      loader.prime({ parent: 'USA', page, options: undefined }, new Error('gone'));
      const erring = loader.loadNow({ parent: 'USA', page, options: undefined });
      assert.ok(erring instanceof Promise);
      await assert.rejects(erring as Promise<unknown>, /gone/);
      loader.prime({ parent: 'FRA', page, options: undefined }, Promise.resolve(primed));
      assert.ok(loader.loadNow({ parent: 'FRA', page, options: undefined }) instanceof Promise);
      loader.clearAll();
      const again = loader.loadNow({ parent: 'IRQ', page, options: undefined });
      assert.ok(again instanceof Promise);
      assert.notEqual(await again, loaded);
    });

    it('a page loader serves a shared first page primed with shared options at once, to keys made as a resolver makes them', async () => {
      const loader = createStabilisationProjectLoaders(new ContentReads(db), [ContentStatus.PUBLISHED]).projectsByCountryCode;
      // As nested-lists.ts primes a nation's projects and NationProjectsResolver asks for them: each call its own key, page and options looked up anew.
      const keyOf = (parent: string) => ({ parent, page: pageRequest({ first: 5 }, CONTENT_KEYSET.kinds), options: listOptions(['id', 'title'], undefined) });
      const primed = await createStabilisationProjectLoaders(new ContentReads(db), [ContentStatus.PUBLISHED]).projectsByCountryCode.load(keyOf('IRQ'));
      assert.ok(primed.edges.length > 0);
      loader.prime(keyOf('IRQ'), primed);
      sql.reset();
      assert.equal(loader.loadNow(keyOf('IRQ')), primed);
      assert.equal(loader.loadNow(keyOf('IRQ')), primed);
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(sql.count, 0, 'nothing read for a primed page');
      // Another locale is another page: not primed, so loaded.
      const other = loader.loadNow({ ...keyOf('IRQ'), options: listOptions(['id', 'title'], Locale.FR) });
      assert.ok(other instanceof Promise);
      assert.equal((await other).edges.length, primed.edges.length);
      assert.ok(sql.count >= 1);
    });

    it('a request makes a domain’s loaders when it first uses one of them, keeps them for the request, and shares none with another request', async () => {
      const loaders = createLoaders(db, ANONYMOUS);
      assert.deepEqual(Object.keys(loaders), [], 'no loader is made before one is used');
      const nation = await loaders.memberNationByCode.load('IRQ');
      assert.equal(nation?.code, 'IRQ');
      assert.deepEqual(Object.keys(loaders).sort(), Object.keys(createMemberNationLoaders(db)).sort(), 'only the member nations’ loaders are made');
      assert.equal(loaders.memberNationByCode, loaders.memberNationByCode, 'the same loader for the rest of the request');
      const item = await loaders.nodeByLocalId.MemberNation('FRA');
      assert.equal((item as { code?: string } | null)?.code, 'FRA');
      assert.ok(Object.keys(loaders).includes('contentById') === false, 'the node lookups make no content loaders until content is asked for');
      const other = createLoaders(db, ANONYMOUS);
      assert.notEqual(other.memberNationByCode, loaders.memberNationByCode, 'another request gets its own loaders');
    });

    it('a list reaches the request’s reads without making the content loaders', async () => {
      const loaders = createLoaders(db, ANONYMOUS);
      const reads = loaders.contentReads;
      assert.ok(reads instanceof ContentReads);
      assert.deepEqual(Object.keys(loaders), ['contentReads'], 'the reads alone');
      const item = await loaders.contentById.load((await db.query(`SELECT id FROM content WHERE status = 'PUBLISHED' LIMIT 1`))[0].id);
      assert.ok(item, 'the content loaders, made when first used');
      assert.ok(Object.keys(loaders).includes('contentById'));
      assert.equal(loaders.contentReads, reads, 'making the content loaders keeps the request’s one reads object');
    });
  });
}
