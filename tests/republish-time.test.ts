import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseFeed } from '@rowanmanning/feed-parser';
import { ContentStatus, ContentType } from '../src/shared/content/content-status';
import { Content } from '../src/shared/content/content.entity';
import { Role } from '../src/shared/viewer';
import { changeStatus } from '../src/store/content';
import { CLI_ACTOR, write } from '../src/store/session';
import { upsertContent, type UpsertInput } from '../src/store/upsert';
import { dataOf, Editor, keyHeaders, readChanges, type EditedItem } from './helpers/changes';
import { DRIVERS } from './helpers/drivers';
import { startTestGateway, type TestGateway } from './helpers/server';

const URN = 'urn:coalition-graph:';
const FEED = `query ($first: Int) { feed(first: $first) { edges { node { id version publishedAt } } } }`;
const PUBLISH = `mutation ($id: ID!, $v: Int!) { publishContent(id: $id, expectedVersion: $v) { status version publishedAt } }`;
const PUBLISH_AT = `mutation ($id: ID!, $v: Int!, $at: DateTime!) { publishContent(id: $id, expectedVersion: $v, publishedAt: $at) { status version publishedAt } }`;
const UNPUBLISH = `mutation ($id: ID!, $v: Int!) { unpublishContent(id: $id, expectedVersion: $v) { status version publishedAt } }`;
const NODE = `query ($id: ID!) { node(id: $id) { ... on Content { version publishedAt } } }`;

/** An item as a wire service gives it: the same source and external id are the same item, with the same id, every time. */
function wireItem(status: ContentStatus): UpsertInput {
  return {
    type: ContentType.DIGEST_ARTICLE,
    slug: 'wire-story',
    title: 'A wire story',
    summary: 'From the wire.',
    publishedAt: new Date('2019-10-05T08:00:00.000Z'),
    status,
    countries: ['IRQ'],
    source: { name: 'wire', externalId: 'wire-1' },
    fields: { outlet: 'Wire', originalUrl: null },
  };
}

