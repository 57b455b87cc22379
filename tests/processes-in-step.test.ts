import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { readTimestamp, type ChangeRow } from '../src/changes/change-row';
import { CHANGES_CHANNEL, SilentConnectionError } from '../src/changes/log-reader';
import { ChangeTailer } from '../src/changes/tailer';
import type { DatabaseConfig } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { ENTITIES } from '../src/server/modules';
import { decodeGlobalId } from '../src/shared/node/global-id';
import { Editor, databaseUrl, readChangePage, startChildGateway, type ChildGateway } from './helpers/changes';
import { runCli } from './helpers/cli';
import { DRIVERS, POSTGRES_ENABLED, dropDatabase, freshDatabase } from './helpers/drivers';
import { postRaw, waitFor } from './helpers/http';
import { proxyFor } from './helpers/tcp-proxy';

/** The contract's bound: every process sees a change within a second of its commit. */
const WITHIN_MS = 1_000;

/** When (epoch ms) `condition` first held, polling every 10 ms for at most 3 s. */
async function firstTime(what: string, condition: () => Promise<boolean>): Promise<number> {
  await waitFor(what, condition, { tries: 300, intervalMs: 10 });
  return Date.now();
}

/** When the change-log entry about `subjectId` of `kind` was written (just before its commit), by the writer's clock (this machine's). */
async function writtenAt(db: DataSource, subject: string, subjectId: string, kind: string): Promise<number> {
  const p = db.options.type === 'postgres' ? ['$1', '$2', '$3'] : ['?', '?', '?'];
  const rows = (await db.query(`SELECT at AS "at" FROM change_log WHERE subject = ${p[0]} AND subject_id = ${p[1]} AND kind = ${p[2]} ORDER BY seq DESC`, [subject, subjectId, kind])) as { at: unknown }[];
  assert.equal(rows.length, 1, `one ${subject} ${kind} entry for ${subjectId}`);
  return readTimestamp(rows[0].at).getTime();
}

