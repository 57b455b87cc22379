import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { createApolloServer } from './apollo';
import { createContext, type GatewayContext } from './context';
import type { Logger } from './logger';
import { buildGatewaySchemas } from './schema';

/** Largest request body `/graphql` reads; a larger one gets 413 before it is parsed. */
const MAX_BODY_BYTES = 1024 * 1024;

/** How much of an oversized body is read (and discarded) so that the 413 reaches the client. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

const CORS_ALLOW_HEADERS = 'content-type, accept, authorization, x-api-key, x-request-id, apollo-require-preflight';

/** A running gateway: where it listens and how to stop it. */
export interface Gateway {
  readonly url: string;
  readonly port: number;
  readonly server: http.Server;
  /** Stops accepting, lets requests in flight finish (up to the configured timeout), then closes. */
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly code: string) {
    super(message);
  }
}

/**
 * Serves the gateway on one port: `/graphql` (GraphQL over HTTP, GET and POST,
 * with CORS), `/healthz` (the process is up) and `/readyz` (the database answers).
 * Built on `node:http` with Apollo's `executeHTTPGraphQLRequest`, so that later
 * routes (WebSocket subscriptions, feeds, the playground) share the same port.
 */
export async function startServer(config: Config, db: DataSource, logger: Logger): Promise<Gateway> {
  const { subgraph } = await buildGatewaySchemas();
  const apollo = createApolloServer(subgraph, logger);
  await apollo.start();

  const server = http.createServer((req, res) => {
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    route(req, res, requestId).catch((error: unknown) => {
      if (error instanceof HttpError) return sendJson(res, error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] });
      logger.error({ err: error, requestId }, 'request failed');
      sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    switch (url.pathname) {
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' });
      case '/readyz':
        return sendJson(res, ...(await readiness(db)));
      case '/graphql':
        if (!applyCors(config, req, res)) return sendJson(res, 403, { errors: [{ message: 'Origin not allowed', extensions: { code: 'FORBIDDEN' } }] });
        if (req.method === 'OPTIONS') return void res.writeHead(204).end();
        return graphql(apollo, db, req, res, url, requestId);
      default:
        return sendJson(res, 404, { errors: [{ message: `No route for ${url.pathname}; GraphQL is at /graphql`, extensions: { code: 'NOT_FOUND' } }] });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}/graphql`,
    port,
    server,
    close: () => (closing ??= shutdown(server, apollo, config.shutdownTimeoutMs)),
  };
}

async function graphql(
  apollo: ApolloServer<GatewayContext>,
  db: DataSource,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  requestId: string,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') {
    res.setHeader('allow', 'GET, POST, OPTIONS');
    throw new HttpError(405, `${req.method} is not supported; use GET or POST`, 'METHOD_NOT_ALLOWED');
  }
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const request: HTTPGraphQLRequest = {
    method: req.method,
    headers,
    search: url.search,
    body: req.method === 'POST' ? parseBody(await readBody(req), headers.get('content-type')) : undefined,
  };
  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: request,
    context: async () => createContext(db, requestId),
  });
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') return void res.end(response.body.string);
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/**
 * Reads the body up to {@link MAX_BODY_BYTES}. Past that it keeps reading but
 * discards, then rejects with 413: destroying the socket mid-upload would make
 * the client see a reset instead of the answer. Past {@link DRAIN_LIMIT_BYTES}
 * it gives up on the client and drops the connection.
 */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) overflow = true;
      if (!overflow) chunks.push(chunk);
      if (size > DRAIN_LIMIT_BYTES) req.destroy();
    });
    req.on('end', () => (overflow ? reject(tooLarge()) : resolve(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function tooLarge(): HttpError {
  return new HttpError(413, `Request body larger than ${MAX_BODY_BYTES} bytes`, 'PAYLOAD_TOO_LARGE');
}

/** JSON bodies are parsed here; anything else goes to Apollo as text, which rejects it with 400 or 415. */
function parseBody(text: string, contentType: string | undefined): unknown {
  if (!contentType || !/^application\/(graphql-response\+)?json\b/i.test(contentType)) return text;
  if (text.trim() === '') throw new HttpError(400, 'Empty request body; send {"query": "…"}', 'BAD_REQUEST');
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON', 'BAD_REQUEST');
  }
}

/**
 * Sets CORS headers for a browser request from another origin. Returns false when
 * the origin is not allowed, so that the request is refused rather than run.
 */
function applyCors(config: Config, req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (!origin) return true;
  const allowed = config.corsOrigins === '*' || config.corsOrigins.includes(origin);
  if (!allowed) return false;
  res.setHeader('access-control-allow-origin', config.corsOrigins === '*' ? '*' : origin);
  res.setHeader('vary', 'Origin');
  res.setHeader('access-control-expose-headers', 'x-request-id');
  if (req.method === 'OPTIONS') {
    res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
    res.setHeader('access-control-allow-headers', CORS_ALLOW_HEADERS);
    res.setHeader('access-control-max-age', '86400');
  }
  return true;
}

async function readiness(db: DataSource): Promise<[number, unknown]> {
  try {
    await db.query('SELECT 1');
    return [200, { status: 'ready', database: db.options.type }];
  } catch {
    return [503, { status: 'unavailable', reason: 'database does not answer' }];
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
}

async function shutdown(server: http.Server, apollo: ApolloServer<GatewayContext>, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
  await closed;
  clearTimeout(timer);
  await apollo.stop();
}
