import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { loadConfig, type DatabaseConfig } from '../src/config';
import { startGateway, type RunningGateway } from '../src/main';
import { Role } from '../src/shared/viewer';
import { createApiKey } from '../src/store/keys';
import { dropDatabase, freshDatabase, POSTGRES_ENABLED } from './helpers/drivers';
import { waitFor } from './helpers/http';
import { connectLive } from './helpers/live';
import { capturingLogger, type LogLine } from './helpers/log-capture';
import { proxyFor, type ProxyMode, type TcpProxy } from './helpers/tcp-proxy';

/**
 * PostgreSQL goes away while the gateway runs, staged by a TCP proxy between
 * them: `cut` (the server is stopped: connections reset, new ones refused) and
 * `blackhole` (the network drops every packet silently). With
 * DB_STATEMENT_TIMEOUT_MS=1000 the gateway must say so from outside within
 * bounds: /readyz 503 within 2 s, a GraphQL query 503 SERVICE_UNAVAILABLE
 * within 5 s, /healthz still 200, and serve again without a restart once the
 * database is back.
 */

/** The bounds the requirements name. */
const READYZ_BOUND_MS = 2_000;
const GRAPHQL_BOUND_MS = 5_000;

/** A query that reads content: member nations and campaigns are held per process and would not touch the database. */
const FEED_QUERY = '{ feed(first: 2) { edges { node { __typename title } } } }';

const JSON_TYPE = 'application/json; charset=utf-8';

interface Timed {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
  readonly ms: number;
}

async function timed(request: () => Promise<Response>): Promise<Timed> {
  const started = performance.now();
  const response = await request();
  const text = await response.text();
  const ms = Math.round(performance.now() - started);
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // kept as text for the failure message
  }
  return { status: response.status, headers: response.headers, body, ms };
}

/** A gateway behind the proxy, with its log lines. */
interface Proxied {
  readonly gateway: RunningGateway;
  readonly lines: LogLine[];
  readonly origin: string;
  feed(): Promise<Timed>;
}

