import { createHash } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import { KeyCheckUnavailableError, keyFromHeaders, type ApiKeyAuthenticator } from '../../auth/api-key.service';
import type { ChangeRow } from '../../changes/change-row';
import { KeyChangeKind } from '../../changes/change-log';
import type { Limits } from '../../config';
import { checkOperation } from '../../protection/checks';
import { callerKey, RateLimitedError, type RateLimiter } from '../../protection/rate-limit';
import { localeFromAcceptLanguage, type Locale } from '../../shared/content/locale';
import { UnauthenticatedError } from '../../shared/errors';
import { ANONYMOUS, type Viewer } from '../../shared/viewer';
import type { LiveEvent, LiveEvents } from './live-events';
import type { LivePayload } from './subscriptions.resolver';

/** What the WebSocket endpoint needs of the gateway. */
export interface LiveServerDependencies {
  readonly schema: GraphQLSchema;
  readonly live: LiveEvents;
  readonly authenticator: ApiKeyAuthenticator;
  readonly rateLimiter: RateLimiter;
  readonly limits: Limits;
  readonly maxSubscriptionsPerSocket: number;
  readonly maxSocketsPerCaller: number;
  readonly heartbeatMs: number;
  /** Whether a browser page from `origin` may connect (CORS_ORIGINS). */
  readonly originAllowed: (origin: string | undefined) => boolean;
  /** The caller's address (behind trusted proxies, from `X-Forwarded-For`). */
  readonly clientAddress: (request: http.IncomingMessage) => string;
  /** The GraphQL context of one live event, shared by every subscriber of it: published content only. */
  readonly eventContext: (event: LiveEvent) => Record<string, unknown>;
  /**
   * How an error of an event's execution reaches subscribers: the gateway's formatter, the one `/graphql`
   * uses (`formatGatewayError`), which masks unexpected errors as INTERNAL_SERVER_ERROR and logs them, and
   * tells the health monitor of a database that does not answer. Called once per error of a shared execution.
   */
  readonly formatError: (formatted: GraphQLFormattedError, error: GraphQLError) => GraphQLFormattedError;
  readonly metrics?: { connections(delta: number): void; subscriptions(delta: number): void; delivered(): void };
  readonly log?: (level: 'info' | 'warn' | 'error', message: string, details?: Record<string, unknown>) => void;
}

/** What the server keeps per socket. */
interface SocketState {
  viewer: Viewer;
  /** The caller's address: the rate limit charges anonymous callers by it, as over HTTP. */
  clientAddress: string;
  counted: boolean;
  /** From the upgrade request's `Accept-Language`: the locale of subscriptions that name none. */
  locale: Locale | null;
  /** Closes the socket when its key expires (an expiry writes nothing to the change log, unlike a revocation). */
  expiry?: NodeJS.Timeout;
}

/** A running WebSocket endpoint. */
export interface LiveServer {
  /** Hands an HTTP upgrade on `/graphql` to graphql-ws (after checking its Origin). */
  upgrade(request: http.IncomingMessage, socket: Duplex, head: Buffer): void;
  /** A change-log listener: a revoked key's sockets are closed. (An expired key's close at its expiry, by a timer per socket.) */
  onChanges(rows: readonly ChangeRow[]): void;
  /** Closes every socket with 1001 (going away), after what is in flight has been sent. */
  close(): Promise<void>;
  readonly socketCount: number;
}

/**
 * GraphQL subscriptions over graphql-ws (`graphql-transport-ws`) on
 * `/graphql`. graphql-ws runs outside Apollo's plugins, so every protection
 * is applied here, by the same functions the HTTP path calls, when a
 * subscription starts: the key (in `connection_init` as `{ "authorization":
 * "Bearer <key>" }`, the name in any case; a wrong key closes the socket with
 * 4403, and so do the key's revocation and its expiry when they come), parsing and
 * validation (a syntax or validation error answers that subscription and
 * keeps the socket), depth, cost, aliases, root fields, the allow-list, rate
 * limits, caps on subscriptions per socket and sockets per caller. Only
 * subscriptions run here; queries and mutations use HTTP.
 *
 * Events are executed once per distinct operation (document, operation name,
 * variables) and shared by every subscriber of that operation, with loaders
 * made for the event: a thousand subscribers of the same selection cost one
 * execution and one read. Its errors go through `formatError` once, as over
 * HTTP: no SQL or stack reaches a subscriber, and an unexpected error is logged once.
 */
