import { describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import zlib from 'node:zlib';
import { describeFetchError, FetchError, safeFetch, type FetchErrorCode, type HostResolver, type SafeRequest } from '../src/net/safe-fetch';
import { parseRetryAfter, retryDelayMs } from '../src/net/retry';

const MIB = 1024 * 1024;
const USER_AGENT = 'CoalitionGraph/0.1 (+https://coalition.test/bot)';
/** Every test has its own bounds so that a hang fails it instead of the run. */
const BOUNDED = { timeout: 10_000 };
/** The tests' servers listen on loopback, so loopback is what the tests allow. */
const LOCAL = ['127.0.0.1'];
/** Tiny waits between attempts: tests count attempts, never time. */
const QUICK_RETRY = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

// A self-signed test certificate for `feeds.test` and 127.0.0.1, valid 2000–2100; the key protects nothing.
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgYaIAPG/XKRArxEqj
Rfe6xgDBkNVgZScBgTc6yjesXhqhRANCAARqvnWGYmhxicNrHxVjRDq7hdSldqtf
9pMfFMHtx+yKxReyuej/A3y4iMlIRI9Y4W74UK9YNQxjbchS5c5LEyHM
-----END PRIVATE KEY-----
`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBaTCCARCgAwIBAgIBATAKBggqhkjOPQQDAjAVMRMwEQYDVQQDDApmZWVkcy50
ZXN0MCAXDTAwMDEwMTAwMDAwMFoYDzIxMDAwMTAxMDAwMDAwWjAVMRMwEQYDVQQD
DApmZWVkcy50ZXN0MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEar51hmJocYnD
ax8VY0Q6u4XUpXarX/aTHxTB7cfsisUXsrno/wN8uIjJSESPWOFu+FCvWDUMY23I
UuXOSxMhzKNPME0wDwYDVR0TAQH/BAUwAwEB/zAbBgNVHREEFDASggpmZWVkcy50
ZXN0hwR/AAABMB0GA1UdDgQWBBQnPa3RYAxfmk4BXfF2CRegDUbfbjAKBggqhkjO
PQQDAgNHADBEAiBTHwdJWO3ceEEVSayafJBUk7xxWX6ROSBTcdyvJu5zUwIgQA8Q
ayk+nRzoWRmw4Lwu1V4EuiE13DBpa7dsXjV2aXA=
-----END CERTIFICATE-----
`;

/** What a test server saw of one request. */
interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly servername?: string;
}

type Handler = (request: IncomingMessage, response: ServerResponse, hit: number) => void;

interface TestServer {
  readonly origin: string;
  readonly port: number;
  readonly seen: Seen[];
  /** TCP connections accepted so far. */
  connections: number;
  /** Resolves once every connection the server accepted is closed: nothing was leaked. */
  allClosed(): Promise<void>;
}

/** Starts an HTTP (or HTTPS) server on an ephemeral port, closed when the test ends. */
async function serve(t: TestContext, handler: Handler, options: { host?: string; tls?: boolean } = {}): Promise<TestServer> {
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  const waiters: (() => void)[] = [];
  const seen: Seen[] = [];
  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    response.on('error', () => {});
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const servername = (request.socket as { servername?: string }).servername;
      seen.push({ method: request.method!, url: request.url!, headers: request.headers, body: Buffer.concat(chunks).toString(), servername });
      handler(request, response, seen.length);
    });
  };
  const server = options.tls ? https.createServer({ key: TEST_KEY, cert: TEST_CERT }, listener) : http.createServer(listener);
  const state: TestServer = {
    origin: '',
    port: 0,
    seen,
    connections: 0,
    allClosed: () => (sockets.size === 0 ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
  };
  server.on('connection', (socket: Socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) waiters.splice(0).forEach((resolve) => resolve());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  Object.assign(state, { port, origin: `${options.tls ? 'https' : 'http'}://${hostInUrl}:${port}` });
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return state;
}

/** A TCP server that accepts connections and never says a word (no HTTP, no TLS handshake). */
async function silentServer(t: TestContext): Promise<{ port: number; allClosed(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let waiter: (() => void) | undefined;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    // Read and drop what arrives, so that the client's close is seen.
    socket.resume();
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) waiter?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    port: (server.address() as AddressInfo).port,
    allClosed: () => (sockets.size === 0 ? Promise.resolve() : new Promise((resolve) => (waiter = resolve))),
  };
}

