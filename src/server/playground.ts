import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Config } from '../config';
import { prefersHtml } from './accept';

/** Where `npm run build` puts the playground: dist/playground/ (this file runs from dist/src/server/). */
export const PLAYGROUND_ROOT = path.resolve(__dirname, '../../playground');

/**
 * What the playground page may load. Everything comes from the gateway itself:
 * scripts, styles, the Monaco font and the editor workers ('self'), and
 * `/graphql` for requests. Monaco adds `<style>` elements at run time, hence
 * 'unsafe-inline' for styles (styles cannot run code); scripts get no such
 * exception. `data:` fonts and images are the ones GraphiQL's stylesheet
inlines (its typefaces, its icons) and the empty favicon.
 */
export const PLAYGROUND_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Hashed asset names (Vite's `name-HASH.ext`) never change content, so browsers may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
};

/** An asset path under /playground/: one file name in assets/, no folders, no dot-dot. */
const ASSET_PATH = /^assets\/[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** Handles a request if it is the playground's; true when it answered. */
export type PlaygroundHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

/**
 * Serves GraphiQL from the gateway's own files, so that it works on a closed
 * network: the page at `/playground`, and at `/graphql` for a browser that asks
 * for HTML with no `query` parameter (GraphQL-over-HTTP GETs carry one, and
 * POSTs never get here, so Apollo keeps every operation); its hashed assets at
 * `/playground/assets/…`. When `config.playground` is off it handles nothing,
 * and those paths fall through to the gateway's usual 404 or to Apollo.
 */
export function createPlaygroundHandler(config: Pick<Config, 'playground'>, root = PLAYGROUND_ROOT): PlaygroundHandler {
  return async (req, res, url) => {
    if (!config.playground) return false;
    const { pathname } = url;
    if (pathname === '/graphql') {
      if (req.method !== 'GET' || isOperation(url) || !prefersHtml(req.headers.accept)) return false;
      res.setHeader('vary', 'Accept');
      return servePage(req, res, root);
    }
    if (pathname !== '/playground' && !pathname.startsWith('/playground/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end(`${req.method} is not supported here; use GET\n`);
      return true;
    }
    const rest = pathname.slice('/playground/'.length);
    if (pathname === '/playground' || rest === '' || rest === 'index.html') return servePage(req, res, root);
    return serveAsset(req, res, root, rest);
  };
}

/** A GraphQL-over-HTTP GET: a `query`, or (a persisted query) only its hash in `extensions`. */
function isOperation(url: URL): boolean {
  return url.searchParams.has('query') || url.searchParams.has('extensions');
}

/** The page itself: never cached, so that a new build's asset names reach the browser at once. */
async function servePage(req: IncomingMessage, res: ServerResponse, root: string): Promise<boolean> {
  let html: Buffer;
  try {
    html = await fs.promises.readFile(path.join(root, 'index.html'));
  } catch {
    res
      .writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
      .end('The playground is not built: run `npm run build:playground`.\n');
    return true;
  }
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': html.length,
    'cache-control': 'no-cache',
    'content-security-policy': PLAYGROUND_CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  });
  res.end(req.method === 'HEAD' ? undefined : html);
  return true;
}

/**
 * One hashed asset, gzipped when the build left a `.gz` beside it and the
 * client accepts gzip (Monaco alone is about 3 MB). False when there is no such
 * file, so that the gateway answers its usual 404.
 */
async function serveAsset(req: IncomingMessage, res: ServerResponse, root: string, rest: string): Promise<boolean> {
  let name: string;
  try {
    name = decodeURIComponent(rest);
  } catch {
    return false;
  }
  if (!ASSET_PATH.test(name) || name.endsWith('.gz')) return false;
  const file = path.join(root, name);
  const gzip = acceptsGzip(req.headers['accept-encoding']) && (await isFile(`${file}.gz`));
  const served = gzip ? `${file}.gz` : file;
  const stat = await fs.promises.stat(served).catch(() => undefined);
  if (!stat?.isFile()) return false;
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[path.extname(name)] ?? 'application/octet-stream',
    'content-length': stat.size,
    'cache-control': IMMUTABLE,
    'x-content-type-options': 'nosniff',
    vary: 'Accept-Encoding',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  });
  if (req.method === 'HEAD') res.end();
  // A client that goes away mid-download is no error of ours: just drop the stream.
  else await pipeline(fs.createReadStream(served), res).catch(() => res.destroy());
  return true;
}

/** `gzip` (or `*`) listed in Accept-Encoding without `q=0`. */
function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [coding, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    return (coding === 'gzip' || coding === '*') && !params.some((p) => /^q=0(\.0*)?$/.test(p));
  });
}

async function isFile(file: string): Promise<boolean> {
  return (await fs.promises.stat(file).catch(() => undefined))?.isFile() ?? false;
}
