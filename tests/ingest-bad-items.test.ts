import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ContentSource } from '../src/ingest/source.entity';
import { ContentStatus, ContentType } from '../src/shared/content/content-status';
import { SourceKind } from '../src/shared/content/source-kind';
import { ContentTag } from '../src/shared/content/content-tag.entity';
import { Content } from '../src/shared/content/content.entity';
import { SocialPost } from '../src/social-posts/social-post.entity';
import { StabilisationProject } from '../src/stabilisation-projects/stabilisation-project.entity';
import { CLI_ACTOR, write } from '../src/store/session';
import { upsertEach } from '../src/store/upsert';
import { DRIVERS } from './helpers/drivers';
import { ingestFixture, type RunRecord } from './helpers/ingest';
import { rss, type RssEntry } from './helpers/upstream';

/**
 * What a source sends that no column can take as it is (a NUL, a budget past
 * any integer, a tag longer once lower-cased, an address past its column, a
 * campaign that does not exist), and items the database refuses for reasons
 * no check foresaw: each costs its own item only, never its batch, the run or
 * the run's record, on either database.
 */

const CSV = { 'content-type': 'text/csv' };
const JSON_TYPE = { 'content-type': 'application/json' };

/** A WordPress post as the REST API embeds it, in one category. */
function post(id: number, category?: string): Record<string, unknown> {
  return {
    id,
    status: 'publish',
    date_gmt: '2024-03-01T10:00:00',
    link: `https://coalition.example/p/${id}`,
    title: { rendered: `Post ${id}` },
    excerpt: { rendered: `<p>Excerpt of post ${id}</p>` },
    content: { rendered: `<p>Body of post ${id}</p>` },
    ...(category ? { _embedded: { 'wp:term': [[{ name: category, slug: category, taxonomy: 'category' }]] } } : {}),
  };
}

/** The run's counts that matter here, and its message. */
function summary(run: RunRecord) {
  return { outcome: run.outcome, created: run.created, updated: run.updated, unchanged: run.unchanged, skipped: run.skipped, withdrawn: run.withdrawn, errorCount: run.errorCount, message: run.message };
}

const wire = (n: number) => ({ guid: `wire-${n}`, title: `Wire story ${n}`, link: `https://wire.example/${n}`, date: 'Mon, 02 Dec 2024 10:00:00 GMT', description: `Story ${n}.` });

