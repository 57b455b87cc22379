import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import type { DataSource } from 'typeorm';
import { ApiKeyAuthenticator, keyFromHeaders } from '../auth/api-key.service';
import type { Config, Limits } from '../config';
import { UnauthenticatedError } from '../shared/errors';
import { ANONYMOUS, type Viewer } from '../shared/viewer';
import { createApolloServer } from './apollo';
import { createContext, type GatewayContext } from './context';
import type { Logger } from './logger';
import { createPlaygroundHandler } from './playground';
import { createRateLimiter } from './rate-limit';
import { connectRedis } from './redis';
import { buildGatewaySchemas } from './schema';

/** JSON must be UTF-8 (RFC 8259); a body that is not is refused rather than silently repaired. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

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
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly headers: Record<string, string> = {},
  ) {
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
  const redis = config.redisUrl ? connectRedis(config.redisUrl, logger) : null;
  const rateLimiter = createRateLimiter(config.rateLimit, redis);
  const apollo = createApolloServer(subgraph, { config, logger, rateLimiter, redis });
  await apollo.start();
  const playground = createPlaygroundHandler(config);
  const authenticator = new ApiKeyAuthenticator(db, config.apiKeyCacheMs, (error) => logger.warn({ err: error }, 'could not record key use'));

  const inFlight = new InFlight();
  const server = http.createServer((req, res) => {
    const done = inFlight.begin();
    const started = process.hrtime.bigint();
    const request: RequestLog = { requestId: requestIdOf(req) };
    res.setHeader('x-request-id', request.requestId);
    res.on('finish', () => logRequest(logger, req, res, request, started));
    route(req, res, request).catch((error: unknown) => {
      if (error instanceof HttpError) {
        for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
        return sendJson(res, error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] });
      }
      logger.error({ err: error, requestId: request.requestId }, 'request failed');
      sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    }).finally(done);
  });
  // Bounds the time a client may take to send its request (slow-loris); execution has its own bound.
  server.requestTimeout = config.requestTimeoutMs * 2;
  server.headersTimeout = Math.min(60_000, config.requestTimeoutMs * 2);

  async function route(req: IncomingMessage, res: ServerResponse, request: RequestLog): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (await playground(req, res, url)) return;
    switch (url.pathname) {
      case '/healthz':
        return sendJson(res, 200, { status: 'ok' });
      case '/readyz':
        return sendJson(res, ...(await readiness(db)));
      case '/graphql':
        if (!applyCors(config, req, res)) return sendJson(res, 403, { errors: [{ message: 'Origin not allowed', extensions: { code: 'FORBIDDEN' } }] });
        if (req.method === 'OPTIONS') return void res.writeHead(204).end();
        return graphql({ apollo, db, config, authenticator }, req, res, url, request);
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
    close: () => (closing ??= shutdown(server, apollo, inFlight, config.shutdownTimeoutMs).then(() => void redis?.disconnect())),
  };
}

/** What the request log records of a request, filled in as it is handled. */
interface RequestLog {
  readonly requestId: string;
  viewer?: Viewer;
  context?: GatewayContext;
}

interface GraphQLEndpoint {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly db: DataSource;
  readonly config: Config;
  readonly authenticator: ApiKeyAuthenticator;
}

/**
 * `/graphql`: decides the viewer from the API key (401 for a bad one, before any
 * GraphQL work), bounds the body, the batch and each document, then hands the
 * request to Apollo with a fresh context and a time limit.
 */
async function graphql(
  { apollo, db, config, authenticator }: GraphQLEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  log: RequestLog,
): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') {
    throw new HttpError(405, `${req.method} is not supported; use GET or POST`, 'METHOD_NOT_ALLOWED', { allow: 'GET, POST, OPTIONS' });
  }
  const viewer = await authenticate(authenticator, req);
  log.viewer = viewer;
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const body = req.method === 'POST' ? parseBody(await readBody(req, config.limits.maxBodyBytes), headers.get('content-type')) : undefined;
  checkDocuments(req.method === 'POST' ? body : { query: url.searchParams.get('query') }, config.limits);
  const request: HTTPGraphQLRequest = { method: req.method, headers, search: url.search, body };
  const clientAddress = clientAddressOf(req, config.trustedProxies);
  const response = await withTimeout(
    apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: request,
      context: async () => (log.context = createContext(db, viewer, log.requestId, clientAddress)),
    }),
    config.requestTimeoutMs,
  );
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = response.status ?? 200;
  if (response.body.kind === 'complete') return void res.end(response.body.string);
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