/** A resolver answering from a table, recording the names asked for. */
function fakeDns(table: Record<string, string[]>, asked: string[] = []): HostResolver {
  return async (hostname) => {
    asked.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: net.isIPv6(address) ? 6 : 4 }));
  };
}

function fetchLocal(url: string, options: Partial<SafeRequest> = {}) {
  return safeFetch({ url, allowedHosts: LOCAL, userAgent: USER_AGENT, retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 }, ...options });
}

/** Awaits a rejection with a FetchError of `code` and returns it for further checks. */
async function failsWith(promise: Promise<unknown>, code: FetchErrorCode): Promise<FetchError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof FetchError, `expected a FetchError, got ${String(error)}`);
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    return error;
  }
  assert.fail(`expected ${code}, but the request succeeded`);
}

/** Writes chunks for as long as the client listens: an endless body. */
function writeForever(response: ServerResponse, chunk: Buffer): void {
  const more = (): void => {
    while (!response.destroyed && response.write(chunk));
    if (!response.destroyed) response.once('drain', more);
  };
  more();
}

describe('safeFetch: requests and responses', BOUNDED, () => {
  it('sends the user agent and Accept-Encoding, and returns status, lower-case headers and body', async (t) => {
    const server = await serve(t, (_request, response) => {
      response.setHeader('X-Total-Pages', '3');
      response.end('hello');
    });
    const response = await fetchLocal(`${server.origin}/feed.xml?page=1`);
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), 'hello');
    assert.equal(response.headers['x-total-pages'], '3');
    assert.equal(response.url, `${server.origin}/feed.xml?page=1`);
    assert.equal(response.notModified, false);
    assert.equal(response.attempts, 1);
    assert.deepEqual(response.redirects, []);
    assert.equal(server.seen[0].url, '/feed.xml?page=1');
    assert.equal(server.seen[0].headers['user-agent'], USER_AGENT);
    assert.equal(server.seen[0].headers['accept-encoding'], 'gzip, br, deflate');
    await server.allClosed();
  });

  it('POSTs a body with its headers (a webhook)', async (t) => {
    const server = await serve(t, (_request, response) => response.writeHead(204).end());
    const payload = JSON.stringify({ type: 'content.published', id: 'c_1' });
    const response = await fetchLocal(`${server.origin}/hooks`, {
      method: 'POST',
      body: payload,
      headers: { 'Content-Type': 'application/json', 'webhook-id': 'msg_1', 'webhook-signature': 'v1,abc=' },
      maxRedirects: 0,
    });
    assert.equal(response.status, 204);
    const [seen] = server.seen;
    assert.equal(seen.method, 'POST');
    assert.equal(seen.body, payload);
    assert.equal(seen.headers['content-type'], 'application/json');
    assert.equal(seen.headers['content-length'], String(Buffer.byteLength(payload)));
    assert.equal(seen.headers['webhook-signature'], 'v1,abc=');
  });

  it('with acceptEncoding false asks for identity and keeps the body as sent', async (t) => {
    const gzipped = zlib.gzipSync('plain');
    const server = await serve(t, (_request, response) => response.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipped));
    const response = await fetchLocal(server.origin, { acceptEncoding: false });
    assert.equal(server.seen[0].headers['accept-encoding'], 'identity');
    assert.deepEqual(response.body, gzipped);
  });

  it('refuses what it cannot send safely before sending anything', async () => {
    const cases: [Partial<SafeRequest>, FetchErrorCode, RegExp][] = [
      [{ url: 'ftp://127.0.0.1/feed' }, 'BAD_URL', /only http: and https:/],
      [{ url: 'file:///etc/passwd' }, 'BAD_URL', /only http: and https:/],
      [{ url: '/relative/feed.xml' }, 'BAD_URL', /not an absolute URL/],
      [{ url: 'http://user:secret@127.0.0.1/' }, 'BAD_URL', /credentials/],
      [{ headers: { 'User-Agent': 'curl' } }, 'BAD_REQUEST', /user-agent header is set by safeFetch/],
      [{ headers: { host: 'elsewhere' } }, 'BAD_REQUEST', /host header/],
      [{ headers: { 'x-evil': 'a\r\nInjected: yes' } }, 'BAD_REQUEST', /x-evil/],
      [{ userAgent: ' ' }, 'BAD_REQUEST', /user agent is required/],
      [{ body: 'x' }, 'BAD_REQUEST', /only with POST/],
      [{ maxBytes: -1 }, 'BAD_REQUEST', /maxBytes/],
    ];
    for (const [options, code, message] of cases) {
      const error = await failsWith(fetchLocal('http://127.0.0.1:9/', options), code);
      assert.match(error.message, message);
      assert.equal(error.attempts, 0);
      assert.doesNotMatch(error.message, /secret/);
    }
  });
});

