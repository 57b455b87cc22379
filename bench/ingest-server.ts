#!/usr/bin/env node
/**
 * The document server of `bench:ingest`, run as its own process so that its
 * memory and CPU are not counted as the gateway's: serves the generated
 * documents (`manifest.json` of the directory given) on 127.0.0.1 with a
 * strong ETag, answering `If-None-Match` with 304 in the `etag` mode and
 * ignoring it (a 200 with the same bytes) in the `always200` mode.
 *
 * Control: `POST /__mode/etag` or `/__mode/always200`; `GET /__stats` gives
 * the answers counted since the last `POST /__stats/reset`. Prints
 * `listening <port>` when ready.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { GeneratedDocument } from './ingest-data';

const dir = process.argv[2];
if (!dir) throw new Error('usage: ingest-server.js DIR');
const { documents } = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as { documents: GeneratedDocument[] };
const byRoute = new Map(
  documents.map((d) => {
    const body = fs.readFileSync(d.file);
    return [d.route, { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`, type: d.contentType }];
  }),
);
let mode: 'etag' | 'always200' = 'etag';
let stats = { ok: 0, notModified: 0, other: 0, bytes: 0 };

const server = http.createServer((request, response) => {
  const url = request.url ?? '/';
  if (request.method === 'POST' && url.startsWith('/__mode/')) {
    mode = url.slice('/__mode/'.length) === 'always200' ? 'always200' : 'etag';
    response.end(mode);
    return;
  }
  if (url === '/__stats') {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ mode, ...stats }));
    return;
  }
  if (request.method === 'POST' && url === '/__stats/reset') {
    stats = { ok: 0, notModified: 0, other: 0, bytes: 0 };
    response.end('reset');
    return;
  }
  const document = byRoute.get(url.split('?')[0]);
  if (!document) {
    stats.other++;
    response.statusCode = 404;
    response.end('not found');
    return;
  }
  response.setHeader('etag', document.etag);
  response.setHeader('cache-control', 'no-cache');
  if (mode === 'etag' && request.headers['if-none-match'] === document.etag) {
    stats.notModified++;
    response.statusCode = 304;
    response.end();
    return;
  }
  stats.ok++;
  stats.bytes += document.body.length;
  response.setHeader('content-type', document.type);
  response.setHeader('content-length', document.body.length);
  response.end(document.body);
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
