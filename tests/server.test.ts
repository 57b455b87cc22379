import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { loadConfig, type DatabaseConfig } from '../src/config';
import { startGateway, type RunningGateway } from '../src/main';
import { DRIVERS, dropDatabase, freshDatabase } from './helpers/drivers';
import { RawConnection } from './helpers/raw-http';
import { startTestGateway, type TestGateway } from './helpers/server';

/** The built server entry point: this file runs from dist/tests/. */
const MAIN = path.resolve(__dirname, '../src/main.js');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';
const MAX_BODY_BYTES = 1024 * 1024;

const GBR_QUERY = '{ memberNation(code: "gbr") { code name } }';
/** Every executed operation reports its cost (see tests/protection.test.ts). */
const COST_1 = { cost: { cost: 1, limit: 10_000 } };
const COST_0 = { cost: { cost: 0, limit: 10_000 } };
/** The answer to GBR_QUERY as `TestGateway.post` returns it (extensions apart) … */
const GBR_DATA = { data: { memberNation: { code: 'GBR', name: 'United Kingdom' } } };
/** … and as it travels. */
const GBR = { ...GBR_DATA, extensions: COST_1 };

/** Splits a comma-separated header value into lowercase items. */
function list(value: string | null): string[] {
  return (value ?? '').split(',').map((item) => item.trim().toLowerCase()).filter(Boolean);
}

/** Asserts one of the gateway's own JSON error responses: `{ errors: [{ message, extensions: { code } }] }`, nothing else. */
async function assertHttpError(response: Response, status: number, code: string): Promise<void> {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('content-type'), JSON_TYPE);
  const body = (await response.json()) as { errors?: { message?: unknown }[] };
  const message = body.errors?.[0]?.message;
  assert.equal(typeof message, 'string');
  assert.notEqual(message, '');
  assert.deepEqual(body, { errors: [{ message, extensions: { code } }] });
}

/** A normal query still answers 200 with the right data. */
async function assertStillServes(gateway: TestGateway): Promise<void> {
  const response = await gateway.post(GBR_QUERY);
  assert.equal(response.status, 200);
  assert.deepEqual(response.body, GBR_DATA);
}

