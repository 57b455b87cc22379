import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type HTTPGraphQLRequest } from '@apollo/server';
import { KeyCheckUnavailableError, keyOfRequest } from '../auth/api-key.service';
import type { Config, Limits } from '../config';
import { DATABASE_AWAY_MESSAGE, DATABASE_AWAY_RETRY_SECONDS } from '../db/failures';
import { pgPoolOf } from '../db/pg';
import { StatementScope } from '../db/statement-scope';
import { addressMatcher } from '../metrics/allow';
import { clientAddressOf } from '../protection/client-address';
import type { Metrics, Outcome } from '../metrics/metrics';
import { isSyndicationPath, serveSyndication } from '../outbound/syndication/handler';
import { Locale, localeFromAcceptLanguage } from '../shared/content/locale';
import { formatGatewayError } from '../shared/error-format';
import { UnauthenticatedError } from '../shared/errors';
import { ANONYMOUS, type Viewer } from '../shared/viewer';
import { createLiveServer } from '../outbound/live/ws-server';
import { createApolloServer } from './apollo';
import { createContext, type GatewayContext } from './context';
import type { Logger } from './logger';
import { FastPath } from './fast-path';
import { exampleOperationNames, exampleOperationTexts } from './operations';
import { createPlaygroundHandler } from './playground';
import { buildGatewaySchemas } from './schema';
import type { Services } from './services';

/** JSON must be UTF-8 (RFC 8259); a body that is not is refused rather than silently repaired. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** How much of an oversized body is read (and discarded) so that the 413 reaches the client. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

const CORS_ALLOW_HEADERS = 'content-type, accept, authorization, x-api-key, x-request-id, apollo-require-preflight';

/**
 * Errors of the GraphQL phase that are answered with HTTP 200 when the answer
 * is in `application/json` (GraphQL over HTTP, §7.1.1: the request was
 * well-formed; the document or its variables were not): parse, validation (our
 * depth, cost, alias and root-field rules included), operation resolution and
 * variable coercion. An answer in `application/graphql-response+json` (what a
 * client that prefers it gets) keeps their 4xx codes (§7.1.2).
 */
const GRAPHQL_PHASE_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'QUERY_TOO_COMPLEX',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_USER_INPUT',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** A running gateway: where it listens and how to stop it. */
export interface Gateway {
  readonly url: string;
  readonly port: number;
  readonly server: http.Server;
  /** The compiled fast path for known operations (null with FAST_PATH=off). */
  readonly fastPath: FastPath | null;
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
 * with CORS), `/healthz` (the process is up), `/readyz` (the database
 * answers) and `/metrics` (Prometheus, to the addresses in METRICS_ALLOW).
 * Built on `node:http` with Apollo's `executeHTTPGraphQLRequest`, so that
 * other routes (WebSocket subscriptions, feeds, the playground) share the port.
 */
