import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the upstream server received. */
export interface UpstreamRequest {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  /** The path without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

/** Answers one request; `n` counts the requests of this path so far, from 1. */
export type UpstreamHandler = (request: IncomingMessage, response: ServerResponse, n: number, seen: UpstreamRequest) => void | Promise<void>;

/**
 * A real HTTP server on 127.0.0.1 standing in for a source (a news feed, a
 * WordPress site, a partner's file): routes by path, records every request
 * with its headers, and answers 404 to anything it was not told about.
 */
export interface Upstream {
  readonly origin: string;
  readonly requests: UpstreamRequest[];
  url(path: string): string;
  /** Answers `path` with `handler` from now on (replacing any earlier one). */
  on(path: string, handler: UpstreamHandler): void;
  /** Answers `path` with a fixed body (200 unless told), with the given headers. */
  serve(path: string, body: string | Buffer, options?: { status?: number; headers?: Record<string, string> }): void;
  /** The requests of `path` so far. */
  hits(path: string): UpstreamRequest[];
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const routes = new Map<string, UpstreamHandler>();
  const counts = new Map<string, number>();
  const requests: UpstreamRequest[] = [];
  const server = http.createServer((request, response) => {
    const parsed = new URL(request.url ?? '/', 'http://upstream.invalid');
    const seen: UpstreamRequest = { method: request.method ?? 'GET', url: request.url ?? '/', path: parsed.pathname, query: parsed.searchParams, headers: request.headers };
    requests.push(seen);
    const n = (counts.get(parsed.pathname) ?? 0) + 1;
    counts.set(parsed.pathname, n);
    const handler = routes.get(parsed.pathname);
    if (!handler) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    Promise.resolve(handler(request, response, n, seen)).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(String(error));
      else response.destroy();
    });
  });
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    requests,
    url: (path) => `${origin}${path}`,
    on: (path, handler) => void routes.set(path, handler),
    serve(path, body, options = {}) {
      routes.set(path, (_request, response) => {
        response.writeHead(options.status ?? 200, { 'content-type': 'application/xml; charset=utf-8', ...options.headers }).end(body);
      });
    },
    hits: (path) => requests.filter((request) => request.path === path),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One entry of an RSS 2.0 feed built by {@link rss}; leave a field out to make a broken entry. */
export interface RssEntry {
  readonly guid?: string;
  readonly title?: string;
  readonly link?: string;
  readonly date?: string;
  readonly description?: string;
  /** The entry's body (`content:encoded`), HTML escaped once as feeds send it. */
  readonly content?: string;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** An RSS 2.0 document with the given entries, in order. */
export function rss(entries: readonly RssEntry[], title = 'Coalition wire'): string {
  const items = entries.map((entry) =>
    [
      '<item>',
      entry.title !== undefined ? `<title>${escape(entry.title)}</title>` : '',
      entry.link !== undefined ? `<link>${escape(entry.link)}</link>` : '',
      entry.guid !== undefined ? `<guid isPermaLink="false">${escape(entry.guid)}</guid>` : '',
      entry.date !== undefined ? `<pubDate>${entry.date}</pubDate>` : '',
      entry.description !== undefined ? `<description>${escape(entry.description)}</description>` : '',
      entry.content !== undefined ? `<content:encoded>${escape(entry.content)}</content:encoded>` : '',
      '</item>',
    ].join(''),
  );
  return `<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>${escape(title)}</title><link>https://wire.example/</link><description>Test wire</description>${items.join('\n')}</channel></rss>\n`;
}
