import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ContentStatus, ContentType } from '../src/shared/content/content-status';
import { Role } from '../src/shared/viewer';
import { CLI_ACTOR, write } from '../src/store/session';
import { upsertContent } from '../src/store/upsert';
import { keyHeaders } from './helpers/changes';
import { insertItems } from './helpers/content';
import { DRIVERS } from './helpers/drivers';
import { requestStatements } from './helpers/request-statements';
import { startTestGateway, type TestGateway } from './helpers/server';

/**
 * A list's rows carry only what the statement cannot know beforehand: a read
 * of one type selects no `type` column (its items get the type written in),
 * and a statement holding one list numbers no rows with `"branch"`. A
 * statement of several lists numbers its rows, and reads their type only when
 * some list may hold more than one type (otherwise a row's list says it);
 * every item is of its own class whichever way it was read.
 */
for (const driver of DRIVERS) {
  describe(`the columns a list's rows carry [${driver}]`, () => {
    let gw: TestGateway;

    before(async () => {
      gw = await startTestGateway(driver);
      await insertItems(gw.gateway.db, 24, { prefix: 'columns' });
      // Posts of the demo campaign (they find it by its hashtag), so that a campaign has both stories and posts.
      await write(gw.gateway.db, CLI_ACTOR, (session) =>
        upsertContent(
          session,
          [0, 1, 2].map((n) => ({
            type: ContentType.SOCIAL_POST,
            slug: `columns-campaign-post-${n}`,
            title: `Campaign post ${n}`,
            summary: `Post ${n} #ThisGenerationLearns`,
            publishedAt: new Date(Date.UTC(2019, 8, 20, 12, n)),
            status: ContentStatus.PUBLISHED,
            countries: ['IRQ'],
            nations: [],
            tags: [],
            fields: { platform: 'TWITTER', authorHandle: 'Coalition', text: `Post ${n} #ThisGenerationLearns`, hashtags: ['ThisGenerationLearns'], mentions: [], links: [] },
          })),
        ),
      );
    });
    after(() => gw.stop());

    /** The data of a query and the content statements it ran. */
    async function run(query: string) {
      gw.sql.reset();
      const { body } = await gw.post(query);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      return { data: body.data, statements: requestStatements(gw.sql).filter((statement) => /FROM content c/.test(statement)) };
    }

    // Read, not a typed NULL (`CASE WHEN false THEN "c"."type" END AS "type"`, which a branch not reading it selects).
    const readsType = (statement: string) => /(?<!THEN )"c"\."type" AS "type"/.test(statement);
    const numbersLists = (statement: string) => /AS "branch"/.test(statement);
    const typenames = (connection: { edges: { node: { __typename: string } }[] }) => [...new Set(connection.edges.map((edge) => edge.node.__typename))];

    it('reads a list of one type, alone in its statement, without its rows’ type or list number', async () => {
      const { data, statements } = await run('{ socialPosts(first: 4) { edges { node { __typename id title authorHandle } } } }');
      assert.equal(statements.length, 1);
      assert.equal(readsType(statements[0]), false, statements[0]);
      assert.equal(numbersLists(statements[0]), false, statements[0]);
      assert.equal(data.socialPosts.edges.length, 4);
      assert.deepEqual(typenames(data.socialPosts), ['SocialPost']);
      // The same items, with the same fields, as the mixed feed reads them (with their type from the row).
      const feed = await run('{ feed(first: 24, filter: { types: [SOCIAL_POST, DIGEST_ARTICLE] }) { edges { node { __typename id title ... on SocialPost { authorHandle } } } } }');
      assert.equal(readsType(feed.statements[0]), true, feed.statements[0]);
      const posts = feed.data.feed.edges.filter((edge: { node: { __typename: string } }) => edge.node.__typename === 'SocialPost').slice(0, 4);
      assert.deepEqual(data.socialPosts.edges, posts);
    });

    it('reads the type of a list of several, and each item is of its own type', async () => {
      const { data, statements } = await run('{ feed(first: 8) { edges { node { __typename id ... on SocialPost { authorHandle } } } } }');
      assert.equal(statements.length, 1);
      assert.equal(readsType(statements[0]), true, statements[0]);
      assert.equal(numbersLists(statements[0]), false, statements[0]);
      assert.ok(typenames(data.feed).length >= 3, JSON.stringify(typenames(data.feed)));
      for (const { node } of data.feed.edges) assert.equal(node.authorHandle !== undefined, node.__typename === 'SocialPost', JSON.stringify(node));
    });

    it('numbers the lists of one statement, and reads the type only where a list may hold several', async () => {
      const sameType = await run('{ a: socialPosts(first: 2) { edges { node { __typename id } } } b: socialPosts(first: 3) { edges { node { __typename id } } } }');
      assert.equal(sameType.statements.length, 1);
      assert.equal(numbersLists(sameType.statements[0]), true, sameType.statements[0]);
      assert.equal(readsType(sameType.statements[0]), false, sameType.statements[0]);
      assert.deepEqual([sameType.data.a.edges.length, sameType.data.b.edges.length], [2, 3]);
      assert.deepEqual(sameType.data.a.edges, sameType.data.b.edges.slice(0, 2));
      assert.deepEqual([...typenames(sameType.data.a), ...typenames(sameType.data.b)], ['SocialPost', 'SocialPost']);

      const mixed = await run('{ posts: socialPosts(first: 2) { edges { node { __typename id } } } articles: digestArticles(first: 2) { edges { node { __typename id } } } }');
      assert.equal(mixed.statements.length, 1);
      assert.equal(numbersLists(mixed.statements[0]), true, mixed.statements[0]);
      // Lists of one type each: a row's list says its type.
      assert.equal(readsType(mixed.statements[0]), false, mixed.statements[0]);
      assert.deepEqual(typenames(mixed.data.posts), ['SocialPost']);
      assert.deepEqual(typenames(mixed.data.articles), ['DigestArticle']);
      const alone = await run('{ digestArticles(first: 2) { edges { node { __typename id } } } }');
      assert.deepEqual(mixed.data.articles, alone.data.digestArticles);

      // Beside a list of several types, every branch reads its rows' type.
      const withFeed = await run(
        '{ posts: socialPosts(first: 2) { edges { node { __typename id } } } feed(first: 6) { edges { node { __typename id ... on SocialPost { authorHandle } } } } }',
      );
      assert.equal(withFeed.statements.length, 1);
      assert.equal(numbersLists(withFeed.statements[0]), true, withFeed.statements[0]);
      assert.equal(withFeed.statements[0].match(/(?<!THEN )"c"\."type" AS "type"/g)?.length, 2, withFeed.statements[0]);
      assert.deepEqual(typenames(withFeed.data.posts), ['SocialPost']);
      assert.ok(typenames(withFeed.data.feed).length >= 2, JSON.stringify(typenames(withFeed.data.feed)));
      for (const { node } of withFeed.data.feed.edges) assert.equal(node.authorHandle !== undefined, node.__typename === 'SocialPost', JSON.stringify(node));

      // Two reads of several lists each (every campaign's stories, every campaign's posts), dispatched together: one statement,
      // no type read, and each list holds its own read's items, of its own type, as each campaign's lists read alone hold.
      const lists = 'stories(first: 2) { edges { node { __typename id title } } } posts(first: 2) { edges { node { __typename id title } } }';
      const campaigns = await run(`{ campaigns(first: 6) { edges { node { slug ${lists} } } } }`);
      assert.equal(campaigns.statements.length, 1, campaigns.statements.join('\n'));
      assert.equal(readsType(campaigns.statements[0]), false, campaigns.statements[0]);
      const nodes = campaigns.data.campaigns.edges.map((edge: any) => edge.node);
      assert.ok(nodes.some((node: any) => node.stories.edges.length > 0) && nodes.some((node: any) => node.posts.edges.length > 0), JSON.stringify(nodes));
      for (const node of nodes) {
        if (node.stories.edges.length) assert.deepEqual(typenames(node.stories), ['CampaignStory']);
        if (node.posts.edges.length) assert.deepEqual(typenames(node.posts), ['SocialPost']);
        const alone = await run(`{ campaign(slug: ${JSON.stringify(node.slug)}) { ${lists} } }`);
        assert.deepEqual({ stories: node.stories, posts: node.posts }, alone.data.campaign, node.slug);
      }
    });

    it('serves items with the same tags the same nations, and a member’s edit at once', async () => {
      const query = '{ socialPosts(first: 8) { edges { node { id nations { code name } } } } }';
      const names = (data: any) => data.socialPosts.edges.map((edge: any) => edge.node.nations.map((nation: any) => `${nation.code} ${nation.name}`).join(', '));
      const before = await run(query);
      // Each item's members by name; the same once more from a second read (the lists are kept between requests).
      assert.deepEqual(names((await run(query)).data), names(before.data));
      for (const edge of before.data.socialPosts.edges) {
        const listed = edge.node.nations.map((nation: any) => nation.name);
        assert.deepEqual(listed, [...listed].sort(), JSON.stringify(listed));
      }
      const tagged = before.data.socialPosts.edges.find((edge: any) => edge.node.nations.some((nation: any) => nation.code === 'FRA'));
      assert.ok(tagged, 'an item tagged with France');

      const admin = await keyHeaders(gw.gateway.db, Role.ADMIN);
      const { body: member } = await gw.post('{ memberNation(code: "FRA") { code name kind region joinedYear } }');
      const renamed = { ...member.data.memberNation, name: 'Zanzibar Republic' };
      const { body: updated } = await gw.post('mutation ($input: MemberNationInput!) { updateMemberNation(code: "FRA", input: $input) { name } }', { input: renamed }, admin);
      assert.equal(updated.errors, undefined, JSON.stringify(updated.errors));
      const after = await run(query);
      const item = after.data.socialPosts.edges.find((edge: any) => edge.node.id === tagged.node.id);
      // Renamed, and last by name now.
      assert.ok(tagged.node.nations.length >= 2 && tagged.node.nations.at(-1).code !== 'FRA', JSON.stringify(tagged.node.nations));
      assert.deepEqual(item.node.nations.at(-1), { code: 'FRA', name: 'Zanzibar Republic' });
      assert.equal(item.node.nations.length, tagged.node.nations.length);
      assert.ok(!JSON.stringify(after.data).includes(member.data.memberNation.name), 'the old name is gone');
    });
  });
}
