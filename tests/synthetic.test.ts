import 'reflect-metadata';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { DataSource } from 'typeorm';
import { upsertContent } from '../src/store/upsert';
import { CLI_ACTOR, write } from '../src/store/session';
import { loadConfig, type DatabaseConfig } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { ItemGenerator, makeCampaigns, seedSynthetic, syntheticInput, SYNTHETIC_SOURCE, type SyntheticItem } from '../src/demo/synthetic';
import { startGateway } from '../src/main';
import { ContentType } from '../src/shared/content/content-status';
import { normaliseForSearch } from '../src/search/normalise';
import { plainText } from '../src/text/text';
import { ENTITIES } from '../src/server/modules';
import { DRIVERS, dropDatabase, freshDatabase } from './helpers/drivers';
import { SqlRecorder } from './helpers/sql-count';
import { runCli, type CliRun } from './helpers/cli';
import { requestStatements } from './helpers/request-statements';
import { searchEntryTexts } from './helpers/search-entries';

const COUNT = 2_000;
const SEED = 42;

/** What seed 42 makes of 2,000 items: the same on every database and machine. */
const EXPECTED_COUNTS = {
  member_nation: 81,
  campaign: 36,
  content: 2_000,
  content_nation: 2_994,
  content_country: 3_297,
  content_tag: 4_001,
};

async function withSeeded<T>(driver: (typeof DRIVERS)[number], seed: number, work: (db: DataSource, database: DatabaseConfig, lines: string[]) => Promise<T>): Promise<T> {
  const database = freshDatabase(driver);
  const db = await openDatabase(database, { entities: ENTITIES });
  try {
    const lines: string[] = [];
    await seedSynthetic(db, COUNT, { seed, progress: (line) => lines.push(line) });
    return await work(db, database, lines);
  } finally {
    if (db.isInitialized) await db.destroy();
    await dropDatabase(database);
  }
}

async function counts(db: DataSource): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  for (const table of Object.keys(EXPECTED_COUNTS)) result[table] = Number((await db.query(`SELECT count(*) AS n FROM "${table}"`))[0].n);
  return result;
}

/** A digest of every item's id, slug, type, status, time, language and text, in slug order. */
async function checksum(db: DataSource): Promise<string> {
  const rows: { id: string; slug: string; type: string; status: string; published_at: string | Date; language: string; title: string; summary: string; body: string }[] =
    await db.query(`SELECT id, slug, type, status, published_at, language, title, summary, body FROM content ORDER BY slug, type`);
  const hash = createHash('sha256');
  for (const row of rows) {
    const at = row.published_at instanceof Date ? row.published_at.toISOString() : row.published_at;
    hash.update(`${row.id}|${row.slug}|${row.type}|${row.status}|${at}|${row.language}|${row.title}|${row.summary}|${row.body}\n`);
  }
  return hash.digest('hex');
}

const FEED = `{
  feed(first: 50) {
    edges { node { id slug title publishedAt nations { code name } ... on CampaignStory { campaign { slug title } } ... on SocialPost { campaign { slug title } } } }
    pageInfo { hasNextPage }
  }
}`;

