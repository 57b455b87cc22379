import { STATUS_CODES, validateHeaderName, validateHeaderValue, type IncomingHttpHeaders } from 'node:http';
import { readBody } from './body';
import { exchange, networkError, type ExchangeOptions, type Hop } from './exchange';
import { FetchError } from './fetch-error';
import { DEFAULT_GET_RETRY, isRetryableStatus, NO_RETRY, parseRetryAfter, retryDelayMs, type RetryPolicy } from './retry';
import { systemResolver, type HostResolver } from './resolve';

export { describeFetchError, FetchError, type FetchErrorCode } from './fetch-error';
export type { RetryPolicy } from './retry';
export type { HostResolver, ResolvedAddress } from './resolve';

/** One outbound request: a feed or partner file to fetch, or a webhook to deliver. */
export interface SafeRequest {
  /** Absolute `http:` or `https:` URL, without credentials. */
  readonly url: string;
  /** GET by default. */
  readonly method?: 'GET' | 'POST';
  /**
   * Extra headers (`if-none-match`, `if-modified-since`, `content-type`, a
   * webhook's signature). `host`, `user-agent`, `accept-encoding`,
   * `content-length`, `transfer-encoding`, `connection` and the other
   * framing headers are set here and refused from the caller.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /** Only with POST. */
  readonly body?: string | Buffer;
  /** Hosts allowed to reach special-purpose addresses, as `parseAllowedHosts` (address-rules.ts) reads them from `OUTBOUND_ALLOWED_HOSTS`. */
  readonly allowedHosts: readonly string[];
  /** Sent as `User-Agent` on every request, e.g. `CoalitionGraph/0.1 (+https://…)`, so partners know who calls. */
  readonly userAgent: string;
  /** Cap on the body after decoding; 20 MiB by default. */
  readonly maxBytes?: number;
  /** Redirects followed, 5 by default; with 0 a redirect is the answer (a webhook must not be redirected). */
  readonly maxRedirects?: number;
  /** Resolving, connecting and the TLS handshake; 10 s by default. */
  readonly connectTimeoutMs?: number;
  /** From connected to the response headers; 30 s by default. */
  readonly headersTimeoutMs?: number;
  /** Longest silence between body chunks; 30 s by default. */
  readonly idleTimeoutMs?: number;
  /** The whole call: every attempt, redirect and wait between attempts; 2 min by default. */
  readonly totalTimeoutMs?: number;
  /** 3 attempts for GET by default (0.5 s base, 30 s ceiling); POST is tried once unless a policy is given. */
  readonly retry?: RetryPolicy;
  /** Cancels the call wherever it is (`ABORTED`). */
  readonly signal?: AbortSignal;
  /** Send `Accept-Encoding: gzip, br, deflate` and decode the body (default); false asks for `identity` and keeps the body as sent. */
  readonly acceptEncoding?: boolean;
  /**
   * The status and headers are the whole answer (a webhook's receiver): the
   * body is never read, and the connection is closed once the headers are in,
   * so that nothing the server sends after them (a long page, an unknown
   * `Content-Encoding`, a slow trickle) can turn its answer into a failure.
   * `body` is then empty; `maxBytes` and `idleTimeoutMs` do not apply.
   */
  readonly ignoreBody?: boolean;
  /**
   * True by default: a final status other than 2xx or 304 throws `HTTP_STATUS`.
   * False returns it as a response (after any retries), for a webhook sender
   * that records what the partner answered.
   */
  readonly throwOnStatus?: boolean;
  /** How host names are resolved; the system resolver by default. */
  readonly resolver?: HostResolver;
  /** Extra trust anchors (PEM) for https, beyond Node's bundled CAs. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
}

/** What the server finally answered. */
export interface SafeResponse {
  /** The URL that answered, after redirects. */
  readonly url: string;
  readonly status: number;
  /** Names in lower case; repeated headers joined with `, `. As sent: `content-encoding` still names the coding the body was decoded from. */
  readonly headers: Readonly<Record<string, string>>;
  /** Decoded (unless `acceptEncoding: false`); empty for 304. */
  readonly body: Buffer;
  /** True for a 304 to a conditional request: the caller's copy is current. */
  readonly notModified: boolean;
  /** Attempts made, 1 when the first succeeded. */
  readonly attempts: number;
  /** Each URL redirected to, in order; the last is `url`. Empty when there was no redirect. */
  readonly redirects: readonly string[];
}

const MIB = 1024 * 1024;

/** Headers this module owns: the caller setting them would break framing, decoding or identification. */
const RESERVED_HEADERS = new Set(['host', 'user-agent', 'accept-encoding', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'expect']);

/** Redirect statuses followed (RFC 9110 §15.4). */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Headers that describe a request body, dropped when a redirect turns POST into GET (Fetch standard, "request-body-header name"). */
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location'];

/** Credentials never follow a redirect to another origin (RFC 9110 §15.4, Fetch standard). */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];

interface Plan {
  readonly first: Hop;
  readonly exchange: ExchangeOptions;
  readonly maxBytes: number;
  readonly maxRedirects: number;
  readonly idleTimeoutMs: number;
  readonly totalTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly decode: boolean;
  readonly ignoreBody: boolean;
  readonly throwOnStatus: boolean;
}

