import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type DatabaseConfig } from '../src/config';
import type { TestHooks } from '../src/db/test-hooks';
import { startGateway, type RunningGateway } from '../src/main';
import { dropDatabase, freshDatabase, POSTGRES_ENABLED } from './helpers/drivers';
import { capturingLogger, type LogLine } from './helpers/log-capture';

const FEED_QUERY = '{ feed(first: 2) { edges { node { __typename title } } } }';
const MARKED_DOWN = 'the database does not answer: requests get 503 until it does';

/** A gateway on a database of its own, started before the suite's tests with `env` (and `testHooks`), its log lines captured. */
function gatewayFor(env: Record<string, string>, testHooks?: TestHooks): { readonly gateway: RunningGateway; readonly lines: LogLine[] } {
  const running = { gateway: undefined as unknown as RunningGateway, lines: [] as LogLine[] };
  let database: DatabaseConfig | undefined;
  before(async () => {
    database = freshDatabase('postgres');
    const captured = capturingLogger();
    running.lines = captured.lines;
    running.gateway = await startGateway(loadConfig({ NODE_ENV: 'test', ...env }, { port: 0, host: '127.0.0.1', database }), { logger: captured.logger, testHooks });
  });
  after(async () => {
    await running.gateway?.stop();
    if (database) await dropDatabase(database);
  });
  return running;
}

/**
 * Every connection of the pool busy with slow statements (eight broad searches
 * at once did it in the search benchmark) is not the database gone: the
 * request that waited in vain for a connection is refused, but the database is
 * not marked down, so the requests after it are served as soon as a connection
 * is free rather than refused until a probe gets through.
 */
describe('a pool whose connections are all in use [postgres]', { skip: !POSTGRES_ENABLED && 'set TEST_POSTGRES_URL' }, () => {
  const running = gatewayFor({ DB_POOL_SIZE: '1', DB_CONNECT_TIMEOUT_MS: '300' });

  const feed = async () => {
    const response = await fetch(running.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: FEED_QUERY }) });
    return { status: response.status, body: (await response.json()) as { data?: { feed: { edges: unknown[] } }; errors?: { extensions?: { code?: string } }[] } };
  };

  it('refuses the request that found no free connection, does not mark the database down, and serves the next one', async () => {
    assert.equal((await feed()).status, 200, 'served before');
    // The pool's only connection, held for two and a half seconds.
    const held = running.gateway.db.query('SELECT pg_sleep(2.5)');
    const refused = await feed();
    // A readiness probe waits for a connection too (1.5 s) and finds none: busy, not down.
    const ready = await fetch(new URL('/readyz', running.gateway.url));
    assert.equal(ready.status, 200, await ready.text());
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.deepEqual(refused.body.errors?.map((error) => error.extensions?.code), ['SERVICE_UNAVAILABLE']);
    await held;

    const served = await feed();
    assert.equal(served.status, 200, JSON.stringify(served.body));
    assert.equal(served.body.data?.feed.edges.length, 2);
    assert.deepEqual(
      running.lines.filter((line) => line.msg === MARKED_DOWN),
      [],
      'the database was never marked down',
    );
  });
});

/**
 * A statement PostgreSQL ends at DB_STATEMENT_TIMEOUT_MS (a search too broad
 * for its time) is the request asking too much, not a bug: the client is told
 * so with REQUEST_TIMEOUT, and the log gets a warning, not an internal error.
 */
describe('a statement past DB_STATEMENT_TIMEOUT_MS [postgres]', { skip: !POSTGRES_ENABLED && 'set TEST_POSTGRES_URL' }, () => {
  const running = gatewayFor({ DB_STATEMENT_TIMEOUT_MS: '200' }, { beforeRead: 'SELECT pg_sleep(2)' });

  it('answers REQUEST_TIMEOUT on the field whose statement was cancelled, logs a warning, and keeps serving', async () => {
    const response = await fetch(running.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: FEED_QUERY }) });
    const body = (await response.json()) as { data?: unknown; errors?: { message: string; path?: string[]; extensions?: { code?: string } }[] };
    assert.deepEqual(
      body.errors?.map((error) => [error.extensions?.code, error.path]),
      [['REQUEST_TIMEOUT', ['feed']]],
      JSON.stringify(body),
    );
    assert.match(body.errors![0].message, /ran past its time limit/);
    assert.deepEqual(running.lines.filter((line) => line.level >= 50).map((line) => line.msg), [], 'no error logged');
    assert.equal(running.lines.filter((line) => line.level === 40 && /DB_STATEMENT_TIMEOUT_MS/.test(line.msg)).length, 1);
    // The feeds say the same, as a refusal in the gateway's shape.
    const atom = await fetch(new URL('/feed.atom', running.gateway.url));
    assert.equal(atom.status, 503);
    assert.deepEqual(((await atom.json()) as { errors: { extensions: { code: string } }[] }).errors.map((error) => error.extensions.code), ['REQUEST_TIMEOUT']);
    assert.equal(running.lines.filter((line) => line.level === 40 && /DB_STATEMENT_TIMEOUT_MS/.test(line.msg)).length, 2);
    assert.deepEqual(running.lines.filter((line) => line.level >= 50).map((line) => line.msg), [], 'no error logged');
    // The connection that ran it is fine: member nations are held in the process, so ask the database directly.
    assert.deepEqual(await running.gateway.db.query('SELECT 1 AS one'), [{ one: 1 }]);
  });
});
