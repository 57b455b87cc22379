import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { IngestRun, RunOutcome, RunTrigger } from '../src/ingest/ingest-run.entity';
import { TOTAL_COUNT_COST } from '../src/protection/limits';
import { ContentStatus } from '../src/shared/content/content-status';
import { Role } from '../src/shared/viewer';
import { createApiKey } from '../src/store/keys';
import { insertItems } from './helpers/content';
import { DRIVERS } from './helpers/drivers';
import { requestStatements } from './helpers/request-statements';
import { startTestGateway, type TestGateway } from './helpers/server';

/** A connection of the graph, reached by a query with `$first`/`$after` and a `SELECTION` to fill in, and the path to it in the data. */
interface Listed {
  readonly name: string;
  readonly query: string;
  readonly pick: (data: any) => { totalCount?: number; edges: unknown[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
  readonly as?: 'admin' | 'partner';
}

const PAGE = 'edges { cursor } pageInfo { hasNextPage endCursor }';

/** Every connection a reader, a partner or an admin can page through. */
const CONNECTIONS: Listed[] = [
  { name: 'feed', query: `query ($first: Int, $after: String) { feed(first: $first, after: $after) { SELECTION } }`, pick: (d) => d.feed },
  { name: 'digestArticles', query: `query ($first: Int, $after: String) { digestArticles(first: $first, after: $after) { SELECTION } }`, pick: (d) => d.digestArticles },
  { name: 'campaignStories', query: `query ($first: Int, $after: String) { campaignStories(first: $first, after: $after) { SELECTION } }`, pick: (d) => d.campaignStories },
  { name: 'socialPosts', query: `query ($first: Int, $after: String) { socialPosts(first: $first, after: $after) { SELECTION } }`, pick: (d) => d.socialPosts },
  { name: 'stabilisationProjects', query: `query ($first: Int, $after: String) { stabilisationProjects(first: $first, after: $after) { SELECTION } }`, pick: (d) => d.stabilisationProjects },
  { name: 'memberNations', query: `query ($first: Int, $after: String) { memberNations(first: $first, after: $after) { SELECTION } }`, pick: (d) => d.memberNations },
  { name: 'campaigns', query: `query ($first: Int, $after: String) { campaigns(first: $first, after: $after) { SELECTION } }`, pick: (d) => d.campaigns },
  {
    name: 'campaign → stories',
    query: `query ($first: Int, $after: String) { campaign(slug: "this-generation-learns") { stories(first: $first, after: $after) { SELECTION } } }`,
    pick: (d) => d.campaign.stories,
  },
  {
    name: 'campaign → posts',
    query: `query ($first: Int, $after: String) { campaign(slug: "this-generation-learns") { posts(first: $first, after: $after) { SELECTION } } }`,
    pick: (d) => d.campaign.posts,
  },
  { name: 'memberNation → feed', query: `query ($first: Int, $after: String) { memberNation(code: "IRQ") { feed(first: $first, after: $after) { SELECTION } } }`, pick: (d) => d.memberNation.feed },
  {
    name: 'memberNation → stabilisationProjects',
    query: `query ($first: Int, $after: String) { memberNation(code: "USA") { stabilisationProjects(first: $first, after: $after) { SELECTION } } }`,
    pick: (d) => d.memberNation.stabilisationProjects,
  },
  { name: 'search', query: `query ($first: Int, $after: String) { search(query: "synthetic", first: $first, after: $after) { SELECTION } }`, pick: (d) => d.search },
  { name: 'feedChanges', query: `query ($first: Int, $after: String) { feedChanges(first: $first, after: $after) { SELECTION } }`, pick: (d) => d.feedChanges },
  { name: 'auditLog', query: `query ($first: Int, $after: String) { auditLog(first: $first, after: $after) { SELECTION } }`, pick: (d) => d.auditLog, as: 'admin' },
  { name: 'ingestRuns', query: `query ($first: Int, $after: String) { ingestRuns(first: $first, after: $after) { SELECTION } }`, pick: (d) => d.ingestRuns, as: 'admin' },
  {
    name: 'ingestRuns of a source',
    query: `query ($first: Int, $after: String) { ingestRuns(source: "wire-a", first: $first, after: $after) { SELECTION } }`,
    pick: (d) => d.ingestRuns,
    as: 'admin',
  },
  {
    name: 'webhookDeliveries',
    query: `query ($first: Int, $after: String, $webhook: ID!) { webhookDeliveries(webhook: $webhook, first: $first, after: $after) { SELECTION } }`,
    pick: (d) => d.webhookDeliveries,
    as: 'partner',
  },
];

const FEED = `query ($first: Int, $after: String, $last: Int, $before: String, $filter: FeedFilter) {
  feed(first: $first, after: $after, last: $last, before: $before, filter: $filter) { totalCount edges { node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
}`;

for (const driver of DRIVERS) {
  describe(`totals [${driver}]`, () => {
    let gw: TestGateway;
    const as: Record<'partner' | 'editor' | 'admin', Record<string, string>> = { partner: {}, editor: {}, admin: {} };
    let webhook: string;


    before(async () => {
      gw = await startTestGateway(driver);
      for (const role of ['partner', 'editor', 'admin'] as const) {
        const { secret } = await createApiKey(gw.gateway.db, { name: `${role} desk`, role: role.toUpperCase() as Role });
        as[role] = { authorization: `Bearer ${secret}` };
      }
      // 19 demo items, 121 synthetic ones (four types, six countries, three tags, NATO on every fifth), 7 drafts.
      await insertItems(gw.gateway.db, 121);
      await insertItems(gw.gateway.db, 7, { prefix: 'draft', status: ContentStatus.DRAFT, newest: new Date('2019-09-15T00:00:00Z') });
      // Runs as the runner records them: 18 of one source, 12 of another.
      await gw.gateway.db.getRepository(IngestRun).insert(
        Array.from({ length: 30 }, (_, n) => ({
          id: randomUUID(),
          sourceName: n % 7 < 4 ? 'wire-a' : 'wire-b',
          trigger: RunTrigger.SCHEDULE,
          startedAt: new Date(Date.UTC(2021, 0, 1, n)),
          endedAt: new Date(Date.UTC(2021, 0, 1, n, 1)),
          outcome: RunOutcome.SUCCEEDED,
          httpStatus: 200,
          errors: [],
        })),
      );
      const { body } = await gw.post(
        `mutation { createWebhook(input: { url: "https://hooks.example.org/coalition", filter: { tags: ["never-used"] } }) { webhook { id } } }`,
        {},
        as.partner,
      );
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      webhook = body.data.createWebhook.webhook.id;
    });
    after(() => gw.stop());

    async function run(listed: Listed, selection: string, variables: Record<string, unknown>) {
      gw.sql.reset();
      const response = await gw.post(listed.query.replace('SELECTION', selection), { ...variables, ...(listed.name === 'webhookDeliveries' ? { webhook } : {}) }, listed.as ? as[listed.as] : {});
      assert.equal(response.body.errors, undefined, `${listed.name}: ${JSON.stringify(response.body.errors)}`);
      return { page: listed.pick(response.body.data), statements: requestStatements(gw.sql), cost: response.extensions?.cost?.cost };
    }

    /** Every page of a connection, 13 at a time, with the totalCount each page gave. */
    async function pageThrough(listed: Listed): Promise<{ items: number; totals: number[] }> {
      let items = 0;
      const totals: number[] = [];
      let after: string | null = null;
      for (;;) {
        const { page } = await run(listed, `totalCount ${PAGE}`, { first: 13, after });
        items += page.edges.length;
        totals.push(page.totalCount!);
        if (!page.pageInfo.hasNextPage) return { items, totals };
        after = page.pageInfo.endCursor;
      }
    }

    it('counts with one statement only when totalCount is selected, on every connection', async () => {
      for (const listed of CONNECTIONS) {
        // Once to warm what a first request reads once per process (keys, members, campaigns), then to measure.
        await run(listed, PAGE, { first: 5 });
        const without = await run(listed, PAGE, { first: 5 });
        assert.deepEqual(without.statements.filter((sql) => /count\(/i.test(sql)), [], `${listed.name} counted unasked`);
        const counted = await run(listed, `totalCount ${PAGE}`, { first: 5 });
        assert.equal(counted.statements.length, without.statements.length + 1, `${listed.name}:\n${counted.statements.join('\n')}`);
        assert.equal(counted.statements.filter((sql) => /count\(/i.test(sql)).length, 1, listed.name);
        assert.deepEqual(counted.page.edges, without.page.edges, listed.name);
      }
    });

    it('counts as many items as paging through the whole list finds, on every page, on every connection', async () => {
      const found: Record<string, number> = {};
      for (const listed of CONNECTIONS) {
        const { items, totals } = await pageThrough(listed);
        found[listed.name] = items;
        assert.ok(totals.length > 1 || items < 13, `${listed.name}: ${items} items on ${totals.length} pages`);
        // The change feed counts what is committed after the cursor: this page and those after it. Any other list counts all of it.
        const expected = listed.name === 'feedChanges' ? totals.map((_, page) => items - 13 * page) : totals.map(() => items);
        assert.deepEqual(totals, expected, listed.name);
      }
      assert.deepEqual(
        [found.feed, found.memberNations, found.search, found.feedChanges, found.ingestRuns, found['ingestRuns of a source'], found.webhookDeliveries],
        // The change feed: one entry per item published, and one per translation the demo loader wrote (8).
        [140, 81, 121, 148, 30, 18, 0],
      );
      assert.equal(found.digestArticles + found.campaignStories + found.socialPosts + found.stabilisationProjects, 140);
      assert.ok(found.auditLog >= 140 + 7, `every write is audited: ${found.auditLog}`);
      for (const name of ['campaign → stories', 'memberNation → feed']) assert.ok(found[name] > 13, `${name} spans pages: ${found[name]}`);
    });

    it('counts what each feed filter keeps, the same forwards and backwards', async () => {
      const cases: [filter: Record<string, unknown>, expected: number | null][] = [
        [{}, 140],
        [{ tags: ['tag-1'] }, 40],
        [{ tags: ['tag-0', 'tag-1'] }, 81],
        [{ tags: ['tag-0'], types: ['DIGEST_ARTICLE'] }, 11],
        [{ publishedAfter: '2019-09-30T11:00:00Z', publishedBefore: '2019-09-30T11:30:00Z' }, 30],
        [{ tags: ['no-such-tag'] }, 0],
        [{ types: ['SOCIAL_POST', 'STABILISATION_PROJECT'] }, null],
        [{ countries: ['SYR'] }, null],
        [{ nations: ['nato'] }, null],
        [{ nations: ['IRQ', 'GBR'], types: ['CAMPAIGN_STORY'] }, null],
        [{ campaigns: ['this-generation-learns'] }, null],
        [{ countries: ['FRA'], tags: ['tag-2'], publishedBefore: '2019-09-30T11:00:00Z' }, null],
      ];
      for (const [filter, expected] of cases) {
        const seen: string[] = [];
        let after: string | null = null;
        const totals: number[] = [];
        for (;;) {
          const { body }: { body: any } = await gw.post(FEED, { first: 45, after, filter });
          assert.equal(body.errors, undefined, JSON.stringify(body.errors));
          seen.push(...body.data.feed.edges.map((edge: { node: { id: string } }) => edge.node.id));
          totals.push(body.data.feed.totalCount);
          if (!body.data.feed.pageInfo.hasNextPage) break;
          after = body.data.feed.pageInfo.endCursor;
        }
        const where = JSON.stringify(filter);
        assert.equal(new Set(seen).size, seen.length, where);
        assert.deepEqual(totals, totals.map(() => seen.length), where);
        if (expected !== null) assert.equal(seen.length, expected, where);
        else assert.ok(seen.length > 0 && seen.length < 140, `${where} filters something: ${seen.length}`);
        const backward = await gw.post(FEED, { last: 7, filter });
        assert.equal(backward.body.data.feed.totalCount, seen.length, `${where} backwards`);
      }
    });

    it('counts a member’s and a campaign’s lists as the feed filtered by them counts, filter included', async () => {
      const { body } = await gw.post(`{
        irq: memberNation(code: "irq") { feed { totalCount } posts: feed(filter: { types: [SOCIAL_POST] }) { totalCount } stabilisationProjects { totalCount } }
        nato: memberNation(code: "NATO") { feed { totalCount } stabilisationProjects { totalCount } }
        campaign(slug: "this-generation-learns") { stories { totalCount } posts { totalCount } }
        irqFeed: feed(filter: { nations: ["IRQ"] }) { totalCount }
        irqPosts: feed(filter: { nations: ["IRQ"], types: [SOCIAL_POST] }) { totalCount }
        natoFeed: feed(filter: { nations: ["NATO"] }) { totalCount }
        stories: feed(filter: { campaigns: ["this-generation-learns"], types: [CAMPAIGN_STORY] }) { totalCount }
        posts: feed(filter: { campaigns: ["this-generation-learns"], types: [SOCIAL_POST] }) { totalCount }
      }`);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      const d = body.data;
      const [{ n: irqProjects }] = await gw.gateway.db.query(`SELECT count(*) AS n FROM content WHERE country_code = 'IRQ' AND status = 'PUBLISHED'`);
      assert.deepEqual(
        {
          irq: d.irq,
          nato: d.nato,
          campaign: d.campaign,
        },
        {
          irq: { feed: d.irqFeed, posts: d.irqPosts, stabilisationProjects: { totalCount: Number(irqProjects) } },
          // An organisation has no projects located in it.
          nato: { feed: d.natoFeed, stabilisationProjects: { totalCount: 0 } },
          campaign: { stories: d.stories, posts: d.posts },
        },
      );
      assert.ok(d.irqFeed.totalCount > d.irqPosts.totalCount && d.irqPosts.totalCount > 0);
      assert.ok(d.natoFeed.totalCount >= 25, 'every fifth synthetic item concerns NATO');
    });

    it('counts the members’ lists of a page of members with one grouped statement, whatever the page size', async () => {
      const query = `query ($first: Int) { memberNations(first: $first) { edges { node { code feed(first: 1) { totalCount } stabilisationProjects(first: 1) { totalCount } } } } }`;
      const counts: number[] = [];
      const byCode = new Map<string, number>();
      for (const first of [5, 40]) {
        gw.sql.reset();
        const { body } = await gw.post(query, { first });
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        counts.push(requestStatements(gw.sql).length);
        for (const edge of body.data.memberNations.edges) byCode.set(edge.node.code, edge.node.feed.totalCount);
      }
      // The members; the page of each one's feed and projects, read together; the feeds' counts; the projects' counts.
      assert.deepEqual(counts, [4, 4], requestStatements(gw.sql).map((sql) => sql.slice(0, 150)).join('\n'));
      const single = await gw.post(`{ memberNation(code: "IRQ") { feed { totalCount } } }`);
      assert.equal(byCode.get('IRQ'), single.body.data.memberNation.feed.totalCount);
      assert.ok(byCode.get('IRQ')! > 0);
    });

    it('counts drafts for editors only', async () => {
      const query = `{ feed { totalCount } digestArticles { totalCount } }`;
      const reader = await gw.post(query);
      const editor = await gw.post(query, {}, as.editor);
      assert.equal(editor.body.data.feed.totalCount - reader.body.data.feed.totalCount, 7);
      assert.equal(editor.body.data.digestArticles.totalCount - reader.body.data.digestArticles.totalCount, 2, 'drafts 0 and 4 are digests');
    });

    it('counts search results as paging finds them, with a filter too', async () => {
      const query = `query ($after: String, $filter: FeedFilter) { search(query: "synthetic item", filter: $filter, first: 13, after: $after) { totalCount ${PAGE} } }`;
      for (const [filter, expected] of [[null, 121], [{ types: ['STABILISATION_PROJECT'] }, 30], [{ tags: ['tag-2'], countries: ['USA'] }, 20]] as const) {
        let items = 0;
        const totals: number[] = [];
        let after: string | null = null;
        for (;;) {
          const { body }: { body: any } = await gw.post(query, { after, filter });
          assert.equal(body.errors, undefined, JSON.stringify(body.errors));
          items += body.data.search.edges.length;
          totals.push(body.data.search.totalCount);
          if (!body.data.search.pageInfo.hasNextPage) break;
          after = body.data.search.pageInfo.endCursor;
        }
        assert.deepEqual([items, totals], [expected, totals.map(() => expected)], JSON.stringify(filter));
      }
    });

    it('counts the change feed with a filter: what matches after the cursor', async () => {
      const query = `query ($after: String, $filter: FeedFilter) { feedChanges(first: 9, after: $after, filter: $filter) { totalCount edges { node { kind } } pageInfo { hasNextPage endCursor } } }`;
      const filter = { tags: ['tag-1'], types: ['SOCIAL_POST', 'DIGEST_ARTICLE'] };
      const pages: [number, number][] = [];
      let after: string | null = null;
      for (;;) {
        const { body }: { body: any } = await gw.post(query, { after, filter });
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        pages.push([body.data.feedChanges.totalCount, body.data.feedChanges.edges.length]);
        after = body.data.feedChanges.pageInfo.endCursor;
        if (!body.data.feedChanges.pageInfo.hasNextPage) break;
      }
      // Tag 1 is n % 3 = 1; digests are n % 4 = 0 and posts n % 4 = 2: n % 12 is 4 or 10 for 20 of the 121, one PUBLISHED change each.
      assert.equal(pages.reduce((sum, [, edges]) => sum + edges, 0), 20);
      assert.deepEqual(pages.map(([total]) => total), pages.map((_, i) => pages.slice(i).reduce((sum, [, edges]) => sum + edges, 0)));
      const end = await gw.post(query, { after, filter });
      assert.equal(end.body.data.feedChanges.totalCount, 0, 'nothing after the last page');
    });

    it(`prices totalCount at ${TOTAL_COUNT_COST} per connection counted, whatever the page size`, async () => {
      const cost = async (query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
        const response = await gw.post(query, variables, headers);
        assert.equal(response.body.errors, undefined, `${query}: ${JSON.stringify(response.body.errors)}`);
        return response.extensions!.cost!.cost;
      };
      assert.equal(TOTAL_COUNT_COST, 100);
      assert.equal(await cost(`{ feed(first: 20) { totalCount } }`), 101);
      assert.equal(await cost(`{ feed(first: 20) { totalCount edges { node { id } } } }`), 141);
      for (const listed of CONNECTIONS) {
        for (const first of [1, 20, 100]) {
          const variables = { first, ...(listed.name === 'webhookDeliveries' ? { webhook } : {}) };
          const headers = listed.as ? as[listed.as] : {};
          const without = await cost(listed.query.replace('SELECTION', 'edges { cursor }'), variables, headers);
          const counted = await cost(listed.query.replace('SELECTION', 'totalCount edges { cursor }'), variables, headers);
          assert.equal(counted - without, TOTAL_COUNT_COST, `${listed.name}, first: ${first}`);
        }
      }
      const fragment = `query ($skip: Boolean!) { feed(first: 50) { ...Counted edges { cursor } } } fragment Counted on ContentConnection { totalCount @skip(if: $skip) }`;
      assert.equal((await cost(fragment, { skip: false })) - (await cost(fragment, { skip: true })), TOTAL_COUNT_COST, 'through a fragment, unless skipped');
      const byDefault = `query ($count: Boolean = true) { feed(first: 50) { totalCount @include(if: $count) edges { cursor } } }`;
      assert.equal((await cost(byDefault)) - (await cost(byDefault, { count: false })), TOTAL_COUNT_COST, 'a variable’s default decides @include');
      const nested = (count: string) => `{ memberNations(first: 3) { edges { node { feed(first: 30) { ${count} edges { cursor } } } } } }`;
      assert.equal((await cost(nested('totalCount'))) - (await cost(nested(''))), 3 * TOTAL_COUNT_COST, 'one count per member of the page');
    });

    it('answers a full page of 100 with its count within the cost limit', async () => {
      const { body, extensions } = await gw.post(`{ feed(first: 100) { totalCount edges { node { id title } } } }`);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      assert.equal(body.data.feed.totalCount, 140);
      assert.deepEqual(extensions?.cost, { cost: 1 + 100 * 2 + TOTAL_COUNT_COST, limit: 10_000 });
    });
  });
}