export function createLiveServer(deps: LiveServerDependencies): LiveServer {
  const wss = new WebSocketServer({ noServer: true, maxPayload: deps.limits.maxBodyBytes });
  const sockets = new Map<WebSocket, SocketState>();
  const perCaller = new Map<string, number>();
  const documents = new Map<string, DocumentNode>();
  const results = new WeakMap<LiveEvent, Map<string, Promise<ExecutionResult>>>();
  const log = deps.log ?? (() => {});
  /** Executions of events not yet handed to graphql-ws to send. */
  const executing = new Set<Promise<ExecutionResult>>();
  /**
   * Keys revoked while some socket's key was being looked up: such a socket is refused. Kept only while a
   * lookup is in flight (`authenticating`), so that revocations over the process's life do not pile up here.
   */
  const revoked = new Set<string>();
  let authenticating = 0;

  const server = useServer<Record<string, unknown> | undefined, { state?: SocketState }>(
    {
      schema: deps.schema,
      onConnect: async (ctx) => {
        const authorization = authorizationOf(ctx.connectionParams);
        // A key that is no string (a list, an object) is a wrong key, not none: refused, as it is over HTTP, rather than served as anonymous.
        // So are two names differing only in case that carry different keys: which one was meant cannot be told.
        if (authorization === CONFLICTING || (authorization !== undefined && authorization !== null && typeof authorization !== 'string')) return false;
        let viewer: Viewer;
        let revokedMeanwhile = false;
        authenticating++;
        try {
          viewer = await deps.authenticator.authenticate(keyFromHeaders(authorization ?? undefined, undefined), ctx.extra.request.url?.split('?')[0]);
          revokedMeanwhile = viewer.keyId !== null && revoked.has(viewer.keyId);
        } catch (error) {
          if (error instanceof UnauthenticatedError) return false;
          // The key could not be checked for now (the database away, overloaded or busy): 1013 (try again later), which clients
          // retry, where an error thrown here would close with 4500, which graphql-ws clients take as fatal and never retry after.
          if (error instanceof KeyCheckUnavailableError) {
            ctx.extra.socket.close(TRY_AGAIN_LATER, error.message);
            return;
          }
          // Anything else is a bug or a broken database: logged here, and the client gets 4500 without the error's
          // message (graphql-ws would send it as the close reason, SQL included, if it were thrown).
          log('error', 'unexpected error while checking a WebSocket key', { err: error });
          ctx.extra.socket.close(CloseCode.InternalServerError, 'Internal server error');
          return;
        } finally {
          if (--authenticating === 0) revoked.clear();
        }
        // The client may have gone while the key was looked up: onClose has run, and nothing may be kept for the socket.
        if (ctx.extra.socket.readyState !== WebSocket.OPEN) return false;
        // Revoked while it was looked up: the revocation closed the key's sockets before this one was among them.
        if (revokedMeanwhile) return false;
        const clientAddress = deps.clientAddress(ctx.extra.request);
        // Sockets per caller are counted as the rate limit counts its budgets: by key, or by address without one.
        const caller = callerKey({ viewer, clientAddress });
        const open = perCaller.get(caller) ?? 0;
        if (open >= deps.maxSocketsPerCaller) {
          ctx.extra.socket.close(CloseCode.Forbidden, `At most ${deps.maxSocketsPerCaller} open sockets per caller`);
          return;
        }
        perCaller.set(caller, open + 1);
        const state: SocketState = { viewer, clientAddress, counted: true, locale: localeFromAcceptLanguage(ctx.extra.request.headers['accept-language']) };
        ctx.extra.state = state;
        sockets.set(ctx.extra.socket, state);
        deps.metrics?.connections(1);
        const socket = ctx.extra.socket;
        if (viewer.expiresAt) closeAt(state, viewer.expiresAt.getTime(), () => socket.close(CloseCode.Forbidden, 'Forbidden: the API key has expired'));
        return true;
      },
      onClose: (ctx) => {
        const state = ctx.extra.state;
        sockets.delete(ctx.extra.socket);
        clearTimeout(state?.expiry);
        if (!state?.counted) return;
        state.counted = false;
        deps.metrics?.connections(-1);
        const caller = callerKey(state);
        const open = (perCaller.get(caller) ?? 1) - 1;
        if (open > 0) perCaller.set(caller, open);
        else perCaller.delete(caller);
      },
      onSubscribe: async (ctx, _id, payload) => {
        const state = ctx.extra.state;
        if (!state) return [plainError('The connection is not initialised', 'UNAUTHENTICATED')];
        // graphql-ws has already entered this subscription's id when it calls onSubscribe: it counts itself.
        if (Object.keys(ctx.subscriptions).length > deps.maxSubscriptionsPerSocket) {
          return [plainError(`At most ${deps.maxSubscriptionsPerSocket} subscriptions per socket; open another socket or end one`, 'RATE_LIMITED', { limit: deps.maxSubscriptionsPerSocket })];
        }
        try {
          const query = String(payload.query ?? '');
          if (query.length > deps.limits.maxQueryLength) {
            return [plainError(`The query document has ${query.length} characters, above the limit of ${deps.limits.maxQueryLength}`, 'PAYLOAD_TOO_LARGE')];
          }
          let document: DocumentNode;
          try {
            document = parsed(query);
          } catch (error) {
            return [withCode(error as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
          }
          const errors = validate(deps.schema, document);
          if (errors.length) return errors.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
          const operation = getOperationAST(document, payload.operationName);
          if (!operation) return [plainError('The operation to run could not be determined: name it with operationName', 'OPERATION_RESOLUTION_FAILURE')];
          if (operation.operation !== 'subscription') {
            return [plainError('Only subscriptions run over this WebSocket; send queries and mutations over HTTP to /graphql', 'BAD_REQUEST')];
          }
          const variables = payload.variables ?? {};
          const queryHash = createHash('sha256').update(query).digest('hex');
          const cost = checkOperation(deps.schema, { document, operation, operationName: payload.operationName, variables, queryHash }, state.viewer, deps.limits);
          if (cost !== null) await deps.rateLimiter.consume(state, Math.max(1, cost));
          return {
            schema: deps.schema,
            document,
            operationName: payload.operationName,
            variableValues: variables,
            contextValue: {
              live: deps.live,
              locale: state.locale,
              viewer: ANONYMOUS,
              // Subscribers whose operation, variables and socket locale are the same share each event's execution.
              operationKey: `${query}\u0000${payload.operationName ?? ''}\u0000${JSON.stringify(variables)}\u0000${state.locale ?? ''}`,
            },
          };
        } catch (error) {
          if (error instanceof GraphQLError) return [withoutHttp(error)];
          log('error', 'unexpected error while starting a subscription', { err: error });
          return [plainError('Internal server error', 'INTERNAL_SERVER_ERROR')];
        }
      },
      onOperation: () => deps.metrics?.subscriptions(1),
      onComplete: () => deps.metrics?.subscriptions(-1),
      subscribe: async (args) => {
        const stream = await createSourceEventStream(args);
        // The subscription's resolver failed (a bad filter, or an unexpected error): its errors as over HTTP.
        if (!(Symbol.asyncIterator in stream)) return formatted(stream);
        const key = String((args.contextValue as { operationKey: string }).operationKey);
        return mapEvents(stream as AsyncIterable<LivePayload>, (payload) => {
          const result = executeShared(args, key, payload);
          executing.add(result);
          void result.finally(() => executing.delete(result));
          return result;
        });
      },
    },
    wss,
    deps.heartbeatMs,
  );

  /** Executes a subscriber's selection for one event, once for every subscriber of the same operation. */
  function executeShared(args: ExecutionArgs, key: string, payload: LivePayload): Promise<ExecutionResult> {
    let byOperation = results.get(payload.event);
    if (!byOperation) results.set(payload.event, (byOperation = new Map()));
    let result = byOperation.get(key);
    if (!result) {
      result = Promise.resolve(execute({ ...args, rootValue: payload, contextValue: deps.eventContext(payload.event) })).then(formatted);
      byOperation.set(key, result);
    }
    deps.metrics?.delivered();
    return result;
  }

  /**
   * `result` with its errors as the gateway shows them (see `formatError`), made once per shared execution so that
   * an unexpected error is logged once, however many subscribers receive it. A result without errors is returned as it is.
   */
  function formatted(result: ExecutionResult): ExecutionResult {
    if (!result.errors?.length) return result;
    return { ...result, errors: result.errors.map(formattedError) };
  }

  function formattedError(error: GraphQLError): GraphQLError {
    try {
      return asFormatted(deps.formatError(enriched(error), error), error);
    } catch (formatting) {
      // As Apollo does when its formatError throws: nothing of either error reaches the client.
      log('error', 'formatting an error of a live event failed', { err: formatting });
      return plainError('Internal server error', 'INTERNAL_SERVER_ERROR');
    }
  }

  /** Parsed documents by text: subscribers of the same operation share one parse (and validation stays the function's). */
  function parsed(query: string): DocumentNode {
    let document = documents.get(query);
    if (!document) {
      document = parse(query, { maxTokens: deps.limits.maxTokens });
      if (documents.size >= 1_000) documents.clear();
      documents.set(query, document);
    }
    return document;
  }

  return {
    upgrade(request, socket, head) {
      if (!deps.originAllowed(request.headers.origin)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nOrigin not allowed\n');
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    },
    onChanges(rows) {
      for (const row of rows) {
        // Only a revocation ends a key's sockets. Its creation's entry can arrive after a socket using
        // the new key is open (the reader lags the writer), and must not close it.
        if (row.subject !== 'KEY' || row.kind !== KeyChangeKind.REVOKED) continue;
        if (authenticating > 0) revoked.add(row.subjectId);
        for (const [socket, state] of sockets) {
          if (state.viewer.keyId === row.subjectId) socket.close(CloseCode.Forbidden, 'Forbidden: the API key was revoked');
        }
      }
    },
    close: async () => {
      // Events already read from the change log are sent before the sockets close: wait until every
      // subscription's queue is empty and no execution is in flight (within a bound, should a read hang).
      const deadline = Date.now() + DRAIN_MS;
      for (;;) {
        // A turn of the event loop: what resolved has moved on (to execution, or to the socket).
        await new Promise((resolve) => setImmediate(resolve));
        if ((deps.live.idle && executing.size === 0) || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await server.dispose();
    },
    get socketCount() {
      return sockets.size;
    },
  };
}

/** RFC 6455's registry: the server cannot serve now, and the client should try again later. */
const TRY_AGAIN_LATER = 1013;

/** The longest delay a timer keeps (about 24.8 days; Node fires a longer one at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Runs `action` at the time `at` (ms since the epoch), in steps when it is further away than a timer keeps; the timer is `state.expiry`. */
function closeAt(state: SocketState, at: number, action: () => void): void {
  const delay = at - Date.now();
  if (delay <= 0) {
    action();
    return;
  }
  state.expiry = setTimeout(() => closeAt(state, at, action), Math.min(delay, MAX_TIMER_MS));
  state.expiry.unref();
}

/** How long closing waits for events already read to be sent before the sockets close (1001). */
const DRAIN_MS = 5_000;

/** Maps an event stream to results, ending the source when the consumer ends. */
function mapEvents<T>(source: AsyncIterable<T>, map: (value: T) => Promise<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  return {
    async next() {
      const { value, done } = await iterator.next();
      return done ? { value: undefined, done: true } : { value: await map(value), done: false };
    },
    async return() {
      await iterator.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** A `connection_init` payload's name for the key, `authorization` in any case. */
const AUTHORIZATION = 'authorization';

/** What {@link authorizationOf} returns when names differing only in case carry different values. */
const CONFLICTING = Symbol('conflicting authorization');

/**
 * The key's value in `connection_init`'s payload, under `authorization` whatever its case (`Authorization`, as
 * many clients send it, like the HTTP header): undefined when there is none, {@link CONFLICTING} when two
 * names carry different values. Runs once per connection, over the payload's few names.
 */
function authorizationOf(params: Readonly<Record<string, unknown>> | undefined): unknown {
  if (!params || typeof params !== 'object') return undefined;
  let found: unknown = undefined;
  let seen = false;
  for (const name of Object.keys(params)) {
    if (name.length !== AUTHORIZATION.length || name.toLowerCase() !== AUTHORIZATION) continue;
    const value = params[name];
    if (seen && value !== found) return CONFLICTING;
    found = value;
    seen = true;
  }
  return found;
}

/** An error as Apollo hands it to `formatError`: its JSON, with a code (INTERNAL_SERVER_ERROR if it has none) and no HTTP-only extension. */
function enriched(error: GraphQLError): GraphQLFormattedError {
  const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
  return { ...error.toJSON(), extensions: { ...extensions, code: extensions.code ?? 'INTERNAL_SERVER_ERROR' } };
}

/** `formatted` as a GraphQLError (what graphql-ws sends, through its `toJSON`), at the original's locations. */
function asFormatted(formatted: GraphQLFormattedError, original: GraphQLError): GraphQLError {
  return new GraphQLError(formatted.message, {
    nodes: original.nodes,
    source: original.source,
    positions: original.positions,
    path: formatted.path,
    extensions: formatted.extensions,
  });
}

/** An error for a WebSocket client: a code, and none of the HTTP-only extensions Apollo reads. */
function plainError(message: string, code: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { ...extensions, code } });
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}

function withoutHttp(error: GraphQLError): GraphQLError {
  const { http: _http, ...extensions } = error.extensions as Record<string, unknown>;
  if (error instanceof RateLimitedError) extensions.retryAfter = Number(error.headers['retry-after']);
  return new GraphQLError(error.message, { nodes: error.nodes, extensions });
}

