import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ContentStatus } from '../src/shared/content/content-status';
import { Role } from '../src/shared/viewer';
import { createApiKey } from '../src/store/keys';
import { insertItems } from './helpers/content';
import { DRIVERS } from './helpers/drivers';
import { requestStatements } from './helpers/request-statements';
import { startTestGateway, type TestGateway } from './helpers/server';

/**
 * A single campaign's stories read their nations' projects in the same
 * statement (shared/content/nested-lists.ts) on PostgreSQL. The prefetch may
 * only save a statement: every answer must be the one the loader gives on its
 * own. `campaign(slug:, locale: EN)` answers the same in English without the
 * prefetch (a campaign asked in a locale keys its nested pages by it), so each
 * query is asked both ways and the answers compared whole.
 */
const STORIES = (campaignArguments: string, projects: string) => `query($slug: String!) {
  campaign(slug: $slug${campaignArguments}) { slug stories(first: 12) { pageInfo { hasNextPage endCursor }
    edges { cursor node { id title nations { code name stabilisationProjects${projects} {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id title phase status nation { code } } } } } } } } } }`;

for (const driver of DRIVERS) {
  describe(`nested lists read with their parents [${driver}]`, () => {
    let gw: TestGateway;
    let editor: Record<string, string>;
    const slug = 'this-generation-learns';

    before(async () => {
      gw = await startTestGateway(driver);
      await insertItems(gw.gateway.db, 120);
      // Drafts newer than everything: an editor sees them first in every list, the public never.
      await insertItems(gw.gateway.db, 24, { prefix: 'draft', status: ContentStatus.DRAFT, newest: new Date('2020-06-01T00:00:00Z') });
      const { secret } = await createApiKey(gw.gateway.db, { name: 'desk', role: Role.EDITOR });
      editor = { authorization: `Bearer ${secret}` };
    });
    after(() => gw.stop());

    /** The answer with the prefetch and without it, and the statements each cost. */
    async function bothWays(projects: string, headers: Record<string, string> = {}) {
      gw.sql.reset();
      const prefetched = await gw.post(STORIES('', projects), { slug }, headers);
      const withPrefetch = requestStatements(gw.sql).length;
      gw.sql.reset();
      const loaded = await gw.post(STORIES(', locale: EN', projects), { slug }, headers);
      const withoutPrefetch = requestStatements(gw.sql).length;
      assert.equal(prefetched.body.errors, undefined, JSON.stringify(prefetched.body.errors));
      assert.equal(loaded.body.errors, undefined, JSON.stringify(loaded.body.errors));
      return { prefetched: prefetched.body.data, loaded: loaded.body.data, withPrefetch, withoutPrefetch };
    }

    const nationsOf = (data: any) => data.campaign.stories.edges.flatMap((edge: any) => edge.node.nations);

    it('answers exactly as the loader does, with one statement fewer on PostgreSQL', async () => {
      const { prefetched, loaded, withPrefetch, withoutPrefetch } = await bothWays('(first: 2)');
      assert.deepEqual(prefetched, loaded);
      const nations = nationsOf(prefetched);
      // What the comparison covers: countries with more projects than the page, and an organisation's empty list.
      assert.ok(nations.some((nation: any) => nation.stabilisationProjects.pageInfo.hasNextPage && nation.stabilisationProjects.edges.length === 2));
      assert.ok(nations.some((nation: any) => nation.code === 'NATO' && nation.stabilisationProjects.totalCount === 0));
      for (const nation of nations) for (const edge of nation.stabilisationProjects.edges) assert.equal(edge.node.nation.code, nation.code);
      // Stories, projects, their counts: the first two in one statement on PostgreSQL.
      assert.equal(withoutPrefetch, 3);
      assert.equal(withPrefetch, driver === 'postgres' ? 2 : 3);
    });

    it('shows an editor the drafts in the nested lists, and the public none, as the loader does', async () => {
      const asEditor = await bothWays('(first: 3)', editor);
      assert.deepEqual(asEditor.prefetched, asEditor.loaded);
      const statuses = nationsOf(asEditor.prefetched).flatMap((nation: any) => nation.stabilisationProjects.edges.map((edge: any) => edge.node.status));
      assert.ok(statuses.includes('DRAFT'), 'an editor sees draft projects');
      const asPublic = await bothWays('(first: 3)');
      assert.deepEqual(asPublic.prefetched, asPublic.loaded);
      assert.ok(!JSON.stringify(asPublic.prefetched).includes('DRAFT'), 'the public sees no draft');
    });

    it('leaves pages after a cursor, and a list asked for twice, to the loader', async () => {
      const first = await gw.post(STORIES('', '(first: 1)'), { slug });
      const cursor = nationsOf(first.body.data).find((nation: any) => nation.stabilisationProjects.pageInfo.hasNextPage).stabilisationProjects.pageInfo.endCursor;
      const afterCursor = await bothWays(`(first: 2, after: ${JSON.stringify(cursor)})`);
      assert.deepEqual(afterCursor.prefetched, afterCursor.loaded);
      assert.equal(afterCursor.withPrefetch, afterCursor.withoutPrefetch);

      gw.sql.reset();
      const twice = await gw.post(
        `query($slug: String!) { campaign(slug: $slug) { stories(first: 5) { edges { node { nations { code
          a: stabilisationProjects(first: 1) { edges { node { id } } } b: stabilisationProjects(first: 2) { edges { node { id } } } } } } } } }`,
        { slug },
      );
      assert.equal(twice.body.errors, undefined);
      assert.equal(requestStatements(gw.sql).length, 2);
      for (const nation of nationsOf(twice.body.data)) assert.deepEqual(nation.a.edges, nation.b.edges.slice(0, 1));
    });

    it('leaves a request in another language to the loader, whose keys carry the locale', async () => {
      gw.sql.reset();
      const french = await gw.post(STORIES('', '(first: 2)'), { slug }, { 'accept-language': 'fr' });
      assert.equal(french.body.errors, undefined, JSON.stringify(french.body.errors));
      assert.equal(requestStatements(gw.sql).filter((statement) => !/content_translation/.test(statement)).length, 3);
      const inFrench = await gw.post(STORIES(', locale: FR', '(first: 2)'), { slug });
      assert.deepEqual(french.body.data, inFrench.body.data);
    });

    it('refuses bad arguments of the nested list as it always has', async () => {
      const { body } = await gw.post(STORIES('', '(first: 2, last: 2)'), { slug });
      assert.equal(body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.match(body.errors![0].message, /either `first`\/`after` or `last`\/`before`/);
    });
  });
}