/** Where a TCP connection to the port ends up: `connected`, or the error code. */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('HTTP surface', () => {
  let gw: TestGateway;

  before(async () => {
    gw = await startTestGateway('sqlite');
  });

  after(async () => {
    await gw?.stop();
  });

  describe('health', () => {
    it('answers GET /healthz with 200 {"status":"ok"} as JSON', async () => {
      const response = await fetch(`${gw.origin}/healthz`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), JSON_TYPE);
      assert.match(response.headers.get('x-request-id') ?? '', UUID);
      assert.deepEqual(await response.json(), { status: 'ok' });
    });

    it('answers GET /readyz with 200 and status "ready" while the database answers', async () => {
      const response = await fetch(`${gw.origin}/readyz`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), JSON_TYPE);
      assert.deepEqual(await response.json(), { status: 'ready', database: 'better-sqlite3' });
    });
  });

  describe('POST /graphql', () => {
    it('answers a query with 200, the whole result and a generated x-request-id', async () => {
      const response = await gw.post(GBR_QUERY);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), GRAPHQL_RESPONSE_TYPE);
      assert.match(response.headers.get('x-request-id') ?? '', UUID);
      assert.deepEqual(response.body, GBR_DATA);
    });

    it('gives each request its own x-request-id', async () => {
      const [a, b] = await Promise.all([gw.post(GBR_QUERY), gw.post(GBR_QUERY)]);
      assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));
    });

    it('echoes the x-request-id the client sends', async () => {
      const response = await gw.post(GBR_QUERY, undefined, { 'x-request-id': 'abc-123' });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-request-id'), 'abc-123');
      assert.deepEqual(response.body, GBR_DATA);
    });

    it('replaces a client x-request-id that is not a plain token with a generated one', async () => {
      for (const given of ['has space', 'x'.repeat(65), 'semi;colon']) {
        const response = await gw.post(GBR_QUERY, undefined, { 'x-request-id': given });
        assert.equal(response.status, 200);
        assert.match(response.headers.get('x-request-id') ?? '', UUID, `for x-request-id ${JSON.stringify(given)}`);
      }
    });

    it('passes variables to the operation', async () => {
      const response = await gw.post('query Nation($code: String!) { memberNation(code: $code) { code name } }', { code: 'gbr' });
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, GBR_DATA);
    });

    it('answers a code no member has with null data and no error', async () => {
      const response = await gw.post('{ memberNation(code: "XXX") { code } }');
      assert.equal(response.status, 200);
      assert.deepEqual(response.body, { data: { memberNation: null } });
    });
  });

  describe('GET /graphql', () => {
    it('answers a query in the query string with 200 and the data', async () => {
      const query = encodeURIComponent('{memberNation(code:"IRQ"){name}}');
      const response = await fetch(`${gw.url}?query=${query}`);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/(graphql-response\+)?json; charset=utf-8$/);
      assert.match(response.headers.get('x-request-id') ?? '', UUID);
      assert.deepEqual(await response.json(), { data: { memberNation: { name: 'Iraq' } }, extensions: COST_1 });
    });
  });

  describe('CORS with any origin allowed (the default)', () => {
    it('answers a preflight OPTIONS with 204 and the allowed methods and headers', async () => {
      const response = await fetch(gw.url, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
      });
      assert.equal(response.status, 204);
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      const methods = list(response.headers.get('access-control-allow-methods'));
      assert.ok(methods.includes('post'), `allow-methods: ${methods}`);
      assert.ok(methods.includes('get'), `allow-methods: ${methods}`);
      const headers = list(response.headers.get('access-control-allow-headers'));
      for (const header of ['content-type', 'authorization', 'x-request-id']) {
        assert.ok(headers.includes(header), `allow-headers should include ${header}: ${headers}`);
      }
      assert.equal(await response.text(), '');
    });

    it('adds access-control-allow-origin to a POST from another origin and exposes x-request-id', async () => {
      const response = await gw.post(GBR_QUERY, undefined, { origin: 'https://app.example' });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), '*');
      assert.ok(list(response.headers.get('access-control-expose-headers')).includes('x-request-id'));
      assert.deepEqual(response.body, GBR_DATA);
    });

    it('adds no CORS headers to a request without an Origin', async () => {
      const response = await gw.post(GBR_QUERY);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('requests the gateway refuses', () => {
    it('answers a request target that is no URL (`//`) with 400, as a request and as a WebSocket upgrade, then still serves', async () => {
      const port = gw.gateway.port;
      const plain = await RawConnection.open(port);
      plain.write('GET // HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      const answer = await plain.nextResponse();
      assert.equal(answer.status, 400);
      assert.equal(JSON.parse(answer.body).errors[0].extensions.code, 'BAD_REQUEST');
      // An upgrade's handler runs outside any request: a throw there would end the process.
      const upgrade = await RawConnection.open(port);
      upgrade.write('GET // HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
      await upgrade.closed;
      assert.match(upgrade.received, /^HTTP\/1\.1 400 Bad Request/);
      await assertStillServes(gw);
    });

    it('answers a malformed JSON body with 400 BAD_REQUEST, then still serves', async () => {
      const response = await fetch(gw.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query": "{ __typename }"',
      });
      await assertHttpError(response, 400, 'BAD_REQUEST');
      await assertStillServes(gw);
    });

    it('answers an empty JSON body with 400 BAD_REQUEST, then still serves', async () => {
      const response = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' });
      await assertHttpError(response, 400, 'BAD_REQUEST');
      await assertStillServes(gw);
    });

    it('answers a body over 1 MiB with 413 PAYLOAD_TOO_LARGE, then still serves', async () => {
      const body = JSON.stringify({ query: '{ __typename }', padding: 'x'.repeat(MAX_BODY_BYTES) });
      assert.ok(Buffer.byteLength(body) > MAX_BODY_BYTES);
      const response = await fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await assertHttpError(response, 413, 'PAYLOAD_TOO_LARGE');
      await assertStillServes(gw);
    });

    it(
      'answers a chunked body (no content-length) over 1 MiB with 413 PAYLOAD_TOO_LARGE, then still serves',
      async () => {
        const port = gw.gateway.port;
        const response = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent: false, headers: { 'content-type': 'application/json' } });
          req.on('response', (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
            res.on('end', () => resolve({ status: res.statusCode, body: text }));
          });
          req.on('error', reject);
          req.write('{"query":"{ __typename }","padding":"');
          const chunk = 'x'.repeat(64 * 1024);
          for (let sent = 0; sent <= MAX_BODY_BYTES; sent += chunk.length) req.write(chunk);
          req.end('"}');
        });
        assert.equal(response.status, 413);
        assert.equal(JSON.parse(response.body).errors[0].extensions.code, 'PAYLOAD_TOO_LARGE');
        await assertStillServes(gw);
      },
    );

    it('answers PUT /graphql with 405 METHOD_NOT_ALLOWED and an allow header, then still serves', async () => {
      const response = await fetch(gw.url, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      assert.deepEqual(list(response.headers.get('allow')).sort(), ['get', 'options', 'post']);
      await assertHttpError(response, 405, 'METHOD_NOT_ALLOWED');
      await assertStillServes(gw);
    });

    it('answers an unknown path with 404 NOT_FOUND as JSON, then still serves', async () => {
      const response = await fetch(`${gw.origin}/nope`);
      await assertHttpError(response, 404, 'NOT_FOUND');
      await assertStillServes(gw);
    });

    it('answers a GraphQL syntax error with 400 GRAPHQL_PARSE_FAILED and no data', async () => {
      const response = await gw.post('{ feed {');
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('content-type'), GRAPHQL_RESPONSE_TYPE);
      assert.equal('data' in response.body, false);
      assert.equal(response.body.errors?.length, 1);
      assert.equal(response.body.errors?.[0].extensions?.code, 'GRAPHQL_PARSE_FAILED');
      await assertStillServes(gw);
    });

    it('answers a query for an unknown field with 400 GRAPHQL_VALIDATION_FAILED and no data', async () => {
      const response = await gw.post('{ noSuchField }');
      assert.equal(response.status, 400);
      assert.equal(response.headers.get('content-type'), GRAPHQL_RESPONSE_TYPE);
      assert.equal('data' in response.body, false);
      assert.equal(response.body.errors?.length, 1);
      assert.equal(response.body.errors?.[0].extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
      assert.match(response.body.errors?.[0].message ?? '', /noSuchField/);
      await assertStillServes(gw);
    });
  });
});

