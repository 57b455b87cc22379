import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from 'pg';
import { loadConfig, type DatabaseConfig } from '../src/config';
import { startGateway, type RunningGateway } from '../src/main';
import { Role } from '../src/shared/viewer';
import { createApiKey } from '../src/store/keys';
import { dropDatabase, freshDatabase, POSTGRES_ENABLED } from './helpers/drivers';
import { assertHttpError, waitFor } from './helpers/http';
import { connectLive } from './helpers/live';
import { capturingLogger, type LogLine } from './helpers/log-capture';

/**
 * A feed's API key is looked up before anything else; a lookup PostgreSQL ends
 * at DB_STATEMENT_TIMEOUT_MS (here: blocked by a lock the test holds on the
 * keys' table) is the database not answering in time, not a bug: 503 with
 * Retry-After, a warning, no error, and the database not marked down.
 */
describe('a feed, /graphql or WebSocket request whose API key lookup runs past DB_STATEMENT_TIMEOUT_MS [postgres]', { skip: !POSTGRES_ENABLED && 'set TEST_POSTGRES_URL' }, () => {
  let database: DatabaseConfig;
  let gateway: RunningGateway;
  let origin: string;
  let lines: LogLine[];
  /** A connection of the test's own, which holds the lock. */
  let locker: Client;

  before(async () => {
    database = freshDatabase('postgres');
    const captured = capturingLogger();
    lines = captured.lines;
    gateway = await startGateway(loadConfig({ NODE_ENV: 'test', DB_STATEMENT_TIMEOUT_MS: '300' }, { port: 0, host: '127.0.0.1', database }), { logger: captured.logger });
    origin = `http://127.0.0.1:${gateway.port}`;
    const { url, schema } = database as { url: string; schema: string };
    locker = new Client({ connectionString: url, options: `-c search_path=${schema}` });
    await locker.connect();
  });

  after(async () => {
    await locker?.end();
    await gateway?.stop();
    if (database) await dropDatabase(database);
  });

  it('answers 503 REQUEST_TIMEOUT with Retry-After, logs a warning and no error, keeps the database up, and serves the key once the lock is gone', async () => {
    const { secret } = await createApiKey(gateway.db, { name: 'feed reader', role: Role.PARTNER });
    const headers = { authorization: `Bearer ${secret}` };
    await locker.query('BEGIN');
    try {
      // Every read of the keys' table now waits for the test's transaction; the key has never been looked up (nothing cached).
      await locker.query('LOCK TABLE api_key IN ACCESS EXCLUSIVE MODE');
      for (const format of ['atom', 'json']) {
        const response = await fetch(`${origin}/feed.${format}?limit=1`, { headers });
        const message = assertHttpError({ status: response.status, json: await response.json() }, 503, 'REQUEST_TIMEOUT');
        assert.match(message, /API key.*time limit/, message);
        assert.equal(response.headers.get('retry-after'), '5');
      }
      // /graphql checks the key the same way, and answers the same.
      const graphql = await fetch(`${origin}/graphql`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
      assert.match(assertHttpError({ status: graphql.status, json: await graphql.json() }, 503, 'REQUEST_TIMEOUT'), /API key.*time limit/);
      assert.equal(graphql.headers.get('retry-after'), '5');
      // And by GET, whose query string (the document, the variables) stays out of the log.
      const get = await fetch(`${origin}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers });
      assert.equal(get.status, 503);
      // A WebSocket's key is checked the same way: closed with 1013 (try again later), which graphql-ws clients retry.
      const live = connectLive(gateway.url, secret);
      try {
        const closed = await live.waitForClose('the socket to close while the key cannot be checked');
        assert.equal(closed.code, 1013);
        assert.match(closed.reason, /API key.*time limit/);
      } finally {
        await live.dispose();
      }
      // A feed without a key looks nothing up, and is served.
      assert.equal((await fetch(`${origin}/feed.json?limit=1`)).status, 200);
    } finally {
      await locker.query('ROLLBACK');
    }
    assert.equal(gateway.services.health.available, true, 'the database was not marked down');
    assert.deepEqual(lines.filter((line) => line.level >= 50).map((line) => line.msg), [], 'no error logged');
    const warnings = lines.filter((line) => line.level === 40 && /DB_STATEMENT_TIMEOUT_MS/.test(line.msg));
    assert.equal(warnings.length, 5, 'a warning for each');
    assert.deepEqual(
      warnings.map((line) => line.path),
      ['/feed.atom', '/feed.json', '/graphql', '/graphql', '/graphql'],
    );

    const served = await waitFor('the key to be served', async () => {
      const response = await fetch(`${origin}/feed.json?limit=1`, { headers });
      return response.status === 200 ? response : undefined;
    });
    assert.equal(served.headers.get('content-type'), 'application/feed+json; charset=utf-8');
  });

  it('answers a lookup that fails for any other reason (the keys’ table gone) as the internal error it is, not as “try again”', async () => {
    const { secret } = await createApiKey(gateway.db, { name: 'broken schema', role: Role.PARTNER });
    const headers = { authorization: `Bearer ${secret}` };
    const errorsBefore = lines.filter((line) => line.level >= 50).length;
    await locker.query('ALTER TABLE api_key RENAME TO api_key_away');
    try {
      const feed = await fetch(`${origin}/feed.json?limit=1`, { headers });
      assert.equal(feed.status, 500);
      assert.equal(feed.headers.get('retry-after'), null);
      const graphql = await fetch(`${origin}/graphql`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
      assert.equal(graphql.status, 500);
      assert.equal(graphql.headers.get('retry-after'), null);
      assert.doesNotMatch(await graphql.text(), /api_key/, 'no SQL in the answer');
      const live = connectLive(gateway.url, secret);
      try {
        assert.deepEqual(await live.waitForClose(), { code: 4500, reason: 'Internal server error' });
      } finally {
        await live.dispose();
      }
    } finally {
      await locker.query('ALTER TABLE api_key_away RENAME TO api_key');
    }
    assert.equal(gateway.services.health.available, true, 'the database was not marked down');
    assert.ok(lines.filter((line) => line.level >= 50).length >= errorsBefore + 3, 'each logged as an error');
  });
});
