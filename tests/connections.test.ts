import 'reflect-metadata';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { loadConfig, type DatabaseConfig } from '../src/config';
import { startGateway, type RunningGateway } from '../src/main';
import { dropDatabase, freshDatabase } from './helpers/drivers';
import { capturingLogger, type LogLine } from './helpers/log-capture';
import { startMainProcess, type MainProcess } from './helpers/main-process';
import { RawConnection } from './helpers/raw-http';

/**
 * How the gateway treats connections: idle keep-alive sockets are kept longer
 * than a load balancer keeps its own (75 s by default), and clients that send
 * their request too slowly are cut off (HEADERS_TIMEOUT_MS, BODY_TIMEOUT_MS), so
 * that idle and slow connections cannot crowd out real requests.
 */

const HEALTHZ = 'GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n';
const HEALTHY = { status: 200, body: '{"status":"ok"}' };
/** What Node writes before closing a connection whose request did not arrive in time. */
const REQUEST_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';
/** Node keeps an idle socket this much longer than the Keep-Alive timeout it advertises, so that a client never races it. */
const NODE_KEEP_ALIVE_BUFFER_MS = 1_000;

async function startWith(env: Record<string, string>): Promise<{ gateway: RunningGateway; database: DatabaseConfig; lines: LogLine[] }> {
  const database = freshDatabase('sqlite');
  const { lines, logger } = capturingLogger();
  const gateway = await startGateway(loadConfig({ NODE_ENV: 'test', ...env }, { port: 0, host: '127.0.0.1', database }), { demoIfEmpty: false, logger });
  return { gateway, database, lines };
}