describe('CORS with an allow-list', () => {
  let database: DatabaseConfig;
  let gateway: RunningGateway;
  const QUERY = JSON.stringify({ query: '{ __typename }' });

  before(async () => {
    database = freshDatabase('sqlite');
    const config = loadConfig({ NODE_ENV: 'test' }, { port: 0, host: '127.0.0.1', database, corsOrigins: ['https://allowed.example'] });
    gateway = await startGateway(config, { demoIfEmpty: false });
  });

  after(async () => {
    await gateway?.stop();
    if (database) await dropDatabase(database);
  });

  it('echoes an allowed origin exactly on a POST, with Vary: Origin', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://allowed.example' },
      body: QUERY,
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://allowed.example');
    assert.ok(list(response.headers.get('vary')).includes('origin'));
    assert.deepEqual(await response.json(), { data: { __typename: 'Query' }, extensions: COST_0 });
  });

  it('echoes an allowed origin on a preflight with 204', async () => {
    const response = await fetch(gateway.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://allowed.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(response.status, 204);
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://allowed.example');
    assert.ok(list(response.headers.get('access-control-allow-methods')).includes('post'));
  });

  it('refuses a POST from another origin with 403 FORBIDDEN and no CORS headers', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: QUERY,
    });
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    await assertHttpError(response, 403, 'FORBIDDEN');
  });

  it('refuses a preflight from another origin with 403 FORBIDDEN', async () => {
    const response = await fetch(gateway.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    assert.equal(response.headers.get('access-control-allow-methods'), null);
    await assertHttpError(response, 403, 'FORBIDDEN');
  });

  it('does not treat an origin that merely starts like an allowed one as allowed', async () => {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://allowed.example.evil.example' },
      body: QUERY,
    });
    await assertHttpError(response, 403, 'FORBIDDEN');
  });

  it('serves a request without an Origin (not from a browser)', async () => {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: QUERY });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { data: { __typename: 'Query' }, extensions: COST_0 });
  });
});

