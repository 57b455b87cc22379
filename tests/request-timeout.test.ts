import 'reflect-metadata';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { loadConfig, type DatabaseConfig } from '../src/config';
import { setTestHooks } from '../src/db/test-hooks';
import { startGateway, type RunningGateway } from '../src/main';
import { dropDatabase, freshDatabase, POSTGRES_ENABLED } from './helpers/drivers';
import { waitFor } from './helpers/http';
import { sampleValue, scrape, sumOf } from './helpers/prometheus';

/**
 * A request still running after REQUEST_TIMEOUT_MS is answered 503
 * REQUEST_TIMEOUT, and its statements are cancelled on PostgreSQL (a cancel
 * request), not merely abandoned to run on and hold their connections. Every
 * content read is made to sleep first (`testHooks.beforeRead`), with no
 * statement timeout, so that only a cancellation can end the sleep before 30 s.
 */

const FEED_QUERY = '{ feed(first: 2) { edges { node { __typename title } } } }';
const TIMED_OUT = { errors: [{ message: 'The request took longer than 500 ms and was abandoned', extensions: { code: 'REQUEST_TIMEOUT' } }] };

describe('requests past REQUEST_TIMEOUT_MS [postgres]', { skip: !POSTGRES_ENABLED && 'set TEST_POSTGRES_URL' }, () => {
  /** Marks this run's sleeps in pg_stat_activity, so that other runs on the same server are not counted. */
  const tag = `request_timeout_${randomBytes(6).toString('hex')}`;
  const SLEEP = `/* ${tag} */ SELECT pg_sleep(30)`;
  let database: DatabaseConfig;
  let gateway: RunningGateway;
  let origin: string;
  /** A connection of the test's own, to watch the server. */
  let monitor: Client;

  before(async () => {
    database = freshDatabase('postgres');
    const config = loadConfig(
      { NODE_ENV: 'test', REQUEST_TIMEOUT_MS: '500', DB_STATEMENT_TIMEOUT_MS: '0', DB_POOL_SIZE: '2' },
      { port: 0, host: '127.0.0.1', database },
    );
    gateway = await startGateway(config, { testHooks: { beforeRead: SLEEP } });
    origin = `http://127.0.0.1:${gateway.port}`;
    monitor = new Client({ connectionString: process.env.TEST_POSTGRES_URL });
    await monitor.connect();
  });

  after(async () => {
    await gateway?.stop();
    await monitor?.end();
    if (database) await dropDatabase(database);
  });

  /** The gateway's connections running this run's sleep right now. */
  async function sleeping(): Promise<{ pid: number; state: string }[]> {
    const { rows } = await monitor.query(
      `SELECT pid, state FROM pg_stat_activity WHERE application_name = 'coalition-graph' AND state <> 'idle' AND query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()`,
      [tag],
    );
    return rows as { pid: number; state: string }[];
  }

  const feed = () => fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: FEED_QUERY }) });

  it('answers a feed query that outlives its 500 ms with 503 REQUEST_TIMEOUT, and cancels its statement on PostgreSQL within a couple of seconds', async (t) => {
    const before = await scrape(origin);
    const started = performance.now();
    const pending = feed();
    // The sleep does run: the filter below finds it, so finding nothing later means something.
    const running = await waitFor('the sleep to show in pg_stat_activity', async () => {
      const rows = await sleeping();
      return rows.length ? rows : undefined;
    });
    assert.deepEqual(running.map((row) => row.state), ['active']);

    const response = await pending;
    const answeredMs = Math.round(performance.now() - started);
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await response.json(), TIMED_OUT);
    t.diagnostic(`answered 503 after ${answeredMs} ms`);

    const answered = performance.now();
    await waitFor('the sleep to be cancelled', async () => (await sleeping()).length === 0, { tries: 100, intervalMs: 20 });
    const cancelledMs = Math.round(performance.now() - answered);
    t.diagnostic(`no pg_sleep running ${cancelledMs} ms after the answer`);
    assert.ok(cancelledMs <= 2_000, `the sleep ran on for ${cancelledMs} ms after the answer`);

    // The backend that slept is still connected and idle: its statement was cancelled, the connection kept.
    const { rows } = await monitor.query('SELECT state FROM pg_stat_activity WHERE pid = $1', [running[0].pid]);
    assert.deepEqual(rows, [{ state: 'idle' }]);

    const metrics = await scrape(origin);
    const delta = (name: string, labels: Record<string, string>) => sumOf(metrics, name, labels) - sumOf(before, name, labels);
    assert.equal(delta('coalition_graph_graphql_requests_total', { operation: 'other', outcome: 'error' }), 1);
    assert.equal(delta('coalition_graph_graphql_errors_total', { code: 'REQUEST_TIMEOUT' }), 1);
    assert.equal(delta('coalition_graph_http_requests_total', { route: 'graphql', status: '503' }), 1);
  });

  it('leaves the pool working: after three requests time out at once on a pool of two, the next request is served', async (t) => {
    const responses = await Promise.all([feed(), feed(), feed()]);
    for (const response of responses) {
      assert.equal(response.status, 503);
      assert.deepEqual(await response.json(), TIMED_OUT);
    }
    await waitFor('every sleep to be cancelled', async () => (await sleeping()).length === 0, { tries: 100, intervalMs: 20 });

    // Reads stop sleeping; were the two connections still held by 30 s sleeps, this would time out too.
    setTestHooks(gateway.db, {});
    const started = performance.now();
    const response = await feed();
    t.diagnostic(`served ${response.status} in ${Math.round(performance.now() - started)} ms`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { data?: { feed: { edges: unknown[] } }; errors?: unknown };
    assert.equal(body.errors, undefined);
    assert.equal(body.data?.feed.edges.length, 2);

    const metrics = await scrape(origin);
    assert.equal(sampleValue(metrics, 'coalition_graph_db_pool_connections', { state: 'in_use' }), 0);
    assert.equal(sampleValue(metrics, 'coalition_graph_db_pool_connections', { state: 'waiting' }), 0);
  });
});