describe('keep-alive and slow clients', () => {
  let defaults: Awaited<ReturnType<typeof startWith>>;
  let short: Awaited<ReturnType<typeof startWith>>;
  const connections: RawConnection[] = [];

  async function connect(gateway: RunningGateway): Promise<RawConnection> {
    const connection = await RawConnection.open(gateway.port);
    connections.push(connection);
    return connection;
  }

  before(async () => {
    defaults = await startWith({});
    short = await startWith({ KEEP_ALIVE_TIMEOUT_MS: '1000', HEADERS_TIMEOUT_MS: '1000', BODY_TIMEOUT_MS: '2500' });
  });
  after(async () => {
    for (const connection of connections) connection.destroy();
    for (const started of [defaults, short]) {
      await started?.gateway.stop();
      if (started) await dropDatabase(started.database);
    }
  });

  it('advertises Keep-Alive: timeout=75 by default and keeps an idle socket open past Node’s own 5 s, answering on it after 7 s', async () => {
    const connection = await connect(defaults.gateway);
    connection.write(HEALTHZ);
    const first = await connection.nextResponse();
    assert.deepEqual({ status: first.status, body: first.body }, HEALTHY);
    assert.equal(first.headers.connection, 'keep-alive');
    assert.equal(first.headers['keep-alive'], 'timeout=75');
    // Node's default (5 s, closed at 5 s + its 1 s buffer) would have closed the socket by now.
    await delay(7_000);
    assert.equal(connection.open, true, 'the socket is still open after 7 s idle');
    connection.write(HEALTHZ);
    const second = await connection.nextResponse();
    assert.deepEqual({ status: second.status, body: second.body }, HEALTHY);
    assert.equal(connection.open, true);
  });

  it('with KEEP_ALIVE_TIMEOUT_MS=1000 advertises timeout=1 and closes the idle socket about 1 s later', async (t) => {
    const connection = await connect(short.gateway);
    connection.write(HEALTHZ);
    const response = await connection.nextResponse();
    const answered = performance.now();
    assert.deepEqual({ status: response.status, body: response.body }, HEALTHY);
    assert.equal(response.headers['keep-alive'], 'timeout=1');
    await connection.closed;
    const idleMs = Math.round(connection.closedAt! - answered);
    t.diagnostic(`closed ${idleMs} ms after the answer (Node adds ${NODE_KEEP_ALIVE_BUFFER_MS} ms to the advertised 1000)`);
    assert.ok(idleMs >= 1_000, `closed after ${idleMs} ms, before the advertised timeout`);
    assert.ok(idleMs <= 1_000 + NODE_KEEP_ALIVE_BUFFER_MS + 1_500, `closed after ${idleMs} ms`);
    assert.equal(connection.unread, '', 'nothing was sent after the answer');
  });

  it('with HEADERS_TIMEOUT_MS=1000 answers headers trickling in one byte every 200 ms with 408 and closes the socket within 3 s', async (t) => {
    const connection = await connect(short.gateway);
    const started = performance.now();
    const head = `POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nX-Padding: ${'a'.repeat(100)}\r\nContent-Length: 27\r\n\r\n`;
    const sent = await connection.trickle(head, 200);
    await connection.closed;
    const ms = Math.round(connection.closedAt! - started);
    t.diagnostic(`cut off after ${ms} ms and ${sent} of ${head.length} bytes`);
    assert.ok(sent < head.length, 'the headers were not all sent');
    assert.ok(ms <= 3_000, `cut off after ${ms} ms`);
    assert.equal(connection.received, REQUEST_TIMEOUT);
  });

  it('with HEADERS_TIMEOUT_MS=1000 answers a connection that sends nothing at all with 408 and closes it within 3 s', async (t) => {
    const connection = await connect(short.gateway);
    const started = performance.now();
    await connection.closed;
    const ms = Math.round(connection.closedAt! - started);
    t.diagnostic(`closed after ${ms} ms`);
    assert.ok(ms <= 3_000, `closed after ${ms} ms`);
    assert.equal(connection.received, REQUEST_TIMEOUT);
  });

  it('with BODY_TIMEOUT_MS=2500 answers a body trickling in with 408 once the body timeout (not the headers timeout) has passed, and logs it as the client’s doing, not an error', async (t) => {
    const linesBefore = short.lines.length;
    const connection = await connect(short.gateway);
    const body = JSON.stringify({ query: `{ __typename }${' '.repeat(100)}` });
    const started = performance.now();
    connection.write(`POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
    const sent = await connection.trickle(body, 200);
    await connection.closed;
    const ms = Math.round(connection.closedAt! - started);
    t.diagnostic(`cut off after ${ms} ms and ${sent} of ${body.length} body bytes`);
    assert.ok(sent < body.length, 'the body was not all sent');
    assert.ok(ms >= 2_500, `cut off after ${ms} ms, before the body timeout`);
    assert.ok(ms <= 2_500 + 2_000, `cut off after ${ms} ms`);
    assert.equal(connection.received, REQUEST_TIMEOUT);

    await delay(100);
    const lines = short.lines.slice(linesBefore);
    assert.deepEqual(lines.filter((line) => line.level >= 50), [], 'a slow client is not a server error');
    const cutOff = lines.filter((line) => line.msg === 'the request was cut off before its body arrived: the client hung up or was too slow');
    assert.equal(cutOff.length, 1, JSON.stringify(lines));
    assert.equal(cutOff[0].level, 40);
    assert.deepEqual({ method: cutOff[0].method, path: cutOff[0].path }, { method: 'POST', path: '/graphql' });

    // The gateway goes on serving.
    const after = await fetch(`http://127.0.0.1:${short.gateway.port}/healthz`);
    assert.equal(after.status, 200);
  });
});

describe('2,000 idle connections to node dist/src/main.js', () => {
  const COUNT = 2_000;
  let child: MainProcess;
  const idle: RawConnection[] = [];

  before(async () => {
    // Long request timeouts, so that the idle connections are still held when the test asks; the default would cut them at 10 s.
    child = await startMainProcess({ HEADERS_TIMEOUT_MS: '60000', BODY_TIMEOUT_MS: '60000' });
  });
  after(async () => {
    for (const connection of idle) connection.destroy();
    await child?.stop(2_000);
  });

  it('keeps answering GraphQL and /healthz promptly while 2,000 connections sit idle, and stays up once they close', async (t) => {
    const opening = performance.now();
    for (let batch = 0; batch < COUNT; batch += 100) {
      idle.push(...(await Promise.all(Array.from({ length: 100 }, () => RawConnection.open(child.port)))));
    }
    t.diagnostic(`opened ${idle.length} connections in ${Math.round(performance.now() - opening)} ms`);

    const queried = performance.now();
    const graphql = await fetch(`${child.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ memberNation(code: "GBR") { code name } }' }),
    });
    const graphqlBody = await graphql.json();
    const graphqlMs = Math.round(performance.now() - queried);
    const checked = performance.now();
    const health = await fetch(`${child.origin}/healthz`);
    const healthBody = await health.json();
    const healthMs = Math.round(performance.now() - checked);
    t.diagnostic(`with ${COUNT} idle connections: GraphQL answered in ${graphqlMs} ms, /healthz in ${healthMs} ms`);

    assert.equal(graphql.status, 200);
    assert.deepEqual(graphqlBody, { data: { memberNation: { code: 'GBR', name: 'United Kingdom' } }, extensions: { cost: { cost: 1, limit: 10_000 } } });
    assert.equal(health.status, 200);
    assert.deepEqual(healthBody, { status: 'ok' });
    // Answered while every idle connection was still held open by the gateway.
    assert.equal(idle.filter((connection) => connection.open).length, COUNT);
    assert.equal(child.child.exitCode, null);

    for (const connection of idle) connection.destroy();
    await Promise.all(idle.map((connection) => connection.closed));
    const afterwards = await fetch(`${child.origin}/healthz`);
    assert.equal(afterwards.status, 200);
    assert.deepEqual(await afterwards.json(), { status: 'ok' });
    assert.deepEqual(await child.stop(), { code: 0, signal: null });
    assert.equal(child.stderr(), '');
  });
});
