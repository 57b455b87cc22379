import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import content from '../src/demo/content.json';
import members from '../src/demo/members.json';
import { DRIVERS } from './helpers/drivers';
import { startTestGateway, type TestGateway } from './helpers/server';
import { requestStatements } from './helpers/request-statements';

/** Every demo item as the feed must list it: newest first. */
const DEMO_FEED = [
  ...content.digestArticles.map((item) => ({ ...item, __typename: 'DigestArticle' })),
  ...content.campaignStories.map((item) => ({ ...item, __typename: 'CampaignStory' })),
  ...content.socialPosts.map((item) => ({ ...item, __typename: 'SocialPost' })),
  ...content.stabilisationProjects.map((item) => ({ ...item, __typename: 'StabilisationProject' })),
].sort((a, b) => b.publishedAt.localeCompare(a.publishedAt));

for (const driver of DRIVERS) {
  describe(`the graph over the demo content [${driver}]`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await startTestGateway(driver);
    });
    after(() => gw.stop());

    it('lists exactly the 81 members, by name, with codes, kinds and regions', async () => {
      const { body } = await gw.post(`{ memberNations(first: 100) { edges { node { code name kind region joinedYear } } pageInfo { hasNextPage hasPreviousPage } } }`);
      const expected = [...members]
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map(({ code, name, kind, region, joinedYear }) => ({ node: { code, name, kind, region, joinedYear } }));
      assert.deepEqual(body, { data: { memberNations: { edges: expected, pageInfo: { hasNextPage: false, hasPreviousPage: false } } } });
      assert.equal(expected.length, 81);
      assert.equal(expected.filter((e) => e.node.kind === 'ORGANISATION').length, 5);
    });

    it('finds members by code in any case, and returns null for a code that is no member', async () => {
      const { body } = await gw.post(`{
        gbr: memberNation(code: "gbr") { code name kind }
        nato: memberNation(code: "NATO") { code name kind region }
        las: memberNation(code: "las") { name }
        syria: memberNation(code: "SYR") { name }
        none: memberNation(code: "XXX") { name }
      }`);
      assert.deepEqual(body, {
        data: {
          gbr: { code: 'GBR', name: 'United Kingdom', kind: 'COUNTRY' },
          nato: { code: 'NATO', name: 'North Atlantic Treaty Organization', kind: 'ORGANISATION', region: null },
          las: { name: 'Arab League' },
          syria: null,
          none: null,
        },
      });
    });

    it('serves every demo item in the feed, newest first', async () => {
      const { body } = await gw.post(`{ feed(first: 100) { edges { node { __typename slug title publishedAt } } pageInfo { hasNextPage } } }`);
      assert.deepEqual(body, {
        data: {
          feed: {
            edges: DEMO_FEED.map(({ __typename, slug, title, publishedAt }) => ({ node: { __typename, slug, title, publishedAt } })),
            pageInfo: { hasNextPage: false },
          },
        },
      });
      assert.equal(DEMO_FEED.length, 19);
    });

    it('keeps non-member countries as countries, and tags members from countries and organisations', async () => {
      const { body } = await gw.post(`{
        socialPost(slug: "maas-tells-cavusoglu-of-german-concern-over-turkish-operation-in-syria") {
          countries nations { code } tags hashtags mentions authorHandle platform campaign { slug }
        }
        digestArticle(slug: "israeli-citizen-indicted-for-trying-to-join-daesh") { countries nations { code } outlet originalUrl }
      }`);
      assert.deepEqual(body, {
        data: {
          socialPost: {
            countries: ['DEU', 'SYR', 'TUR'],
            nations: [{ code: 'EU' }, { code: 'DEU' }, { code: 'TUR' }],
            tags: ['diplomacy', 'north-east-syria', 'turkey-operation'],
            hashtags: ['Syria'],
            mentions: ['HeikoMaas'],
            authorHandle: null,
            platform: 'TWITTER',
            campaign: null,
          },
          digestArticle: { countries: ['ISR', 'SYR'], nations: [], outlet: 'The Jerusalem Post', originalUrl: null },
        },
      });
    });

    it('fetches every type through node(id:), and returns null for a well-formed id that names nothing', async () => {
      const { body: ids } = await gw.post(`{
        digestArticles(first: 1) { edges { node { id } } }
        campaignStories(first: 1) { edges { node { id } } }
        socialPosts(first: 1) { edges { node { id } } }
        stabilisationProjects(first: 1) { edges { node { id } } }
        campaigns(first: 1) { edges { node { id } } }
        memberNation(code: "IRQ") { id }
      }`);
      const byType = {
        DigestArticle: ids.data.digestArticles.edges[0].node.id,
        CampaignStory: ids.data.campaignStories.edges[0].node.id,
        SocialPost: ids.data.socialPosts.edges[0].node.id,
        StabilisationProject: ids.data.stabilisationProjects.edges[0].node.id,
        Campaign: ids.data.campaigns.edges[0].node.id,
        MemberNation: ids.data.memberNation.id,
      };
      for (const [typename, id] of Object.entries(byType)) {
        const { body } = await gw.post(`query ($id: ID!) { node(id: $id) { __typename id } }`, { id });
        assert.deepEqual(body, { data: { node: { __typename: typename, id } } }, typename);
      }
      const missing = Buffer.from('SocialPost:00000000-0000-4000-8000-000000000000').toString('base64url');
      const wrongType = Buffer.from(`DigestArticle:${Buffer.from(byType.SocialPost, 'base64url').toString().split(':')[1]}`).toString('base64url');
      const { body } = await gw.post(`query ($a: ID!, $b: ID!) { a: node(id: $a) { id } b: node(id: $b) { id } }`, { a: missing, b: wrongType });
      assert.deepEqual(body, { data: { a: null, b: null } });
    });

    it('rejects a malformed id with BAD_USER_INPUT before touching the database', async () => {
      const malformed = ['not-an-id', Buffer.from('SocialPost:123').toString('base64url'), Buffer.from('Nothing:abc').toString('base64url')];
      for (const id of malformed) {
        gw.sql.reset();
        const { body } = await gw.post(`query ($id: ID!) { node(id: $id) { id } }`, { id });
        assert.deepEqual(body.data, { node: null });
        assert.equal(body.errors?.length, 1);
        assert.deepEqual(body.errors![0].path, ['node']);
        assert.equal(body.errors![0].extensions?.code, 'BAD_USER_INPUT');
        assert.equal(requestStatements(gw.sql).length, 0, `no SQL for ${id}`);
      }
    });

    it('looks up each content type by slug and returns null for an unknown slug or another type’s slug', async () => {
      const { body } = await gw.post(`{
        digestArticle(slug: "syria-camp-is-at-risk-of-falling-under-daesh") { title outlet }
        campaignStory(slug: "what-teaching-means-to-educators-in-raqqa") { title places campaign { slug hashtag title } }
        socialPost(slug: "nato-chief-calls-for-solution-on-detained-foreign-fighters-in-syria") { mentions hashtags }
        stabilisationProject(slug: "anah-market-rehabilitation") { sector phase implementingPartner place countryCode nation { code } budgetUsd startedOn completedOn }
        unknown: digestArticle(slug: "no-such-article") { title }
        otherType: digestArticle(slug: "anah-market-rehabilitation") { title }
      }`);
      assert.deepEqual(body, {
        data: {
          digestArticle: { title: 'Syria camp is at risk of falling under Daesh', outlet: 'The Washington Post' },
          campaignStory: {
            title: 'What teaching means to educators in Raqqa',
            places: ['Raqqa', 'Tabqa', 'Tal Abyad'],
            campaign: { slug: 'this-generation-learns', hashtag: 'ThisGenerationLearns', title: 'This Generation Learns' },
          },
          socialPost: { mentions: ['NATO', 'Coalition'], hashtags: ['Syria'] },
          stabilisationProject: {
            sector: 'livelihoods',
            phase: 'COMPLETED',
            implementingPartner: 'UNDP Funding Facility for Stabilisation (FFS)',
            place: 'Anah, Anbar Governorate',
            countryCode: 'IRQ',
            nation: { code: 'IRQ' },
            budgetUsd: null,
            startedOn: null,
            completedOn: null,
          },
          unknown: null,
          otherType: null,
        },
      });
    });

    it('gives a project in a non-member country no nation, and records provenance', async () => {
      const { body } = await gw.post(`{
        stabilisationProject(slug: "schooling-in-raqqa-tabqa-and-tal-abyad") { countryCode nation { code } nations { code } countries source { name externalId url fetchedAt } }
      }`);
      assert.deepEqual(body, {
        data: {
          stabilisationProject: {
            countryCode: 'SYR',
            nation: null,
            nations: [],
            countries: ['SYR'],
            source: { name: 'theglobalcoalition.org', externalId: 'project-ne-syria-teaching', url: 'https://theglobalcoalition.org/en/', fetchedAt: '2019-10-10T18:00:00.000Z' },
          },
        },
      });
    });

    it('serves a campaign with its stories, newest first, and its (empty) posts', async () => {
      const { body } = await gw.post(`{
        campaign(slug: "this-generation-learns") {
          slug hashtag
          stories(first: 10) { edges { node { slug campaign { slug } } } pageInfo { hasNextPage hasPreviousPage } }
          posts { edges { node { slug } } pageInfo { hasNextPage } }
        }
        none: campaign(slug: "no-such-campaign") { slug }
      }`);
      const stories = content.campaignStories
        .filter((story) => story.campaign === 'this-generation-learns')
        .sort((a, b) => b.publishedAt.localeCompare(a.publishedAt))
        .map((story) => ({ node: { slug: story.slug, campaign: { slug: 'this-generation-learns' } } }));
      assert.deepEqual(body, {
        data: {
          campaign: {
            slug: 'this-generation-learns',
            hashtag: 'ThisGenerationLearns',
            stories: { edges: stories, pageInfo: { hasNextPage: false, hasPreviousPage: false } },
            posts: { edges: [], pageInfo: { hasNextPage: false } },
          },
          none: null,
        },
      });
      assert.equal(stories.length, 4);
    });

    it('serves a nation page: its feed, filtered feed and located projects', async () => {
      const { body } = await gw.post(`{
        memberNation(code: "IRQ") {
          name
          stabilisationProjects(first: 2) { edges { node { slug } } pageInfo { hasNextPage } }
          feed(first: 3) { edges { node { __typename slug } } }
          stories: feed(first: 10, filter: { types: [CAMPAIGN_STORY], tags: ["girls-education"] }) { edges { node { slug } } }
        }
        usa: memberNation(code: "usa") { feed { edges { node { slug } } } stabilisationProjects { edges { node { slug } } } }
        nato: memberNation(code: "NATO") { feed { edges { node { slug } } } stabilisationProjects { edges { node { slug } } } }
      }`);
      assert.deepEqual(body, {
        data: {
          memberNation: {
            name: 'Iraq',
            stabilisationProjects: {
              edges: [{ node: { slug: 'anah-market-rehabilitation' } }, { node: { slug: 'back-to-school-efforts-in-west-mosul' } }],
              pageInfo: { hasNextPage: true },
            },
            feed: {
              edges: [
                { node: { __typename: 'StabilisationProject', slug: 'anah-market-rehabilitation' } },
                { node: { __typename: 'CampaignStory', slug: 'the-market-that-brought-life-back-to-people-in-anbar-iraq' } },
                { node: { __typename: 'StabilisationProject', slug: 'back-to-school-efforts-in-west-mosul' } },
              ],
            },
            stories: { edges: [{ node: { slug: 'thisgenerationlearns-the-importance-of-getting-girls-back-to-school-in-iraq' } }] },
          },
          usa: {
            feed: {
              edges: [
                { node: { slug: 'women-and-children-expected-to-break-out-from-al-hawl-camp' } },
                { node: { slug: 'syria-camp-is-at-risk-of-falling-under-daesh' } },
              ],
            },
            stabilisationProjects: { edges: [] },
          },
          nato: {
            feed: {
              edges: [
                { node: { slug: 'stoltenberg-urges-turkey-to-show-restraint-in-northern-syria' } },
                { node: { slug: 'nato-chief-calls-for-solution-on-detained-foreign-fighters-in-syria' } },
              ],
            },
            stabilisationProjects: { edges: [] },
          },
        },
      });
    });

    it('resolves entities of several types through _entities, and _service gives the SDL with keys', async () => {
      const { body: ids } = await gw.post(`{ socialPosts(first: 1) { edges { node { id title } } } }`);
      const post = ids.data.socialPosts.edges[0].node;
      const { body } = await gw.post(
        `query ($representations: [_Any!]!) {
          _entities(representations: $representations) {
            __typename
            ... on MemberNation { code name }
            ... on Campaign { slug title }
            ... on SocialPost { id title }
          }
          _service { sdl }
        }`,
        {
          representations: [
            { __typename: 'MemberNation', code: 'fra' },
            { __typename: 'Campaign', slug: 'this-generation-learns' },
            { __typename: 'SocialPost', id: post.id },
            { __typename: 'MemberNation', code: 'XXX' },
          ],
        },
      );
      assert.deepEqual(body.data._entities, [
        { __typename: 'MemberNation', code: 'FRA', name: 'France' },
        { __typename: 'Campaign', slug: 'this-generation-learns', title: 'This Generation Learns' },
        { __typename: 'SocialPost', id: post.id, title: post.title },
        null,
      ]);
      assert.equal(body.errors, undefined);
      const sdl: string = body.data._service.sdl;
      assert.match(sdl, /type MemberNation implements Node\s+@key\(fields: "code"\)/);
      assert.match(sdl, /type Campaign implements Node\s+@key\(fields: "slug"\)/);
      for (const type of ['DigestArticle', 'CampaignStory', 'SocialPost', 'StabilisationProject']) {
        assert.match(sdl, new RegExp(`type ${type} implements Content & Node\\s+@key\\(fields: "id"\\)`));
      }
    });
  });
}
