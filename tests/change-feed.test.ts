import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import type { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../src/config';
import { encodeChangeCursor } from '../src/changes/change-feed';
import type { ChangeRow } from '../src/changes/change-row';
import { ChangeTailer } from '../src/changes/tailer';
import { pruneChangeLog, prunedThrough } from '../src/changes/retention';
import { openDatabase } from '../src/db/data-source';
import { startGateway, type RunningGateway } from '../src/main';
import { ENTITIES } from '../src/server/modules';
import { decodeGlobalId } from '../src/shared/node/global-id';
import { Role } from '../src/shared/viewer';
import { setPublished } from '../src/store/content';
import { CLI_ACTOR, write } from '../src/store/session';
import { ingestTagged } from './helpers/content';
import { Editor, dataOf, keyHeaders, logHead, poster, readChangePage, readChanges, storedChanges, type ReadChange } from './helpers/changes';
import { DRIVERS, POSTGRES_ENABLED } from './helpers/drivers';
import { waitFor } from './helpers/http';
import { startTestGateway, type GraphQLResponse, type TestGateway } from './helpers/server';

/** Every change, with the item as selected, for whole-response comparisons. */
const CHANGES = `query ($filter: FeedFilter, $first: Int, $after: String) {
  feedChanges(filter: $filter, first: $first, after: $after) {
    edges { cursor node { cursor kind id type at item { id title status ... on DigestArticle { outlet } } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

/** Asserts the one error of a refused `feedChanges`, whole: BAD_USER_INPUT with exactly `extensions`; returns its message. */
function assertRefused(response: GraphQLResponse, extensions: Record<string, unknown>): string {
  const message = response.body.errors?.[0]?.message;
  assert.equal(typeof message, 'string');
  assert.deepEqual(response.body, { data: null, errors: [{ message, locations: (response.body.errors![0] as { locations?: unknown }).locations, path: ['feedChanges'], extensions: { code: 'BAD_USER_INPUT', ...extensions } }] });
  return message as string;
}

/** Makes the entries up to `seq` look `days` old. */
async function age(db: DataSource, seq: number, days: number): Promise<void> {
  const postgres = db.options.type === 'postgres';
  const then = new Date(Date.now() - days * 86_400_000);
  const value = postgres ? then : then.toISOString().replace('T', ' ').replace('Z', '');
  await db.query(`UPDATE change_log SET at = ${postgres ? '$1' : '?'} WHERE seq <= ${postgres ? '$2' : '?'}`, [value, seq]);
}

for (const driver of DRIVERS) {
  describe(`the change feed [${driver}]`, () => {
    let gw: TestGateway;
    let editor: Editor;
    let partner: Record<string, string>;

    before(async () => {
      gw = await startTestGateway(driver);
      editor = new Editor(gw.post.bind(gw), await keyHeaders(gw.gateway.db, Role.EDITOR));
      partner = await keyHeaders(gw.gateway.db, Role.PARTNER);
    });
    after(() => gw.stop());

    it('starts with the demo’s publications, then its translations as updates, each with its item', async () => {
      const { changes } = await readChanges(gw.post.bind(gw), null);
      // 19 items published, then 8 translations written into 4 of them: an update each.
      assert.equal(changes.length, 27);
      assert.deepEqual(changes.map((change) => change.kind), [...Array(19).fill('PUBLISHED'), ...Array(8).fill('UPDATED')]);
      assert.equal(new Set(changes.slice(19).map((change) => change.id)).size, 4);
      assert.ok(changes.every((change) => change.item?.id === change.id));
    });

    it('gives anonymous callers, partners and editors the same changes: published content only, never an editor’s drafts', async () => {
      const head = dataOf(await gw.post('{ feedChangesHead }')).feedChangesHead;
      const shown = await editor.create('DigestArticle', 'shown-to-all', { publishedAt: '2019-10-11T09:00:00.000Z' });
      await editor.publish(shown);
      const draft = await editor.create('DigestArticle', 'kept-as-draft');
      await editor.update(draft, { title: 'Still a draft' });
      const withdrawn = await editor.create('DigestArticle', 'withdrawn-again');
      await editor.publish(withdrawn);
      await editor.unpublish(withdrawn);
      await editor.update(withdrawn, { title: 'Edited while withdrawn' });

      const anonymous = await gw.post(CHANGES, { after: head });
      assert.equal(anonymous.body.errors, undefined, JSON.stringify(anonymous.body.errors));
      const edges = anonymous.body.data.feedChanges.edges;
      assert.deepEqual(
        edges.map((edge: any) => [edge.node.kind, edge.node.id, edge.node.type, edge.node.item]),
        [
          ['PUBLISHED', shown.id, 'DIGEST_ARTICLE', { id: shown.id, title: 'Title of shown-to-all', status: 'PUBLISHED', outlet: 'Test Outlet' }],
          ['PUBLISHED', withdrawn.id, 'DIGEST_ARTICLE', null],
          ['UNPUBLISHED', withdrawn.id, 'DIGEST_ARTICLE', null],
        ],
      );
      for (const edge of edges) assert.ok(!Number.isNaN(Date.parse(edge.node.at)), `at is a time: ${edge.node.at}`);
      for (const headers of [partner, editor.headers]) {
        const { body } = await gw.post(CHANGES, { after: head }, headers);
        assert.deepEqual(body, anonymous.body);
      }
    });

    it('filters by an ingested tag with a comma or a % sign as one tag: the tag `iraq, syria` is not the tag `iraq`', async () => {
      const head = await logHead(gw.gateway.db);
      const cursor = encodeChangeCursor(head);
      await ingestTagged(gw.gateway.db, 'tagged-listed', ['Iraq, Syria', '100%', 'a_b']);
      await ingestTagged(gw.gateway.db, 'tagged-plain', ['iraq']);
      // An update's entry joins the item's tags before (read back from its tag rows) and after.
      await ingestTagged(gw.gateway.db, 'tagged-listed', ['Iraq, Syria', '100%', 'a_b'], 'Tagged again');
      const changes = (await readChanges(gw.post.bind(gw), cursor)).changes;
      assert.deepEqual(changes.map((change) => change.kind), ['PUBLISHED', 'PUBLISHED', 'UPDATED']);
      const [listed, plain] = changes.map((change) => change.id);
      assert.equal(changes[2].id, listed);

      // Stored percent-encoded, so that `,iraq,` occurs in the text only where `iraq` is a whole tag.
      assert.deepEqual((await storedChanges(gw.gateway.db, head)).map((change) => change.tags), [',100%25,a_b,iraq%2C syria,', ',iraq,', ',100%25,a_b,iraq%2C syria,']);
      const idsFor = async (tags: string[]) => (await readChanges(gw.post.bind(gw), cursor, { filter: { tags } })).changes.map((change) => change.id);
      assert.deepEqual(await idsFor(['iraq']), [plain]);
      assert.deepEqual(await idsFor(['syria']), []);
      assert.deepEqual(await idsFor([' syria']), []);
      assert.deepEqual(await idsFor(['IRAQ, SYRIA']), [listed, listed]);
      assert.deepEqual(await idsFor(['100%']), [listed, listed]);
      assert.deepEqual(await idsFor(['100%25']), []);
      assert.deepEqual(await idsFor(['100']), []);
      assert.deepEqual(await idsFor(['a_b']), [listed, listed]);
      assert.deepEqual(await idsFor(['aXb']), []);
      assert.deepEqual(await idsFor(['iraq%2C syria']), []);
    });

    it('pages by opaque cursors: first: 2 pages walk the whole log, as one read does', async () => {
      const whole = await readChanges(gw.post.bind(gw), null);
      const paged: ReadChange[] = [];
      let after: string | null = null;
      let pages = 0;
      for (;;) {
        const response: GraphQLResponse = await gw.post(CHANGES, { first: 2, after });
        const connection: any = dataOf(response).feedChanges;
        pages++;
        assert.ok(connection.edges.length <= 2);
        for (const edge of connection.edges) {
          assert.doesNotMatch(edge.cursor, /^\d+$/, 'a cursor is opaque, not a position');
          paged.push(edge.node);
        }
        if (connection.edges.length) {
          assert.equal(connection.pageInfo.startCursor, connection.edges[0].cursor);
          assert.equal(connection.pageInfo.endCursor, connection.edges.at(-1).cursor);
        }
        if (!connection.pageInfo.hasNextPage) break;
        assert.equal(connection.edges.length, 2, 'only the last page is short');
        after = connection.pageInfo.endCursor;
      }
      assert.equal(pages, Math.ceil(whole.changes.length / 2));
      assert.deepEqual(
        paged.map(({ cursor, kind, id }) => ({ cursor, kind, id })),
        whole.changes.map(({ cursor, kind, id }) => ({ cursor, kind, id })),
      );
      assert.equal(new Set(paged.map((change) => change.cursor)).size, paged.length);
    });

    it('keeps endCursor at the cursor given when nothing is new, and moves it on once something is', async () => {
      const head = dataOf(await gw.post('{ feedChangesHead }')).feedChangesHead;
      const { body } = await gw.post(CHANGES, { after: head });
      assert.deepEqual(body, { data: { feedChanges: { edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: head } } } });
      const item = await editor.create('DigestArticle', 'something-new');
      await editor.publish(item);
      const page = await readChangePage(gw.post.bind(gw), head);
      assert.deepEqual(page.changes.map(({ kind, id }) => [kind, id]), [['PUBLISHED', item.id]]);
      assert.equal(page.endCursor, page.changes[0].cursor);
      assert.equal(page.hasNextPage, false);
      assert.equal(dataOf(await gw.post('{ feedChangesHead }')).feedChangesHead, page.endCursor);
    });

    it('first: 0 reads nothing and moves nothing on while changes follow', async () => {
      const { changes } = await readChanges(gw.post.bind(gw), null);
      const before = changes.at(-3)!.cursor;
      const { body } = await gw.post(CHANGES, { first: 0, after: before });
      assert.deepEqual(body, { data: { feedChanges: { edges: [], pageInfo: { hasNextPage: true, hasPreviousPage: true, startCursor: null, endCursor: before } } } });
      // With a filter nothing matches: there is nothing to miss up to the head.
      const filtered = await gw.post(CHANGES, { first: 0, after: before, filter: { countries: ['ATA'] } });
      assert.deepEqual(filtered.body.data.feedChanges.pageInfo, { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: dataOf(await gw.post('{ feedChangesHead }')).feedChangesHead });
    });

    it('refuses a malformed cursor, a feed cursor and a page size over 100 with BAD_USER_INPUT', async () => {
      const feedCursor = dataOf(await gw.post('{ feed(first: 1) { pageInfo { endCursor } } }')).feed.pageInfo.endCursor;
      for (const after of ['nope', '!!!', '', Buffer.from('ch1:-1').toString('base64url'), Buffer.from('ch1:1.5').toString('base64url'), Buffer.from('ch1:2147483648').toString('base64url'), feedCursor]) {
        assertRefused(await gw.post(CHANGES, { after }), { argument: 'after' });
      }
      assertRefused(await gw.post(CHANGES, { first: 101 }), { argument: 'first', max: 100 });
      assertRefused(await gw.post(CHANGES, { first: -1 }), { argument: 'first', max: 100 });
      assert.deepEqual(dataOf(await gw.post(CHANGES, { first: 100 })).feedChanges.edges.length > 0, true);
    });

    it('is priced like a list: the cost grows with first', async () => {
      const costs: number[] = [];
      for (const first of [1, 10, 100]) {
        const response = await gw.post(CHANGES, { first });
        assert.equal(response.body.errors, undefined);
        costs.push(response.extensions!.cost!.cost);
      }
      assert.ok(costs[0] < costs[1] && costs[1] < costs[2], `costs ${costs}`);
      const head = await gw.post('{ feedChangesHead }');
      assert.ok(head.extensions!.cost!.cost < costs[0], 'the head is a scalar, cheaper than any page');
    });

    it('a filtered reader that polls through changes it does not match keeps a live cursor', async () => {
      const post = gw.post.bind(gw);
      const filter = { countries: ['ATA'] };
      let cursor = dataOf(await post('{ feedChangesHead }')).feedChangesHead;
      for (const slug of ['elsewhere-1', 'elsewhere-2']) await editor.publish(await editor.create('DigestArticle', slug, { countries: ['IRQ'] }));
      const page = await readChangePage(post, cursor, { filter });
      assert.deepEqual(page.changes, []);
      assert.equal(page.endCursor, dataOf(await post('{ feedChangesHead }')).feedChangesHead, 'the reader moves past what it does not match');
      cursor = page.endCursor;
      // What the reader polled through is pruned: it missed nothing it matched, so its cursor must stay good.
      const head = await logHead(gw.gateway.db);
      await age(gw.gateway.db, head, 40);
      await pruneChangeLog(gw.gateway.db, new Date(Date.now() - 30 * 86_400_000));
      assert.equal(await prunedThrough(gw.gateway.db), head);
      const antarctic = await editor.create('DigestArticle', 'antarctic', { countries: ['ATA'] });
      await editor.publish(antarctic);
      const next = await readChangePage(post, cursor, { filter });
      assert.deepEqual(next.changes.map(({ kind, id }) => [kind, id]), [['PUBLISHED', antarctic.id]]);
    });
  });

  describe(`retention of the change log [${driver}]`, () => {
    let gw: TestGateway;
    let editor: Editor;
    let pruner: RunningGateway | undefined;

    before(async () => {
      gw = await startTestGateway(driver);
      editor = new Editor(gw.post.bind(gw), await keyHeaders(gw.gateway.db, Role.EDITOR));
    });
    after(async () => {
      await pruner?.stop();
      await gw.stop();
    });

    it('pruneChangeLog deletes what is older than the cutoff; an older cursor is then CURSOR_EXPIRED, feedChangesHead still answers', async () => {
      const post = gw.post.bind(gw);
      const early = (await readChangePage(post, null, { first: 1 })).endCursor;
      const through = await logHead(gw.gateway.db);
      for (const slug of ['kept-1', 'kept-2']) await editor.publish(await editor.create('DigestArticle', slug));
      await age(gw.gateway.db, through, 3);
      assert.equal(await pruneChangeLog(gw.gateway.db, new Date(Date.now() - 2 * 86_400_000)), through);
      assert.equal(await prunedThrough(gw.gateway.db), through);
      assert.equal((await storedChanges(gw.gateway.db)).every((entry) => entry.seq > through), true);

      const message = assertRefused(await gw.post(CHANGES, { after: early }), { argument: 'after', reason: 'CURSOR_EXPIRED' });
      assert.match(message, /feedChangesHead/);
      const head = dataOf(await gw.post('{ feedChangesHead }')).feedChangesHead;
      assert.equal(head, encodeChangeCursor(await logHead(gw.gateway.db)));
      assert.deepEqual(dataOf(await gw.post(CHANGES, { after: head })).feedChanges.edges, []);
      // Exactly at what was pruned is still good: nothing after it is gone.
      const fromPruned = await readChanges(post, encodeChangeCursor(through));
      assert.deepEqual(fromPruned.changes.map((change) => change.item?.title), ['Title of kept-1', 'Title of kept-2']);
      // Without a cursor, the feed starts at the oldest entry kept.
      const { body } = await gw.post(CHANGES, { first: 1 });
      assert.equal(body.data.feedChanges.edges[0].node.item.title, 'Title of kept-1');
    });

    it('a process with CHANGE_LOG_RETENTION_DAYS=1 prunes what is due, by itself', async () => {
      const old = await readChangePage(gw.post.bind(gw), encodeChangeCursor(await prunedThrough(gw.gateway.db)), { first: 1 });
      assert.equal(old.changes.length, 1);
      const through = await logHead(gw.gateway.db);
      await editor.publish(await editor.create('DigestArticle', 'young'));
      await age(gw.gateway.db, through, 2);
      // Another gateway on the same database, as a second process would be: its tailer finds the oldest entry due, and prunes.
      pruner = await startGateway(loadConfig({ NODE_ENV: 'test', CHANGE_LOG_RETENTION_DAYS: '1' }, { port: 0, host: '127.0.0.1', database: gw.database }), { demoIfEmpty: false });
      await waitFor('the tailer to prune', async () => (await prunedThrough(gw.gateway.db)) === through);
      assert.deepEqual(
        (await storedChanges(gw.gateway.db)).map((entry) => entry.seq),
        [through + 1],
      );
      assertRefused(await gw.post(CHANGES, { after: old.endCursor }), { argument: 'after', reason: 'CURSOR_EXPIRED' });
      const { changes } = await readChanges(poster(pruner.url), encodeChangeCursor(through));
      assert.deepEqual(changes.map((change) => change.item?.title), ['Title of young']);
    });
  });
}

describe('commit order of the change log [postgres]', { skip: !POSTGRES_ENABLED && 'TEST_POSTGRES_URL is not set' }, () => {
  let gw: TestGateway;
  let editor: Editor;

  before(async () => {
    gw = await startTestGateway('postgres');
    editor = new Editor(gw.post.bind(gw), await keyHeaders(gw.gateway.db, Role.EDITOR));
  });
  after(() => gw.stop());

  /** Transactions waiting for the change log's advisory lock in this test's schema. */
  async function waitingAppends(): Promise<number> {
    const [{ schema }] = (await gw.gateway.db.query('SELECT current_schema() AS schema')) as { schema: string }[];
    const [{ n }] = (await gw.gateway.db.query(
      `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objsubid = 1
         AND objid::bigint = (hashtext($1)::bigint & 4294967295) AND classid::bigint = ((hashtext($1)::bigint >> 32) & 4294967295)`,
      [`coalition_graph_changes:${schema}`],
    )) as { n: string }[];
    return Number(n);
  }

  it('a transaction that appends later cannot commit before one that appended first: a poller sees both, in order, skipping nothing', async (t) => {
    const post = gw.post.bind(gw);
    const first = await editor.create('DigestArticle', 'appends-first');
    const second = await editor.create('DigestArticle', 'appends-second');
    const head = dataOf(await post('{ feedChangesHead }')).feedChangesHead;

    // A reader polling throughout, as a partner does.
    const seen: ReadChange[] = [];
    let polls = 0;
    let holding = false;
    let pollsWhileHeld = 0;
    let stop = false;
    const poller = (async () => {
      let cursor = head;
      while (!stop) {
        const page = await readChangePage(post, cursor);
        polls++;
        if (holding) pollsWhileHeld++;
        seen.push(...page.changes);
        cursor = page.endCursor;
        if (seen.length >= 2) return;
        await delay(5);
      }
    })();

    let flushed!: () => void;
    const appended = new Promise<void>((resolve) => (flushed = resolve));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let firstSeq = 0;
    const a = write(gw.gateway.db, CLI_ACTOR, async (session) => {
      await setPublished(session, decodeGlobalId(first.id).localId, first.version, true);
      [firstSeq] = await session.flush();
      flushed();
      await held;
    });
    await appended;
    holding = true;

    let bCommitted = false;
    const b = write(gw.gateway.db, CLI_ACTOR, (session) => setPublished(session, decodeGlobalId(second.id).localId, second.version, true)).then(() => {
      bCommitted = true;
    });
    await waitFor('the second transaction to wait for the change log', async () => (await waitingAppends()) === 1);
    const pollsBefore = polls;
    await waitFor('the poller to read while both are open', () => polls > pollsBefore);
    assert.equal(bCommitted, false, 'the second transaction committed while the first held its append');
    assert.deepEqual((await readChangePage(post, head)).changes, [], 'a reader between the two sees neither');
    assert.deepEqual(seen, []);

    holding = false;
    release();
    await Promise.all([a, b]);
    await waitFor('the poller to see both', () => seen.length >= 2);
    stop = true;
    await poller;
    t.diagnostic(`polls: ${polls}, of which while the first transaction held its append: ${pollsWhileHeld}`);
    assert.ok(pollsWhileHeld > 0);
    assert.deepEqual(
      seen.map(({ kind, id }) => [kind, id]),
      [
        ['PUBLISHED', first.id],
        ['PUBLISHED', second.id],
      ],
    );
    const entries = await storedChanges(gw.gateway.db, await logHead(gw.gateway.db) - 2);
    assert.deepEqual(entries.map((entry) => entry.subjectId), [first.id, second.id].map((id) => decodeGlobalId(id).localId));
    assert.equal(entries[0].seq, firstSeq);
    assert.ok(entries[0].seq < entries[1].seq);
  });
});

describe('pruning while the database fails [sqlite]', () => {
  it('waits before trying again, rather than retrying as fast as it fails', async () => {
    const gw = await startTestGateway('sqlite');
    const errors: string[] = [];
    // Every entry is due at once (1 ms of retention), and every prune fails: the table it records its progress in is gone.
    const tailer = new ChangeTailer(gw.gateway.db, { retentionMs: 1, pollIntervalMs: 0, onError: (_error, what) => errors.push(what) });
    try {
      await gw.gateway.db.query('DROP TABLE gateway_state');
      await tailer.start();
      await waitFor('the first prune to fail', () => errors.length > 0 || undefined);
      await delay(500);
      assert.deepEqual(errors, ['pruning the change log'], 'one failure, the next try 30 s away');
    } finally {
      await tailer.stop();
      await gw.stop();
    }
  });
});

/** The tailer's own reading connection (private to it): failures staged on it touch no other connection and commit nothing, so they wake nobody. */
function readerOf(tailer: ChangeTailer): { connection?: Database.Database; client?: Client; version?: number } {
  return (tailer as unknown as { reader: { connection?: Database.Database; client?: Client; version?: number } }).reader;
}

/** Runs `sql` on the tailer's own connection. */
async function onReaderConnection(tailer: ChangeTailer, sql: string): Promise<void> {
  const reader = readerOf(tailer);
  if (reader.client) await reader.client.query(sql);
  else reader.connection!.exec(sql);
}

/**
 * Resolves once every wake-up that the commits so far bring has come: the SQLite
 * poll has seen them, or PostgreSQL's notifications have arrived (they come
 * before the answer to a statement sent after them).
 */
async function wokenByAll(tailer: ChangeTailer): Promise<void> {
  const reader = readerOf(tailer);
  if (reader.client) await reader.client.query('SELECT 1');
  else await waitFor('the poll to see every commit', () => reader.version === Number(reader.connection!.pragma('data_version', { simple: true })));
}

for (const driver of DRIVERS) {
  describe(`reading the change log while it fails [${driver}]`, () => {
    it('tries a failed read again by itself: what was committed is handed over, in order, with no further commit or wake-up', async () => {
      const gw = await startTestGateway(driver);
      const editor = new Editor(gw.post.bind(gw), await keyHeaders(gw.gateway.db, Role.EDITOR));
      const errors: string[] = [];
      // No heartbeat on PostgreSQL; on SQLite a poll that sees every commit (and no more come after the failure).
      const tailer = new ChangeTailer(gw.gateway.db, { retentionMs: 0, pollIntervalMs: 50, onError: (_error, what) => errors.push(what) });
      const received: ChangeRow[] = [];
      tailer.subscribe((rows) => void received.push(...rows));
      const temporary = driver === 'sqlite' ? 'temp' : 'pg_temp';
      try {
        await tailer.start();
        const head = tailer.head;
        // On the tailer's connection alone, a temporary table hides the change log: its reads fail (no column seq), and nothing is committed.
        await onReaderConnection(tailer, 'CREATE TEMP TABLE change_log (shadow integer)');
        const items = [];
        for (const slug of ['read-again-1', 'read-again-2']) {
          const item = await editor.create('DigestArticle', slug);
          await editor.publish(item);
          items.push(item);
        }
        await waitFor('a read to fail', () => errors.length > 0);
        // Every wake-up these commits bring has come and read, and failed: the next read is the tailer's own doing.
        await wokenByAll(tailer);
        await tailer.settle();
        assert.equal(received.length, 0);

        await onReaderConnection(tailer, `DROP TABLE ${temporary}.change_log`);
        await waitFor('the entries to be handed over', () => received.length >= 2, { tries: 1_500, intervalMs: 20 });
        const stored = await storedChanges(gw.gateway.db, head);
        assert.deepEqual(
          received.map((row) => [row.seq, row.kind, row.subjectId]),
          stored.map((entry) => [entry.seq, entry.kind, entry.subjectId]),
        );
        assert.deepEqual(
          received.map((row) => [row.kind, row.subjectId]),
          items.map((item) => ['PUBLISHED', decodeGlobalId(item.id).localId]),
        );
        assert.deepEqual([...new Set(errors)], ['reading the change log']);
      } finally {
        await tailer.stop();
        await gw.stop();
      }
    });
  });
}

describe('polling while the change log connection fails [sqlite]', () => {
  it('tells of the failure once, goes on polling, and hands over what was committed meanwhile once it works again', async () => {
    const gw = await startTestGateway('sqlite');
    const editor = new Editor(gw.post.bind(gw), await keyHeaders(gw.gateway.db, Role.EDITOR));
    // The tailer follows the file as another process would: the gateway's commits reach it only through the poll.
    const db = await openDatabase(gw.database, { entities: ENTITIES });
    const failures: unknown[] = [];
    const errors: string[] = [];
    const tailer = new ChangeTailer(db, {
      retentionMs: 0,
      pollIntervalMs: 50,
      onError: (error, what) => {
        failures.push(error);
        errors.push(what);
      },
    });
    const received: ChangeRow[] = [];
    tailer.subscribe((rows) => void received.push(...rows));
    let held: IterableIterator<unknown> | null = null;
    try {
      await tailer.start();
      const head = tailer.head;
      // A statement left open on the tailer's connection: better-sqlite3 refuses every other one there, PRAGMA data_version first.
      held = readerOf(tailer).connection!.prepare('SELECT 1 UNION ALL SELECT 2').iterate();
      held.next();
      await waitFor('the poll to fail', () => errors.length > 0);
      assert.match(String(failures[0]), /busy executing a query/);
      const item = await editor.create('DigestArticle', 'while-polling-fails');
      await editor.publish(item);
      assert.equal(received.length, 0);

      held.return?.();
      held = null;
      await waitFor('the publication to be handed over', () => received.length > 0, { tries: 500, intervalMs: 20 });
      const stored = await storedChanges(db, head);
      assert.deepEqual(
        received.map((row) => [row.seq, row.kind, row.subjectId]),
        stored.map((entry) => [entry.seq, entry.kind, entry.subjectId]),
      );
      assert.deepEqual(stored.map((entry) => [entry.kind, entry.subjectId]), [['PUBLISHED', decodeGlobalId(item.id).localId]]);
      assert.deepEqual(errors, ['polling the change log'], 'told once, not at every look');
    } finally {
      held?.return?.();
      await tailer.stop();
      await db.destroy();
      await gw.stop();
    }
  });
});