describe('safeFetch: conditional GET', BOUNDED, () => {
  it('returns a 304 as notModified with an empty body', async (t) => {
    const server = await serve(t, (request, response) => {
      if (request.headers['if-none-match'] === '"v1"' || request.headers['if-modified-since'] === 'Tue, 01 Dec 2026 10:00:00 GMT') {
        response.writeHead(304, { etag: '"v1"' }).end();
      } else {
        response.writeHead(200, { etag: '"v1"', 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT' }).end('<rss/>');
      }
    });
    const first = await fetchLocal(`${server.origin}/feed`);
    assert.equal(first.body.toString(), '<rss/>');
    const conditions: Record<string, string>[] = [{ 'if-none-match': first.headers.etag }, { 'if-modified-since': first.headers['last-modified'] }];
    for (const headers of conditions) {
      const again = await fetchLocal(`${server.origin}/feed`, { headers });
      assert.equal(again.status, 304);
      assert.equal(again.notModified, true);
      assert.equal(again.body.length, 0);
      assert.equal(again.headers.etag, '"v1"');
    }
    await server.allClosed();
  });
});

describe('safeFetch: address rules', BOUNDED, () => {
  it('refuses loopback when it is not allowed, without connecting', async (t) => {
    const server = await serve(t, (_request, response) => response.end('secret'));
    const error = await failsWith(safeFetch({ url: server.origin, allowedHosts: [], userAgent: USER_AGENT }), 'ADDRESS_REFUSED');
    assert.match(error.message, /127\.0\.0\.0\/8 \(loopback/);
    assert.match(error.message, /OUTBOUND_ALLOWED_HOSTS/);
    assert.equal(error.retryable, false);
    assert.equal(error.attempts, 1);
    assert.equal(server.connections, 0);
  });

  it('checks every address a name resolves to and refuses when one is refused', async (t) => {
    const server = await serve(t, (_request, response) => response.end('secret'));
    const resolver = fakeDns({ 'internal.test': ['10.0.0.5'], 'mixed.test': ['127.0.0.1', '10.0.0.5'] });
    const refused = await failsWith(fetchLocal(`http://internal.test:${server.port}/`, { resolver }), 'ADDRESS_REFUSED');
    assert.match(refused.message, /internal\.test resolves to 10\.0\.0\.5, in 10\.0\.0\.0\/8/);
    const mixed = await failsWith(fetchLocal(`http://mixed.test:${server.port}/`, { resolver }), 'ADDRESS_REFUSED');
    assert.match(mixed.message, /mixed\.test resolves to 10\.0\.0\.5/);
    assert.equal(server.connections, 0);
  });

  it('allows a name that resolves to a listed address, and connects only to the address it checked', async (t) => {
    const server = await serve(t, (_request, response) => response.end('ok'));
    const asked: string[] = [];
    // The system resolver knows no `feeds.test`: the request can only reach the server through the pinned address.
    const response = await fetchLocal(`http://feeds.test:${server.port}/feed`, { resolver: fakeDns({ 'feeds.test': ['127.0.0.1'] }, asked) });
    assert.equal(response.body.toString(), 'ok');
    assert.deepEqual(asked, ['feeds.test']);
    assert.equal(server.seen[0].headers.host, `feeds.test:${server.port}`);
  });

  it('allows any address of a listed host name', async (t) => {
    const server = await serve(t, (_request, response) => response.end('ok'));
    const response = await safeFetch({
      url: `http://Feeds.Test:${server.port}/`,
      allowedHosts: ['feeds.test'],
      userAgent: USER_AGENT,
      resolver: fakeDns({ 'feeds.test': ['127.0.0.1'] }),
    });
    assert.equal(response.status, 200);
  });

  it('allows localhost when it resolves to listed addresses only (the decision: resolved IPs count)', async (t) => {
    const server = await serve(t, (_request, response) => response.end('ok'));
    const onlyV4 = await fetchLocal(`http://localhost:${server.port}/`, { resolver: fakeDns({ localhost: ['127.0.0.1'] }) });
    assert.equal(onlyV4.status, 200);
    const error = await failsWith(fetchLocal(`http://localhost:${server.port}/`, { resolver: fakeDns({ localhost: ['::1', '127.0.0.1'] }) }), 'ADDRESS_REFUSED');
    assert.match(error.message, /localhost resolves to ::1/);
  });

  it('reports a name that does not resolve as DNS, not retried', async () => {
    const error = await failsWith(
      safeFetch({ url: 'http://nowhere.test/', allowedHosts: [], userAgent: USER_AGENT, resolver: fakeDns({}), retry: QUICK_RETRY }),
      'DNS',
    );
    assert.equal(error.retryable, false);
    assert.equal(error.attempts, 1);
  });

  it('over https, verifies the certificate and sends SNI for the name while connecting to the pinned address', async (t) => {
    const server = await serve(t, (_request, response) => response.end('secure'), { tls: true });
    const resolver = fakeDns({ 'feeds.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] });
    const response = await fetchLocal(`https://feeds.test:${server.port}/`, { resolver, ca: TEST_CERT });
    assert.equal(response.body.toString(), 'secure');
    assert.equal(server.seen[0].servername, 'feeds.test');
    assert.equal(server.seen[0].headers.host, `feeds.test:${server.port}`);
    const error = await failsWith(fetchLocal(`https://other.test:${server.port}/`, { resolver, ca: TEST_CERT, retry: QUICK_RETRY }), 'NETWORK');
    assert.match(error.message, /other\.test/);
    assert.equal(error.retryable, false);
    assert.equal(error.attempts, 1);
  });
});

describe('safeFetch: redirects', BOUNDED, () => {
  it('follows a relative Location and reports the hops', async (t) => {
    const server = await serve(t, (request, response) => {
      if (request.url === '/old') response.writeHead(301, { location: 'new?x=1' }).end();
      else if (request.url === '/new?x=1') response.writeHead(302, { location: '/final' }).end();
      else response.end(`at ${request.url}`);
    });
    const response = await fetchLocal(`${server.origin}/old`);
    assert.equal(response.body.toString(), 'at /final');
    assert.equal(response.url, `${server.origin}/final`);
    assert.deepEqual(response.redirects, [`${server.origin}/new?x=1`, `${server.origin}/final`]);
    await server.allClosed();
  });

  it('follows 5 redirects by default and refuses the 6th', async (t) => {
    const server = await serve(t, (request, response) => {
      const n = Number(request.url!.slice(1));
      if (n > 0) response.writeHead(307, { location: `/${n - 1}` }).end();
      else response.end('arrived');
    });
    const five = await fetchLocal(`${server.origin}/5`);
    assert.equal(five.body.toString(), 'arrived');
    assert.equal(five.redirects.length, 5);
    const error = await failsWith(fetchLocal(`${server.origin}/6`), 'TOO_MANY_REDIRECTS');
    assert.equal(error.url, `${server.origin}/1`);
    assert.equal(server.seen.length, 6 + 6);
    await server.allClosed();
  });

  it('re-checks every hop: loopback, link-local, IPv6 and resolved names not allowed are refused without connecting', async (t) => {
    const trapV4 = await serve(t, (_request, response) => response.end('trapped'), { host: '127.0.0.2' });
    const trapV6 = await serve(t, (_request, response) => response.end('trapped'), { host: '::1' });
    const targets = [
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      `http://127.0.0.2:${trapV4.port}/`,
      `http://[::1]:${trapV6.port}/`,
      `http://[::ffff:127.0.0.2]:${trapV4.port}/`,
      // 127.0.0.2 as one number: URL parsing turns it into the dotted quad before the check.
      `http://2130706434:${trapV4.port}/`,
      `http://internal.test:${trapV4.port}/`,
    ];
    const server = await serve(t, (request, response) => {
      response.writeHead(302, { location: targets[Number(request.url!.slice(1))] }).end();
    });
    const resolver = fakeDns({ 'internal.test': ['127.0.0.2'] });
    for (const [index, target] of targets.entries()) {
      const error = await failsWith(fetchLocal(`${server.origin}/${index}`, { resolver }), 'ADDRESS_REFUSED');
      assert.equal(error.url, new URL(target).href);
    }
    assert.equal(trapV4.connections, 0);
    assert.equal(trapV6.connections, 0);
  });

  it('refuses a redirect to another scheme', async (t) => {
    const targets = ['ftp://127.0.0.1/feed', 'file:///etc/passwd', 'javascript:alert(1)', 'gopher://127.0.0.1:6379/_INFO'];
    const server = await serve(t, (request, response) => response.writeHead(302, { location: targets[Number(request.url!.slice(1))] }).end());
    for (const index of targets.keys()) {
      const error = await failsWith(fetchLocal(`${server.origin}/${index}`), 'BAD_URL');
      assert.match(error.message, /redirect to [a-z]+: is refused/);
    }
  });

  it('turns POST into GET on 303 (and 302), and repeats it on 307', async (t) => {
    const server = await serve(t, (request, response) => {
      const match = /^\/(\d{3})$/.exec(request.url!);
      if (match) response.writeHead(Number(match[1]), { location: '/target' }).end();
      else response.end(`${request.method} ${request.headers['content-type'] ?? '-'}`);
    });
    const post = { method: 'POST' as const, body: '{"a":1}', headers: { 'content-type': 'application/json' } };
    for (const [status, expected] of [
      ['303', 'GET -'],
      ['302', 'GET -'],
      ['307', 'POST application/json'],
      ['308', 'POST application/json'],
    ]) {
      const response = await fetchLocal(`${server.origin}/${status}`, post);
      assert.equal(response.body.toString(), expected, status);
    }
    const targets = server.seen.filter((seen) => seen.url === '/target');
    assert.deepEqual(
      targets.map((seen) => [seen.method, seen.body]),
      [
        ['GET', ''],
        ['GET', ''],
        ['POST', '{"a":1}'],
        ['POST', '{"a":1}'],
      ],
    );
  });

  it('keeps credentials on the same origin and drops them on another', async (t) => {
    const other = await serve(t, (request, response) => response.end(String(request.headers.authorization)));
    const server = await serve(t, (request, response) => {
      if (request.url === '/same') response.writeHead(302, { location: '/echo' }).end();
      else if (request.url === '/echo') response.end(String(request.headers.authorization));
      else response.writeHead(302, { location: `${other.origin}/` }).end();
    });
    const headers = { authorization: 'Bearer partner-token' };
    assert.equal((await fetchLocal(`${server.origin}/same`, { headers })).body.toString(), 'Bearer partner-token');
    assert.equal((await fetchLocal(`${server.origin}/away`, { headers })).body.toString(), 'undefined');
  });

  it('with maxRedirects 0 returns a redirect as the answer (a webhook) or throws HTTP_STATUS', async (t) => {
    const server = await serve(t, (_request, response) => response.writeHead(302, { location: '/elsewhere' }).end('moved'));
    const response = await fetchLocal(server.origin, { method: 'POST', body: '{}', maxRedirects: 0, throwOnStatus: false });
    assert.equal(response.status, 302);
    assert.equal(response.headers.location, '/elsewhere');
    const error = await failsWith(fetchLocal(server.origin, { maxRedirects: 0 }), 'HTTP_STATUS');
    assert.equal(error.status, 302);
    assert.equal(server.seen.length, 2);
  });
});

describe('safeFetch: size cap', BOUNDED, () => {
  it('refuses a Content-Length above the cap before reading, and closes the socket', async (t) => {
    const server = await serve(t, (_request, response) => {
      response.writeHead(200, { 'content-length': String(4 * MIB) });
      response.write(Buffer.alloc(64 * 1024));
    });
    const error = await failsWith(fetchLocal(server.origin, { maxBytes: MIB }), 'TOO_LARGE');
    assert.match(error.message, /Content-Length/);
    await server.allClosed();
  });

  it('cuts off a chunked body that grows past the cap', async (t) => {
    const server = await serve(t, (_request, response) => writeForever(response, Buffer.alloc(16 * 1024, 'a')));
    const error = await failsWith(fetchLocal(server.origin, { maxBytes: 100_000 }), 'TOO_LARGE');
    assert.match(error.message, /grew past the 100000 bytes/);
    await server.allClosed();
  });

  it('accepts a body of exactly the cap', async (t) => {
    const server = await serve(t, (_request, response) => response.end(Buffer.alloc(1000, 'b')));
    assert.equal((await fetchLocal(server.origin, { maxBytes: 1000 })).body.length, 1000);
  });

  it('refuses a compression bomb by its decoded size, whatever the coding', async (t) => {
    const zeros = Buffer.alloc(8 * MIB);
    const bombs: Record<string, Buffer> = { gzip: zlib.gzipSync(zeros), deflate: zlib.deflateSync(zeros), br: zlib.brotliCompressSync(zeros) };
    const server = await serve(t, (request, response) => {
      const coding = request.url!.slice(1);
      response.writeHead(200, { 'content-encoding': coding, 'content-length': String(bombs[coding].length) }).end(bombs[coding]);
    });
    for (const coding of Object.keys(bombs)) {
      assert.ok(bombs[coding].length < 64 * 1024, 'the bomb itself is small');
      const error = await failsWith(fetchLocal(`${server.origin}/${coding}`, { maxBytes: 256 * 1024 }), 'TOO_LARGE');
      assert.match(error.message, /once decoded/, coding);
    }
    await server.allClosed();
  });
});

describe('safeFetch: content codings', BOUNDED, () => {
  const text = 'Coalition news: '.repeat(200);
  const encoded: Record<string, Buffer> = {
    gzip: zlib.gzipSync(text),
    'x-gzip': zlib.gzipSync(text),
    deflate: zlib.deflateSync(text),
    'deflate (raw)': zlib.deflateRawSync(text),
    br: zlib.brotliCompressSync(text),
    identity: Buffer.from(text),
    'deflate, gzip': zlib.gzipSync(zlib.deflateSync(text)),
  };

  it('decodes gzip, deflate (zlib or raw) and brotli, one or several', async (t) => {
    const server = await serve(t, (request, response) => {
      const label = decodeURIComponent(request.url!.slice(1));
      response.writeHead(200, { 'content-encoding': label.replace(' (raw)', '') }).end(encoded[label]);
    });
    for (const label of Object.keys(encoded)) {
      const response = await fetchLocal(`${server.origin}/${encodeURIComponent(label)}`);
      assert.equal(response.body.toString(), text, label);
    }
  });

  it('decodes a deflate body that trickles in a byte at a time', async (t) => {
    const server = await serve(t, (_request, response) => {
      response.writeHead(200, { 'content-encoding': 'deflate' });
      const bytes = encoded.deflate;
      let i = 0;
      const next = (): void => {
        if (i < bytes.length) response.write(bytes.subarray(i, ++i), () => setImmediate(next));
        else response.end();
      };
      next();
    });
    assert.equal((await fetchLocal(server.origin)).body.toString(), text);
  });

  it('reports a corrupt body or an unknown coding as DECODING', async (t) => {
    const server = await serve(t, (request, response) => {
      response.writeHead(200, { 'content-encoding': request.url === '/zstd' ? 'zstd' : 'gzip' }).end('not gzip at all');
    });
    const corrupt = await failsWith(fetchLocal(`${server.origin}/corrupt`), 'DECODING');
    assert.match(corrupt.message, /not valid gzip/);
    const unknown = await failsWith(fetchLocal(`${server.origin}/zstd`), 'DECODING');
    assert.match(unknown.message, /"zstd"/);
    await server.allClosed();
  });
});

describe('safeFetch: timeouts', BOUNDED, () => {
  it('times out a name that does not resolve in time', async () => {
    const error = await failsWith(
      safeFetch({ url: 'http://slow-dns.test/', allowedHosts: [], userAgent: USER_AGENT, resolver: () => new Promise(() => {}), connectTimeoutMs: 30, retry: { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 } }),
      'TIMEOUT',
    );
    assert.match(error.message, /no connection within 30 ms/);
  });

  it('times out a TLS handshake that never completes, and closes the socket', async (t) => {
    const server = await silentServer(t);
    const error = await failsWith(fetchLocal(`https://127.0.0.1:${server.port}/`, { connectTimeoutMs: 50 }), 'TIMEOUT');
    assert.match(error.message, /no connection/);
    assert.equal(error.retryable, true);
    await server.allClosed();
  });

  it('times out a server that never sends headers, and closes the socket', async (t) => {
    const server = await serve(t, () => {});
    const error = await failsWith(fetchLocal(server.origin, { headersTimeoutMs: 50 }), 'TIMEOUT');
    assert.match(error.message, /no response headers within 50 ms/);
    await server.allClosed();
  });

  it('times out a body that stops arriving, and closes the socket', async (t) => {
    const server = await serve(t, (_request, response) => {
      response.writeHead(200);
      response.write('first chunk');
    });
    const error = await failsWith(fetchLocal(server.origin, { idleTimeoutMs: 50 }), 'TIMEOUT');
    assert.match(error.message, /no body data for 50 ms/);
    await server.allClosed();
  });

  it('stops a body that trickles forever at the total deadline, without retrying', async (t) => {
    const server = await serve(t, (_request, response) => {
      response.writeHead(200);
      const timer = setInterval(() => response.write('.'), 5);
      response.on('close', () => clearInterval(timer));
    });
    const error = await failsWith(fetchLocal(server.origin, { idleTimeoutMs: 5_000, totalTimeoutMs: 150, retry: QUICK_RETRY }), 'TIMEOUT');
    assert.match(error.message, /no complete answer within 150 ms/);
    assert.equal(error.retryable, false);
    assert.equal(server.seen.length, 1);
    await server.allClosed();
  });
});

describe('safeFetch: retries', BOUNDED, () => {
  it('retries 5xx and succeeds, reporting the attempts', async (t) => {
    const server = await serve(t, (_request, response, hit) => (hit < 3 ? response.writeHead(503).end() : response.end('third time')));
    const response = await fetchLocal(server.origin, { retry: QUICK_RETRY });
    assert.equal(response.body.toString(), 'third time');
    assert.equal(response.attempts, 3);
    assert.equal(server.seen.length, 3);
  });

  it('gives up after the attempts with HTTP_STATUS and the status', async (t) => {
    const server = await serve(t, (_request, response) => response.writeHead(502).end());
    const error = await failsWith(fetchLocal(server.origin, { retry: QUICK_RETRY }), 'HTTP_STATUS');
    assert.equal(error.status, 502);
    assert.equal(error.retryable, true);
    assert.equal(error.attempts, 3);
    assert.equal(server.seen.length, 3);
    assert.equal(describeFetchError(error), `${server.origin}/: HTTP 502 Bad Gateway (after 3 attempts)`);
    await server.allClosed();
  });

  it('never retries other 4xx: a 404 is one attempt', async (t) => {
    const server = await serve(t, (_request, response) => response.writeHead(404).end('gone'));
    const error = await failsWith(fetchLocal(server.origin, { retry: QUICK_RETRY }), 'HTTP_STATUS');
    assert.equal(error.status, 404);
    assert.equal(error.retryable, false);
    assert.equal(error.attempts, 1);
    assert.equal(server.seen.length, 1);
  });

  it('honours Retry-After on 429, seconds or date, capped at maxDelayMs', async (t) => {
    const inAnHour = new Date(Date.now() + 3_600_000).toUTCString();
    const server = await serve(t, (request, response, hit) => {
      // Odd hits are the first attempt of each fetch.
      if (hit % 2 === 1) response.writeHead(429, { 'retry-after': request.url === '/date' ? inAnHour : '3600' }).end();
      else response.end('let in');
    });
    for (const path of ['/seconds', '/date']) {
      // Uncapped, an hour's wait would pass the two-minute deadline and end the call after one attempt.
      const response = await fetchLocal(`${server.origin}${path}`, { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 50 } });
      assert.equal(response.body.toString(), 'let in', path);
      assert.equal(response.attempts, 2, path);
    }
    assert.equal(server.seen.length, 4);
  });

  it('gives up at once when the wait asked for would pass the deadline', async (t) => {
    const server = await serve(t, (_request, response) => response.writeHead(503, { 'retry-after': '1' }).end());
    const error = await failsWith(fetchLocal(server.origin, { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 60_000 }, totalTimeoutMs: 500 }), 'HTTP_STATUS');
    assert.equal(error.retryAfterMs, 1000);
    assert.equal(error.attempts, 1);
  });

  it('retries a connection reset', async (t) => {
    const server = await serve(t, (request, response, hit) => (hit === 1 ? request.socket.destroy() : response.end('recovered')));
    const response = await fetchLocal(server.origin, { retry: QUICK_RETRY });
    assert.equal(response.body.toString(), 'recovered');
    assert.equal(response.attempts, 2);
  });

  it('retries a refused connection, then reports NETWORK', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = await failsWith(fetchLocal(`http://127.0.0.1:${port}/`, { retry: QUICK_RETRY }), 'NETWORK');
    assert.match(error.message, /ECONNREFUSED/);
    assert.equal(error.retryable, true);
    assert.equal(error.attempts, 3);
  });

  it('retries a server that does not answer in time', async (t) => {
    const server = await serve(t, (_request, response, hit) => {
      if (hit > 1) response.end('awake');
    });
    const response = await fetchLocal(server.origin, { headersTimeoutMs: 50, retry: QUICK_RETRY });
    assert.equal(response.attempts, 2);
  });

  it('does not retry a POST unless told to', async (t) => {
    const server = await serve(t, (_request, response) => response.writeHead(503).end());
    const error = await failsWith(safeFetch({ url: server.origin, method: 'POST', body: '{}', allowedHosts: LOCAL, userAgent: USER_AGENT }), 'HTTP_STATUS');
    assert.equal(error.attempts, 1);
    assert.equal(server.seen.length, 1);
  });

  it('with throwOnStatus false returns the last answer and its body (a webhook sender reading a refusal)', async (t) => {
    const server = await serve(t, (request, response) => {
      if (request.url === '/busy') response.writeHead(500, { 'content-type': 'text/plain' }).end('try later');
      else response.writeHead(400).end('bad signature');
    });
    const webhook = { method: 'POST' as const, body: '{}', maxRedirects: 0, throwOnStatus: false, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 5 } };
    const busy = await fetchLocal(`${server.origin}/busy`, webhook);
    assert.equal(busy.status, 500);
    assert.equal(busy.body.toString(), 'try later');
    assert.equal(busy.attempts, 2);
    const refused = await fetchLocal(`${server.origin}/refuse`, webhook);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.toString(), 'bad signature');
    assert.equal(refused.attempts, 1);
  });
});