for (const driver of DRIVERS) {
  describe(`every process in step [${driver}]: two gateway processes and the CLI on one database`, () => {
    let database: DatabaseConfig;
    let a: ChildGateway | undefined;
    let b: ChildGateway | undefined;
    let db: DataSource | undefined;

    function cli(args: string[]) {
      return runCli(args, { env: { DATABASE_URL: databaseUrl(database) } });
    }

    /** A key made by `keys create`: its id and headers. */
    async function cliKey(name: string, role: string): Promise<{ id: string; headers: Record<string, string> }> {
      const run = await cli(['keys', 'create', '--name', name, '--role', role]);
      assert.equal(run.code, 0, run.stderr);
      const lines = run.stdout.trimEnd().split('\n');
      return { id: /\(id ([0-9a-f-]{36})\)/.exec(lines[0])![1], headers: { authorization: `Bearer ${lines.at(-1)}` } };
    }

    before(async () => {
      database = freshDatabase(driver);
      // One after the other: the first migrates and loads the demo, the second finds both done.
      a = await startChildGateway(database);
      b = await startChildGateway(database);
      db = await openDatabase(database, { entities: ENTITIES });
    });
    after(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      await db?.destroy();
      await dropDatabase(database);
    });

    it('a campaign renamed through process A shows its new title on process B within a second', async (t) => {
      const editor = new Editor(a!.post, (await cliKey('desk', 'editor')).headers);
      const title = async () => (await b!.post(`{ campaign(slug: "this-generation-learns") { title } }`)).body.data?.campaign?.title;
      // B holds the campaigns in its catalogue (for a minute unless told otherwise).
      assert.equal(await title(), 'This Generation Learns');
      assert.equal(await title(), 'This Generation Learns');

      await editor.updateCampaign('this-generation-learns', { title: 'This Generation Learns, renamed' });
      const answered = Date.now();
      const seen = await firstTime('process B to show the new title', async () => (await title()) === 'This Generation Learns, renamed');
      const campaignId = (await editor.campaign('this-generation-learns')).id;
      const committed = await writtenAt(db!, 'CAMPAIGN', decodeGlobalId(campaignId).localId, 'UPDATED');
      const elapsed = seen - committed;
      t.diagnostic(`[${driver}] process A → process B: ${elapsed} ms from the write (${seen - answered} ms from A's answer)`);
      assert.ok(elapsed < WITHIN_MS, `seen after ${elapsed} ms`);
    });

    it('a key revoked by the CLI is refused (401) by process B within a second, although B caches verified keys for 10 s', async (t) => {
      const key = await cliKey('UNDP', 'partner');
      const query = JSON.stringify({ query: '{ memberNation(code: "GBR") { code } }' });
      const status = async () => (await postRaw(b!.url, query, { 'content-type': 'application/json', ...key.headers })).status;
      // B verifies the key and keeps it (API_KEY_CACHE_SECONDS is 10 by default).
      assert.equal(await status(), 200);
      assert.equal(await status(), 200);

      // B is asked all along (every 20 ms), so that the CLI's own exit after its commit does not count.
      let refused = 0;
      let asking = true;
      const asker = (async () => {
        while (asking && !refused) {
          if ((await status()) === 401) refused = Date.now();
          else await delay(20);
        }
      })();
      const run = await cli(['keys', 'revoke', key.id]);
      assert.equal(run.code, 0, run.stderr);
      const exited = Date.now();
      await waitFor('process B to refuse the revoked key', () => refused > 0, { tries: 150, intervalMs: 20 }).finally(() => (asking = false));
      await asker;
      const committed = await writtenAt(db!, 'KEY', key.id, 'REVOKED');
      const elapsed = refused - committed;
      t.diagnostic(`[${driver}] CLI → process B: ${elapsed} ms from the revocation (the CLI process itself exited ${exited - committed} ms after its commit)`);
      assert.ok(elapsed < WITHIN_MS, `refused after ${elapsed} ms`);
      assert.equal(await status(), 401);
      // A, which never saw the key, refuses it too.
      assert.equal((await postRaw(a!.url, query, { 'content-type': 'application/json', ...key.headers })).status, 401);
    });

    it('a content change written through process A reaches another process’s tailer within a second, and process B’s feedChanges', async (t) => {
      // This test process follows the log as a third gateway process would.
      const tailer = new ChangeTailer(db!, { retentionMs: 0, pollIntervalMs: 250 });
      await tailer.start();
      const received = new Map<number, { row: ChangeRow; at: number }>();
      tailer.subscribe((rows) => {
        for (const row of rows) received.set(row.seq, { row, at: Date.now() });
      });
      try {
        const head = (await b!.post('{ feedChangesHead }')).body.data.feedChangesHead;
        const editor = new Editor(a!.post, (await cliKey('newsroom', 'editor')).headers);
        const item = await editor.create('DigestArticle', 'across-processes', { countries: ['SYR'] });
        await editor.publish(item);
        const localId = decodeGlobalId(item.id).localId;
        const arrived = await firstTime('the tailer to receive the publication', async () => [...received.values()].some(({ row }) => row.subjectId === localId));
        const entry = [...received.values()].find(({ row }) => row.subjectId === localId)!;
        assert.equal(entry.row.kind, 'PUBLISHED');
        assert.deepEqual(entry.row.countries, ['SYR']);
        const elapsed = entry.at - (await writtenAt(db!, 'CONTENT', localId, 'PUBLISHED'));
        t.diagnostic(`[${driver}] process A → another process's tailer: ${elapsed} ms from the write`);
        assert.ok(elapsed < WITHIN_MS, `received after ${elapsed} ms`);
        assert.ok(arrived >= entry.at);
        const page = await readChangePage(b!.post, head);
        assert.deepEqual(page.changes.map(({ kind, id, item: now }) => [kind, id, now?.title]), [['PUBLISHED', item.id, 'Title of across-processes']]);
      } finally {
        await tailer.stop();
      }
    });

    it('editors writing through both processes at once all succeed: none is refused because the other process wrote first', async () => {
      const headers = (await cliKey('two-desks', 'editor')).headers;
      const editors = [new Editor(a!.post, headers), new Editor(b!.post, headers)];
      // Each write reads (slug taken? lookups) before it writes: on SQLite a transaction begun without the write lock, whose
      // reads another process's commit then made stale, was refused (SQLITE_BUSY) and the editor got INTERNAL_SERVER_ERROR.
      for (let round = 0; round < 5; round++) {
        const writes = Array.from({ length: 8 }, (_, i) => editors[i % 2].create('DigestArticle', `two-desks-${round}-${i}`).then(
          () => null,
          (error: Error) => error.message,
        ));
        assert.deepEqual(await Promise.all(writes), Array(8).fill(null), `round ${round}`);
      }
      const [{ count }] = (await db!.query(`SELECT count(*) AS "count" FROM content WHERE slug LIKE 'two-desks-%'`)) as { count: unknown }[];
      assert.equal(Number(count), 40);
    });
  });
}

