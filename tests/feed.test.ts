import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeCursor } from '../src/shared/pagination/cursor';
import { insertItems } from './helpers/content';
import { DRIVERS } from './helpers/drivers';
import { startTestGateway, type TestGateway } from './helpers/server';
import { requestStatements } from './helpers/request-statements';

const PAGE = `query ($first: Int, $after: String, $last: Int, $before: String, $filter: FeedFilter) {
  feed(first: $first, after: $after, last: $last, before: $before, filter: $filter) {
    edges { cursor node { slug } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface Page {
  edges: { cursor: string; node: { slug: string } }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

for (const driver of DRIVERS) {
  describe(`the feed [${driver}]`, () => {
    let gw: TestGateway;
    let all: string[];

    async function page(variables: Record<string, unknown>): Promise<Page> {
      const { body } = await gw.post<{ feed: Page }>(PAGE, variables);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      return body.data!.feed;
    }

    before(async () => {
      gw = await startTestGateway(driver);
      // 19 demo items plus 121 synthetic ones: more than one full page of 100.
      await insertItems(gw.gateway.db, 121);
      all = (await page({ first: 100 })).edges.map((e) => e.node.slug);
      const rest = await page({ first: 100, after: encodeCursorOfLast(await page({ first: 100 })) });
      all.push(...rest.edges.map((e) => e.node.slug));
    });
    after(() => gw.stop());

    function encodeCursorOfLast(p: Page): string {
      return p.pageInfo.endCursor!;
    }

    it('holds every item once across two full pages', () => {
      assert.equal(all.length, 140);
      assert.equal(new Set(all).size, 140);
    });

    it('pages forward to the end with no gap or duplicate, and says where it is', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const p: Page = await page({ first: 30, after });
        seen.push(...p.edges.map((e) => e.node.slug));
        pages++;
        assert.equal(p.pageInfo.hasPreviousPage, after !== null);
        assert.equal(p.pageInfo.startCursor, p.edges[0]?.cursor ?? null);
        if (!p.pageInfo.hasNextPage) break;
        after = p.pageInfo.endCursor;
      }
      assert.equal(pages, 5);
      assert.deepEqual(seen, all);
    });

    it('pages backward from the end to the start with no gap or duplicate', async () => {
      const seen: string[] = [];
      let before: string | null = null;
      for (;;) {
        const p: Page = await page({ last: 30, before });
        seen.unshift(...p.edges.map((e) => e.node.slug));
        assert.equal(p.pageInfo.hasNextPage, before !== null);
        if (!p.pageInfo.hasPreviousPage) break;
        before = p.pageInfo.startCursor;
      }
      assert.deepEqual(seen, all);
    });

    it('keeps cursors valid while items are inserted between pages', async () => {
      const first = await page({ first: 10 });
      // Newer items land before the cursor; one lands among the items still to come.
      await insertItems(gw.gateway.db, 3, { newest: new Date('2020-01-01T00:00:00Z'), prefix: 'newer' });
      await insertItems(gw.gateway.db, 1, { newest: new Date('2019-09-30T10:30:30Z'), prefix: 'between' });
      const seen = first.edges.map((e) => e.node.slug);
      let after = first.pageInfo.endCursor;
      for (;;) {
        const p: Page = await page({ first: 25, after });
        seen.push(...p.edges.map((e) => e.node.slug));
        if (!p.pageInfo.hasNextPage) break;
        after = p.pageInfo.endCursor;
      }
      assert.equal(new Set(seen).size, seen.length, 'no duplicates');
      assert.deepEqual(seen.filter((slug) => slug !== 'between-0'), all, 'no gaps, same order');
      assert.ok(seen.includes('between-0'), 'the item inserted ahead of the cursor is reached');
      assert.ok(!seen.some((slug) => slug.startsWith('newer-')), 'newer items are not mixed into later pages');
      const top = await page({ first: 3 });
      assert.deepEqual(top.edges.map((e) => e.node.slug), ['newer-0', 'newer-1', 'newer-2']);
    });

    it('returns 20 items by default and accepts first: 0', async () => {
      assert.equal((await page({})).edges.length, 20);
      const empty = await page({ first: 0 });
      assert.deepEqual(empty, { edges: [], pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null } });
    });

    it('rejects page sizes beyond 100, negative sizes, both directions at once, and cursors that do not parse', async () => {
      const cases: [Record<string, unknown>, string, string][] = [
        [{ first: 101 }, 'first', '`first` must be between 0 and 100, got 101'],
        [{ last: 500 }, 'last', '`last` must be between 0 and 100, got 500'],
        [{ first: -1 }, 'first', '`first` must be between 0 and 100, got -1'],
        [{ first: 5, last: 5 }, 'last', 'Page with either `first`/`after` or `last`/`before`, not both'],
        [{ after: 'garbage' }, 'after', '"after" is not a valid cursor for this list'],
        [{ before: encodeCursor(['not a date', 'x']) }, 'before', '"before" is not a valid cursor for this list'],
        [{ after: encodeCursor(['2019-10-01T00:00:00.000Z']) }, 'after', '"after" is not a valid cursor for this list'],
        [{ after: Buffer.from('k1:{"a":1}').toString('base64url') }, 'after', '"after" is not a valid cursor for this list'],
        // Well-formed, but not what the list's keys can be: PostgreSQL would refuse the cast (an error, not an empty page).
        [{ after: encodeCursor([new Date('2019-10-01T00:00:00Z'), 'not-a-uuid']) }, 'after', '"after" is not a valid cursor for this list'],
        [{ after: encodeCursor([new Date(Date.UTC(10_000, 0, 1)), '2a6ba072-ea85-578c-9361-758f2f46675d']) }, 'after', '"after" is not a valid cursor for this list'],
      ];
      for (const [variables, argument, message] of cases) {
        gw.sql.reset();
        const { status, body } = await gw.post(PAGE, variables);
        assert.equal(status, 200);
        assert.deepEqual(
          { data: body.data, errors: body.errors?.map(({ message, path, extensions }) => ({ message, path, code: extensions?.code, argument: extensions?.argument })) },
          { data: null, errors: [{ message, path: ['feed'], code: 'BAD_USER_INPUT', argument }] },
          JSON.stringify(variables),
        );
        assert.equal(requestStatements(gw.sql).length, 0, 'rejected before any SQL');
      }
    });

    it('checks the paging arguments of nested lists the same way, per field', async () => {
      const nested = [
        ['memberNation(code: "IRQ")', 'stabilisationProjects'],
        ['campaign(slug: "this-generation-learns")', 'stories'],
        ['campaign(slug: "this-generation-learns")', 'posts'],
      ];
      for (const [parent, list] of nested) {
        const root = parent.slice(0, parent.indexOf('('));
        const { body } = await gw.post(`{ ${parent} { ${list}(first: 101) { edges { cursor } } } }`);
        assert.deepEqual(
          body.errors?.map(({ message, path, extensions }: any) => ({ message, path, code: extensions?.code, argument: extensions?.argument })),
          [{ message: '`first` must be between 0 and 100, got 101', path: [root, list], code: 'BAD_USER_INPUT', argument: 'first' }],
          list,
        );
        // A connection is non-null: the error nulls its (nullable) parent, as for any list.
        assert.deepEqual(body.data, { [root]: null }, list);
        const { body: fine } = await gw.post(`{ ${parent} { ${list}(first: 1) { edges { cursor } } } }`);
        assert.equal(fine.errors, undefined, list);
        assert.ok(fine.data[root][list].edges.length <= 1, list);
      }
    });

    it('rejects a cursor from a list with another sort key', async () => {
      const { body: nations } = await gw.post(`{ memberNations(first: 1) { pageInfo { endCursor } } }`);
      const { body } = await gw.post(PAGE, { after: nations.data.memberNations.pageInfo.endCursor });
      assert.equal(body.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
    });

    it('filters by type, nation, country, campaign, tag and date, OR within a field and AND across fields', async () => {
      const slugsOf = async (filter: Record<string, unknown>) => (await page({ first: 100, filter })).edges.map((e) => e.node.slug);
      const demoOnly = { publishedAfter: '2019-10-01T00:00:00Z', publishedBefore: '2019-10-10T00:00:00Z' };

      assert.deepEqual(await slugsOf({ ...demoOnly, types: ['DIGEST_ARTICLE'] }), [
        'women-and-children-expected-to-break-out-from-al-hawl-camp',
        'syria-camp-is-at-risk-of-falling-under-daesh',
        'israeli-citizen-indicted-for-trying-to-join-daesh',
        'facebook-must-play-its-part-in-tackling-the-paedophiles-and-terrorists-that-lurk',
        'saudi-arabia-begins-trial-of-45-daesh-related-terrorists',
      ]);
      assert.deepEqual(await slugsOf({ ...demoOnly, nations: ['nato', 'SAU'] }), [
        'stoltenberg-urges-turkey-to-show-restraint-in-northern-syria',
        'nato-chief-calls-for-solution-on-detained-foreign-fighters-in-syria',
        'saudi-arabia-begins-trial-of-45-daesh-related-terrorists',
      ]);
      assert.deepEqual(await slugsOf({ ...demoOnly, countries: ['isr'] }), ['israeli-citizen-indicted-for-trying-to-join-daesh']);
      assert.deepEqual(await slugsOf({ ...demoOnly, countries: ['SYR'], types: ['STABILISATION_PROJECT', 'CAMPAIGN_STORY'] }), [
        'schooling-in-raqqa-tabqa-and-tal-abyad',
        'what-teaching-means-to-educators-in-raqqa',
      ]);
      assert.deepEqual(await slugsOf({ ...demoOnly, campaigns: ['this-generation-learns'], tags: ['Teachers', 'girls-education'] }), [
        'what-teaching-means-to-educators-in-raqqa',
        'thisgenerationlearns-the-importance-of-getting-girls-back-to-school-in-iraq',
      ]);
      assert.deepEqual(await slugsOf({ publishedAfter: '2019-10-09T16:30:00.000Z', publishedBefore: '2019-10-09T19:40:00.000Z' }), [
        'stoltenberg-urges-turkey-to-show-restraint-in-northern-syria',
        'women-and-children-expected-to-break-out-from-al-hawl-camp',
      ]);
      assert.deepEqual(await slugsOf({ ...demoOnly, nations: ['XXX'] }), []);
      assert.equal((await slugsOf({ ...demoOnly, nations: [], tags: [] })).length, 19, 'empty lists do not filter');
    });

    it('rejects a malformed country code in a filter with BAD_USER_INPUT', async () => {
      const { body } = await gw.post(PAGE, { filter: { countries: ['Syria'] } });
      assert.equal(body.data, null);
      assert.equal(body.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
      assert.deepEqual(body.errors?.[0].path, ['feed']);
    });

    it('rejects a time outside years 1 to 9999 (UTC) in a filter with BAD_USER_INPUT, on both databases alike', async () => {
      // The last of these is year 10000 in UTC, the first two year 0: PostgreSQL and SQLite compared them differently.
      for (const filter of [{ publishedAfter: '0000-06-01T00:00:00Z' }, { publishedBefore: '0001-01-01T00:00:00+14:00' }, { publishedBefore: '9999-12-31T23:59:59-14:00' }]) {
        const { body } = await gw.post(PAGE, { filter });
        assert.equal(body.data, null, JSON.stringify(filter));
        assert.equal(body.errors?.[0].extensions?.code, 'BAD_USER_INPUT', JSON.stringify(body.errors));
        assert.match(body.errors?.[0].message, /must be between 0001-01-01 and 9999-12-31/);
      }
      // The bounds themselves are times like any other.
      const { body } = await gw.post(PAGE, { filter: { publishedAfter: '0001-01-01T00:00:00Z', publishedBefore: '9999-12-31T23:59:59.999Z' } });
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      assert.ok(body.data.feed.edges.length > 0);
    });

    const FEED_WITH_RELATIONS = `query ($first: Int!) {
      feed(first: $first) {
        edges { node {
          __typename id title nations { code name }
          ... on CampaignStory { campaign { slug } }
          ... on SocialPost { campaign { slug } }
        } }
      }
    }`;

    it('runs one statement for feed(first: 5) and for feed(first: 100) with nations and campaigns', async () => {
      const counts: number[] = [];
      for (const first of [5, 100]) {
        gw.sql.reset();
        const { body } = await gw.post(FEED_WITH_RELATIONS, { first });
        assert.equal(body.errors, undefined);
        assert.equal(body.data.feed.edges.length, first);
        assert.ok(body.data.feed.edges.some((e: any) => e.node.campaign), 'some items have a campaign');
        counts.push(requestStatements(gw.sql).length);
      }
      // The page, with each item's nation tags; nations and campaigns come from the process's catalogues.
      assert.deepEqual(counts, [1, 1]);
    });

    it('reads only the columns a list asks for', async () => {
      gw.sql.reset();
      await gw.post(`{ socialPosts(first: 2) { edges { node { title } } } }`);
      const [posts] = gw.sql.statements;
      assert.match(posts, /"c"\."title"/);
      assert.doesNotMatch(posts, /"summary"|"text"|"hashtags"|"source_name"/);
      assert.doesNotMatch(posts, /AS "publishedAt"/, 'the sort key is read only for cursors');
      for (const cursors of ['edges { cursor }', 'pageInfo { endCursor }']) {
        gw.sql.reset();
        const { body } = await gw.post(`{ socialPosts(first: 2) { ${cursors} } }`);
        assert.equal(body.errors, undefined);
        assert.match(gw.sql.statements[0], /AS "publishedAt"/, cursors);
        const { edges, pageInfo } = body.data.socialPosts;
        assert.match(edges ? edges[1].cursor : pageInfo.endCursor, /^[A-Za-z0-9_-]{10,}$/, cursors);
      }
      gw.sql.reset();
      await gw.post(`{ feed(first: 2) { edges { node { ... on SocialPost { text source { name } } } } } }`);
      const [feed] = gw.sql.statements;
      assert.match(feed, /"c"\."text"/);
      assert.match(feed, /"c"\."source_name"/);
      assert.doesNotMatch(feed, /"title"|"summary"/);
    });

    it('batches per-parent lists: 81 nations with their projects and feeds in 2 statements', async () => {
      gw.sql.reset();
      const { body } = await gw.post(`{
        memberNations(first: 100) { edges { node {
          code
          stabilisationProjects(first: 2) { edges { node { slug nation { code } } } }
          feed(first: 2) { edges { node { slug } } }
        } } }
      }`);
      assert.equal(body.errors, undefined);
      assert.equal(body.data.memberNations.edges.length, 81);
      const iraq = body.data.memberNations.edges.find((e: any) => e.node.code === 'IRQ').node;
      assert.equal(iraq.stabilisationProjects.edges.length, 2);
      assert.equal(iraq.feed.edges.length, 2);
      // Nations; then the projects and feeds of all 81, each nation's pages a branch of one UNION ALL. The projects' nations come from the catalogue.
      assert.equal(requestStatements(gw.sql).length, 2);
    });

    it('answers the same per-parent page whether a nation is asked alone or among many', async () => {
      const { body: alone } = await gw.post(`{ memberNation(code: "IRQ") { feed(first: 7, filter: { types: [STABILISATION_PROJECT, CAMPAIGN_STORY] }) { edges { cursor node { slug } } pageInfo { hasNextPage } } } }`);
      const { body: many } = await gw.post(`{ memberNations(first: 100) { edges { node { code feed(first: 7, filter: { types: [STABILISATION_PROJECT, CAMPAIGN_STORY] }) { edges { cursor node { slug } } pageInfo { hasNextPage } } } } } }`);
      const iraq = many.data.memberNations.edges.find((e: any) => e.node.code === 'IRQ').node;
      assert.deepEqual(iraq.feed, alone.data.memberNation.feed);
      assert.equal(alone.data.memberNation.feed.edges.length, 7);
    });

    it('answers the same per-parent page after and before a cursor, alone or among many', async () => {
      const { body: first } = await gw.post(`{ memberNation(code: "IRQ") { feed(first: 5) { edges { cursor } } } }`);
      const cursor = first.data.memberNation.feed.edges[4].cursor;
      for (const args of ['first: 4, after: $cursor', 'last: 3, before: $cursor']) {
        const selection = `feed(${args}) { edges { node { slug } } pageInfo { hasNextPage hasPreviousPage } }`;
        const { body: alone } = await gw.post(`query ($cursor: String) { memberNation(code: "IRQ") { ${selection} } }`, { cursor });
        const { body: many } = await gw.post(`query ($cursor: String) { memberNations(first: 100) { edges { node { code ${selection} } } } }`, { cursor });
        assert.equal(many.errors, undefined);
        const iraq = many.data.memberNations.edges.find((e: any) => e.node.code === 'IRQ').node;
        assert.deepEqual(iraq.feed, alone.data.memberNation.feed, args);
        assert.equal(alone.data.memberNation.feed.edges.length, args.startsWith('first') ? 4 : 3, args);
      }
    });

    it('sends the lists of one request together in one statement, each with its own arguments', async () => {
      const { body: first } = await gw.post(`{ feed(first: 3, filter: { types: [SOCIAL_POST] }) { edges { cursor } } }`);
      const cursor = first.data.feed.edges[2].cursor;
      // Each list names the same parameters (visible, types, keyset_0 …) with different values.
      const lists = {
        posts: `feed(first: 3, after: "${cursor}", filter: { types: [SOCIAL_POST] }) { edges { node { slug __typename } } pageInfo { hasNextPage } }`,
        digests: `digestArticles(first: 2) { edges { node { slug summary } } }`,
        iraq: `memberNation(code: "IRQ") { stabilisationProjects(first: 2) { edges { node { slug } } } feed(last: 2) { edges { node { slug } } } }`,
        stories: `campaignStories(last: 4) { edges { node { slug nations { code } } } pageInfo { hasPreviousPage } }`,
      };
      const alone: Record<string, unknown> = {};
      for (const [name, list] of Object.entries(lists)) {
        const { body } = await gw.post(`{ ${name}: ${list} }`);
        assert.equal(body.errors, undefined, name);
        alone[name] = body.data[name];
      }
      gw.sql.reset();
      const { body } = await gw.post(`{ ${Object.entries(lists).map(([name, list]) => `${name}: ${list}`).join(' ')} }`);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      assert.deepEqual(body.data, alone);
      assert.equal(requestStatements(gw.sql).length, 1, gw.sql.statements.join('\n'));
      assert.match(gw.sql.statements[0], /UNION ALL/);
      assert.equal((alone.posts as any).edges.length, 3);
      assert.equal((alone.stories as any).edges.length, 4);
    });
  });
}
