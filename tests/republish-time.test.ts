import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseFeed } from '@rowanmanning/feed-parser';
import { ContentStatus, ContentType } from '../src/shared/content/content-status';
import { Content } from '../src/shared/content/content.entity';
import { Role } from '../src/shared/viewer';
import { changeStatus } from '../src/store/content';
import { CLI_ACTOR, write } from '../src/store/session';
import { upsertContent, type UpsertInput } from '../src/store/upsert';
import { dataOf, Editor, keyHeaders, readChanges } from './helpers/changes';
import { DRIVERS } from './helpers/drivers';
import { startTestGateway, type TestGateway } from './helpers/server';

const URN = 'urn:coalition-graph:';
const FEED = `query ($first: Int) { feed(first: $first) { edges { node { id version publishedAt } } } }`;
const PUBLISH = `mutation ($id: ID!, $v: Int!) { publishContent(id: $id, expectedVersion: $v) { status version publishedAt } }`;
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
  describe(`publishing a withdrawn item again [${driver}]`, () => {
    let gw: TestGateway;
    let editorHeaders: Record<string, string>;
    let editor: Editor;

    const publish = async (id: string, v: number) => dataOf(await gw.post(PUBLISH, { id, v }, editorHeaders)).publishContent as { status: string; version: number; publishedAt: string };
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

    it('dates a draft never published now, even one unpublished while a draft', async () => {
      const draft = await editor.create('DigestArticle', 'never-published-before', { publishedAt: '2019-01-01T00:00:00Z' });
      const kept = await unpublish(draft.id, draft.version);
      assert.equal(kept.status, 'DRAFT');
      const from = Date.now();
      const published = await publish(draft.id, kept.version);
      const publishedAt = Date.parse(published.publishedAt);
      assert.ok(publishedAt >= from - 1_000 && publishedAt <= Date.now() + 1_000, `${published.publishedAt} is now`);
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
