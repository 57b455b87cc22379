import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { decodeGlobalId } from '../src/shared/node/global-id';
import { Role } from '../src/shared/viewer';
import { deleteContent, setPublished } from '../src/store/content';
import { CLI_ACTOR, write } from '../src/store/session';
import { Editor, dataOf, databaseUrl, keyHeaders, logHead, readChanges, storedChanges, type EditedItem } from './helpers/changes';
import { runCli } from './helpers/cli';
import { DRIVERS } from './helpers/drivers';
import { startTestGateway, type TestGateway } from './helpers/server';

/** The statements among `statements` that append to the change log. */
function appends(statements: readonly string[]): string[] {
  return statements.filter((sql) => /^INSERT INTO "change_log"/.test(sql));
}

/** The local (database) id of an item's global id. */
function local(item: EditedItem): string {
  return decodeGlobalId(item.id).localId;
}

for (const driver of DRIVERS) {
  describe(`the change log [${driver}]`, () => {
    let gw: TestGateway;
    let editor: Editor;
    let admin: Editor;

    before(async () => {
      gw = await startTestGateway(driver);
      editor = new Editor(gw.post.bind(gw), await keyHeaders(gw.gateway.db, Role.EDITOR));
      admin = new Editor(gw.post.bind(gw), await keyHeaders(gw.gateway.db, Role.ADMIN));
    });
    after(() => gw.stop());

    describe('same transaction', () => {
      it('a write that fails after publishing leaves no entry, and the same publish committed leaves exactly one', async () => {
        const item = await editor.create('DigestArticle', 'rolled-back');
        const head = await logHead(gw.gateway.db);
        await assert.rejects(
          write(gw.gateway.db, CLI_ACTOR, async (session) => {
            await setPublished(session, local(item), item.version, true);
            throw new Error('boom');
          }),
          { message: 'boom' },
        );
        // Appended, then rolled back: the INSERT ran inside the transaction.
        await assert.rejects(
          write(gw.gateway.db, CLI_ACTOR, async (session) => {
            await setPublished(session, local(item), item.version, true);
            assert.equal((await session.flush()).length, 1);
            throw new Error('boom after the append');
          }),
          { message: 'boom after the append' },
        );
        assert.deepEqual(await storedChanges(gw.gateway.db, head), []);
        const { body } = await gw.post(`query ($id: ID!) { node(id: $id) { ... on DigestArticle { status version } } }`, { id: item.id }, editor.headers);
        assert.deepEqual(body, { data: { node: { status: 'DRAFT', version: item.version } } });

        const positions: number[] = [];
        await write(gw.gateway.db, CLI_ACTOR, async (session) => {
          await setPublished(session, local(item), item.version, true);
          positions.push(...(await session.flush()));
        });
        const entries = await storedChanges(gw.gateway.db, head);
        assert.deepEqual(
          entries.map(({ seq, subject, kind, subjectId }) => ({ seq, subject, kind, subjectId })),
          [{ seq: positions[0], subject: 'CONTENT', kind: 'PUBLISHED', subjectId: local(item) }],
        );
      });

      it('every committed editor mutation has its entry, and one refused with CONFLICT has none', async () => {
        const item = await editor.create('DigestArticle', 'conflicted');
        await editor.publish(item);
        const head = await logHead(gw.gateway.db);
        const stale = item.version - 1;
        const refusals = [
          await gw.post(`mutation ($id: ID!, $v: Int!) { unpublishContent(id: $id, expectedVersion: $v) { version } }`, { id: item.id, v: stale }, editor.headers),
          await gw.post(`mutation ($id: ID!, $v: Int!) { deleteContent(id: $id, expectedVersion: $v) }`, { id: item.id, v: stale }, editor.headers),
          await gw.post(
            `mutation ($id: ID!, $v: Int!, $input: DigestArticleInput!) { updateDigestArticle(id: $id, expectedVersion: $v, input: $input) { version } }`,
            { id: item.id, v: stale, input: { ...item.input, title: 'Lost edit' } },
            editor.headers,
          ),
        ];
        for (const { body } of refusals) {
          assert.equal(body.data, null);
          assert.deepEqual(
            body.errors?.map((e) => e.extensions),
            [{ code: 'CONFLICT', expectedVersion: stale, currentVersion: item.version }],
          );
        }
        assert.deepEqual(await storedChanges(gw.gateway.db, head), []);
        await editor.update(item, { title: 'Kept edit' });
        assert.deepEqual(
          (await storedChanges(gw.gateway.db, head)).map(({ kind, subjectId }) => [kind, subjectId]),
          [['UPDATED', local(item)]],
        );
      });

      it('a delete sent while a publish of the same version is still open is refused with CONFLICT: the item stays, with its entry', async () => {
        const item = await editor.create('DigestArticle', 'delete-racing-a-publish', { countries: ['SYR'] });
        const head = await logHead(gw.gateway.db);
        // The publish holds its transaction open (as a slow request would) while the delete, at the version both read, arrives.
        let commit!: () => void;
        const held = new Promise<void>((resolve) => (commit = resolve));
        const published = write(gw.gateway.db, CLI_ACTOR, async (session) => {
          const after = await setPublished(session, local(item), item.version, true);
          await held;
          return after;
        });
        await delay(200);
        const deleted = write(gw.gateway.db, CLI_ACTOR, (session) => deleteContent(session, local(item), item.version)).then(
          () => 'deleted',
          (error: { extensions?: { code?: string } }) => error.extensions?.code,
        );
        await delay(200);
        commit();
        assert.equal((await published).version, item.version + 1);
        assert.equal(await deleted, 'CONFLICT');
        const { body } = await gw.post(`query ($id: ID!) { node(id: $id) { ... on DigestArticle { status } } }`, { id: item.id }, editor.headers);
        assert.deepEqual(body, { data: { node: { status: 'PUBLISHED' } } });
        assert.deepEqual(
          (await storedChanges(gw.gateway.db, head)).map(({ kind, subjectId, countries }) => [kind, subjectId, countries]),
          [['PUBLISHED', local(item), ',SYR,']],
        );
      });
    });

    describe('kinds', () => {
      it('an item’s life reads PUBLISHED, UPDATED, UNPUBLISHED, PUBLISHED, DELETED; its edits while withdrawn read nothing', async () => {
        const head = dataOf(await gw.post('{ feedChangesHead }')).feedChangesHead;
        const item = await editor.create('StabilisationProject', 'life-of-an-item');
        await editor.update(item, { title: 'Edited as a draft' });
        await editor.publish(item);
        await editor.update(item, { title: 'Edited while published' });
        await editor.unpublish(item);
        await editor.update(item, { title: 'Edited while withdrawn' });
        await editor.publish(item);
        await editor.delete(item);
        const { changes } = await readChanges(gw.post.bind(gw), head);
        assert.deepEqual(
          changes.map(({ kind, id, type }) => ({ kind, id, type })),
          ['PUBLISHED', 'UPDATED', 'UNPUBLISHED', 'PUBLISHED', 'DELETED'].map((kind) => ({ kind, id: item.id, type: 'STABILISATION_PROJECT' })),
        );
        // The item is gone: every change of it is a tombstone now.
        assert.deepEqual(changes.map((change) => change.item), [null, null, null, null, null]);
      });

      it('a draft created, edited and deleted without ever being published appends nothing', async () => {
        const head = await logHead(gw.gateway.db);
        const item = await editor.create('CampaignStory', 'never-published', { campaign: 'this-generation-learns' });
        await editor.update(item, { title: 'Still a draft', countries: ['SYR'] });
        await editor.delete(item);
        assert.deepEqual(await storedChanges(gw.gateway.db, head), []);
      });

      it('publishing again at the same time appends nothing; at another time it is an UPDATED', async () => {
        const item = await editor.create('DigestArticle', 'republished', { publishedAt: '2019-10-09T10:00:00.000Z' });
        await editor.publish(item, '2019-10-09T10:00:00.000Z');
        const head = await logHead(gw.gateway.db);
        await editor.publish(item, '2019-10-09T10:00:00.000Z');
        assert.deepEqual(await storedChanges(gw.gateway.db, head), []);
        await editor.publish(item, '2019-10-09T11:00:00.000Z');
        assert.deepEqual((await storedChanges(gw.gateway.db, head)).map(({ kind, subjectId }) => [kind, subjectId]), [['UPDATED', local(item)]]);
      });
    });

    it('an entry keeps the attributes the item had: a SYR reader gets a tombstone when it moves to IRQ, an IRQ reader gets the item', async () => {
      const item = await editor.create('DigestArticle', 'moves-from-syria', { countries: ['SYR'], tags: ['Camps'] });
      await editor.publish(item);
      const headSeq = await logHead(gw.gateway.db);
      const head = dataOf(await gw.post('{ feedChangesHead }')).feedChangesHead;
      await editor.update(item, { countries: ['IRQ'] });

      const [entry] = await storedChanges(gw.gateway.db, headSeq);
      assert.deepEqual(
        { kind: entry.kind, contentType: entry.contentType, countries: entry.countries, nations: entry.nations, tags: entry.tags, campaigns: entry.campaigns },
        { kind: 'UPDATED', contentType: 'DIGEST_ARTICLE', countries: ',IRQ,SYR,', nations: ',IRQ,', tags: ',camps,', campaigns: null },
      );

      const post = gw.post.bind(gw);
      const syria = await readChanges(post, head, { filter: { countries: ['SYR'] } });
      assert.deepEqual(
        syria.changes.map(({ kind, id, item }) => ({ kind, id, item })),
        [{ kind: 'UPDATED', id: item.id, item: null }],
      );
      const iraq = await readChanges(post, head, { filter: { countries: ['irq'] } });
      assert.deepEqual(
        iraq.changes.map(({ kind, id, item: now }) => ({ kind, id, countries: now?.countries, title: now?.title })),
        [{ kind: 'UPDATED', id: item.id, countries: ['IRQ'], title: 'Title of moves-from-syria' }],
      );
      const turkey = await readChanges(post, head, { filter: { countries: ['TUR'] } });
      assert.deepEqual(turkey.changes, []);
    });

    describe('cost', () => {
      it('a write costs exactly one INSERT INTO "change_log"; a draft’s create and edit cost none', async () => {
        gw.sql.reset();
        const item = await editor.create('DigestArticle', 'counted');
        await editor.update(item, { title: 'Counted draft' });
        assert.deepEqual(appends(gw.sql.statements), []);

        gw.sql.reset();
        await editor.publish(item);
        assert.equal(appends(gw.sql.statements).length, 1, gw.sql.statements.join('\n'));

        gw.sql.reset();
        await editor.update(item, { title: 'Counted update' });
        assert.equal(appends(gw.sql.statements).length, 1);
      });

      it('a write with many entries (a campaign deleted with its published items) still appends in one INSERT', async () => {
        await editor.createCampaign({ slug: 'counted-campaign', hashtag: 'CountedCampaign', title: 'Counted', summary: 'Counted.' });
        for (const slug of ['counted-story-1', 'counted-story-2', 'counted-story-3']) await editor.publish(await editor.create('CampaignStory', slug, { campaign: 'counted-campaign' }));
        const head = await logHead(gw.gateway.db);
        gw.sql.reset();
        await editor.deleteCampaign('counted-campaign');
        assert.equal(appends(gw.sql.statements).length, 1);
        assert.deepEqual(
          (await storedChanges(gw.gateway.db, head)).map(({ subject, kind }) => `${subject} ${kind}`),
          ['CAMPAIGN DELETED', 'CONTENT UPDATED', 'CONTENT UPDATED', 'CONTENT UPDATED'],
        );
      });

      it('reads never touch the change log', async () => {
        gw.sql.reset();
        const { body } = await gw.post(
          `{ feed(first: 50) { edges { node { id title nations { code name } ... on CampaignStory { campaign { title } } } } }
             campaign(slug: "this-generation-learns") { title version stories(first: 5) { edges { node { title } } } }
             memberNations(first: 5) { edges { node { code feed(first: 2) { edges { node { title } } } } } } }`,
          {},
          editor.headers,
        );
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        assert.ok(gw.sql.count > 0, 'the reads ran statements');
        assert.deepEqual(gw.sql.statements.filter((sql) => /change_log/.test(sql)), []);
      });

      it('a settled gateway left idle for 1.5 s issues no statement through TypeORM', async (t) => {
        await gw.gateway.services.changes.settle();
        gw.sql.reset();
        // A window, not a wait for a condition: it must stay empty, and spans six of SQLite's 250 ms polls.
        await delay(1_500);
        t.diagnostic(`statements while idle: ${gw.sql.count}`);
        assert.deepEqual(gw.sql.statements, []);
      });
    });

    describe('campaigns', () => {
      it('exposes Campaign.version to editors, who pass it to updateCampaign; a stale one is CONFLICT', async () => {
        await editor.createCampaign({ slug: 'versioned', hashtag: 'Versioned', title: 'Versioned', summary: 'Versioned.' });
        const read = await editor.campaign('versioned');
        assert.equal(read.version, 1);
        const update = `mutation ($id: ID!, $v: Int!, $title: String!) {
          updateCampaign(id: $id, expectedVersion: $v, input: { slug: "versioned", hashtag: "Versioned", title: $title, summary: "Versioned." }) { title version }
        }`;
        const { body } = await gw.post(update, { id: read.id, v: read.version, title: 'Versioned twice' }, editor.headers);
        assert.deepEqual(body, { data: { updateCampaign: { title: 'Versioned twice', version: 2 } } });
        const stale = await gw.post(update, { id: read.id, v: 1, title: 'Lost' }, editor.headers);
        assert.equal(stale.body.data, null);
        assert.deepEqual(stale.body.errors?.map((e) => [e.path, e.extensions]), [[['updateCampaign'], { code: 'CONFLICT', expectedVersion: 1, currentVersion: 2 }]]);
        assert.deepEqual(await editor.campaign('versioned'), { ...read, title: 'Versioned twice', version: 2 });
      });
    });

    describe('the upsert leaves an existing item’s status alone', () => {
      it('seed --demo after an editor unpublished a demo item neither republishes it nor appends an entry', async () => {
        const { body } = await gw.post(`{ digestArticle(slug: "saudi-arabia-begins-trial-of-45-daesh-related-terrorists") { id version status } }`, {}, editor.headers);
        const demo = body.data.digestArticle as { id: string; version: number; status: string };
        assert.equal(demo?.status, 'PUBLISHED');
        await editor.unpublish({ id: demo.id, type: 'DigestArticle', version: demo.version, input: {} });
        await gw.gateway.services.changes.settle();
        const head = await logHead(gw.gateway.db);

        const run = await runCli(['seed', '--demo'], { env: { DATABASE_URL: databaseUrl(gw.database) } });
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.stdout, 'nations: 0 created, 0 updated, 81 unchanged\ncampaigns: 0 created, 0 updated, 1 unchanged\ncontent: 0 created, 0 updated, 19 unchanged\ntranslations: 0 created, 0 updated, 8 unchanged\n');
        assert.deepEqual(await storedChanges(gw.gateway.db, head), []);
        const { body: after } = await gw.post(`query ($id: ID!) { node(id: $id) { ... on DigestArticle { status version } } }`, { id: demo.id }, editor.headers);
        assert.deepEqual(after, { data: { node: { status: 'DRAFT', version: demo.version + 1 } } });
      });
    });

    describe('cascades', () => {
      it('deleting a campaign gives UPDATED entries for its published stories and posts: tombstones for readers of that campaign', async () => {
        await editor.createCampaign({ slug: 'cascade', hashtag: 'CascadeCampaign', title: 'Cascade', summary: 'Cascade.' });
        const story = await editor.create('CampaignStory', 'cascade-story', { campaign: 'cascade', countries: ['SYR'] });
        const post = await editor.create('SocialPost', 'cascade-post', { text: 'Schools #CascadeCampaign', hashtags: ['CascadeCampaign'] });
        const draft = await editor.create('CampaignStory', 'cascade-draft', { campaign: 'cascade' });
        const withdrawn = await editor.create('CampaignStory', 'cascade-withdrawn', { campaign: 'cascade' });
        for (const item of [story, post, withdrawn]) await editor.publish(item);
        await editor.unpublish(withdrawn);
        const { body } = await gw.post(`{ campaign(slug: "cascade") { posts { edges { node { slug } } } stories { edges { node { slug } } } } }`);
        assert.deepEqual(body, { data: { campaign: { posts: { edges: [{ node: { slug: 'cascade-post' } }] }, stories: { edges: [{ node: { slug: 'cascade-story' } }] } } } });

        const head = dataOf(await gw.post('{ feedChangesHead }')).feedChangesHead;
        await editor.deleteCampaign('cascade');
        const byCampaign = await readChanges(gw.post.bind(gw), head, { filter: { campaigns: ['cascade'] } });
        assert.deepEqual(
          byCampaign.changes.map(({ kind, id, item }) => ({ kind, id, item })).sort((a, b) => (a.id < b.id ? -1 : 1)),
          [story, post].map(({ id }) => ({ kind: 'UPDATED', id, item: null })).sort((a, b) => (a.id < b.id ? -1 : 1)),
        );
        const everyone = await readChanges(gw.post.bind(gw), head);
        assert.deepEqual(
          everyone.changes.map(({ kind, id, item }) => ({ kind, id, campaign: item?.campaign, title: item?.title })).sort((a, b) => (a.id < b.id ? -1 : 1)),
          [story, post].map(({ id, input }) => ({ kind: 'UPDATED', id, campaign: null, title: input.title })).sort((a, b) => (a.id < b.id ? -1 : 1)),
        );
        assert.ok(![draft.id, withdrawn.id].some((id) => everyone.changes.some((change) => change.id === id)), 'drafts have no entry');
      });

      it('renaming a campaign’s slug gives UPDATED entries its old and new readers both get', async () => {
        await editor.createCampaign({ slug: 'renamed-from', hashtag: 'RenamedCampaign', title: 'Renamed', summary: 'Renamed.' });
        const story = await editor.create('CampaignStory', 'renamed-story', { campaign: 'renamed-from' });
        await editor.publish(story);
        const head = dataOf(await gw.post('{ feedChangesHead }')).feedChangesHead;
        await editor.updateCampaign('renamed-from', { slug: 'renamed-to', title: 'Renamed again' });
        const old = await readChanges(gw.post.bind(gw), head, { filter: { campaigns: ['renamed-from'] } });
        assert.deepEqual(old.changes.map(({ kind, id, item }) => ({ kind, id, item })), [{ kind: 'UPDATED', id: story.id, item: null }]);
        const renamed = await readChanges(gw.post.bind(gw), head, { filter: { campaigns: ['renamed-to'] } });
        assert.deepEqual(renamed.changes.map(({ kind, id, item }) => ({ kind, id, campaign: item?.campaign })), [{ kind: 'UPDATED', id: story.id, campaign: { slug: 'renamed-to' } }]);
      });

      it('changing a member’s code gives UPDATED entries for the published items tagged with it', async () => {
        const tagged = dataOf(await gw.post(`{ feed(first: 100, filter: { nations: ["NATO"] }) { edges { node { id } } } }`)).feed.edges.map((e: any) => e.node.id).sort();
        assert.equal(tagged.length, 2, 'the demo has two published posts tagged NATO');
        const draft = await editor.create('DigestArticle', 'nato-draft', { nations: ['NATO'] });
        const member = dataOf(await gw.post(`{ memberNation(code: "NATO") { code name kind region joinedYear } }`)).memberNation;
        const headSeq = await logHead(gw.gateway.db);
        const head = dataOf(await gw.post('{ feedChangesHead }')).feedChangesHead;

        const { body } = await gw.post(
          `mutation ($input: MemberNationInput!) { updateMemberNation(code: "NATO", input: $input) { code } }`,
          { input: { ...member, code: 'OTAN' } },
          admin.headers,
        );
        assert.deepEqual(body, { data: { updateMemberNation: { code: 'OTAN' } } });

        const stored = await storedChanges(gw.gateway.db, headSeq);
        assert.deepEqual(
          stored.filter((row) => row.subject === 'MEMBER').map(({ kind, subjectId }) => [kind, subjectId]),
          [['UPDATED', 'NATO'], ['CREATED', 'OTAN']],
        );
        const byOld = await readChanges(gw.post.bind(gw), head, { filter: { nations: ['NATO'] } });
        assert.deepEqual(byOld.changes.map(({ kind, id, item }) => ({ kind, id, item })).sort((a, b) => (a.id < b.id ? -1 : 1)), tagged.map((id: string) => ({ kind: 'UPDATED', id, item: null })));
        const byNew = await readChanges(gw.post.bind(gw), head, { filter: { nations: ['otan'] } });
        assert.deepEqual(
          byNew.changes.map(({ kind, id, item }) => ({ kind, id, nations: (item?.nations as { code: string }[]).map((n) => n.code).includes('OTAN') })).sort((a, b) => (a.id < b.id ? -1 : 1)),
          tagged.map((id: string) => ({ kind: 'UPDATED', id, nations: true })),
        );
        assert.ok(!byNew.changes.some((change) => change.id === draft.id), 'the draft tagged NATO has no entry');
      });
    });
  });
}