describe('safeFetch: cancelling', BOUNDED, () => {
  it('does not start when the signal has already fired', async (t) => {
    const server = await serve(t, (_request, response) => response.end());
    const error = await failsWith(fetchLocal(server.origin, { signal: AbortSignal.abort() }), 'ABORTED');
    assert.equal(error.retryable, false);
    assert.equal(server.connections, 0);
  });

  it('cancels while waiting for headers, and closes the socket', async (t) => {
    const controller = new AbortController();
    const server = await serve(t, () => controller.abort());
    await failsWith(fetchLocal(server.origin, { signal: controller.signal, retry: QUICK_RETRY }), 'ABORTED');
    assert.equal(server.seen.length, 1);
    await server.allClosed();
  });

  it('cancels while the body streams, and closes the socket', async (t) => {
    const controller = new AbortController();
    const server = await serve(t, (_request, response) => {
      response.writeHead(200);
      response.write('part one', () => setTimeout(() => controller.abort(), 20));
    });
    await failsWith(fetchLocal(server.origin, { signal: controller.signal }), 'ABORTED');
    await server.allClosed();
  });

  it('cancels a wait between attempts', async (t) => {
    const controller = new AbortController();
    const server = await serve(t, (_request, response) => {
      response.on('finish', () => setTimeout(() => controller.abort(), 20));
      response.writeHead(503, { 'retry-after': '30' }).end();
    });
    const error = await failsWith(fetchLocal(server.origin, { signal: controller.signal, retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 60_000 } }), 'ABORTED');
    assert.equal(error.attempts, 1);
    assert.equal(server.seen.length, 1);
  });
});

