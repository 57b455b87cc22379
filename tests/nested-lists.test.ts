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
const STORIES = (campaignArguments: string, projects: string, stories = 'first: 12') => `query($slug: String!${projects.includes('$n') ? ', $n: Int' : ''}) {
  campaign(slug: $slug${campaignArguments}) { slug stories(${stories}) { pageInfo { hasNextPage endCursor }
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

    /** The answer with the prefetch and without it, the statements each cost, and whether the first prefetched. */
    async function bothWays(projects: string, options: { headers?: Record<string, string>; stories?: string; variables?: Record<string, unknown> } = {}) {
      const variables = { slug, ...options.variables };
      gw.sql.reset();
      const prefetched = await gw.post(STORIES('', projects, options.stories), variables, options.headers);
      const statements = requestStatements(gw.sql);
      gw.sql.reset();
      const loaded = await gw.post(STORIES(', locale: EN', projects, options.stories), variables, options.headers);
      const withoutPrefetch = requestStatements(gw.sql).length;
      assert.equal(prefetched.body.errors, undefined, JSON.stringify(prefetched.body.errors));
      assert.equal(loaded.body.errors, undefined, JSON.stringify(loaded.body.errors));
      return { prefetched: prefetched.body.data, loaded: loaded.body.data, withPrefetch: statements.length, withoutPrefetch, ran: statements.some(isPrefetch) };
    }

    /** The prefetch's statement: the projects of the nations a subquery over the stories lists. */
    const PREFETCH = 'SELECT DISTINCT t.nation_code AS parent';
    const isPrefetch = (statement: string) => statement.includes(PREFETCH);
    /** How many prefetches the recorded statements hold (two could share one statement). */
    const prefetchesRun = () => requestStatements(gw.sql).reduce((sum, statement) => sum + statement.split(PREFETCH).length - 1, 0);

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
      const asEditor = await bothWays('(first: 3)', { headers: editor });
      assert.deepEqual(asEditor.prefetched, asEditor.loaded);
      assert.equal(asEditor.ran, driver === 'postgres');
      const statuses = nationsOf(asEditor.prefetched).flatMap((nation: any) => nation.stabilisationProjects.edges.map((edge: any) => edge.node.status));
      assert.ok(statuses.includes('DRAFT'), 'an editor sees draft projects');
      const asPublic = await bothWays('(first: 3)');
      assert.deepEqual(asPublic.prefetched, asPublic.loaded);
      assert.equal(asPublic.ran, driver === 'postgres');
      assert.ok(!JSON.stringify(asPublic.prefetched).includes('DRAFT'), 'the public sees no draft');
    });

    it('prefetches pages sized by a variable, from the end, and under stories after a cursor, as the loader reads them', async () => {
      const cases = [
        { projects: '(first: $n)', variables: { n: 4 } },
        { projects: '(last: 2)' },
        { projects: '(first: 2)', stories: 'first: 5, after: $cursor' },
      ];
      const { body } = await gw.post(STORIES('', '(first: 1)', 'first: 3'), { slug });
      const cursor = body.data.campaign.stories.pageInfo.endCursor;
      for (const { projects, variables, stories } of cases) {
        const both = await bothWays(projects, { variables, stories: stories?.replace('$cursor', JSON.stringify(cursor)) });
        assert.deepEqual(both.prefetched, both.loaded, projects);
        assert.equal(both.ran, driver === 'postgres', projects);
        assert.ok(nationsOf(both.prefetched).some((nation: any) => nation.stabilisationProjects.edges.length > 0), projects);
      }
    });

    it('prefetches once for a campaign asked for twice, and answers both alike', async () => {
      gw.sql.reset();
      const projects = `stories(first: 6) { edges { node { id nations { code stabilisationProjects(first: 2) { edges { node { id title phase } } } } } } }`;
      const { body } = await gw.post(`query($slug: String!) { a: campaign(slug: $slug) { ${projects} } b: campaign(slug: $slug) { ${projects} } }`, { slug });
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      assert.deepEqual(body.data.a, body.data.b);
      // One prefetch in all: the second campaign is served the first's page, and adds no branch to the statement.
      assert.equal(prefetchesRun(), driver === 'postgres' ? 1 : 0);
      assert.equal(requestStatements(gw.sql).length, driver === 'postgres' ? 1 : 2);
    });

    it('prefetches once when the fast path hands a request over to the normal path, which reads with the same loaders', async () => {
      const query = `query($slug: String!) { campaign(slug: $slug) { stories(first: 6) { edges { node { id nations { code
        stabilisationProjects(first: 2) { edges { node { id } } } } } } } } bad: campaign(slug: $slug) { stories(first: 101) { edges { node { id } } } } }`;
      await gw.post(query, { slug }); // seen once: the next is prepared for the fast path, which runs it, meets the error, and hands it over
      const before = gw.gateway.fastPath!.stats.fellBack;
      gw.sql.reset();
      const { body } = await gw.post(query, { slug });
      assert.equal(gw.gateway.fastPath!.stats.fellBack, before + 1, 'the fast path ran it first');
      assert.equal(body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.equal(body.data.bad, null);
      assert.ok(nationsOf(body.data).some((nation: any) => nation.stabilisationProjects.edges.length > 0));
      // The normal path is served the page the fast path read, with the projects primed then: no second prefetch.
      assert.equal(prefetchesRun(), driver === 'postgres' ? 1 : 0);
    });

    it('leaves a nested list that @skip or @include decides to the loader, and never reads one skipped', async () => {
      const skipped = await bothWays('(first: 2) @skip(if: true)');
      assert.deepEqual(skipped.prefetched, skipped.loaded);
      assert.equal(skipped.ran, false);
      assert.equal(skipped.withPrefetch, 1, 'the stories alone');
      assert.ok(nationsOf(skipped.prefetched).every((nation: any) => !('stabilisationProjects' in nation)));

      // Around a fragment, by a variable: the plan is made once for every request, whatever their variables.
      const query = (directive: string) => `query($slug: String!${directive ? ', $yes: Boolean!' : ''}) { campaign(slug: $slug) { stories(first: 6) { edges { node { id
        nations { code ... on MemberNation ${directive} { stabilisationProjects(first: 2) { edges { node { id title } } } } } } } } } }`;
      const plain = await gw.post(query(''), { slug });
      assert.equal(plain.body.errors, undefined, JSON.stringify(plain.body.errors));
      for (const yes of [true, false]) {
        gw.sql.reset();
        const { body } = await gw.post(query('@include(if: $yes)'), { slug, yes });
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        assert.ok(!requestStatements(gw.sql).some(isPrefetch), `@include(if: ${yes})`);
        if (yes) assert.deepEqual(body.data, plain.body.data);
        else assert.ok(nationsOf(body.data).every((nation: any) => !('stabilisationProjects' in nation)));
        assert.equal(requestStatements(gw.sql).length, yes ? 2 : 1);
      }
    });

    it('leaves pages after a cursor, and a list asked for twice, to the loader', async () => {
      const first = await gw.post(STORIES('', '(first: 1)'), { slug });
      const cursor = nationsOf(first.body.data).find((nation: any) => nation.stabilisationProjects.pageInfo.hasNextPage).stabilisationProjects.pageInfo.endCursor;
      const afterCursor = await bothWays(`(first: 2, after: ${JSON.stringify(cursor)})`);
      assert.deepEqual(afterCursor.prefetched, afterCursor.loaded);
      assert.equal(afterCursor.withPrefetch, afterCursor.withoutPrefetch);
      assert.equal(afterCursor.ran, false);

      gw.sql.reset();
      const twice = await gw.post(
        `query($slug: String!) { campaign(slug: $slug) { stories(first: 5) { edges { node { nations { code
          a: stabilisationProjects(first: 1) { edges { node { id } } } b: stabilisationProjects(first: 2) { edges { node { id } } } } } } } } }`,
        { slug },
      );
      assert.equal(twice.body.errors, undefined);
      assert.equal(requestStatements(gw.sql).length, 2);
      assert.ok(!requestStatements(gw.sql).some(isPrefetch));
      for (const nation of nationsOf(twice.body.data)) assert.deepEqual(nation.a.edges, nation.b.edges.slice(0, 1));
    });

    it('leaves a request in another language to the loader, whose keys carry the locale', async () => {
      gw.sql.reset();
      const french = await gw.post(STORIES('', '(first: 2)'), { slug }, { 'accept-language': 'fr' });
      assert.equal(french.body.errors, undefined, JSON.stringify(french.body.errors));
      assert.equal(requestStatements(gw.sql).filter((statement) => !/content_translation/.test(statement)).length, 3);
      assert.ok(!requestStatements(gw.sql).some(isPrefetch));
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