describe('synthetic text', () => {
  const generate = (seed: number, count: number) => {
    const generator = new ItemGenerator(seed, count, makeCampaigns(seed));
    return Array.from({ length: count }, () => generator.next());
  };
  const words = (item: SyntheticItem) => normaliseForSearch(`${item.title} ${item.summary} ${plainText(item.body)}`).split(' ');

  it('is the same for the same seed and other for another', () => {
    const text = (items: SyntheticItem[]) => items.map((item) => `${item.language}|${item.title}|${item.summary}|${item.body}`);
    assert.deepEqual(text(generate(SEED, 300)), text(generate(SEED, 300)));
    assert.notDeepEqual(text(generate(SEED + 1, 300)), text(generate(SEED, 300)));
  });

  it('writes about 70% of items in English and 15% each in French and Arabic, each with a body of a few sentences', () => {
    const items = generate(SEED, 20_000);
    const share = (language: string) => items.filter((item) => item.language === language).length / items.length;
    assert.ok(Math.abs(share('en') - 0.7) < 0.02, `en ${share('en')}`);
    assert.ok(Math.abs(share('fr') - 0.15) < 0.02, `fr ${share('fr')}`);
    assert.ok(Math.abs(share('ar') - 0.15) < 0.02, `ar ${share('ar')}`);
    for (const item of items) {
      assert.match(item.body, /^(<p>[^<>&]+<\/p>)+$/);
      assert.ok(plainText(item.body).length > 80, item.body);
    }
    // Arabic items are written in Arabic script, French ones with French words.
    assert.ok(items.filter((item) => item.language === 'ar').every((item) => /[\u0600-\u06ff]/.test(item.title + item.body)));
    assert.ok(items.filter((item) => item.language === 'fr').some((item) => / les | des | pour /.test(item.body)));
  });

  it('uses words with a Zipf-like frequency: a place and a theme together are rare, a country common', () => {
    const items = generate(SEED, 20_000).map((item) => new Set(words(item)));
    const share = (...all: string[]) => items.filter((found) => all.every((word) => found.has(word))).length / items.length;
    const iraq = share('iraq');
    const mosulSchools = share('mosul', 'school');
    assert.ok(iraq > 0.15 && iraq < 0.45, `iraq ${iraq}`);
    assert.ok(mosulSchools > 0.001 && mosulSchools < 0.02, `mosul school ${mosulSchools}`);
    assert.ok(share(normaliseForSearch('الموصل')) > 0.005, 'Arabic items name Mosul in Arabic');
    assert.ok(share(normaliseForSearch('Mossoul')) > 0.005, 'French items name Mosul in French');
    // A long tail: many distinct words, most of them rare.
    const counts = new Map<string, number>();
    for (const found of items) for (const word of found) counts.set(word, (counts.get(word) ?? 0) + 1);
    assert.ok(counts.size > 800, `${counts.size} distinct words`);
    const rare = [...counts.values()].filter((n) => n < items.length * 0.01).length;
    assert.ok(rare > counts.size / 2, `${rare} of ${counts.size} words in under 1% of items`);
  });
});

