import 'reflect-metadata';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config';
import { startGateway, type RunningGateway } from '../src/main';
import { prefersHtml } from '../src/server/accept';
import { createPlaygroundHandler } from '../src/server/playground';
import { dropDatabase, freshDatabase } from './helpers/drivers';
import { startTestGateway, type TestGateway } from './helpers/server';

/** What `npm run build` made: dist/playground/ (this file runs from dist/tests/). */
const BUILT = path.resolve(__dirname, '../playground');

/** What Chrome sends when the address bar opens a page. */
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7';

/** The policy the page is served with, written out so that a change to it shows in review. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; " +
  "connect-src 'self'; worker-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy': CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const ASSET_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
};

function headersOf(response: Response, names: string[]): Record<string, string | null> {
  return Object.fromEntries(names.map((name) => [name, response.headers.get(name)]));
}

/** The asset URLs the page names in its `<script>` and `<link>` tags. */
function assetsNamedBy(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="(\/playground\/assets\/[^"]+)"/g)].map((m) => m[1]);
}

async function assertPage(response: Response): Promise<void> {
  assert.equal(response.status, 200);
  assert.deepEqual(headersOf(response, Object.keys(PAGE_HEADERS)), PAGE_HEADERS);
  const html = await response.text();
  assert.equal(html, fs.readFileSync(path.join(BUILT, 'index.html'), 'utf8'));
  assert.match(html, /<title>Coalition Graph · Playground<\/title>/);
  assert.match(html, /<script type="module" crossorigin src="\/playground\/assets\/index-[\w-]+\.js"><\/script>/);
  assert.doesNotMatch(html, /https?:\/\//, 'the page names no other host');
}

describe('the playground over HTTP', () => {
  let gw: TestGateway;
  before(async () => {
    gw = await startTestGateway('sqlite');
  });
  after(() => gw.stop());

  it('serves the page at /playground, /playground/ and /playground/index.html, never cached, under a strict CSP', async () => {
    for (const route of ['/playground', '/playground/', '/playground/index.html']) {
      await assertPage(await fetch(`${gw.origin}${route}`, { headers: { accept: BROWSER_ACCEPT } }));
    }
  });

  it('serves the page at /graphql to a browser that asks for HTML, varying on Accept', async () => {
    const response = await fetch(gw.url, { headers: { accept: BROWSER_ACCEPT } });
    assert.equal(response.headers.get('vary'), 'Accept');
    await assertPage(response);
  });

  it('answers HEAD /playground with the headers and no body', async () => {
    const response = await fetch(`${gw.origin}/playground`, { method: 'HEAD' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(await response.text(), '');
  });

  it('leaves a GraphQL GET with ?query= to Apollo, even from a browser', async () => {
    const response = await fetch(`${gw.url}?query=${encodeURIComponent('{ memberNation(code: "gbr") { name } }')}`, {
      headers: { accept: BROWSER_ACCEPT },
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/(graphql-response\+)?json; charset=utf-8$/);
    const body = (await response.json()) as { data?: unknown; errors?: unknown };
    assert.equal(body.errors, undefined);
    assert.deepEqual(body.data, { memberNation: { name: 'United Kingdom' } });
  });

  it('leaves a persisted-query GET (?extensions= alone) to Apollo', async () => {
    const extensions = JSON.stringify({ persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } });
    const response = await fetch(`${gw.url}?extensions=${encodeURIComponent(extensions)}`, { headers: { accept: BROWSER_ACCEPT } });
    assert.doesNotMatch(response.headers.get('content-type') ?? '', /html/);
  });

  for (const accept of [undefined, '*/*', 'application/json', 'application/graphql-response+json, application/json;q=0.9', 'text/html;q=0.5, application/json']) {
    it(`leaves GET /graphql without a query to Apollo for Accept: ${accept ?? '(none)'}`, async () => {
      const response = await fetch(gw.url, { headers: accept ? { accept } : {} });
      assert.equal(response.status, 400);
      assert.doesNotMatch(response.headers.get('content-type') ?? '', /html/);
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      assert.equal(body.errors[0].extensions.code, 'BAD_REQUEST');
    });
  }

  it('leaves a POST to Apollo, whatever the Accept header says', async () => {
    const response = await fetch(gw.url, {
      method: 'POST',
      headers: { accept: BROWSER_ACCEPT, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ memberNation(code: "fra") { name } }' }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { data?: unknown; errors?: unknown };
    assert.equal(body.errors, undefined);
    assert.deepEqual(body.data, { memberNation: { name: 'France' } });
  });

  it('serves every built asset with its content type, a one-year immutable cache and, on request, gzip', async () => {
    const names = fs.readdirSync(path.join(BUILT, 'assets')).filter((name) => !name.endsWith('.gz'));
    assert.ok(names.some((name) => /^monaco-editor-.*\.js$/.test(name)), 'Monaco is bundled');
    assert.ok(names.some((name) => /^graphql\.worker-.*\.js$/.test(name)), 'the GraphQL worker is bundled');
    for (const name of names) {
      const file = fs.readFileSync(path.join(BUILT, 'assets', name));
      for (const encoding of ['identity', 'gzip', 'gzip;q=0, identity']) {
        const response = await fetch(`${gw.origin}/playground/assets/${name}`, { headers: { 'accept-encoding': encoding } });
        assert.equal(response.status, 200, name);
        assert.deepEqual(headersOf(response, ['content-type', 'cache-control', 'x-content-type-options', 'content-encoding', 'vary']), {
          'content-type': ASSET_TYPES[path.extname(name)],
          'cache-control': 'public, max-age=31536000, immutable',
          'x-content-type-options': 'nosniff',
          'content-encoding': encoding === 'gzip' ? 'gzip' : null,
          vary: 'Accept-Encoding',
        });
        // fetch undoes the gzip: either way the client gets the file as built.
        assert.ok(Buffer.from(await response.arrayBuffer()).equals(file), name);
      }
    }
  });

  it('names in the page only assets it serves', async () => {
    const html = await (await fetch(`${gw.origin}/playground`)).text();
    const assets = assetsNamedBy(html);
    assert.ok(assets.length >= 2, 'a script and a stylesheet at least');
    for (const asset of assets) assert.equal((await fetch(`${gw.origin}${asset}`)).status, 200, asset);
  });

  for (const route of [
    '/playground/assets/nope.js',
    '/playground/assets/..%2F..%2Fpackage.json',
    '/playground/assets/%2e%2e/%2e%2e/package.json',
    '/playground/.built',
    '/playground/assets/',
    '/playground/other',
  ]) {
    it(`answers 404 NOT_FOUND for ${route}`, async () => {
      const response = await fetch(`${gw.origin}${route}`);
      assert.equal(response.status, 404);
      assert.equal(response.headers.get('content-type'), 'application/json; charset=utf-8');
      const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
      assert.equal(body.errors[0].extensions.code, 'NOT_FOUND');
    });
  }

  it('answers 405 to a POST to /playground, allowing GET and HEAD', async () => {
    const response = await fetch(`${gw.origin}/playground`, { method: 'POST', body: 'x' });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET, HEAD');
  });
});

describe('the playground switched off (PLAYGROUND=off)', () => {
  let gateway: RunningGateway;
  const database = freshDatabase('sqlite');
  before(async () => {
    const config = loadConfig({ NODE_ENV: 'test', PLAYGROUND: 'off' }, { port: 0, host: '127.0.0.1', database });
    assert.equal(config.playground, false);
    gateway = await startGateway(config, { demoIfEmpty: false });
  });
  after(async () => {
    await gateway.stop();
    await dropDatabase(database);
  });

  it('has no /playground and no assets: the usual 404', async () => {
    const origin = gateway.url.replace(/\/graphql$/, '');
    const html = fs.readFileSync(path.join(BUILT, 'index.html'), 'utf8');
    for (const route of ['/playground', ...assetsNamedBy(html)]) {
      const response = await fetch(`${origin}${route}`, { headers: { accept: BROWSER_ACCEPT } });
      assert.equal(response.status, 404, route);
      assert.deepEqual(await response.json(), {
        errors: [{ message: `No route for ${route}; GraphQL is at /graphql`, extensions: { code: 'NOT_FOUND' } }],
      });
    }
  });

  it('answers a browser at /graphql as any GET without a query: Apollo’s 400, no HTML', async () => {
    const response = await fetch(gateway.url, { headers: { accept: BROWSER_ACCEPT } });
    assert.equal(response.status, 400);
    assert.doesNotMatch(response.headers.get('content-type') ?? '', /html/);
  });
});

describe('the playground before it is built', () => {
  let server: http.Server;
  let origin: string;
  before(async () => {
    const handler = createPlaygroundHandler({ playground: true }, fs.mkdtempSync(path.join(os.tmpdir(), 'no-playground-')));
    server = http.createServer((req, res) => {
      handler(req, res, new URL(req.url ?? '/', 'http://gateway')).then((handled) => handled || res.writeHead(404).end());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('answers 503 saying how to build it', async () => {
    const response = await fetch(`${origin}/playground`);
    assert.equal(response.status, 503);
    assert.equal(await response.text(), 'The playground is not built: run `npm run build:playground`.\n');
  });
});

describe('PLAYGROUND', () => {
  it('is on by default, also in production', () => {
    assert.equal(loadConfig({}).playground, true);
    assert.equal(loadConfig({ NODE_ENV: 'production' }).playground, true);
    assert.equal(loadConfig({ PLAYGROUND: '' }).playground, true);
  });

  it('is off for off, false, 0 and no, in any case, and on for on, true, 1 and yes', () => {
    for (const value of ['off', 'false', '0', 'no', 'OFF', 'False']) assert.equal(loadConfig({ PLAYGROUND: value }).playground, false, value);
    for (const value of ['on', 'true', '1', 'yes', 'ON']) assert.equal(loadConfig({ PLAYGROUND: value }).playground, true, value);
  });

  it('rejects any other value with a ConfigError naming PLAYGROUND', () => {
    assert.throws(() => loadConfig({ PLAYGROUND: 'disabled' }), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.message, 'PLAYGROUND: expected on or off, got "disabled"');
      return true;
    });
  });
});

describe('prefersHtml', () => {
  const cases: [string | undefined, boolean][] = [
    [BROWSER_ACCEPT, true],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true], // Firefox
    ['text/html', true],
    ['text/*, application/json;q=0.5', true],
    [undefined, false], // no header
    ['*/*', false], // curl, fetch
    ['application/json', false],
    ['application/graphql-response+json, application/json;q=0.9', false], // GraphQL over HTTP
    ['application/json, multipart/mixed', false], // GraphiQL's own fetcher
    ['text/html, application/json', false], // a tie is no preference
    ['text/html;q=0.9, application/graphql-response+json', false],
    ['text/html;q=0, */*', false],
    ['text/html, */*;q=0.1, application/json;q=0.2', true],
    ['garbage', false],
  ];
  for (const [accept, expected] of cases) {
    it(`is ${expected} for ${accept === undefined ? 'no Accept header' : JSON.stringify(accept)}`, () => {
      assert.equal(prefersHtml(accept), expected);
    });
  }
});
