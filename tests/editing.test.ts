import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiKey } from '../src/store/keys';
import { Role } from '../src/shared/viewer';
import { DRIVERS } from './helpers/drivers';
import { startTestGateway, type TestGateway } from './helpers/server';

const DRAFTS = {
  digest: `mutation { createDigestArticle(input: { slug: "draft-digest", title: "Draft digest", summary: "Not yet.", countries: ["IRQ"], outlet: "BBC" }) { id version status } }`,
  story: `mutation { createCampaignStory(input: { slug: "draft-story", title: "Draft story", summary: "Not yet.", countries: ["IRQ"], campaign: "this-generation-learns", places: ["Mosul"] }) { id version status campaign { slug } } }`,
  post: `mutation { createSocialPost(input: { slug: "draft-post", title: "Draft post", summary: "Not yet.", countries: ["IRQ"], platform: TWITTER, text: "Back to school #ThisGenerationLearns", hashtags: ["thisgenerationlearns"], mentions: [], links: [] }) { id version status campaign { slug } } }`,
  project: `mutation { createStabilisationProject(input: { slug: "draft-project", title: "Draft project", summary: "Not yet.", countries: ["IRQ"], sector: "water", phase: PLANNED, countryCode: "irq" }) { id version status nation { code } } }`,
};

/** Every read path by which a draft could reach a reader; each returns the slugs it sees. */
const PATHS = `query ($ids: [ID!]!, $representations: [_Any!]!) {
  feed(first: 100) { edges { node { slug } } }
  filtered: feed(first: 100, filter: { nations: ["IRQ"], campaigns: ["this-generation-learns"], countries: ["IRQ"] }) { edges { node { slug } } }
  digestArticles(first: 100) { edges { node { slug } } }
  campaignStories(first: 100) { edges { node { slug } } }
  socialPosts(first: 100) { edges { node { slug } } }
  stabilisationProjects(first: 100) { edges { node { slug } } }
  digestArticle(slug: "draft-digest") { slug }
  campaignStory(slug: "draft-story") { slug }
  socialPost(slug: "draft-post") { slug }
  stabilisationProject(slug: "draft-project") { slug }
  nodes(ids: $ids) { ... on Content { slug } }
  _entities(representations: $representations) { ... on Content { slug } }
  memberNation(code: "IRQ") {
    feed(first: 100) { edges { node { slug } } }
    stabilisationProjects(first: 100) { edges { node { slug } } }
  }
  memberNations(first: 100) { edges { node { code feed(first: 10) { edges { node { slug } } } } } }
  campaign(slug: "this-generation-learns") {
    stories(first: 100) { edges { node { slug } } }
    posts(first: 100) { edges { node { slug } } }
  }
}`;

/** The draft slugs found anywhere in a response. */
function draftsIn(value: unknown): string[] {
  return [...JSON.stringify(value).matchAll(/"(draft-(?:digest|story|post|project))"/g)].map((m) => m[1]);
}