for (const driver of DRIVERS) {
  describe(`synthetic data [${driver}]`, () => {
    it('loads 2,000 items with the members, campaigns and tag rows, reporting progress, and leaves the schema as migrated', async () => {
      await withSeeded(driver, SEED, async (db, _database, lines) => {
        assert.deepEqual(await counts(db), EXPECTED_COUNTS);
        assert.deepEqual(lines.map((line) => line.replace(/, \d+\.\d s$/, ', T s')), [
          'members: 81 inserted, 0 already there',
          'campaigns: 36 inserted',
          'content: 500 of 2,000 items (25%), T s',
          'content: 1,000 of 2,000 items (50%), T s',
          'content: 1,500 of 2,000 items (75%), T s',
          'content: 2,000 of 2,000 items (100%), T s',
        ]);
        const byType = await db.query(`SELECT type, status, count(*) AS n FROM content GROUP BY type, status ORDER BY type, status`);
        assert.deepEqual(
          byType.map((row: { type: string; status: string; n: string | number }) => `${row.type} ${row.status} ${Number(row.n)}`),
          [
            'CAMPAIGN_STORY DRAFT 13',
            'CAMPAIGN_STORY PUBLISHED 369',
            'DIGEST_ARTICLE DRAFT 15',
            'DIGEST_ARTICLE PUBLISHED 498',
            'SOCIAL_POST DRAFT 15',
            'SOCIAL_POST PUBLISHED 788',
            'STABILISATION_PROJECT DRAFT 14',
            'STABILISATION_PROJECT PUBLISHED 288',
          ],
        );
        assert.deepEqual((await db.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query), []);
      });
    });

    it('writes every item with a body and a language, and indexes its text for search', async () => {
      await withSeeded(driver, SEED, async (db) => {
        const one = async (sql: string) => Number((await db.query(sql))[0].n);
        assert.equal(await one(`SELECT count(*) AS n FROM content WHERE body IS NULL OR body NOT LIKE '<p>%</p>' OR language IS NULL`), 0);
        const languages = await db.query(`SELECT language, count(*) AS n FROM content GROUP BY language ORDER BY language`);
        assert.deepEqual(languages.map((row: { language: string }) => row.language), ['ar', 'en', 'fr']);
        // The index holds each item's body (a search by a phrase of one is in the gateway test below).
        const indexed = await searchEntryTexts(db);
        assert.equal(indexed.length, COUNT);
        assert.deepEqual(indexed.filter((entry) => entry.body === ''), []);
      });
    });

    it('writes what the connectors’ upsert would: re-upserting items through it changes nothing', async () => {
      await withSeeded(driver, SEED, async (db) => {
        const campaigns = makeCampaigns(SEED);
        const slugs = new Map(campaigns.map((c) => [c.id, c.slug]));
        const generator = new ItemGenerator(SEED, COUNT, campaigns);
        const sample: SyntheticItem[] = [];
        for (let i = 0; i < COUNT; i++) {
          const item = generator.next();
          if (i % 25 === 0) sample.push(item);
        }
        assert.deepEqual(new Set(sample.map((item) => item.type)).size, 4, 'the sample covers every type');
        const results = await write(db, CLI_ACTOR, (session) => upsertContent(session, sample.map((item) => syntheticInput(item, slugs))));
        assert.deepEqual(results.map(({ id }) => id), sample.map((item) => item.id));
        assert.deepEqual(results.map(({ outcome }) => outcome), sample.map(() => 'unchanged'));
      });
    });

    it('keeps the copies and derived rows consistent', async () => {
      await withSeeded(driver, SEED, async (db) => {
        const one = async (sql: string) => Number((await db.query(sql))[0].n);
        // Nation rows carry the item's own type, status and publication time.
        assert.equal(
          await one(`SELECT count(*) AS n FROM content_nation cn JOIN content c ON c.id = cn.content_id
                     WHERE cn.content_type <> c.type OR cn.status <> c.status OR cn.published_at <> c.published_at`),
          0,
        );
        // Every member country among an item's countries is a nation tag; every nation tag is a member.
        assert.equal(
          await one(`SELECT count(*) AS n FROM content_country cc JOIN member_nation m ON m.code = cc.country_code
                     WHERE NOT EXISTS (SELECT 1 FROM content_nation cn WHERE cn.content_id = cc.content_id AND cn.nation_code = cc.country_code)`),
          0,
        );
        assert.equal(await one(`SELECT count(*) AS n FROM content_nation cn WHERE NOT EXISTS (SELECT 1 FROM member_nation m WHERE m.code = cn.nation_code)`), 0);
        // Stories belong to a campaign; posts do exactly when they use its hashtag; nothing else does.
        assert.equal(await one(`SELECT count(*) AS n FROM content WHERE type = 'CAMPAIGN_STORY' AND campaign_id IS NULL`), 0);
        assert.equal(await one(`SELECT count(*) AS n FROM content WHERE type IN ('DIGEST_ARTICLE', 'STABILISATION_PROJECT') AND campaign_id IS NOT NULL`), 0);
        const posts: { hashtags: string; hashtag: string | null }[] = await db.query(
          `SELECT c.hashtags, k.hashtag FROM content c LEFT JOIN campaign k ON k.id = c.campaign_id WHERE c.type = 'SOCIAL_POST'`,
        );
        const campaignTags = new Set((await db.query(`SELECT hashtag FROM campaign`)).map((row: { hashtag: string }) => row.hashtag));
        for (const post of posts) {
          const used = (JSON.parse(post.hashtags) as string[]).filter((tag) => campaignTags.has(tag));
          assert.deepEqual(used, post.hashtag ? [post.hashtag] : []);
        }
        // A project is in its first country, which is among its countries.
        assert.equal(
          await one(`SELECT count(*) AS n FROM content c WHERE c.type = 'STABILISATION_PROJECT'
                     AND NOT EXISTS (SELECT 1 FROM content_country cc WHERE cc.content_id = c.id AND cc.country_code = c.country_code)`),
          0,
        );
        assert.equal(await one(`SELECT count(DISTINCT published_at) AS n FROM content`), COUNT);
      });
    });

    it('makes the same items from the same seed, other items from another, and refuses a second load', async () => {
      const first = await withSeeded(driver, SEED, async (db) => {
        await assert.rejects(seedSynthetic(db, 10), /already holds 2000 synthetic items/);
        if (driver === 'postgres') {
          // As a load stopped by Ctrl-C leaves it (its index dropped, the rows half in): the next run builds the index again before it refuses.
          await db.query('DROP INDEX "IDX_search_entry_document"');
          const lines: string[] = [];
          await assert.rejects(seedSynthetic(db, 10, { progress: (line) => lines.push(line) }), /already holds 2000 synthetic items/);
          assert.match(lines.join('\n'), /search index: missing \(an earlier load was stopped\), built again/);
          const [{ found }] = await db.query(`SELECT to_regclass('"IDX_search_entry_document"') IS NOT NULL AS found`);
          assert.equal(found, true);
        }
        return checksum(db);
      });
      const again = await withSeeded(driver, SEED, (db) => checksum(db));
      const other = await withSeeded(driver, SEED + 1, (db) => checksum(db));
      assert.equal(again, first);
      assert.notEqual(other, first);
    });

    it('serves a feed page over it through the gateway, newest first, in one statement', async () => {
      await withSeeded(driver, SEED, async (db, database) => {
        const newest: { slug: string; body: string }[] = await db.query(
          `SELECT slug, body FROM content WHERE status = 'PUBLISHED' ORDER BY published_at DESC, id DESC LIMIT 50`,
        );
        await db.destroy();
        const sql = new SqlRecorder();
        const gateway = await startGateway(loadConfig({ NODE_ENV: 'test' }, { port: 0, host: '127.0.0.1', database }), { sqlLogger: sql });
        try {
          sql.reset();
          const response = await fetch(gateway.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: FEED }),
          });
          const body = (await response.json()) as { data?: any; errors?: unknown[] };
          assert.equal(response.status, 200);
          assert.equal(body.errors, undefined, JSON.stringify(body.errors));
          const edges: { node: { slug: string; nations: unknown[]; campaign?: { slug: string } | null } }[] = body.data.feed.edges;
          assert.deepEqual(edges.map((edge) => edge.node.slug), newest.map((row) => row.slug));
          assert.equal(body.data.feed.pageInfo.hasNextPage, true);
          assert.ok(edges.some((edge) => edge.node.nations.length > 0), 'some items have nations');
          assert.ok(edges.some((edge) => edge.node.campaign), 'some items have a campaign');
          // The webhook deliverer's first look for pending work may land beside the request: not the request's.
          assert.equal(requestStatements(sql).length, 1, sql.statements.join('\n'));

          // The search index holds the bodies: six words from the middle of an item's body, as a phrase, find it.
          const words = plainText(newest[0].body)
            .split(/\s+/)
            .map((word) => word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, ''))
            .filter(Boolean);
          assert.ok(words.length >= 12, `a body of ${words.length} words`);
          const phrase = words.slice(6, 12).join(' ');
          const search = await fetch(gateway.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: 'query ($q: String!) { search(query: $q, first: 100) { edges { node { ... on Content { slug } } } } }', variables: { q: `"${phrase}"` } }),
          });
          const found = (await search.json()) as { data?: { search: { edges: { node: { slug?: string } }[] } }; errors?: unknown[] };
          assert.equal(found.errors, undefined, JSON.stringify(found.errors));
          assert.ok(found.data!.search.edges.some((edge) => edge.node.slug === newest[0].slug), `"${phrase}" finds ${newest[0].slug}`);
        } finally {
          await gateway.stop();
        }
      });
    });
  });
}