describe('a tailer that loses its connection [postgres]', { skip: !POSTGRES_ENABLED && 'TEST_POSTGRES_URL is not set' }, () => {
  let database: DatabaseConfig;
  let writer: ChildGateway | undefined;
  let db: DataSource | undefined;

  before(async () => {
    database = freshDatabase('postgres');
    writer = await startChildGateway(database);
    db = await openDatabase(database, { entities: ENTITIES });
  });
  after(async () => {
    await writer?.stop();
    await db?.destroy();
    await dropDatabase(database);
  });

  it('reconnects, and hands over what was written while it was away, in order, skipping nothing', async () => {
    const connections: boolean[] = [];
    const tailer = new ChangeTailer(db!, { retentionMs: 0, pollIntervalMs: 250, onConnection: (connected) => connections.push(connected) });
    await tailer.start();
    const received: ChangeRow[] = [];
    tailer.subscribe((rows) => void received.push(...rows));
    try {
      const run = await runCli(['keys', 'create', '--name', 'desk', '--role', 'editor'], { env: { DATABASE_URL: databaseUrl(database) } });
      assert.equal(run.code, 0, run.stderr);
      const editor = new Editor(writer!.post, { authorization: `Bearer ${run.stdout.trimEnd().split('\n').at(-1)}` });
      await waitFor('the key to reach the tailer', () => received.length === 1);

      // Cut the tailer's own connection (its backend, found through the client it holds), then write while it is away.
      const { processID } = (tailer as unknown as { reader: { client: { processID: number } } }).reader.client;
      const [{ cut }] = (await db!.query('SELECT pg_terminate_backend($1) AS cut', [processID])) as { cut: boolean }[];
      assert.equal(cut, true);
      await waitFor('the tailer to notice', () => connections.includes(false));
      const items = [];
      for (const slug of ['while-away-1', 'while-away-2']) {
        const item = await editor.create('DigestArticle', slug);
        await editor.publish(item);
        items.push(item);
      }
      await waitFor('the tailer to reconnect and catch up', () => received.length === 3, { tries: 300, intervalMs: 10 });
      assert.deepEqual(connections, [false, true]);
      assert.deepEqual(
        received.map((row) => [row.subject, row.kind, row.subjectId]),
        [['KEY', 'CREATED', received[0].subjectId], ...items.map((item) => ['CONTENT', 'PUBLISHED', decodeGlobalId(item.id).localId])],
      );
      assert.ok(received[1].seq < received[2].seq);
    } finally {
      await tailer.stop();
    }
  });
  it('replaces a connection that goes silent (packets dropped, nothing closed), and hands over what was written meanwhile', async () => {
    // The tailer's database goes through a proxy that can drop every byte while keeping the sockets open; the writer's does not.
    const { proxy, through } = await proxyFor(database);
    const proxied = await openDatabase(through, { entities: ENTITIES, connectTimeoutMs: 500 });
    const connections: { connected: boolean; error?: unknown }[] = [];
    const failures: unknown[] = [];
    const tailer = new ChangeTailer(proxied, {
      retentionMs: 0,
      pollIntervalMs: 250,
      heartbeatMs: 200,
      queryTimeoutMs: 500,
      onConnection: (connected, error) => connections.push({ connected, error }),
      onError: (error) => failures.push(error),
    });
    await tailer.start();
    const received: ChangeRow[] = [];
    tailer.subscribe((rows) => void received.push(...rows));
    const backendOf = () => (tailer as unknown as { reader: { client: { processID: number } | null } }).reader.client?.processID;
    const before = backendOf();
    try {
      await proxy.set('blackhole');
      // Written while the tailer's notification and its heartbeat's read are dropped on the way.
      const run = await runCli(['keys', 'create', '--name', 'silent', '--role', 'editor'], { env: { DATABASE_URL: databaseUrl(database) } });
      assert.equal(run.code, 0, run.stderr);
      await waitFor('the silent connection to be dropped', () => connections.some((it) => !it.connected), { tries: 300, intervalMs: 10 });
      const lost = connections.find((it) => !it.connected)!;
      assert.ok(lost.error instanceof SilentConnectionError, String(lost.error));
      assert.match((lost.error as Error).message, /did not answer within 500 ms/);
      assert.equal(received.length, 0);

      await proxy.set('forward');
      await waitFor('a new connection to hand over the key', () => received.length === 1, { tries: 500, intervalMs: 20 });
      assert.deepEqual([received[0].subject, received[0].kind], ['KEY', 'CREATED']);
      assert.equal(connections.at(-1)!.connected, true);
      assert.notEqual(backendOf(), before, 'a new backend');
      // The dropped read was told as a lost connection, not as a failure of the tailer's own.
      assert.deepEqual(failures, []);
    } finally {
      // Forwarding again first: ending the pool's connections waits for the server's goodbye.
      await proxy.set('forward');
      await tailer.stop();
      await proxied.destroy();
      await proxy.close();
    }
  });
  it('starts at the log’s head even when notifications arrive while it reads the head: nothing written before is handed over', async () => {
    if (database.kind !== 'postgres') throw new Error('expected PostgreSQL');
    // The log already holds entries (the keys of the tests above, the demo's content).
    const [{ entries }] = (await db!.query('SELECT count(*)::int AS entries FROM change_log')) as { entries: number }[];
    assert.ok(entries > 0);
    // Notifications without a change, as fast as one connection sends them, while tailers start.
    const notifier = new Client({ connectionString: database.url.split('?')[0] });
    await notifier.connect();
    let notifying = true;
    const notifications = (async () => {
      let sent = 0;
      while (notifying) {
        await notifier.query(`SELECT pg_notify('${CHANGES_CHANNEL}', $1)`, [database.schema]);
        sent++;
      }
      return sent;
    })();
    const replayed: ChangeRow[] = [];
    try {
      for (let n = 0; n < 10; n++) {
        const tailer = new ChangeTailer(db!, { retentionMs: 0, pollIntervalMs: 250 });
        tailer.subscribe((rows) => void replayed.push(...rows));
        await tailer.start();
        await delay(20);
        await tailer.settle();
        await tailer.stop();
      }
    } finally {
      notifying = false;
      assert.ok((await notifications) > 10, 'notifications were sent while the tailers started');
      await notifier.end();
    }
    assert.deepEqual(replayed.map((row) => row.seq), []);
  });
});