describe('PostgreSQL outages seen from outside [postgres]', { skip: !POSTGRES_ENABLED && 'set TEST_POSTGRES_URL' }, () => {
  let direct: DatabaseConfig;
  let proxy: TcpProxy;
  /** Asked GraphQL first in each outage, so that the query itself finds the database gone. */
  let queried: Proxied;
  /** Asked /readyz first in each outage, so that the readiness probe itself finds the database gone. */
  let probed: Proxied;

  async function startProxied(database: DatabaseConfig): Promise<Proxied> {
    const { lines, logger } = capturingLogger();
    const config = loadConfig({ NODE_ENV: 'test', DB_STATEMENT_TIMEOUT_MS: '1000' }, { port: 0, host: '127.0.0.1', database });
    const gateway = await startGateway(config, { logger });
    const origin = `http://127.0.0.1:${gateway.port}`;
    const feed = () => timed(() => fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: FEED_QUERY }) }));
    return { gateway, lines, origin, feed };
  }

  before(async () => {
    direct = freshDatabase('postgres');
    let database: DatabaseConfig;
    ({ proxy, through: database } = await proxyFor(direct));
    // The first start migrates and loads the demo content; the second finds both done.
    queried = await startProxied(database);
    probed = await startProxied(database);
  });

  after(async () => {
    await queried?.gateway.stop();
    await probed?.gateway.stop();
    await proxy?.close();
    if (direct) await dropDatabase(direct);
  });

  /** Asserts the answer of a gateway that reads the database: 200 with two items. */
  function assertServes(response: Timed): void {
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.errors, undefined);
    assert.equal(response.body.data.feed.edges.length, 2);
  }

  /** What a GraphQL request gets once the gateway knows the database is down: refused at once, before any GraphQL work. */
  function assertRefusedAtOnce(response: Timed): void {
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('content-type'), JSON_TYPE);
    assert.equal(response.headers.get('retry-after'), '5');
    assert.deepEqual(response.body, { errors: [{ message: 'The database is not answering; try again shortly', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
  }

  for (const mode of ['cut', 'blackhole'] as const satisfies readonly ProxyMode[]) {
    it(`${mode}: /readyz 503 within 2 s, a query 503 SERVICE_UNAVAILABLE within 5 s, /healthz 200; then serves again without a restart`, async (t: TestContext) => {
      assertServes(await queried.feed());
      assert.equal((await timed(() => fetch(`${probed.origin}/readyz`))).status, 200);
      const linesBefore = { queried: queried.lines.length, probed: probed.lines.length };

      await proxy.set(mode);
      const [query, ready] = await Promise.all([queried.feed(), timed(() => fetch(`${probed.origin}/readyz`))]);
      t.diagnostic(`${mode}: first query ${query.status} ${JSON.stringify(query.body)} after ${query.ms} ms`);
      t.diagnostic(`${mode}: first /readyz ${ready.status} ${JSON.stringify(ready.body)} after ${ready.ms} ms`);

      // The query that finds the database gone: its field fails with SERVICE_UNAVAILABLE, and the answer is 503.
      assert.equal(query.status, 503);
      assert.ok(query.ms <= GRAPHQL_BOUND_MS, `the query answered after ${query.ms} ms, above ${GRAPHQL_BOUND_MS}`);
      assert.deepEqual(query.body, {
        errors: [{ message: 'The database is not answering; try again shortly', locations: [{ line: 1, column: 3 }], path: ['feed'], extensions: { code: 'SERVICE_UNAVAILABLE' } }],
        data: null,
        extensions: { cost: { cost: 5, limit: 10_000 } },
      });

      assert.equal(ready.status, 503);
      assert.ok(ready.ms <= READYZ_BOUND_MS, `/readyz answered after ${ready.ms} ms, above ${READYZ_BOUND_MS}`);
      assert.equal(ready.headers.get('content-type'), JSON_TYPE);
      assert.deepEqual(ready.body, { status: 'unavailable', reason: 'database does not answer' });

      // Each gateway now knows: queries are refused at once, readiness is 503 at once, liveness stays 200.
      for (const gw of [queried, probed]) {
        const again = await gw.feed();
        t.diagnostic(`${mode}: next query ${again.status} after ${again.ms} ms`);
        assertRefusedAtOnce(again);
        const ready = await timed(() => fetch(`${gw.origin}/readyz`));
        assert.deepEqual([ready.status, ready.body], [503, { status: 'unavailable', reason: 'database does not answer' }]);
        const health = await timed(() => fetch(`${gw.origin}/healthz`));
        assert.deepEqual([health.status, health.body], [200, { status: 'ok' }]);
      }

      // Background work that finds the database gone (the webhooks' look for new changes, and the
      // deliverer's claim) waits for it: a warning per attempt, the outage itself logged once as
      // above, never an internal error.
      for (const gw of [queried, probed]) {
        const webhooks = gw.gateway.services.webhooks!;
        webhooks.dispatch();
        webhooks.deliverer.wake();
        await webhooks.settle();
      }

      await proxy.set('forward');
      const restored = performance.now();
      for (const gw of [queried, probed]) {
        const back = await waitFor('the gateway to serve again', async () => {
          const response = await gw.feed();
          assert.ok(response.status === 200 || response.status === 503, `while recovering: ${response.status} ${JSON.stringify(response.body)}`);
          return response.status === 200 ? response : undefined;
        }, { tries: 200, intervalMs: 50 });
        assertServes(back);
        assert.deepEqual((await timed(() => fetch(`${gw.origin}/readyz`))).body, { status: 'ready', database: 'postgres' });
      }
      t.diagnostic(`${mode}: both gateways serve again ${Math.round(performance.now() - restored)} ms after the proxy forwards again`);

      // The outage and the recovery are each logged once per gateway; nothing was an internal error.
      for (const [name, gw] of [['queried', queried], ['probed', probed]] as const) {
        const lines = gw.lines.slice(linesBefore[name]);
        const down = lines.filter((line) => line.msg === 'the database does not answer: requests get 503 until it does');
        const up = lines.filter((line) => line.msg === 'the database answers again');
        t.diagnostic(`${mode}: ${name} logged the outage as ${JSON.stringify(down.map((line) => line.reason))}`);
        assert.equal(down.length, 1, `${name}: ${down.length} outage lines`);
        assert.equal(down[0].level, 50);
        assert.equal(up.length, 1, `${name}: ${up.length} recovery lines`);
        const statuses = lines.filter((line) => line.msg === 'request').map((line) => line.status as number);
        assert.ok(statuses.every((status) => status < 500 || status === 503), `statuses: ${statuses.join(', ')}`);
        assert.deepEqual(lines.filter((line) => line.level >= 50 && line !== down[0]), [], `${name}: no other error was logged`);
        assert.ok(
          lines.some((line) => line.level === 40 && line.msg === 'delivering webhooks waits for the database'),
          `${name}: the webhooks' failed look was logged as a warning`,
        );
      }
    });
  }

  it('closes a WebSocket whose key cannot be checked while the database is away with 1013, which clients retry; once it is back the key connects', async () => {
    const { secret } = await createApiKey(queried.gateway.db, { name: 'live-during-outage', role: Role.PARTNER });
    await proxy.set('cut');
    try {
      const refused = connectLive(queried.gateway.url, secret);
      const closed = await refused.waitForClose('the socket to close while the key cannot be checked');
      // Not 4500 (internal error), which graphql-ws clients never retry after, nor 4403, which would say the key is bad.
      assert.deepEqual(closed, { code: 1013, reason: 'The database is not answering; try again shortly' });
      await refused.dispose();
    } finally {
      await proxy.set('forward');
    }
    await waitFor('the gateway to serve again', async () => (await queried.feed()).status === 200, { tries: 200, intervalMs: 50 });
    const live = connectLive(queried.gateway.url, secret);
    try {
      await live.waitForConnected();
      assert.equal(live.closed, null);
    } finally {
      await live.dispose();
    }
  });
});