async function authenticate(authenticator: ApiKeyAuthenticator, req: IncomingMessage): Promise<Viewer> {
  try {
    const apiKey = req.headers['x-api-key'];
    return await authenticator.authenticate(keyFromHeaders(req.headers.authorization, Array.isArray(apiKey) ? apiKey[0] : apiKey));
  } catch (error) {
    if (error instanceof UnauthenticatedError) {
      throw new HttpError(401, error.message, 'UNAUTHENTICATED', { 'www-authenticate': 'Bearer realm="coalition-graph"' });
    }
    throw error;
  }
}

/** Refuses a batch with too many operations, and any document over the length limit, before parsing. */
function checkDocuments(body: unknown, limits: Limits): void {
  if (Array.isArray(body) && (body.length === 0 || body.length > limits.maxBatch)) {
    throw new HttpError(400, `A batch holds 1 to ${limits.maxBatch} operations; this one has ${body.length}`, 'BAD_REQUEST');
  }
  for (const operation of Array.isArray(body) ? body : [body]) {
    const query = (operation as { query?: unknown } | null)?.query;
    if (typeof query === 'string' && query.length > limits.maxQueryLength) {
      throw new HttpError(
        413,
        `The query document has ${query.length} characters, above the limit of ${limits.maxQueryLength}; send a persisted query instead`,
        'PAYLOAD_TOO_LARGE',
      );
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HttpError(503, `The request took longer than ${ms} ms and was abandoned`, 'REQUEST_TIMEOUT')), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The client's address. `X-Forwarded-For` is believed only from configured proxies,
 * and read from the right, skipping proxies, so that a client cannot choose its own address.
 */
function clientAddressOf(req: IncomingMessage, trustedProxies: readonly string[]): string {
  const remote = req.socket.remoteAddress ?? 'unknown';
  const trusted = (address: string) =>
    trustedProxies.includes(address) || (trustedProxies.includes('loopback') && /^(127\.|::1$|::ffff:127\.)/.test(address));
  if (!trusted(remote)) return remote;
  const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  for (let i = forwarded.length - 1; i >= 0; i--) if (!trusted(forwarded[i])) return forwarded[i];
  return forwarded[0] ?? remote;
}

/** One structured line per request, with the id the response carries in `x-request-id`. */
function logRequest(logger: Logger, req: IncomingMessage, res: ServerResponse, log: RequestLog, started: bigint): void {
  const viewer = log.viewer ?? ANONYMOUS;
  logger.info(
    {
      requestId: log.requestId,
      method: req.method,
      path: req.url?.split('?')[0],
      status: res.statusCode,
      ms: Number((process.hrtime.bigint() - started) / 1000n) / 1000,
      role: viewer.role,
      key: viewer.keyId ? viewer.name : undefined,
      cost: log.context?.cost,
    },
    'request',
  );
}

/**
 * Reads the body up to `maxBytes`. Past that it keeps reading but
 * discards, then rejects with 413: destroying the socket mid-upload would make
 * the client see a reset instead of the answer. Past {@link DRAIN_LIMIT_BYTES}
 * it gives up on the client and drops the connection.
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let overflow = Number(req.headers['content-length'] ?? 0) > maxBytes;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) overflow = true;
      if (!overflow) chunks.push(chunk);
      if (size > DRAIN_LIMIT_BYTES) req.destroy();
    });
    req.on('end', () => {
      if (overflow) return reject(tooLarge(maxBytes));
      try {
        resolve(UTF8.decode(Buffer.concat(chunks)));
      } catch {
        reject(new HttpError(400, 'Request body is not valid UTF-8', 'BAD_REQUEST'));
      }
    });
    req.on('error', reject);
  });
}

function tooLarge(maxBytes: number): HttpError {
  return new HttpError(413, `Request body larger than ${maxBytes} bytes`, 'PAYLOAD_TOO_LARGE');
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

/**
 * The requests being handled. A request outlives its connection when the
 * client hangs up mid-way, so closing the server is not enough to know that
 * nothing will touch the database any more.
 */
class InFlight {
  private count = 0;
  private waiting: (() => void)[] = [];

  /** Counts a request in; call the returned function once when it is handled. */
  begin(): () => void {
    this.count++;
    return () => {
      if (--this.count === 0) for (const resolve of this.waiting.splice(0)) resolve();
    };
  }

  /** Resolves once no request is being handled. */
  settled(): Promise<void> {
    return this.count === 0 ? Promise.resolve() : new Promise((resolve) => this.waiting.push(resolve));
  }
}

async function shutdown(server: http.Server, apollo: ApolloServer<GatewayContext>, inFlight: InFlight, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, timeoutMs);
  });
  await Promise.race([Promise.all([closed, inFlight.settled()]), timeout]);
  clearTimeout(timer);
  await apollo.stop();
}