export async function startServer(services: Services): Promise<Gateway> {
  const { config, logger, metrics } = services;
  const { subgraph } = await buildGatewaySchemas();
  const knownOperations = exampleOperationNames();
  const apollo = createApolloServer(subgraph, services, knownOperations);
  await apollo.start();
  const fastPath = config.fastPath
    ? new FastPath({ schema: subgraph, limits: config.limits, rateLimiter: services.rateLimiter, persistedQueries: services.persistedQueries, knownOperations })
    : null;
  fastPath?.warm(exampleOperationTexts());
  const playground = createPlaygroundHandler(config);
  const mayScrape = addressMatcher(config.metricsAllow);
  const live = createLiveServer({
    schema: subgraph,
    live: services.live,
    authenticator: services.authenticator,
    rateLimiter: services.rateLimiter,
    limits: config.limits,
    maxSubscriptionsPerSocket: config.live.maxSubscriptionsPerSocket,
    maxSocketsPerCaller: config.live.maxSocketsPerCaller,
    heartbeatMs: config.live.heartbeatMs,
    originAllowed: (origin) => !origin || config.corsOrigins === '*' || config.corsOrigins.includes(origin),
    clientAddress: (request) => clientAddressOf(request, config.trustedProxies),
    eventContext: (event) => ({ ...createContext(services.db, ANONYMOUS, `live:${event.row.seq}`, 'live') }),
    // Events' errors are shown, logged and observed as /graphql's are.
    formatError: (formatted, error) => formatGatewayError(formatted, error, services),
    metrics: {
      connections: (delta) => metrics.websockets.inc(delta),
      subscriptions: (delta) => metrics.subscriptions.inc(delta),
      delivered: () => metrics.subscriptionEvents.inc(),
    },
    log: (level, message, details) => logger[level](details ?? {}, message),
  });
  const stopRevocations = services.changes.subscribe((rows) => live.onChanges(rows));

  const inFlight = new InFlight();
  const server = http.createServer(
    {
      requestTimeout: config.http.bodyTimeoutMs,
      headersTimeout: Math.min(config.http.headersTimeoutMs, config.http.bodyTimeoutMs),
      // How often Node looks for requests past those timeouts (30 s by default, which would let a slow client hold on much longer).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(config.http.headersTimeoutMs / 4))),
    },
    (req, res) => {
      const done = inFlight.begin();
      const started = process.hrtime.bigint();
      const request: RequestLog = { requestId: requestIdOf(req), route: 'other' };
      res.setHeader('x-request-id', request.requestId);
      res.on('finish', () => observe(services, req, res, request, started));
      route(req, res, request).catch((error: unknown) => {
        if (error instanceof HttpError) {
          request.errorCode = error.code;
          for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
          return sendJson(res, error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] });
        }
        if (error instanceof ClientGoneError) {
          // Node has already answered 408 (or the client left): nothing to send, and nothing went wrong here.
          return void logger.warn({ requestId: request.requestId, method: req.method, path: req.url?.split('?')[0], reason: error.message }, error.summary);
        }
        logger.error({ err: error, requestId: request.requestId }, 'request failed');
        request.errorCode = 'INTERNAL_SERVER_ERROR';
        sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      }).finally(done);
    },
  );
  // Idle keep-alive sockets outlive a load balancer's own idle timeout, so it never reuses one the gateway just closed.
  server.keepAliveTimeout = config.http.keepAliveTimeoutMs;
  // graphql-ws subscriptions share the port: an upgrade on /graphql goes to the WebSocket endpoint, anything else is refused.
  // A throw here would end the process (nothing catches an event handler's error): a target that is no URL is answered 400.
  server.on('upgrade', (req, socket, head) => {
    const url = requestUrl(req);
    if (url?.pathname === '/graphql') return live.upgrade(req, socket, head);
    socket.end(
      url
        ? 'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nWebSocket subscriptions are at /graphql\n'
        : 'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nThe request target is not a valid path\n',
    );
  });

  async function route(req: IncomingMessage, res: ServerResponse, request: RequestLog): Promise<void> {
    const url = requestUrl(req);
    if (!url) throw new HttpError(400, `The request target ${JSON.stringify(req.url)} is not a valid path`, 'BAD_REQUEST');
    if (await playground(req, res, url)) return void (request.route = 'playground');
    if (isSyndicationPath(url.pathname)) {
      request.route = 'feeds';
      return serveSyndication(services, req, res, url);
    }
    switch (url.pathname) {
      case '/healthz':
        request.route = 'healthz';
        return sendJson(res, 200, { status: 'ok' });
      case '/readyz':
        request.route = 'readyz';
        return sendJson(res, ...(await readiness(services)));
      case '/metrics':
        request.route = 'metrics';
        if (!mayScrape(req.socket.remoteAddress)) throw new HttpError(403, 'Metrics are served only to the addresses in METRICS_ALLOW', 'FORBIDDEN');
        res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' }).end(await metrics.scrape());
        return;
      case '/graphql':
        request.route = 'graphql';
        if (!applyCors(config, req, res)) throw new HttpError(403, 'Origin not allowed', 'FORBIDDEN');
        if (req.method === 'OPTIONS') return void res.writeHead(204).end();
        return graphql(services, apollo, fastPath, req, res, url, request);
      default:
        throw new HttpError(404, `No route for ${url.pathname}; GraphQL is at /graphql`, 'NOT_FOUND');
    }
  }

  await new Promise<void>((resolve, reject) => {
    // Said as what it is: a HOST that does not resolve was reported as the database's (`getaddrinfo ENOTFOUND`).
    server.once('error', (error) => reject(new Error(`cannot listen on ${config.host}:${config.port}: ${error.message}`)));
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;

  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}/graphql`,
    port,
    server,
    fastPath,
    close: () =>
      (closing ??= (async () => {
        // What the change log holds is sent to subscribers before their sockets close with 1001 (going away).
        await services.changes.settle().catch(() => {});
        // Revocations still close sockets while the last events drain.
        await live.close();
        stopRevocations();
        await shutdown(server, apollo, inFlight, config.shutdownTimeoutMs);
      })()),
  };
}

/** The request's target as a URL, or null when it is none (`//`, for one: a URL with an empty host). */
function requestUrl(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://gateway');
  } catch {
    return null;
  }
}