for (const driver of DRIVERS) {
  describe(`items a source sends that cannot be stored as they are [${driver}]`, () => {
    // Batches of three, so that a refused item has neighbours in its batch and batches before and after it.
    const fixture = ingestFixture(driver, { INGEST_BATCH_SIZE: '3' });
    const itemsOf = (sourceName: string) => fixture.gw.gateway.db.getRepository(Content).find({ where: { sourceName }, order: { sourceExternalId: 'ASC' } });

    it('drops NUL and the other control characters from a CSV cell and a post, and stores every row', async () => {
      const { upstream, gw } = fixture;
      upstream.serve('/nul.csv', 'id,title,country,sector,phase\nP1,Good project,IRQ,education,ongoing\nP2,Bad\u0000project\u0007,IRQ,education,ongoing\n', { headers: CSV });
      const tweets = [
        { tweet: { id_str: '1', full_text: 'A fine post', created_at: 'Wed Oct 09 14:03:12 +0000 2019' } },
        { tweet: { id_str: '2', full_text: 'A bad\u0000 post\non two lines', created_at: 'Wed Oct 09 14:03:12 +0000 2019' } },
      ];
      upstream.serve('/tweets.jsonl', tweets.map((line) => JSON.stringify(line)).join('\n'), { headers: { 'content-type': 'application/x-ndjson' } });
      await gw.addSource({ name: 'nul-register', kind: 'CSV', url: upstream.url('/nul.csv'), type: 'STABILISATION_PROJECT' });
      await gw.addSource({ name: 'nul-posts', kind: 'SOCIAL_ARCHIVE', url: upstream.url('/tweets.jsonl'), type: 'SOCIAL_POST' });

      const register = await gw.runSource('nul-register');
      assert.deepEqual(summary(register), { outcome: 'SUCCEEDED', created: 2, updated: 0, unchanged: 0, skipped: 0, withdrawn: 0, errorCount: 0, message: null });
      assert.deepEqual((await itemsOf('nul-register')).map((item) => item.title), ['Good project', 'Badproject']);

      const posts = await gw.runSource('nul-posts');
      assert.deepEqual(summary(posts), { outcome: 'SUCCEEDED', created: 2, updated: 0, unchanged: 0, skipped: 0, withdrawn: 0, errorCount: 0, message: null });
      const stored = await gw.gateway.db.getRepository(SocialPost).find({ where: { sourceName: 'nul-posts' }, order: { sourceExternalId: 'ASC' } });
      assert.deepEqual(
        stored.map((item) => [item.title, item.summary, item.text]),
        [
          ['A fine post', 'A fine post', 'A fine post'],
          ['A bad post on two lines', 'A bad post on two lines', 'A bad post\non two lines'],
        ],
      );
    });

    it('records why a run failed, whatever the source sent: its record never stays RUNNING', async () => {
      const { upstream, gw } = fixture;
      // Binary that happens to be valid UTF-8, quoted by the feed reader; a WordPress error quoting the site; a JSON error quoting the body.
      upstream.serve('/binary.feed', Buffer.from('\u0000\u0001\u0002 not a feed'), { headers: { 'content-type': 'application/octet-stream' } });
      upstream.serve('/refusing/wp-json/wp/v2/posts', JSON.stringify({ code: 'rest_forbidden', message: 'Sorry,\u0000 you are not allowed to do that.' }), { headers: JSON_TYPE });
      upstream.serve('/garbled/wp-json/wp/v2/posts', '[\u0000', { headers: JSON_TYPE });
      await gw.addSource({ name: 'binary', kind: 'FEED', url: upstream.url('/binary.feed'), type: 'DIGEST_ARTICLE' });
      await gw.addSource({ name: 'refusing', kind: 'WORDPRESS', url: upstream.url('/refusing/'), type: 'DIGEST_ARTICLE' });
      await gw.addSource({ name: 'garbled', kind: 'WORDPRESS', url: upstream.url('/garbled/'), type: 'DIGEST_ARTICLE' });

      const binary = await gw.runSource('binary');
      assert.deepEqual(summary(binary), { outcome: 'FAILED', created: 0, updated: 0, unchanged: 0, skipped: 0, withdrawn: 0, errorCount: 0, message: 'Not a feed: neither XML nor JSON (it starts with "\\u0000\\u0001\\u0002 not a feed")' });
      const refusing = await gw.runSource('refusing');
      assert.equal(refusing.outcome, 'FAILED');
      assert.equal(refusing.message, 'WordPress answered rest_forbidden: Sorry, you are not allowed to do that.');
      const garbled = await gw.runSource('garbled');
      assert.equal(garbled.outcome, 'FAILED');
      assert.match(garbled.message ?? '', /^http:\/\/127\.0\.0\.1:\d+\/garbled\/wp-json\/wp\/v2\/posts\?per_page=100&page=1&_embed=1&orderby=modified&order=desc is not JSON: /);
      assert.ok(!garbled.message!.includes('\u0000'), JSON.stringify(garbled.message));

      for (const name of ['binary', 'refusing', 'garbled']) {
        assert.deepEqual((await gw.runsOf(name)).map((run) => run.outcome), ['FAILED'], name);
        const source = await gw.gateway.db.getRepository(ContentSource).findOneByOrFail({ name });
        assert.deepEqual([source.leaseOwner, source.consecutiveFailures], [null, 1], `${name} let go of its source`);
      }
    });

    it('refuses a budget past what the column keeps as its row’s error, and writes the rows before and after it', async () => {
      const { upstream, gw } = fixture;
      const rows = ['id,title,country,sector,phase,budget'];
      for (let n = 1; n <= 7; n++) rows.push(`B${n},Budgeted project ${n},IRQ,education,ongoing,${n === 5 ? '99999999999999999999' : `${n}000`}`);
      upstream.serve('/budgets.csv', rows.join('\n'), { headers: CSV });
      await gw.addSource({ name: 'budgets', kind: 'CSV', url: upstream.url('/budgets.csv'), type: 'STABILISATION_PROJECT', options: { fullSnapshot: true } });

      const run = await gw.runSource('budgets');
      assert.deepEqual(summary(run), { outcome: 'SUCCEEDED', created: 6, updated: 0, unchanged: 0, skipped: 1, withdrawn: 0, errorCount: 1, message: null });
      assert.deepEqual(run.errors, [{ position: 'line 6', externalId: 'B5', message: 'column "budget": "99999999999999999999" is not an amount of at most 9,007,199,254,740,991 US dollars' }]);
      assert.deepEqual(
        (await gw.gateway.db.getRepository(StabilisationProject).find({ where: { sourceName: 'budgets' }, order: { sourceExternalId: 'ASC' } })).map((item) => [item.sourceExternalId, Number(item.budgetUsd)]),
        [['B1', 1000], ['B2', 2000], ['B3', 3000], ['B4', 4000], ['B6', 6000], ['B7', 7000]],
      );
    });

    it('cuts a tag after lower-casing it, and keeps no source address past its column', async () => {
      const { upstream, gw } = fixture;
      // "İ" lower-cases to "i" and a combining dot: 64 characters become 65.
      const tagged = rss([wire(1), wire(2), wire(3)]).replace('<title>Wire story 2</title>', `<title>Wire story 2</title><category>İ${'a'.repeat(63)}</category>`);
      upstream.serve('/tagged.rss', tagged);
      const longPath = `/feeds/${'x'.repeat(2_100)}.rss`;
      upstream.on('/moved.rss', (_request, response) => void response.writeHead(301, { location: longPath }).end());
      upstream.serve(longPath, rss([wire(4), wire(5)]));
      await gw.addSource({ name: 'tagged', kind: 'FEED', url: upstream.url('/tagged.rss'), type: 'DIGEST_ARTICLE' });
      await gw.addSource({ name: 'moved', kind: 'FEED', url: upstream.url('/moved.rss'), type: 'DIGEST_ARTICLE' });

      assert.deepEqual(summary(await gw.runSource('tagged')), { outcome: 'SUCCEEDED', created: 3, updated: 0, unchanged: 0, skipped: 0, withdrawn: 0, errorCount: 0, message: null });
      const item = (await itemsOf('tagged')).find((row) => row.sourceExternalId === 'wire-2')!;
      const tags = await gw.gateway.db.getRepository(ContentTag).find({ where: { contentId: item.id } });
      assert.deepEqual(tags.map((row) => row.tag), [`i\u0307${'a'.repeat(61)}…`]);
      assert.equal(tags[0].tag.length, 64);

      assert.deepEqual(summary(await gw.runSource('moved')), { outcome: 'SUCCEEDED', created: 2, updated: 0, unchanged: 0, skipped: 0, withdrawn: 0, errorCount: 0, message: null });
      assert.deepEqual((await itemsOf('moved')).map((row) => [row.sourceExternalId, row.sourceUrl]), [['wire-4', null], ['wire-5', null]]);
    });

    it('skips a post whose campaign does not exist, and writes the others', async () => {
      const { upstream, gw } = fixture;
      upstream.serve('/campaigns/wp-json/wp/v2/posts', JSON.stringify([post(1, 'schools'), post(2, 'news'), post(3, 'schools')]), { headers: { ...JSON_TYPE, 'x-wp-totalpages': '1' } });
      await gw.addSource({
        name: 'campaigns',
        kind: 'WORDPRESS',
        url: upstream.url('/campaigns/'),
        type: 'CAMPAIGN_STORY',
        options: { campaignMap: { schools: 'this-generation-learns', news: 'no-such-campaign' } },
      });
      const run = await gw.runSource('campaigns');
      assert.deepEqual(summary(run), { outcome: 'SUCCEEDED', created: 2, updated: 0, unchanged: 0, skipped: 1, withdrawn: 0, errorCount: 1, message: null });
      assert.deepEqual(run.errors, [{ position: 'item 2', externalId: '2', message: 'not stored: Unknown campaign "no-such-campaign"' }]);
      assert.deepEqual((await itemsOf('campaigns')).map((row) => row.sourceExternalId), ['1', '3']);
    });

    it('has the writer leave out the inputs it refuses as given and write the others, in one transaction', async () => {
      const story = (externalId: string, campaign: string) => ({
        type: ContentType.CAMPAIGN_STORY,
        slug: `story-${externalId}`,
        title: `Story ${externalId}`,
        summary: 'A story.',
        publishedAt: new Date('2024-03-01T10:00:00Z'),
        countries: [],
        campaign,
        source: { name: 'writer', kind: SourceKind.WORDPRESS, externalId },
        fields: { places: [] },
      });
      const inputs = [story('w1', 'this-generation-learns'), story('w2', 'no-such-campaign'), story('w3', 'this-generation-learns')];
      const { results, rejected } = await write(fixture.gw.gateway.db, CLI_ACTOR, (session) => upsertEach(session, inputs));
      assert.deepEqual(results.map((result) => result.outcome), ['created', 'created']);
      assert.deepEqual(rejected.map(({ index, reason }) => [index, reason.message]), [[1, 'Unknown campaign "no-such-campaign"']]);
      assert.deepEqual((await itemsOf('writer')).map((row) => row.sourceExternalId), ['w1', 'w3']);
    });

    it('skips the items stored as another type when an admin changes a source’s type, and writes its new ones', async () => {
      const { upstream, gw } = fixture;
      upstream.serve('/retyped.rss', rss([wire(11), wire(12)]));
      await gw.addSource({ name: 'retyped', kind: 'FEED', url: upstream.url('/retyped.rss'), type: 'DIGEST_ARTICLE' });
      assert.equal((await gw.runSource('retyped')).created, 2);
      await gw.ok(`mutation ($input: SourceUpdateInput!) { updateSource(name: "retyped", input: $input) { name } }`, { input: { type: 'CAMPAIGN_STORY' } });
      upstream.serve('/retyped.rss', rss([wire(11), wire(12), wire(13)]));

      const run = await gw.runSource('retyped');
      assert.deepEqual(summary(run), { outcome: 'SUCCEEDED', created: 1, updated: 0, unchanged: 0, skipped: 2, withdrawn: 0, errorCount: 2, message: null });
      assert.deepEqual(run.errors, [
        { position: 'item wire-11', externalId: 'wire-11', message: 'not stored: wire-11 is already stored as a DIGEST_ARTICLE' },
        { position: 'item wire-12', externalId: 'wire-12', message: 'not stored: wire-12 is already stored as a DIGEST_ARTICLE' },
      ]);
      assert.deepEqual((await itemsOf('retyped')).map((row) => [row.sourceExternalId, row.type]), [['wire-11', 'DIGEST_ARTICLE'], ['wire-12', 'DIGEST_ARTICLE'], ['wire-13', 'CAMPAIGN_STORY']]);
    });

    it('writes a batch the database refuses one item at a time, leaving out only the items refused, which a full snapshot does not withdraw', async () => {
      const { upstream, gw } = fixture;
      const db = gw.gateway.db;
      const snapshot = (titles: Record<string, string>) =>
        ['id,title,country,sector,phase', ...Object.entries(titles).map(([id, title]) => `${id},${title},IRQ,education,ongoing`)].join('\n');
      upstream.serve('/refused.csv', snapshot({ R1: 'Project one', R2: 'Project two', R3: 'Project three', R4: 'Project four', R5: 'Project five' }), { headers: CSV });
      await gw.addSource({ name: 'refused', kind: 'CSV', url: upstream.url('/refused.csv'), type: 'STABILISATION_PROJECT', options: { fullSnapshot: true } });
      assert.equal((await gw.runSource('refused')).created, 5);

      // A rule of the database no check of the gateway knows about: it refuses any item titled "poison".
      if (driver === 'sqlite') {
        await db.query(`CREATE TRIGGER refuse_poison_insert BEFORE INSERT ON content WHEN NEW.title LIKE '%poison%' BEGIN SELECT RAISE(ABORT, 'poisoned title'); END`);
        await db.query(`CREATE TRIGGER refuse_poison_update BEFORE UPDATE ON content WHEN NEW.title LIKE '%poison%' BEGIN SELECT RAISE(ABORT, 'poisoned title'); END`);
      } else {
        await db.query(`CREATE FUNCTION refuse_poison() RETURNS trigger AS $$ BEGIN IF NEW.title LIKE '%poison%' THEN RAISE EXCEPTION 'poisoned title' USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
        await db.query(`CREATE TRIGGER refuse_poison BEFORE INSERT OR UPDATE ON content FOR EACH ROW EXECUTE FUNCTION refuse_poison()`);
      }
      try {
        // Batches: [R1 R2 R3] [R4 R5 R6] [R7]; R2 (an update) and R6 (new) are refused; R1, R3, R4 change; R7 is new.
        upstream.serve(
          '/refused.csv',
          snapshot({ R1: 'Project one revised', R2: 'Project two poison', R3: 'Project three revised', R4: 'Project four revised', R5: 'Project five', R6: 'A poison project', R7: 'Project seven' }),
          { headers: CSV },
        );
        const run = await gw.runSource('refused');
        assert.deepEqual(summary(run), { outcome: 'SUCCEEDED', created: 1, updated: 3, unchanged: 1, skipped: 2, withdrawn: 0, errorCount: 2, message: null });
        assert.deepEqual(
          run.errors.map(({ position, externalId }) => [position, externalId]),
          [['item R2', 'R2'], ['item R6', 'R6']],
        );
        for (const error of run.errors) assert.match(error.message, /^not stored: the database refused it \(.*poisoned title.*\)$/);
        assert.deepEqual(
          (await itemsOf('refused')).map((row) => [row.sourceExternalId, row.title, row.status]),
          [
            ['R1', 'Project one revised', ContentStatus.PUBLISHED],
            ['R2', 'Project two', ContentStatus.PUBLISHED],
            ['R3', 'Project three revised', ContentStatus.PUBLISHED],
            ['R4', 'Project four revised', ContentStatus.PUBLISHED],
            ['R5', 'Project five', ContentStatus.PUBLISHED],
            ['R7', 'Project seven', ContentStatus.PUBLISHED],
          ],
        );
      } finally {
        if (driver === 'sqlite') {
          await db.query(`DROP TRIGGER refuse_poison_insert`);
          await db.query(`DROP TRIGGER refuse_poison_update`);
        } else {
          await db.query(`DROP TRIGGER refuse_poison ON content`);
          await db.query(`DROP FUNCTION refuse_poison()`);
        }
      }
    });

    it('counts the items it wrote one at a time when the database fails before the batch is done, then fails as before', async () => {
      const { upstream, gw } = fixture;
      const db = gw.gateway.db;
      // Batches: [F1 F2 F3] [F4 F5 F6]. F5 is refused, so the second batch goes again one item at a time: F4 commits, F5 is
      // refused, and F6 meets a database failure that is no refusal: on PostgreSQL its connection is terminated, on SQLite the
      // database is full (its 2 MB body does not fit in the pages left to the file).
      const entries: RssEntry[] = [1, 2, 3, 4, 5, 6].map((n) => ({ ...wire(100 + n), guid: `F${n}`, title: `Failing wire story ${n}` }));
      entries[4] = { ...entries[4], title: 'A poison story' };
      entries[5] = { ...entries[5], title: 'A story that severs the connection', content: `<p>${'Lorem ipsum dolor sit amet. '.repeat(75_000)}</p>` };
      upstream.serve('/failing.rss', rss(entries));
      await gw.addSource({ name: 'failing', kind: 'FEED', url: upstream.url('/failing.rss'), type: 'DIGEST_ARTICLE' });
      if (driver === 'sqlite') {
        await db.query(`CREATE TRIGGER refuse_poison_story BEFORE INSERT ON content WHEN NEW.title LIKE '%poison%' BEGIN SELECT RAISE(ABORT, 'poisoned title'); END`);
        const [{ page_count: pages }] = (await db.query('PRAGMA page_count')) as { page_count: number }[];
        const [{ freelist_count: free }] = (await db.query('PRAGMA freelist_count')) as { freelist_count: number }[];
        assert.ok(free < 100, `${free} free pages would leave room for the 2 MB body`);
        await db.query(`PRAGMA max_page_count = ${pages + 100}`);
      } else {
        await db.query(
          `CREATE FUNCTION refuse_poison_sever() RETURNS trigger AS $$ BEGIN
             IF NEW.title LIKE '%poison%' THEN RAISE EXCEPTION 'poisoned title' USING ERRCODE = 'check_violation'; END IF;
             IF NEW.title LIKE '%severs%' THEN PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(10); END IF;
             RETURN NEW;
           END $$ LANGUAGE plpgsql`,
        );
        await db.query(`CREATE TRIGGER refuse_poison_sever BEFORE INSERT ON content FOR EACH ROW EXECUTE FUNCTION refuse_poison_sever()`);
      }
      try {
        const run = await gw.runSource('failing');
        assert.equal(run.outcome, 'FAILED');
        assert.match(run.message ?? '', driver === 'sqlite' ? /^internal error: .*database or disk is full$/ : /^internal error: terminating connection due to administrator command/);
        // F4 was committed before F6 failed: the run counts it, and reports F5's refusal.
        const stored = await itemsOf('failing');
        assert.deepEqual(stored.map((row) => row.sourceExternalId), ['F1', 'F2', 'F3', 'F4']);
        assert.deepEqual(
          { created: run.created, updated: run.updated, unchanged: run.unchanged, skipped: run.skipped, errorCount: run.errorCount },
          { created: stored.length, updated: 0, unchanged: 0, skipped: 1, errorCount: 1 },
        );
        assert.deepEqual(
          run.errors.map(({ position, externalId }) => [position, externalId]),
          [['item F5', 'F5']],
        );
      } finally {
        if (driver === 'sqlite') {
          await db.query(`PRAGMA max_page_count = 1073741823`);
          await db.query(`DROP TRIGGER refuse_poison_story`);
        } else {
          await db.query(`DROP TRIGGER refuse_poison_sever ON content`);
          await db.query(`DROP FUNCTION refuse_poison_sever()`);
        }
      }
    });

    it('reads WordPress’s 400 for a page past the last as the end of a listing without X-WP-TotalPages', async () => {
      const { upstream, gw } = fixture;
      // A proxy drops the total-pages header; the site has a multiple of 100 posts, so a full last page asks for one more.
      let posts = Array.from({ length: 200 }, (_, i) => post(i + 1));
      upstream.on('/headerless/wp-json/wp/v2/posts', (_request, response, _n, seen) => {
        const page = Number(seen.query.get('page'));
        const slice = posts.slice((page - 1) * 100, page * 100);
        if (slice.length === 0) {
          const past = { code: 'rest_post_invalid_page_number', message: 'The page number requested is larger than the number of pages available.', data: { status: 400 } };
          return void response.writeHead(400, JSON_TYPE).end(JSON.stringify(past));
        }
        response.writeHead(200, JSON_TYPE).end(JSON.stringify(slice));
      });
      await gw.addSource({ name: 'headerless', kind: 'WORDPRESS', url: upstream.url('/headerless/'), type: 'DIGEST_ARTICLE', options: { completeListings: true } });
      const first = await gw.runSource('headerless');
      assert.deepEqual({ ...summary(first), documents: first.documents }, { outcome: 'SUCCEEDED', created: 200, updated: 0, unchanged: 0, skipped: 0, withdrawn: 0, errorCount: 0, message: null, documents: 3 });

      // The 400 ends a complete listing: the next full listing (200 posts again, one gone and one new) withdraws the one gone.
      posts = [...posts.filter((item) => item.id !== 7), post(201)];
      await gw.gateway.db.getRepository(ContentSource).update({ name: 'headerless' }, { lastFullListingAt: null });
      const next = await gw.runSource('headerless');
      assert.deepEqual({ ...summary(next), documents: next.documents }, { outcome: 'SUCCEEDED', created: 1, updated: 0, unchanged: 199, skipped: 0, withdrawn: 1, errorCount: 0, message: null, documents: 3 });
      assert.equal((await itemsOf('headerless')).find((row) => row.sourceExternalId === '7')!.status, ContentStatus.DRAFT);

      // Any other 400 still fails the run.
      const page = Array.from({ length: 100 }, (_, i) => post(i + 1));
      upstream.on('/broken/wp-json/wp/v2/posts', (_request, response, _n, seen) => {
        if (seen.query.get('page') === '1') return void response.writeHead(200, JSON_TYPE).end(JSON.stringify(page));
        response.writeHead(400, JSON_TYPE).end(JSON.stringify({ code: 'rest_invalid_param', message: 'Invalid parameter(s): per_page' }));
      });
      await gw.addSource({ name: 'broken', kind: 'WORDPRESS', url: upstream.url('/broken/'), type: 'DIGEST_ARTICLE' });
      const broken = await gw.runSource('broken');
      assert.deepEqual({ outcome: broken.outcome, created: broken.created, message: broken.message }, { outcome: 'FAILED', created: 100, message: 'WordPress answered HTTP 400: rest_invalid_param: Invalid parameter(s): per_page' });
    });

    it('takes a page X-WP-TotalPages promised that comes back past the end as a listing that shrank while read: it withdraws nothing, says why, and lists in full again next time', async () => {
      const { upstream, gw } = fixture;
      // 250 posts in id order, 3 pages; the total and each page as the site has them at the time they are asked for.
      let posts = Array.from({ length: 250 }, (_, i) => post(i + 1));
      let afterPage1 = () => {};
      upstream.on('/shrinking/wp-json/wp/v2/posts', (_request, response, _n, seen) => {
        const page = Number(seen.query.get('page'));
        const totalPages = Math.ceil(posts.length / 100);
        if (page > totalPages) {
          const past = { code: 'rest_post_invalid_page_number', message: 'The page number requested is larger than the number of pages available.', data: { status: 400 } };
          return void response.writeHead(400, JSON_TYPE).end(JSON.stringify(past));
        }
        response.writeHead(200, { ...JSON_TYPE, 'x-wp-total': String(posts.length), 'x-wp-totalpages': String(totalPages) }).end(JSON.stringify(posts.slice((page - 1) * 100, page * 100)));
        if (page === 1) afterPage1();
      });
      await gw.addSource({ name: 'shrinking', kind: 'WORDPRESS', url: upstream.url('/shrinking/'), type: 'DIGEST_ARTICLE', options: { completeListings: true } });
      const first = await gw.runSource('shrinking');
      assert.deepEqual({ ...summary(first), documents: first.documents }, { outcome: 'SUCCEEDED', created: 250, updated: 0, unchanged: 0, skipped: 0, withdrawn: 0, errorCount: 0, message: null, documents: 3 });

      // Once page 1 (posts 1-100) is read, posts 1-50 are deleted: posts 101-150 move to page 1, page 2 holds 151-250, and page 3
      // is past the end. Posts 101-150 were never read, and are still there: nothing is withdrawn.
      afterPage1 = () => {
        posts = posts.filter((item) => (item.id as number) > 50);
        afterPage1 = () => {};
      };
      await gw.gateway.db.getRepository(ContentSource).update({ name: 'shrinking' }, { lastFullListingAt: null });
      const shrunk = await gw.runSource('shrinking');
      assert.deepEqual({ ...summary(shrunk), documents: shrunk.documents }, { outcome: 'SUCCEEDED', created: 0, updated: 0, unchanged: 200, skipped: 0, withdrawn: 0, errorCount: 1, message: null, documents: 3 });
      // Page 2 tells first (its total moved); the run reports the first reason only.
      assert.deepEqual(shrunk.errors, [{ position: 'listing', externalId: null, message: 'the listing shrank during the run (page 2 counts 200 posts, page 1 counted 250); nothing it lacks was withdrawn' }]);
      assert.deepEqual((await itemsOf('shrinking')).filter((row) => row.status !== ContentStatus.PUBLISHED), []);
      // It was no full listing: the next run lists in full again, and withdraws the posts that are gone.
      assert.equal((await gw.gateway.db.getRepository(ContentSource).findOneByOrFail({ name: 'shrinking' })).lastFullListingAt, null);
      const next = await gw.runSource('shrinking');
      assert.deepEqual({ ...summary(next), documents: next.documents }, { outcome: 'SUCCEEDED', created: 0, updated: 0, unchanged: 200, skipped: 0, withdrawn: 50, errorCount: 0, message: null, documents: 2 });
      const withdrawn = (await itemsOf('shrinking')).filter((row) => row.status !== ContentStatus.PUBLISHED).map((row) => Number(row.sourceExternalId));
      assert.deepEqual(withdrawn.sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
    });

    it('takes a full listing whose total moved while read as not whole, though its page count stayed: it withdraws nothing, and the next run withdraws what is gone', async () => {
      const { upstream, gw } = fixture;
      let posts = Array.from({ length: 250 }, (_, i) => post(1000 + i));
      let afterPage1 = () => {};
      upstream.on('/one-less/wp-json/wp/v2/posts', (_request, response, _n, seen) => {
        const page = Number(seen.query.get('page'));
        response.writeHead(200, { ...JSON_TYPE, 'x-wp-total': String(posts.length), 'x-wp-totalpages': String(Math.ceil(posts.length / 100)) }).end(JSON.stringify(posts.slice((page - 1) * 100, page * 100)));
        if (page === 1) afterPage1();
      });
      await gw.addSource({ name: 'one-less', kind: 'WORDPRESS', url: upstream.url('/one-less/'), type: 'DIGEST_ARTICLE', options: { completeListings: true } });
      assert.equal((await gw.runSource('one-less')).created, 250);

      // Post 1000 is deleted once page 1 is read: still three pages, but post 1100 moves to page 1 and is never read.
      afterPage1 = () => {
        posts = posts.slice(1);
        afterPage1 = () => {};
      };
      await gw.gateway.db.getRepository(ContentSource).update({ name: 'one-less' }, { lastFullListingAt: null });
      const moved = await gw.runSource('one-less');
      assert.deepEqual({ ...summary(moved), documents: moved.documents }, { outcome: 'SUCCEEDED', created: 0, updated: 0, unchanged: 249, skipped: 0, withdrawn: 0, errorCount: 1, message: null, documents: 3 });
      assert.deepEqual(moved.errors, [{ position: 'listing', externalId: null, message: 'the listing shrank during the run (page 2 counts 249 posts, page 1 counted 250); nothing it lacks was withdrawn' }]);
      assert.deepEqual((await itemsOf('one-less')).filter((row) => row.status !== ContentStatus.PUBLISHED), [], 'post 1100, never read, is not withdrawn');
      const next = await gw.runSource('one-less');
      assert.equal(next.withdrawn, 1);
      assert.deepEqual((await itemsOf('one-less')).filter((row) => row.status !== ContentStatus.PUBLISHED).map((row) => row.sourceExternalId), ['1000']);
    });

    it('reads the page a full listing grew to while read: a post going live with an older id pushes the last one past page 1\'s count, and nothing is withdrawn', async () => {
      const { upstream, gw } = fixture;
      // 300 posts, ids 2000, 2002, … (even): exactly three pages.
      let posts = Array.from({ length: 300 }, (_, i) => post(2000 + 2 * i));
      let afterPage1 = () => {};
      upstream.on('/one-more/wp-json/wp/v2/posts', (_request, response, _n, seen) => {
        const page = Number(seen.query.get('page'));
        response.writeHead(200, { ...JSON_TYPE, 'x-wp-total': String(posts.length), 'x-wp-totalpages': String(Math.ceil(posts.length / 100)) }).end(JSON.stringify(posts.slice((page - 1) * 100, page * 100)));
        if (page === 1) afterPage1();
      });
      await gw.addSource({ name: 'one-more', kind: 'WORDPRESS', url: upstream.url('/one-more/'), type: 'DIGEST_ARTICLE', options: { completeListings: true } });
      assert.equal((await gw.runSource('one-more')).created, 300);

      // A scheduled post (id 2401, between page 2's posts) goes live once page 1 is read: post 2598, the last, moves to a page 4.
      afterPage1 = () => {
        posts = [...posts, post(2401)].sort((a, b) => (a.id as number) - (b.id as number));
        afterPage1 = () => {};
      };
      await gw.gateway.db.getRepository(ContentSource).update({ name: 'one-more' }, { lastFullListingAt: null });
      const grown = await gw.runSource('one-more');
      assert.deepEqual({ ...summary(grown), documents: grown.documents }, { outcome: 'SUCCEEDED', created: 1, updated: 0, unchanged: 300, skipped: 0, withdrawn: 0, errorCount: 0, message: null, documents: 4 });
      assert.deepEqual((await itemsOf('one-more')).filter((row) => row.status !== ContentStatus.PUBLISHED), [], 'post 2598, on page 4 now, is not withdrawn');
    });
  });
}