for (const driver of DRIVERS) {
  describe(`the time an item is published at: a withdrawn item's, a draft's [${driver}]`, () => {
    let gw: TestGateway;
    let editorHeaders: Record<string, string>;
    let editor: Editor;

    const publish = async (id: string, v: number) => dataOf(await gw.post(PUBLISH, { id, v }, editorHeaders)).publishContent as { status: string; version: number; publishedAt: string };
    const publishAt = async (id: string, v: number, at: string) => dataOf(await gw.post(PUBLISH_AT, { id, v, at }, editorHeaders)).publishContent as { status: string; version: number; publishedAt: string };
    /** Publishes `item` without a time and checks that it was dated now. */
    const assertDatedNow = async (item: EditedItem) => {
      const from = Date.now();
      const published = await publish(item.id, item.version);
      const publishedAt = Date.parse(published.publishedAt);
      assert.deepEqual([published.status, published.version], ['PUBLISHED', item.version + 1]);
      assert.ok(publishedAt >= from - 1_000 && publishedAt <= Date.now() + 1_000, `${published.publishedAt} is now`);
    };
    const unpublish = async (id: string, v: number) => dataOf(await gw.post(UNPUBLISH, { id, v }, editorHeaders)).unpublishContent as { status: string; version: number; publishedAt: string };
    const feed = async (first: number) => (dataOf(await gw.post(FEED, { first })).feed.edges as { node: { id: string; version: number; publishedAt: string } }[]).map(({ node }) => node);
    const fetchText = async (path: string) => {
      const response = await fetch(`${gw.origin}${path}`);
      const text = await response.text();
      assert.equal(response.status, 200, `${path}: ${text}`);
      return text;
    };

    before(async () => {
      gw = await startTestGateway(driver);
      editorHeaders = await keyHeaders(gw.gateway.db, Role.EDITOR);
      editor = new Editor(gw.post.bind(gw), editorHeaders);
    });
    after(() => gw.stop());

    it('keeps its publication time when published again without one: in the answer, Query.feed, every feed format and the change log', async () => {
      const newest = await feed(10);
      // The third newest (a demo item published 2019-10-09): published again at "now", it would jump to the top.
      const item = newest[2];
      const head = dataOf(await gw.post('{ feedChangesHead }')).feedChangesHead as string;

      const withdrawn = await unpublish(item.id, item.version);
      assert.deepEqual(withdrawn, { status: 'DRAFT', version: item.version + 1, publishedAt: item.publishedAt });
      assert.deepEqual(await publish(item.id, withdrawn.version), { status: 'PUBLISHED', version: item.version + 2, publishedAt: item.publishedAt });
      assert.deepEqual(dataOf(await gw.post(NODE, { id: item.id })).node, { version: item.version + 2, publishedAt: item.publishedAt });

      // Back in its place, everywhere readers see it.
      const ids = newest.map(({ id }) => id);
      assert.deepEqual((await feed(10)).map(({ id }) => id), ids, 'Query.feed');
      const json = JSON.parse(await fetchText('/feed.json?limit=10')) as { items: { id: string; date_published: string }[] };
      assert.deepEqual(json.items.map(({ id }) => id.slice(URN.length)), ids, '/feed.json');
      assert.equal(json.items[2].date_published, item.publishedAt);
      for (const format of ['atom', 'rss'] as const) {
        const parsed = parseFeed(await fetchText(`/feed.${format}?limit=10`));
        assert.deepEqual(parsed.items.map((entry) => entry.id?.slice(URN.length)), ids, `/feed.${format}`);
        assert.equal(parsed.items[2].published?.toISOString(), item.publishedAt, `/feed.${format}`);
      }

      // The change log: withdrawn, then published at its time (a filter on that time sees the publication, and only that).
      const changes = await readChanges(gw.post.bind(gw), head);
      assert.deepEqual(
        changes.changes.map(({ kind, id, item: shown }) => [kind, id, shown?.publishedAt ?? null]),
        [
          ['UNPUBLISHED', item.id, null],
          ['PUBLISHED', item.id, item.publishedAt],
        ],
      );
      const at = new Date(item.publishedAt).getTime();
      const filter = { publishedAfter: new Date(at).toISOString(), publishedBefore: new Date(at + 1).toISOString() };
      const filtered = await readChanges(gw.post.bind(gw), head, { filter });
      assert.deepEqual(filtered.changes.map(({ kind, id }) => [kind, id]), [
        ['UNPUBLISHED', item.id],
        ['PUBLISHED', item.id],
      ]);
    });

    it('dates a draft never published and never given a time now, even one unpublished while a draft', async () => {
      const draft = await editor.create('DigestArticle', 'never-published-before');
      const kept = await unpublish(draft.id, draft.version);
      assert.equal(kept.status, 'DRAFT');
      await assertDatedNow({ ...draft, version: kept.version });
    });

    it('keeps the time an editor gave a draft, at its create or an update, when it is published without one (in the answer and the change log); a time given to publishContent wins', async () => {
      const head = dataOf(await gw.post('{ feedChangesHead }')).feedChangesHead as string;
      const ids: [string, string][] = [];
      // A time in the past, one in the future, the first and the last an editor may give.
      for (const [n, at] of ['2019-10-08T07:30:00.000Z', '2031-06-01T12:00:00.000Z', '0001-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z'].entries()) {
        const created = await editor.create('DigestArticle', `time-given-at-create-${n}`, { publishedAt: at });
        assert.deepEqual(await publish(created.id, created.version), { status: 'PUBLISHED', version: created.version + 1, publishedAt: at });
        const updated = await editor.create('DigestArticle', `time-given-at-update-${n}`);
        await editor.update(updated, { publishedAt: at, title: `Dated ${at}` });
        assert.deepEqual(await publish(updated.id, updated.version), { status: 'PUBLISHED', version: updated.version + 1, publishedAt: at });
        assert.deepEqual(dataOf(await gw.post(NODE, { id: updated.id })).node, { version: updated.version + 1, publishedAt: at });
        ids.push([created.id, at], [updated.id, at]);
      }
      const changes = await readChanges(gw.post.bind(gw), head);
      assert.deepEqual(
        changes.changes.map(({ kind, id, item }) => [kind, id, item?.publishedAt ?? null]),
        ids.map(([id, at]) => ['PUBLISHED', id, at]),
      );

      // A time given to publishContent wins over the draft's, and stays when the item is withdrawn and published again.
      const twice = await editor.create('DigestArticle', 'time-given-twice', { publishedAt: '2019-10-07T06:00:00.000Z' });
      const published = await publishAt(twice.id, twice.version, '2019-10-06T05:00:00Z');
      assert.deepEqual(published, { status: 'PUBLISHED', version: twice.version + 1, publishedAt: '2019-10-06T05:00:00.000Z' });
      const withdrawn = await unpublish(twice.id, published.version);
      assert.deepEqual(await publish(twice.id, withdrawn.version), { status: 'PUBLISHED', version: withdrawn.version + 1, publishedAt: '2019-10-06T05:00:00.000Z' });
    });

    it('keeps, through an update that leaves the time as it is, whether the draft was given one', async () => {
      const given = await editor.create('DigestArticle', 'time-kept-by-update', { publishedAt: '2019-10-07T06:00:00.000Z' });
      await editor.update(given, { publishedAt: undefined, title: 'Edited without a time' });
      assert.deepEqual(await publish(given.id, given.version), { status: 'PUBLISHED', version: given.version + 1, publishedAt: '2019-10-07T06:00:00.000Z' });

      const left = await editor.create('DigestArticle', 'time-left-by-update');
      await editor.update(left, { title: 'Still without a time' });
      await assertDatedNow(left);

      // An editor's form sends back the time the draft shows, the time it was created: that gives none.
      const echoed = await editor.create('DigestArticle', 'time-sent-back');
      const shown = (dataOf(await gw.post(NODE, { id: echoed.id }, editorHeaders)).node as { publishedAt: string }).publishedAt;
      await editor.update(echoed, { publishedAt: shown, title: 'Sent back as shown' });
      await assertDatedNow(echoed);
    });

    it('keeps the time of an item its source withdrew when an editor publishes it; an item deleted and imported again as a draft starts afresh', async () => {
      const [created] = await write(gw.gateway.db, CLI_ACTOR, (session) => upsertContent(session, [wireItem(ContentStatus.PUBLISHED)]));
      // What ingestion does when the source stops listing it.
      await write(gw.gateway.db, CLI_ACTOR, async (session) => changeStatus(session, await session.manager.getRepository(Content).findOneByOrFail({ id: created.id }), false, null, true));
      const stored = await gw.gateway.db.getRepository(Content).findOneByOrFail({ id: created.id });
      assert.deepEqual([stored.status, stored.sourceWithdrawnAt !== null], [ContentStatus.DRAFT, true]);
      const published = await publish(stored.nodeId, stored.version);
      assert.deepEqual(published, { status: 'PUBLISHED', version: stored.version + 1, publishedAt: '2019-10-05T08:00:00.000Z' });

      // Withdrawn and deleted by the desk, then imported again as a draft: the same id, a new item, never published.
      const withdrawn = await unpublish(stored.nodeId, published.version);
      dataOf(await gw.post(`mutation ($id: ID!, $v: Int!) { deleteContent(id: $id, expectedVersion: $v) }`, { id: stored.nodeId, v: withdrawn.version }, editorHeaders));
      const [again] = await write(gw.gateway.db, CLI_ACTOR, (session) => upsertContent(session, [wireItem(ContentStatus.DRAFT)]));
      assert.deepEqual([again.id, again.outcome], [created.id, 'created']);
      const from = Date.now();
      const fresh = await publish(stored.nodeId, 1);
      const publishedAt = Date.parse(fresh.publishedAt);
      assert.ok(publishedAt >= from - 1_000 && publishedAt <= Date.now() + 1_000, `${fresh.publishedAt} is now`);
    });
  });
}