/** What the request log and the metrics record of a request, filled in as it is handled. */
interface RequestLog {
  readonly requestId: string;
  route: 'graphql' | 'playground' | 'healthz' | 'readyz' | 'metrics' | 'feeds' | 'other';
  viewer?: Viewer;
  context?: GatewayContext;
  /** The code of an error the gateway answered before GraphQL ran (401, 413, 503…). */
  errorCode?: string;
  /** How the GraphQL request ended. */
  outcome?: Outcome;
}

/**
 * `/graphql`: refuses at once while the database is down (503), decides the
 * viewer from the API key (401 for a bad one, before any GraphQL work),
 * bounds the body, the batch and each document, then hands the request to
 * Apollo with a fresh context and a time limit. Past the limit, the answer is
 * 503 and the request's statements are cancelled on the database.
 */
async function graphql(
  services: Services,
  apollo: ApolloServer<GatewayContext>,
  fastPath: FastPath | null,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  log: RequestLog,
): Promise<void> {
  const { config, db, health } = services;
  if (req.method !== 'GET' && req.method !== 'POST') {
    throw new HttpError(405, `${req.method} is not supported; use GET or POST`, 'METHOD_NOT_ALLOWED', { allow: 'GET, POST, OPTIONS' });
  }
  if (!health.available) throw serviceUnavailable();
  const viewer = await authenticate(services, req);
  log.viewer = viewer;
  const contentType = req.headers['content-type'];
  const body = req.method === 'POST' ? parseBody(await readBody(req, config.limits.maxBodyBytes), Array.isArray(contentType) ? contentType.join(', ') : contentType) : undefined;
  checkDocuments(req.method === 'POST' ? body : { query: url.searchParams.get('query') }, config.limits);
  const clientAddress = clientAddressOf(req, config.trustedProxies);
  const scope = new StatementScope(pgPoolOf(db));
  scope.observeBatch = batchObserver(services.metrics);
  let context: GatewayContext | undefined;
  const newContext = () => (log.context = context = createContext(db, viewer, log.requestId, clientAddress, scope, localeFromAcceptLanguage(req.headers['accept-language']) ?? Locale.EN));
  const normal = async () => {
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const request: HTTPGraphQLRequest = { method: req.method!, headers, search: url.search, body };
    return apollo.executeHTTPGraphQLRequest({ httpGraphQLRequest: request, context: async () => context ?? newContext() });
  };
  const accept = req.headers.accept;
  const response = await withTimeout(
    (async () => {
      if (fastPath && req.method === 'POST') {
        const outcome = await fastPath.run({ body, accept, caller: viewer.keyId ?? clientAddress }, newContext);
        if (outcome.kind === 'answered') return outcome.answer;
        // Refused or not for the fast path: the normal path starts afresh; after a charge it keeps the context that carries it.
        if (outcome.kind === 'normal') context = undefined;
        const answer = await normal();
        if ((answer.status ?? 200) === 200 && answer.body.kind === 'complete' && !Array.isArray(body)) fastPath.learnContentType(accept, answer.headers.get('content-type'));
        return answer;
      }
      return normal();
    })(),
    config.requestTimeoutMs,
    () => scope.cancel('the request ran past its time limit'),
  );
  services.metrics.statements.observe(scope.statements);
  let status = response.status ?? 200;
  const text = response.body.kind === 'complete' ? response.body.string : null;
  const requestError = status >= 400 && status < 500 && text !== null && isGraphQLPhaseError(text);
  if (requestError && !isGraphQLResponseType(response.headers.get('content-type'))) status = 200;
  log.outcome = requestError || status >= 400 && status < 500 ? 'refused' : status >= 500 ? 'error' : log.context?.measured.errorCodes?.length ? 'partial' : 'ok';
  for (const [name, value] of response.headers) res.setHeader(name, value);
  res.statusCode = status;
  // Encoded once here: given a string, node would measure its UTF-8 length for Content-Length and then encode it again to write it.
  if (text !== null) return void res.end(Buffer.from(text, 'utf8'));
  if (response.body.kind === 'chunked') {
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
  }
  res.end();
}