describe('retry timing', () => {
  const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

  it('draws full jitter below an exponentially growing ceiling, capped at maxDelayMs', () => {
    assert.equal(retryDelayMs(1, policy, undefined, () => 0.999), 99);
    assert.equal(retryDelayMs(2, policy, undefined, () => 0.999), 199);
    assert.equal(retryDelayMs(3, policy, undefined, () => 0.5), 200);
    assert.equal(retryDelayMs(10, policy, undefined, () => 0.999), 999);
    assert.equal(retryDelayMs(3, policy, undefined, () => 0), 0);
  });

  it('honours Retry-After up to maxDelayMs', () => {
    assert.equal(retryDelayMs(1, policy, 300), 300);
    assert.equal(retryDelayMs(1, policy, 3_600_000), 1000);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('Tue, 01 Dec 2026 12:00:00 GMT');
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter('Tue, 01 Dec 2026 12:00:30 GMT', now), 30_000);
    assert.equal(parseRetryAfter('Tue, 01 Dec 2026 11:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });
});

describe('describeFetchError', () => {
  it('gives one line with the URL without its query, the cause and the attempts', () => {
    const error = new FetchError('HTTP_STATUS', 'HTTP 503', { url: 'https://partner.example/feed.xml?token=secret', status: 503, retryable: true });
    error.attempts = 3;
    assert.equal(describeFetchError(error), 'https://partner.example/feed.xml?…: HTTP 503 Service Unavailable (after 3 attempts)');
  });

  it('uses the message of other codes and of other errors', () => {
    const error = new FetchError('TOO_LARGE', 'the body grew past\nthe 10 bytes allowed', { url: 'http://feeds.test/a' });
    assert.equal(describeFetchError(error), 'http://feeds.test/a: the body grew past the 10 bytes allowed');
    assert.equal(describeFetchError(new Error('boom')), 'boom');
  });
});