describe('seed --synthetic (CLI)', () => {
  /** The built CLI: this file runs from dist/tests/, the CLI is dist/src/cli.js. */

  function cli(args: string[], file: string): Promise<CliRun> {
    return runCli(args, { env: { DATABASE_URL: `sqlite:${file}` } });
  }

  it('loads N items, printing its progress, and refuses to load into the same database again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coalition-graph-synthetic-'));
    try {
      const file = path.join(dir, 'x.sqlite');
      const run = await cli(['seed', '--synthetic', '1000'], file);
      assert.equal(run.stderr, '');
      assert.equal(run.code, 0);
      assert.deepEqual(run.stdout.replace(/\d+\.\d s/g, 'T s').split('\n'), [
        'members: 81 inserted, 0 already there',
        'campaigns: 36 inserted',
        'content: 500 of 1,000 items (50%), T s',
        'content: 1,000 of 1,000 items (100%), T s',
        'Loaded 1000 synthetic items in T s.',
        '',
      ]);
      const again = await cli(['seed', '--synthetic', '1000'], file);
      assert.equal(again.code, 1);
      assert.equal(again.stderr, 'coalition-graph: the database already holds 1000 synthetic items; load synthetic content into a fresh database\n');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  for (const args of [['--synthetic', '0'], ['--synthetic', '1.5'], ['--synthetic', 'many'], ['--synthetic=-3'], ['--synthetic', '10', '--demo']]) {
    it(`exits 2 for seed ${args.join(' ')}, before touching the database`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coalition-graph-synthetic-'));
      try {
        const file = path.join(dir, 'x.sqlite');
        const run = await cli(['seed', ...args], file);
        assert.equal(run.code, 2);
        assert.match(run.stderr, /^coalition-graph: .*(positive integer|not both).*--help\)\n$/);
        assert.equal(fs.existsSync(file), false);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('exits 2 for --synthetic on another command', async () => {
    const run = await cli(['migrate', '--synthetic', '10'], path.join(os.tmpdir(), 'never-created.sqlite'));
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--synthetic belongs to the seed command/);
  });
});