/**
 * Whether Apollo answers in `application/graphql-response+json` (GraphQL over
 * HTTP's own media type), which it picks when the client's Accept prefers it.
 * The status rule follows the media type of the answer, not whether the
 * client merely lists that type: an answer in `application/json` is 200.
 */
function isGraphQLResponseType(contentType: string | undefined): boolean {
  return contentType !== undefined && /^application\/graphql-response\+json\b/i.test(contentType);
}

/** Whether an answer holds only errors of the GraphQL phase (see {@link GRAPHQL_PHASE_CODES}) and no data. */
function isGraphQLPhaseError(text: string): boolean {
  try {
    const body = JSON.parse(text) as { data?: unknown; errors?: { extensions?: { code?: unknown } }[] };
    return !body.data && Array.isArray(body.errors) && body.errors.length > 0 && body.errors.every((error) => GRAPHQL_PHASE_CODES.has(String(error.extensions?.code)));
  } catch {
    return false;
  }
}

function serviceUnavailable(): HttpError {
  return new HttpError(503, DATABASE_AWAY_MESSAGE, 'SERVICE_UNAVAILABLE', { 'retry-after': String(DATABASE_AWAY_RETRY_SECONDS) });
}

async function authenticate({ authenticator }: Services, req: IncomingMessage): Promise<Viewer> {
  try {
    return await authenticator.authenticate(keyOfRequest(req.headers), req.url?.split('?')[0]);
  } catch (error) {
    if (error instanceof UnauthenticatedError) {
      throw new HttpError(401, error.message, 'UNAUTHENTICATED', { 'www-authenticate': 'Bearer realm="coalition-graph"' });
    }
    // The database could not say for now (away, the lookup past its time limit, busy): not a bug; as the feeds answer it.
    if (error instanceof KeyCheckUnavailableError) throw new HttpError(503, error.message, error.code, { 'retry-after': String(error.retryAfterSeconds) });
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

/**
 * The scope's DataLoader batch sizes, to the metrics. Made here, not as an arrow
 * inside `graphql()`: a closure made there shares that function's context (the
 * request, its body, its GraphQL context, every other closure of the request),
 * so the scope, which the GraphQL context holds, would reach all of it. Whenever
 * V8 allocates a request's context or log object directly in old space
 * (allocation-site pretenuring), that dead old object would then keep the whole
 * request alive through every scavenge until the next full GC.
 */
function batchObserver(metrics: Metrics): (loader: string, size: number) => void {
  return (loader, size) => metrics.batchSize.observe({ loader }, size);
}

function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new HttpError(503, `The request took longer than ${ms} ms and was abandoned`, 'REQUEST_TIMEOUT'));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** One structured line per request, with the id the response carries in `x-request-id`, and the request's metrics. */
function observe({ logger, metrics }: Services, req: IncomingMessage, res: ServerResponse, log: RequestLog, started: bigint): void {
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const viewer = log.viewer ?? ANONYMOUS;
  metrics.httpRequests.inc({ route: log.route, status: String(res.statusCode) });
  if (log.route === 'graphql') {
    const labels = { operation: log.context?.measured.operation ?? 'other', outcome: log.outcome ?? (res.statusCode >= 500 ? 'error' : 'refused') };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, seconds);
    for (const code of log.context?.measured.errorCodes ?? (log.errorCode ? [log.errorCode] : [])) metrics.errors.inc({ code });
  }
  logger.info(
    {
      requestId: log.requestId,
      method: req.method,
      path: req.url?.split('?')[0],
      status: res.statusCode,
      ms: Math.round(seconds * 1e6) / 1000,
      role: viewer.role,
      key: viewer.keyId ? viewer.name : undefined,
      operation: log.context?.measured.operation,
      cost: log.context?.measured.cost,
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
    // The socket closed mid-body: the client hung up, or Node cut it off at BODY_TIMEOUT_MS.
    req.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ECONNRESET' ? new ClientGoneError(error.message) : error));
  });
}

/** A request whose body never fully arrived because its connection closed: the client's doing, logged as a warning. */
class ClientGoneError extends Error {
  readonly summary = 'the request was cut off before its body arrived: the client hung up or was too slow';
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

/** `/readyz`: 200 while the database answers `SELECT 1`, 503 within 2 s when it does not (or is already known down). */
async function readiness({ db, health }: Services): Promise<[number, unknown]> {
  if (health.available && (await health.probe())) return [200, { status: 'ready', database: db.options.type }];
  return [503, { status: 'unavailable', reason: 'database does not answer' }];
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
