import 'reflect-metadata';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { loadConfig } from '../src/config';
import { startGateway } from '../src/main';
import { DRIVERS, dropDatabase, freshDatabase } from './helpers/drivers';

/** A pino logger whose JSON lines land in an array. */
function capturingLogger() {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

for (const driver of DRIVERS) {
  describe(`errors in production [${driver}]`, () => {
    it('masks an unexpected failure: no SQL or stack to the client, one structured log line with the request id', async () => {
      const database = freshDatabase(driver);
      const { lines, logger } = capturingLogger();
      const gateway = await startGateway(loadConfig({ NODE_ENV: 'production', RATE_LIMIT: 'off' }, { port: 0, host: '127.0.0.1', database }), { logger });
      try {
        // Losing the database mid-flight is the unexpected failure every deployment meets.
        await gateway.db.destroy();
        const response = await fetch(gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-request-id': 'req-masking-1' },
          body: JSON.stringify({ query: '{ feed(first: 1) { edges { node { title } } } }' }),
        });
        const text = await response.text();
        assert.equal(response.headers.get('x-request-id'), 'req-masking-1');
        assert.deepEqual(JSON.parse(text).errors, [
          { message: 'Internal server error', locations: [{ line: 1, column: 3 }], path: ['feed'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
        ]);
        assert.doesNotMatch(text, /SELECT|stack|at \w+ \(|\.js:\d+/);
        const failure = lines.find((line) => line.msg === 'unexpected error while resolving');
        assert.ok(failure?.err?.stack, 'the original error and its stack are logged');
        const request = lines.find((line) => line.msg === 'request' && line.requestId === 'req-masking-1');
        assert.deepEqual(
          { method: request?.method, path: request?.path, status: request?.status, role: request?.role },
          { method: 'POST', path: '/graphql', status: 200, role: 'ANONYMOUS' },
        );
      } finally {
        // Not stop(): the database is already destroyed. The services go too: the change-log tailer's own connection would keep the process alive.
        await gateway.close();
        await gateway.services.close();
        await dropDatabase(database);
      }
    });
  });
}

describe('database bounds', { skip: !DRIVERS.includes('postgres') && 'PostgreSQL suite not enabled' }, () => {
  it('sets a statement timeout on every PostgreSQL connection', async () => {
    const database = freshDatabase('postgres');
    const gateway = await startGateway(loadConfig({ NODE_ENV: 'test', DB_STATEMENT_TIMEOUT_MS: '1234' }, { port: 0, host: '127.0.0.1', database }));
    try {
      const [{ statement_timeout }] = await gateway.db.query('SHOW statement_timeout');
      assert.equal(statement_timeout, '1234ms');
    } finally {
      await gateway.stop();
      await dropDatabase(database);
    }
  });
});