for (const driver of DRIVERS) {
  describe(`readiness on ${driver}`, () => {
    let gw: TestGateway;

    before(async () => {
      gw = await startTestGateway(driver, { demo: false });
    });

    after(async () => {
      if (!gw) return;
      // The database may already be destroyed by a test: close the server and the background services
      // (the change-log tailer's own connection would keep the process alive), then the database if still open.
      await gw.gateway.close();
      await gw.gateway.services.close();
      if (gw.gateway.db.isInitialized) await gw.gateway.db.destroy();
      await dropDatabase(gw.database);
    });

    it('answers /readyz with 200 and the database type while the database answers', async () => {
      const response = await fetch(`${gw.origin}/readyz`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), JSON_TYPE);
      assert.deepEqual(await response.json(), { status: 'ready', database: driver === 'sqlite' ? 'better-sqlite3' : 'postgres' });
    });

    it('answers /readyz with 503 "unavailable" and /healthz with 200 once the database is down', async () => {
      await gw.gateway.db.destroy();

      const ready = await fetch(`${gw.origin}/readyz`);
      assert.equal(ready.status, 503);
      assert.equal(ready.headers.get('content-type'), JSON_TYPE);
      const body = (await ready.json()) as Record<string, unknown>;
      assert.equal(body.status, 'unavailable');
      assert.deepEqual(body, { status: 'unavailable', reason: 'database does not answer' });

      const health = await fetch(`${gw.origin}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
    });
  });
}

describe('graceful shutdown of node dist/src/main.js', () => {
  /** The spec's bound: SIGTERM → exit within 10 seconds. */
  const SHUTDOWN_BOUND_MS = 10_000;
  const dirs: string[] = [];
  const children: ChildProcessWithoutNullStreams[] = [];

  interface Serving {
    child: ChildProcessWithoutNullStreams;
    port: number;
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    stderr(): string;
    stdout(): string;
  }

  /** Starts the server on an ephemeral port over a fresh SQLite file and waits for its "serving" line. */
  async function startMain(extra: Record<string, string> = {}): Promise<Serving> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coalition-graph-main-'));
    dirs.push(dir);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: `sqlite:${path.join(dir, 'g.sqlite')}`,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
    };
    // As `npm start` runs it: no NODE_ENV (development), no test-runner context.
    delete env.NODE_ENV;
    delete env.NODE_TEST_CONTEXT;
    delete env.CORS_ORIGINS;
    delete env.SHUTDOWN_TIMEOUT_MS;
    Object.assign(env, extra);
    const child = spawn(process.execPath, [MAIN], { cwd: dir, env });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const match = /^Coalition Graph is serving http:\/\/127\.0\.0\.1:(\d+)\/graphql \(database: .*g\.sqlite\)$/m.exec(stdout);
        if (match) resolve(Number(match[1]));
      });
      exited.then(({ code, signal }) => reject(new Error(`main.js exited (${code ?? signal}) before serving: ${stdout}${stderr}`)));
    });
    return { child, port, exited, stderr: () => stderr, stdout: () => stdout };
  }

  /** The exit of the child, or 'still running' once the bound has passed. */
  async function exitWithin(serving: Serving, ms: number) {
    const controller = new AbortController();
    try {
      return await Promise.race([serving.exited, delay(ms, 'still running' as const, { signal: controller.signal })]);
    } finally {
      controller.abort();
    }
  }

  function post(port: number, query: string) {
    return fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
  }

  after(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
    }
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves, then on SIGTERM exits with code 0 within 10 seconds and stops listening', async () => {
    const serving = await startMain();

    const response = await post(serving.port, GBR_QUERY);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), GBR);

    serving.child.kill('SIGTERM');
    assert.deepEqual(await exitWithin(serving, SHUTDOWN_BOUND_MS), { code: 0, signal: null });
    assert.equal(serving.stderr(), '');
    assert.equal(await probe(serving.port), 'ECONNREFUSED');
  });

  it('at LOG_LEVEL=info writes a line per request (asynchronously) and loses none of them on SIGTERM', async () => {
    const serving = await startMain({ LOG_LEVEL: 'info' });
    for (let i = 0; i < 20; i++) assert.equal((await post(serving.port, GBR_QUERY)).status, 200);
    serving.child.kill('SIGTERM');
    assert.deepEqual(await exitWithin(serving, SHUTDOWN_BOUND_MS), { code: 0, signal: null });
    const lines = serving
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; path?: string; status?: number });
    assert.equal(lines.filter((line) => line.msg === 'request' && line.path === '/graphql' && line.status === 200).length, 20);
    assert.ok(lines.some((line) => line.msg === 'shutting down'), 'the last line before exit is written too');
  });

  it('on SIGTERM stops accepting connections but finishes a request in flight before exiting 0', async () => {
    const serving = await startMain();

    // A request whose headers the server has read (it answered 100-continue) but whose body is not complete.
    const req = http.request({
      host: '127.0.0.1',
      port: serving.port,
      path: '/graphql',
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', expect: '100-continue' },
    });
    const responded = new Promise<{ status?: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      });
      req.on('error', reject);
    });
    responded.catch(() => {}); // awaited below; do not let an early failure count as unhandled
    await once(req, 'continue');
    const body = JSON.stringify({ query: GBR_QUERY });
    req.write(body.slice(0, 10));

    serving.child.kill('SIGTERM');
    // Wait until the listener is closed: then the shutdown has begun while the request is in flight.
    while ((await probe(serving.port)) === 'connected') await delay(20);
    assert.equal(await probe(serving.port), 'ECONNREFUSED');

    req.end(body.slice(10));
    const response = await responded;
    assert.equal(response.status, 200);
    assert.deepEqual(JSON.parse(response.body), GBR);

    assert.deepEqual(await exitWithin(serving, SHUTDOWN_BOUND_MS), { code: 0, signal: null });
    assert.equal(serving.stderr(), '');
  });
});