/**
 * The one way the gateway talks to other servers. Every hop (redirects
 * included) is resolved here and checked against the address rules, and the
 * socket connects only to the checked addresses; sizes, time and retries are
 * bounded; every failure is a {@link FetchError}.
 *
 * A 304 comes back as `notModified`; a final status other than 2xx or 304
 * throws `HTTP_STATUS` unless `throwOnStatus` is false. Network errors,
 * connect/headers/idle timeouts, 429 and 5xx are retried with exponential
 * backoff and full jitter (`Retry-After` honoured, capped at `maxDelayMs`);
 * other 4xx never are. Each attempt starts again from `url`.
 *
 * @throws FetchError
 */
export async function safeFetch(request: SafeRequest): Promise<SafeResponse> {
  let plan: Plan;
  try {
    plan = planRequest(request);
  } catch (error) {
    (error as FetchError).attempts = 0;
    throw error;
  }
  const url = plan.first.url.href;
  const scope = new CallScope(plan.totalTimeoutMs, url, request.signal);
  let attempt = 1;
  try {
    for (; ; attempt++) {
      let failure: FetchError;
      try {
        const response = await followRedirects(plan, scope.signal, attempt === plan.retry.attempts);
        return { ...response, attempts: attempt };
      } catch (error) {
        failure = networkError(error, url);
      }
      if (!failure.retryable || attempt >= plan.retry.attempts || scope.signal.aborted) throw failure;
      const delay = retryDelayMs(attempt, plan.retry, failure.retryAfterMs);
      // Waiting past the deadline would only turn this failure into a less telling TIMEOUT.
      if (delay >= scope.remainingMs()) throw failure;
      await scope.sleep(delay);
    }
  } catch (error) {
    const failure = networkError(error, url);
    failure.attempts = attempt;
    throw failure;
  } finally {
    scope.dispose();
  }
}

/** One attempt: the request and the redirects it leads to. */
async function followRedirects(plan: Plan, signal: AbortSignal, lastAttempt: boolean): Promise<Omit<SafeResponse, 'attempts'>> {
  let hop = plan.first;
  const redirects: string[] = [];
  for (;;) {
    const { request, response } = await exchange(hop, plan.exchange, signal);
    try {
      const status = response.statusCode ?? 0;
      const url = hop.url.href;
      const location = response.headers.location;
      if (REDIRECTS.has(status) && location !== undefined && plan.maxRedirects > 0) {
        response.destroy();
        if (redirects.length >= plan.maxRedirects) {
          throw new FetchError('TOO_MANY_REDIRECTS', `more than ${plan.maxRedirects} redirects`, { url });
        }
        const next = redirectTarget(location, hop.url);
        redirects.push(next.href);
        hop = redirectedHop(hop, status, next);
        continue;
      }
      const headers = flattenHeaders(response.headers);
      if (status === 304) {
        response.resume();
        return { url, status, headers, body: Buffer.alloc(0), notModified: true, redirects };
      }
      const ok = status >= 200 && status <= 299;
      const retryable = isRetryableStatus(status);
      if (!ok && (plan.throwOnStatus || (retryable && !lastAttempt))) {
        response.destroy();
        const retryAfterMs = retryable ? parseRetryAfter(headers['retry-after']) : undefined;
        throw new FetchError('HTTP_STATUS', `HTTP ${status} ${STATUS_CODES[status] ?? ''}`.trim(), { url, status, retryable, retryAfterMs });
      }
      if (plan.ignoreBody) {
        request.destroy();
        return { url, status, headers, body: Buffer.alloc(0), notModified: false, redirects };
      }
      const body = await readBody(response, { url, maxBytes: plan.maxBytes, idleTimeoutMs: plan.idleTimeoutMs, decode: plan.decode, signal });
      return { url, status, headers, body, notModified: false, redirects };
    } catch (error) {
      request.destroy();
      throw error;
    }
  }
}

/** The absolute URL a `Location` points to (relative to the URL that answered, RFC 9110 §10.2.2), if it may be fetched. */
function redirectTarget(location: string, base: URL): URL {
  let next: URL;
  try {
    next = new URL(location, base);
  } catch {
    throw new FetchError('BAD_URL', `a redirect to "${location}", which is not a URL`, { url: base.href });
  }
  checkUrl(next, `a redirect to ${next.protocol} is refused`);
  return next;
}

/**
 * The request a redirect asks for: 303 turns anything into GET (RFC 9110
 * §15.4.4), and so do 301 and 302 for POST, as every browser does (RFC 9110
 * §15.4.2 allows it); 307 and 308 repeat the request as it was. Credentials
 * do not follow to another origin.
 */
function redirectedHop(hop: Hop, status: number, url: URL): Hop {
  const toGet = hop.method === 'POST' && (status === 301 || status === 302 || status === 303);
  const headers: Record<string, string> = { ...hop.headers };
  if (toGet) {
    for (const name of [...BODY_HEADERS, 'content-length']) delete headers[name];
  }
  if (url.origin !== hop.url.origin) {
    for (const name of CREDENTIAL_HEADERS) delete headers[name];
  }
  return { url, method: toGet ? 'GET' : hop.method, headers, body: toGet ? undefined : hop.body };
}