for (const driver of DRIVERS) {
  describe(`editing [${driver}]`, () => {
    let gw: TestGateway;
    const as: Record<'partner' | 'editor' | 'admin', Record<string, string>> = { partner: {}, editor: {}, admin: {} };
    const ids: Record<keyof typeof DRAFTS, { id: string; version: number }> = {} as never;

    before(async () => {
      gw = await startTestGateway(driver);
      for (const role of ['partner', 'editor', 'admin'] as const) {
        const { secret } = await createApiKey(gw.gateway.db, { name: `${role} desk`, role: role.toUpperCase() as Role });
        as[role] = { authorization: `Bearer ${secret}` };
      }
    });
    after(() => gw.stop());

    it('creates one draft of each type, linked to its campaign and member', async () => {
      for (const [kind, mutation] of Object.entries(DRAFTS) as [keyof typeof DRAFTS, string][]) {
        const { body } = await gw.post(mutation, {}, as.editor);
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        const item = Object.values(body.data!)[0] as { id: string; version: number; status: string; campaign?: unknown; nation?: unknown };
        assert.equal(item.status, 'DRAFT');
        assert.equal(item.version, 1);
        ids[kind] = { id: item.id, version: item.version };
        if (kind === 'story' || kind === 'post') assert.deepEqual(item.campaign, { slug: 'this-generation-learns' });
        if (kind === 'project') assert.deepEqual(item.nation, { code: 'IRQ' });
      }
    });

    async function readAll(headers: Record<string, string>) {
      const all = Object.values(ids).map((entry) => entry.id);
      const representations = Object.entries(ids).map(([kind, { id }]) => ({
        __typename: { digest: 'DigestArticle', story: 'CampaignStory', post: 'SocialPost', project: 'StabilisationProject' }[kind],
        id,
      }));
      const { body } = await gw.post(PATHS, { ids: all, representations }, headers);
      assert.equal(body.errors, undefined, JSON.stringify(body.errors));
      return body.data;
    }

    it('never shows drafts to readers or partners, on any path', async () => {
      for (const headers of [{}, as.partner]) {
        const data = await readAll(headers);
        assert.deepEqual(draftsIn(data), []);
        assert.deepEqual(data.nodes, [null, null, null, null]);
        assert.deepEqual(data._entities, [null, null, null, null]);
        assert.equal(data.digestArticle, null);
        assert.equal(data.stabilisationProject, null);
        for (const { id } of Object.values(ids)) {
          const { body } = await gw.post(`query ($id: ID!) { node(id: $id) { id } }`, { id }, headers);
          assert.deepEqual(body, { data: { node: null } });
        }
      }
    });

    it('shows drafts to editors on every path', async () => {
      const seen = new Set(draftsIn(await readAll(as.editor)));
      assert.deepEqual([...seen].sort(), ['draft-digest', 'draft-post', 'draft-project', 'draft-story']);
    });

    it('publishes an item for everyone, and unpublishing hides it again', async () => {
      const { body } = await gw.post(
        `mutation ($id: ID!, $v: Int!) { publishContent(id: $id, expectedVersion: $v, publishedAt: "2019-10-09T23:00:00Z") { status version publishedAt } }`,
        { id: ids.project.id, v: ids.project.version },
        as.editor,
      );
      assert.deepEqual(body, { data: { publishContent: { status: 'PUBLISHED', version: 2, publishedAt: '2019-10-09T23:00:00.000Z' } } });
      let data = await readAll({});
      assert.deepEqual(data.feed.edges[0], { node: { slug: 'draft-project' } });
      assert.deepEqual(data.memberNation.stabilisationProjects.edges[0], { node: { slug: 'draft-project' } });
      assert.deepEqual(data.memberNation.feed.edges[0], { node: { slug: 'draft-project' } });

      const { body: withdrawn } = await gw.post(
        `mutation ($id: ID!) { unpublishContent(id: $id, expectedVersion: 2) { status version } }`,
        { id: ids.project.id },
        as.editor,
      );
      assert.deepEqual(withdrawn, { data: { unpublishContent: { status: 'DRAFT', version: 3 } } });
      ids.project.version = 3;
      data = await readAll({});
      assert.deepEqual(draftsIn(data), []);
    });

    it('updates with the version read, and refuses a stale version with CONFLICT', async () => {
      const update = `mutation ($id: ID!, $v: Int!, $title: String!) {
        updateDigestArticle(id: $id, expectedVersion: $v, input: { slug: "draft-digest", title: $title, summary: "Now.", countries: ["SYR", "TUR"], tags: ["Camps"], outlet: "BBC" }) {
          title version countries nations { code } tags
        }
      }`;
      const first = await gw.post(update, { id: ids.digest.id, v: 1, title: 'First edit' }, as.editor);
      assert.deepEqual(first.body, {
        data: { updateDigestArticle: { title: 'First edit', version: 2, countries: ['SYR', 'TUR'], nations: [{ code: 'TUR' }], tags: ['camps'] } },
      });
      const stale = await gw.post(update, { id: ids.digest.id, v: 1, title: 'Lost edit' }, as.editor);
      assert.deepEqual(stale.body.data, null);
      assert.deepEqual(stale.body.errors?.map((e) => [e.path, e.extensions]), [
        [['updateDigestArticle'], { code: 'CONFLICT', expectedVersion: 1, currentVersion: 2 }],
      ]);
      const { body } = await gw.post(`query ($id: ID!) { node(id: $id) { ... on DigestArticle { title version } } }`, { id: ids.digest.id }, as.editor);
      assert.deepEqual(body, { data: { node: { title: 'First edit', version: 2 } } });
    });

    it('names every rejected field with its reason, and writes nothing', async () => {
      const { body } = await gw.post(
        `mutation { createDigestArticle(input: { slug: "Not A Slug", title: "", summary: "x", url: "ftp://example.org", countries: ["Iraq"], outlet: "BBC" }) { id } }`,
        {},
        as.editor,
      );
      assert.equal(body.data, null);
      assert.equal(body.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
      assert.deepEqual(
        (body.errors?.[0].extensions?.fields as { field: string }[]).map((f) => f.field),
        ['slug', 'title', 'url', 'countries'],
      );
      const unknownNation = await gw.post(
        `mutation { createDigestArticle(input: { slug: "with-unknown-nation", title: "T", summary: "S", countries: ["IRQ"], nations: ["XYZ"], outlet: "BBC" }) { id } }`,
        {},
        as.editor,
      );
      assert.equal(unknownNation.body.errors?.[0].extensions?.code, 'BAD_USER_INPUT');
      const [{ n }] = await gw.gateway.db.query(`SELECT count(*) AS n FROM content WHERE slug = 'with-unknown-nation'`);
      assert.equal(Number(n), 0, 'the failed create left no row');
    });

    it('refuses the id of something that is not a content item where an item is meant (BAD_USER_INPUT, the argument named)', async () => {
      const nation = (await gw.post(`{ memberNation(code: "IRQ") { id } }`)).body.data.memberNation.id as string;
      for (const mutation of [
        `mutation ($id: ID!) { publishContent(id: $id, expectedVersion: 1) { id } }`,
        `mutation ($id: ID!) { setTranslation(id: $id, locale: FR, input: { title: "T", summary: "S" }) { locale } }`,
        `mutation ($id: ID!) { acceptSourceRevision(id: $id) { id } }`,
      ]) {
        const { body } = await gw.post(mutation, { id: nation }, as.editor);
        assert.equal(body.errors?.[0].extensions?.code, 'BAD_USER_INPUT', mutation);
        assert.equal(body.errors?.[0].message, 'This is the ID of a MemberNation, not of a content item', mutation);
        assert.equal(body.errors?.[0].extensions?.argument, 'id', mutation);
      }
    });

    it('refuses a slug another item of the type has with CONFLICT', async () => {
      const { body } = await gw.post(DRAFTS.digest, {}, as.editor);
      assert.deepEqual(body.errors?.map((e) => [e.path, e.extensions?.code]), [[['createDigestArticle'], 'CONFLICT']]);
    });

    it('asks for a key for mutations, and for the role they need', async () => {
      const mutation = `mutation { createCampaign(input: { slug: "new-campaign", hashtag: "NewCampaign", title: "New", summary: "New." }) { slug } }`;
      const cases: [Record<string, string>, string][] = [
        [{}, 'UNAUTHENTICATED'],
        [as.partner, 'FORBIDDEN'],
      ];
      for (const [headers, code] of cases) {
        const { body } = await gw.post(mutation, {}, headers);
        assert.deepEqual(body.errors?.map((e) => [e.path, e.extensions?.code]), [[['createCampaign'], code]]);
      }
      const nation = `mutation { createMemberNation(input: { code: "cog", name: "Republic of the Congo", kind: COUNTRY, region: "Africa" }) { code } }`;
      const editor = await gw.post(nation, {}, as.editor);
      assert.deepEqual(editor.body.errors?.map((e) => e.extensions?.code), ['FORBIDDEN']);
      const admin = await gw.post(nation, {}, as.admin);
      assert.deepEqual(admin.body, { data: { createMemberNation: { code: 'COG' } } });
      const created = await gw.post(mutation, {}, as.editor);
      assert.deepEqual(created.body, { data: { createCampaign: { slug: 'new-campaign' } } });
    });

    it('deletes with the version read and records every write in the audit log, for admins only', async () => {
      const { body } = await gw.post(`mutation ($id: ID!) { deleteContent(id: $id, expectedVersion: 1) }`, { id: ids.post.id }, as.editor);
      assert.deepEqual(body, { data: { deleteContent: ids.post.id } });
      const log = `query ($subject: ID) { auditLog(first: 50, subjectId: $subject) { edges { node { action subjectType subjectId actorName before after } } } }`;
      const editor = await gw.post(log, {}, as.editor);
      assert.deepEqual(editor.body.errors?.map((e) => e.extensions?.code), ['FORBIDDEN']);
      const { body: audit } = await gw.post(log, { subject: ids.digest.id }, as.admin);
      const entries = audit.data.auditLog.edges.map((e: any) => e.node);
      assert.deepEqual(entries.map((e: any) => [e.action, e.subjectType, e.actorName]), [
        ['UPDATE', 'DigestArticle', 'editor desk'],
        ['CREATE', 'DigestArticle', 'editor desk'],
      ]);
      assert.equal(entries[0].before.title, 'Draft digest');
      assert.equal(entries[0].after.title, 'First edit');
      assert.deepEqual(entries[0].after.countries, ['SYR', 'TUR']);
      assert.equal(entries[1].before, null);
      const { body: deletion } = await gw.post(log, { subject: ids.post.id }, as.admin);
      assert.deepEqual(deletion.data.auditLog.edges[0].node.action, 'DELETE');
      assert.equal(deletion.data.auditLog.edges[0].node.after, null);
    });
  });
}
