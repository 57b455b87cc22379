import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { insertItems } from './helpers/content';
import { DRIVERS } from './helpers/drivers';
import { requestStatements } from './helpers/request-statements';
import { startTestGateway, type TestGateway } from './helpers/server';

/**
 * A content list reads one row past its page only to tell whether another page
 * follows: a selection that asks neither `hasNextPage` nor `hasPreviousPage`
 * has its page read without it (keyset.ts `withoutLookahead`). Whatever is
 * read, the answer to what was asked must be the same.
 */
for (const driver of DRIVERS) {
  describe(`the row past a page, read only when asked for [${driver}]`, () => {
    let gw: TestGateway;

    before(async () => {
      gw = await startTestGateway(driver);
      await insertItems(gw.gateway.db, 60);
    });
    after(() => gw.stop());

    /** The data of a query and the LIMITs of the content statements it ran. */
    async function limitsOf(query: string, variables?: Record<string, unknown>) {
      gw.sql.reset();
      const { body } = await gw.post(query, variables);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      const limits = requestStatements(gw.sql)
        .filter((statement) => /FROM content c/.test(statement))
        .flatMap((statement) => [...statement.matchAll(/LIMIT (\d+)/g)].map((match) => Number(match[1])));
      return { data: body.data, limits, statements: requestStatements(gw.sql) };
    }

    it('reads a root list’s page alone unless hasNextPage or hasPreviousPage is asked, through a fragment too', async () => {
      const plain = await limitsOf('{ socialPosts(first: 3) { edges { cursor node { id } } } }');
      assert.deepEqual(plain.limits, [3]);
      const cursors = await limitsOf('{ socialPosts(first: 3) { edges { node { id } } pageInfo { endCursor startCursor } } }');
      assert.deepEqual(cursors.limits, [3]);
      assert.equal(cursors.data.socialPosts.pageInfo.endCursor, plain.data.socialPosts.edges[2].cursor);
      assert.equal(cursors.data.socialPosts.pageInfo.startCursor, plain.data.socialPosts.edges[0].cursor);
      const asked = await limitsOf('{ socialPosts(first: 3) { edges { node { id } } pageInfo { hasNextPage } } }');
      assert.deepEqual(asked.limits, [4]);
      assert.equal(asked.data.socialPosts.pageInfo.hasNextPage, true);
      const throughFragment = await limitsOf('{ socialPosts(first: 3) { edges { node { id } } pageInfo { ...More } } } fragment More on PageInfo { hasPreviousPage }');
      assert.deepEqual(throughFragment.limits, [4]);
      assert.deepEqual(
        plain.data.socialPosts.edges.map((edge: any) => edge.node.id),
        asked.data.socialPosts.edges.map((edge: any) => edge.node.id),
      );
    });

    it('answers two aliases of one list alike, the one that asks with hasNextPage right', async () => {
      const { data } = await limitsOf(`{ a: feed(first: 4) { edges { node { id } } } b: feed(first: 4) { edges { node { id } } pageInfo { hasNextPage } }
        c: feed(first: 4, filter: { types: [SOCIAL_POST] }) { edges { node { id } } } d: feed(first: 4, filter: { types: [SOCIAL_POST] }) { pageInfo { hasNextPage } edges { node { id } } } }`);
      assert.deepEqual(data.a.edges, data.b.edges);
      assert.deepEqual(data.c.edges, data.d.edges);
      assert.equal(data.a.edges.length, 4);
      assert.equal(data.b.pageInfo.hasNextPage, true);
      assert.equal(data.d.pageInfo.hasNextPage, true);
    });

    it('reads pages from the end and after a cursor the same way', async () => {
      const all = await limitsOf('{ socialPosts(first: 8) { edges { cursor node { id } } } }');
      const ids = all.data.socialPosts.edges.map((edge: any) => edge.node.id);
      const cursor = all.data.socialPosts.edges[2].cursor;
      const afterCursor = await limitsOf('query($after: String) { socialPosts(first: 2, after: $after) { edges { node { id } } } }', { after: cursor });
      assert.deepEqual(afterCursor.limits, [2]);
      assert.deepEqual(afterCursor.data.socialPosts.edges.map((edge: any) => edge.node.id), ids.slice(3, 5));
      const fromEnd = await limitsOf('{ socialPosts(last: 2) { edges { node { id } } } }');
      const fromEndAsked = await limitsOf('{ socialPosts(last: 2) { edges { node { id } } pageInfo { hasPreviousPage } } }');
      assert.deepEqual(fromEnd.limits, [2]);
      assert.deepEqual(fromEndAsked.limits, [3]);
      assert.equal(fromEndAsked.data.socialPosts.pageInfo.hasPreviousPage, true);
      assert.deepEqual(fromEnd.data.socialPosts.edges, fromEndAsked.data.socialPosts.edges);
    });

    it('reads each nation’s projects under a campaign’s stories without the row past them, through the prefetch on PostgreSQL', async () => {
      const query = (pageInfo: string) => `query($slug: String!) { campaign(slug: $slug) { stories(first: 6) { pageInfo { hasNextPage } edges { node { id
        nations { code stabilisationProjects(first: 2) { ${pageInfo} edges { node { id } } } } } } } } }`;
      const plain = await limitsOf(query(''), { slug: 'this-generation-learns' });
      const asked = await limitsOf(query('pageInfo { hasNextPage }'), { slug: 'this-generation-learns' });
      // The stories' page (asked whether more follow) reads 7; each nation's projects 2 without pageInfo, 3 with it.
      assert.ok(plain.limits.includes(7) && plain.limits.includes(2) && !plain.limits.includes(3), JSON.stringify(plain.limits));
      assert.ok(asked.limits.includes(7) && asked.limits.includes(3) && !asked.limits.includes(2), JSON.stringify(asked.limits));
      const nations = (data: any) => data.campaign.stories.edges.flatMap((edge: any) => edge.node.nations);
      const projects = (data: any) => nations(data).map((nation: any) => nation.stabilisationProjects.edges);
      assert.deepEqual(projects(plain.data), projects(asked.data));
      // On PostgreSQL both were read with the stories, in one statement, the prefetch's pages primed under the resolver's keys.
      for (const read of [plain, asked]) {
        assert.equal(read.statements.length, driver === 'postgres' ? 1 : 2);
        assert.equal(read.statements.some((statement) => statement.includes('SELECT DISTINCT t.nation_code AS parent')), driver === 'postgres');
      }
      assert.ok(nations(asked.data).some((nation: any) => nation.stabilisationProjects.pageInfo.hasNextPage));
      assert.ok(projects(plain.data).some((edges: any[]) => edges.length === 2));
    });
  });
}