/** Validates the request and fills in the defaults, before anything is sent. */
function planRequest(request: SafeRequest): Plan {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    throw new FetchError('BAD_URL', `"${request.url}" is not an absolute URL`, { url: request.url });
  }
  checkUrl(url, `only http: and https: URLs are fetched, not ${url.protocol}`);
  const method = request.method ?? 'GET';
  const bad = (message: string): never => {
    throw new FetchError('BAD_REQUEST', message, { url: url.href });
  };
  if (method !== 'GET' && method !== 'POST') bad(`method ${String(method)} is not supported; use GET or POST`);
  if (request.body !== undefined && method !== 'POST') bad('a body is sent only with POST');
  if (!request.userAgent?.trim()) bad('a user agent is required: partners must be able to tell who calls');
  const decode = request.acceptEncoding ?? true;
  const body = request.body === undefined ? undefined : Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body, 'utf8');

  const headers: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(request.headers ?? {})) {
    const name = rawName.toLowerCase();
    if (RESERVED_HEADERS.has(name)) bad(`the ${name} header is set by safeFetch, not by the caller`);
    try {
      validateHeaderName(name);
      validateHeaderValue(name, value);
    } catch (error) {
      bad(`header ${JSON.stringify(rawName)}: ${(error as Error).message}`);
    }
    headers[name] = value;
  }
  try {
    validateHeaderValue('user-agent', request.userAgent);
  } catch (error) {
    bad(`user agent: ${(error as Error).message}`);
  }
  headers['user-agent'] = request.userAgent;
  headers['accept-encoding'] = decode ? 'gzip, br, deflate' : 'identity';
  if (method === 'POST') headers['content-length'] = String(body?.length ?? 0);

  const count = (name: string, value: number | undefined, fallback: number, min: number): number => {
    const n = value ?? fallback;
    if (!Number.isSafeInteger(n) || n < min) bad(`${name} must be an integer of at least ${min}, not ${n}`);
    return n;
  };
  const retry = request.retry ?? (method === 'GET' ? DEFAULT_GET_RETRY : NO_RETRY);
  count('retry.attempts', retry.attempts, 1, 1);
  count('retry.baseDelayMs', retry.baseDelayMs, 0, 0);
  count('retry.maxDelayMs', retry.maxDelayMs, 0, 0);

  return {
    first: { url, method, headers, body },
    exchange: {
      allowedHosts: request.allowedHosts,
      resolver: request.resolver ?? systemResolver,
      connectTimeoutMs: count('connectTimeoutMs', request.connectTimeoutMs, 10_000, 1),
      headersTimeoutMs: count('headersTimeoutMs', request.headersTimeoutMs, 30_000, 1),
      ca: request.ca,
    },
    maxBytes: count('maxBytes', request.maxBytes, 20 * MIB, 0),
    maxRedirects: count('maxRedirects', request.maxRedirects, 5, 0),
    idleTimeoutMs: count('idleTimeoutMs', request.idleTimeoutMs, 30_000, 1),
    totalTimeoutMs: count('totalTimeoutMs', request.totalTimeoutMs, 120_000, 1),
    retry,
    decode,
    ignoreBody: request.ignoreBody ?? false,
    throwOnStatus: request.throwOnStatus ?? true,
  };
}

/** Refuses what is not plain http(s): other schemes, and credentials in the URL, which would end up in logs. */
function checkUrl(url: URL, schemeMessage: string): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FetchError('BAD_URL', schemeMessage, { url: url.href });
  if (url.username || url.password) {
    throw new FetchError('BAD_URL', 'credentials in a URL are not sent; pass an authorization header', { url: `${url.protocol}//${url.host}${url.pathname}` });
  }
}

function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/**
 * The lifetime of one `safeFetch` call: a signal that fires when the caller
 * aborts (`ABORTED`) or the total deadline passes (`TIMEOUT`), which every
 * exchange, body read and wait between attempts listens to.
 */
class CallScope {
  private readonly controller = new AbortController();
  private readonly deadline: number;
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort: () => void;

  constructor(
    totalTimeoutMs: number,
    url: string,
    private readonly callerSignal?: AbortSignal,
  ) {
    this.deadline = Date.now() + totalTimeoutMs;
    this.timer = setTimeout(() => {
      this.controller.abort(new FetchError('TIMEOUT', `no complete answer within ${totalTimeoutMs} ms`, { url }));
    }, totalTimeoutMs);
    this.onCallerAbort = () => {
      this.controller.abort(new FetchError('ABORTED', 'the request was cancelled', { url, cause: callerSignal?.reason }));
    };
    if (callerSignal?.aborted) this.onCallerAbort();
    else callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  remainingMs(): number {
    return this.deadline - Date.now();
  }

  /** Waits `ms`, or rejects with the reason as soon as the signal fires. */
  sleep(ms: number): Promise<void> {
    const signal = this.signal;
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }
}
