import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { campaignCatalogue } from '../../campaigns/campaign-catalogue';
import type { Config } from '../../config';
import { DATABASE_AWAY_MESSAGE, DATABASE_AWAY_RETRY_SECONDS, isConnectionFailure, isStatementTimeout, STATEMENT_TIMEOUT_WARNING } from '../../db/failures';
import { pgPoolOf } from '../../db/pg';
import { ScopeCancelledError, StatementScope } from '../../db/statement-scope';
import { nationCatalogue } from '../../member-nations/nation-catalogue';
import type { Services } from '../../server/services';
import { KeyCheckUnavailableError, keyOfRequest } from '../../auth/api-key.service';
import { clientAddressOf, isTrustedProxy } from '../../protection/client-address';
import { RateLimitedError } from '../../protection/rate-limit';
import { UnauthenticatedError } from '../../shared/errors';
import { ContentReads } from '../../shared/content/content.reads';
import { Locale, localeFromAcceptLanguage } from '../../shared/content/locale';
import { buildFeed, type Names, type SyndicatedFeed } from './model';
import { canonicalQuery, FeedParameterError, parseFeedParameters, type FeedParameters } from './parameters';
import { readFeed, type FeedScope } from './read';
import { MEDIA_TYPES, renderFeed, type FeedFormat } from './render';

/** `/feed.atom`, `/nations/IRQ/feed.rss`, `/campaigns/this-generation-learns/feed.json`… */
const FEED_PATH = /^\/(?:(nations|campaigns)\/([^/]+)\/)?feed\.(atom|rss|json)$/;

/** Shared caches and readers may keep a feed this long; `ETag` and `Last-Modified` make revalidating it cheap. */
const CACHE_CONTROL = 'public, max-age=60';

const ALLOW = 'GET, HEAD, OPTIONS';

/** Bump when the documents change shape, so that no client keeps an old rendering under a matching ETag. */
const RENDERING = 3;

/** What a feed's path names: which feed (the shared one when `kind` is absent) and in which format. */
interface FeedPath {
  readonly kind?: 'nations' | 'campaigns';
  /** The member's code or the campaign's slug, still percent-encoded. */
  readonly key?: string;
  readonly format: FeedFormat;
}

function feedPathOf(pathname: string): FeedPath | null {
  const match = FEED_PATH.exec(pathname);
  return match ? { kind: match[1] as FeedPath['kind'], key: match[2], format: match[3] as FeedFormat } : null;
}

/** Whether a path is one of the syndication feeds (the HTTP server routes it here). */
export function isSyndicationPath(pathname: string): boolean {
  return FEED_PATH.test(pathname);
}

/**
 * Serves the feeds as Atom 1.0, RSS 2.0 and JSON Feed 1.1: the shared feed
 * (`/feed.{atom,rss,json}`), a member's (`/nations/{code}/feed.…`) and a
 * campaign's (`/campaigns/{slug}/feed.…`), narrowed by the query parameters
 * as `Query.feed(filter:)` is. Published items only, whoever asks.
 *
 * Refusals are JSON in the gateway's shape, `{ errors: [{ message,
 * extensions: { code } }] }`, as `/graphql` sends before GraphQL runs: 400
 * `BAD_USER_INPUT` for a bad parameter, 404 `NOT_FOUND` for an unknown member
 * or campaign, 405 for a method other than GET, HEAD and OPTIONS, 403 for an
 * origin CORS_ORIGINS does not allow, 503 `SERVICE_UNAVAILABLE` while the
 * database is down, 503 `REQUEST_TIMEOUT` past the request's or a
 * statement's time limit (the API key's lookup included). Anything unexpected
 * is left to the server (500).
 */
export async function serveSyndication(services: Services, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const { config, db, health } = services;
  const path = feedPathOf(url.pathname);
  if (!path) throw new Error(`${url.pathname} is not a feed path`);
  const { kind, key, format } = path;
  if (!applyCors(config, req, res)) return refuse(res, 403, 'FORBIDDEN', 'Origin not allowed');
  if (req.method === 'OPTIONS') return void res.writeHead(204, { allow: ALLOW }).end();
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return refuse(res, 405, 'METHOD_NOT_ALLOWED', `${req.method} is not supported; feeds are read with GET or HEAD`, { allow: ALLOW });
  }
  let parameters: FeedParameters;
  try {
    parameters = parseFeedParameters(url.searchParams);
  } catch (error) {
    if (error instanceof FeedParameterError) return refuse(res, 400, 'BAD_USER_INPUT', error.message);
    throw error;
  }
  if (!health.available) return unavailable(res);

  // The caller, and its charge: a feed of `limit` items costs what `Query.feed(first: limit)` does, from the same budget as its
  // GraphQL requests (its key's, or its address's when it sends none). A key that is wrong is refused, as on /graphql.
  // The RateLimit fields go only on a refusal: a feed is `public`, and a shared cache would hand one caller's remaining
  // budget to every reader of its copy.
  try {
    const viewer = await services.authenticator.authenticate(keyOfRequest(req.headers), url.pathname);
    await services.rateLimiter.consume({ viewer, clientAddress: clientAddressOf(req, config.trustedProxies) }, 1 + parameters.limit);
  } catch (error) {
    if (error instanceof UnauthenticatedError) return refuse(res, 401, 'UNAUTHENTICATED', error.message, { 'www-authenticate': 'Bearer realm="coalition-graph"' });
    if (error instanceof RateLimitedError) return refuse(res, 429, 'RATE_LIMITED', error.message, error.headers);
    // The key could not be checked for now (the database away, the lookup past its time limit, busy): no bug (500), and the
    // client may try again, as /graphql and the WebSocket endpoint say too.
    if (error instanceof KeyCheckUnavailableError) return refuse(res, 503, error.code, error.message, { 'retry-after': String(error.retryAfterSeconds) });
    throw error;
  }

  // Items in the locale asked for (`locale=`, else `Accept-Language`), each in its translation into it when it has one, as `Query.feed` serves them.
  const locale = parameters.locale ?? localeFromAcceptLanguage(req.headers['accept-language']) ?? Locale.EN;
  if (!parameters.locale) res.setHeader('vary', [res.getHeader('vary'), 'Accept-Language'].filter(Boolean).join(', '));

  const scope = new StatementScope(pgPoolOf(db));
  // Before anything is read: a change the page may not show commits, and is heard of, after this.
  const readAt = Date.now();
  let feed: SyndicatedFeed | null;
  try {
    feed = await withTimeout(
      (async () => {
        const [nations, campaigns] = await Promise.all([nationCatalogue(db).get(), campaignCatalogue(db).get()]);
        const names: Names = { nations: nations.byCode, campaignsById: campaigns.byId, campaignsBySlug: campaigns.bySlug };
        const feedScope = scopeOf(kind, key, names);
        if (!feedScope) return null;
        const rows = await readFeed(new ContentReads(db, scope, locale), feedScope, parameters);
        const links = {
          self: selfUrlOf(req, config, feedScope, format, parameters),
          next: rows.next === null ? null : selfUrlOf(req, config, feedScope, format, { ...parameters, from: rows.next }),
        };
        return buildFeed(rows, feedScope, parameters, names, links, new Date(), locale);
      })(),
      config.requestTimeoutMs,
      () => scope.cancel('the request ran past its time limit'),
    );
  } catch (error) {
    if (error instanceof TimeoutError || error instanceof ScopeCancelledError) {
      return refuse(res, 503, 'REQUEST_TIMEOUT', `The request took longer than ${config.requestTimeoutMs} ms and was abandoned`);
    }
    if (isStatementTimeout(error)) {
      services.logger.warn({ path: url.pathname }, STATEMENT_TIMEOUT_WARNING);
      return refuse(res, 503, 'REQUEST_TIMEOUT', 'A database statement of this feed ran past its time limit; ask for less (a narrower filter, fewer items)');
    }
    if (isConnectionFailure(error)) {
      health.observe(error);
      return unavailable(res);
    }
    throw error;
  }
  if (!feed) {
    const what = kind === 'nations' ? 'member nation with code' : 'campaign with slug';
    const given = safeDecode(key ?? '') ?? key ?? '';
    return refuse(res, 404, 'NOT_FOUND', `No ${what} ${JSON.stringify(given.length > 80 ? `${given.slice(0, 80)}…` : given)}`);
  }

  // Not only the items' newest change: an item withdrawn from the page leaves older ones only (see FeedClock). HTTP dates
  // count whole seconds, and a change heard of later in the second the read began could not be told from this time: such
  // a page goes without Last-Modified (its ETag still revalidates it), and If-Modified-Since gets it whole.
  const modified = services.feedClock.lastModified(feed.updated);
  const lastModified = Math.floor(modified.getTime() / 1000) < Math.floor(readAt / 1000) ? modified : null;
  const headers: Record<string, string> = { etag: etagOf(feed, format), 'cache-control': CACHE_CONTROL };
  if (lastModified) headers['last-modified'] = lastModified.toUTCString();
  if (isNotModified(req, headers.etag, lastModified)) return void res.writeHead(304, headers).end();
  const body = Buffer.from(renderFeed(feed, format), 'utf8');
  res.writeHead(200, { ...headers, 'content-type': MEDIA_TYPES[format], 'content-length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** The canonical URL of the document asked for: member codes upper-case, parameters in {@link canonicalQuery} form. */
function selfUrlOf(req: IncomingMessage, config: Config, scope: FeedScope, format: FeedFormat, parameters: FeedParameters): string {
  const path =
    scope.kind === 'nation'
      ? `/nations/${encodeURIComponent(scope.nation.code)}/feed.${format}`
      : scope.kind === 'campaign'
        ? `/campaigns/${encodeURIComponent(scope.campaign.slug)}/feed.${format}`
        : `/feed.${format}`;
  const query = canonicalQuery(parameters);
  return `${originOf(req, config)}${path}${query ? `?${query}` : ''}`;
}

/** The feed a path names, or null when its member or campaign does not exist. Member codes match in any case, as in GraphQL. */
function scopeOf(kind: FeedPath['kind'], key: string | undefined, names: Names): FeedScope | null {
  if (!kind) return { kind: 'all' };
  const value = safeDecode(key ?? '');
  if (value === null) return null;
  if (kind === 'nations') {
    const nation = names.nations.get(value.toUpperCase());
    return nation ? { kind: 'nation', nation } : null;
  }
  const campaign = names.campaignsBySlug.get(value);
  return campaign ? { kind: 'campaign', campaign } : null;
}

function safeDecode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * A strong validator of exactly what the document says: the items' ids and
 * versions and every value rendered from them and from the parameters (the
 * self link, the titles, the names of members and campaigns, which change
 * without the items changing), and the format. Worked out before rendering,
 * so a revalidation costs the reads but not the writing of the document.
 */
function etagOf(feed: SyndicatedFeed, format: FeedFormat): string {
  const hash = createHash('sha256').update(JSON.stringify([RENDERING, format, feed])).digest('base64url');
  return `"${format}-${hash.slice(0, 27)}"`;
}

/**
 * RFC 9110 §13.2.2: `If-None-Match` when the client sent it (compared weakly,
 * as that header is); otherwise `If-Modified-Since`, to the second.
 */
function isNotModified(req: IncomingMessage, etag: string, updated: Date | null): boolean {
  const noneMatch = req.headers['if-none-match'];
  if (noneMatch !== undefined) {
    return noneMatch.split(',').some((tag) => {
      const candidate = tag.trim();
      return candidate === '*' || candidate.replace(/^W\//, '') === etag;
    });
  }
  const since = req.headers['if-modified-since'];
  if (since === undefined || updated === null) return false;
  const time = Date.parse(since);
  return !Number.isNaN(time) && Math.floor(updated.getTime() / 1000) * 1000 <= time;
}

/**
 * CORS as `/graphql` applies it: an origin outside CORS_ORIGINS is refused,
 * an allowed one is named in `access-control-allow-origin` (`*` when any is
 * allowed). The validators are exposed so a browser client can revalidate.
 */
function applyCors(config: Config, req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  if (config.corsOrigins === '*') {
    // The same answer for every origin, and for none: a shared cache may serve a copy fetched without Origin to a browser.
    res.setHeader('access-control-allow-origin', '*');
  } else {
    // Shared caches keep one copy per origin when the answer depends on it.
    res.setHeader('vary', 'Origin');
    if (!origin) return true;
    if (!config.corsOrigins.includes(origin)) return false;
    res.setHeader('access-control-allow-origin', origin);
  }
  res.setHeader('access-control-expose-headers', 'etag, last-modified, x-request-id, ratelimit-limit, ratelimit-remaining, ratelimit-reset, ratelimit-policy, retry-after');
  if (req.method === 'OPTIONS') {
    res.setHeader('access-control-allow-methods', ALLOW);
    res.setHeader('access-control-allow-headers', 'accept, accept-language, authorization, x-api-key, if-none-match, if-modified-since, x-request-id');
    res.setHeader('access-control-max-age', '86400');
  }
  return true;
}

/**
 * Where the client reached the gateway, for the self links: the `Host` header
 * (or `X-Forwarded-Host` and `X-Forwarded-Proto` from a proxy in
 * TRUSTED_PROXIES), checked to be a host name or address and an optional port.
 */
function originOf(req: IncomingMessage, config: Config): string {
  const trusted = isTrustedProxy(req.socket.remoteAddress ?? '', config.trustedProxies);
  const forwardedProto = trusted ? firstValue(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const scheme = forwardedProto === 'https' || forwardedProto === 'http' ? forwardedProto : (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  const host = (trusted ? firstValue(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host;
  const valid = host !== undefined && /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host);
  return `${scheme}://${valid ? host.toLowerCase() : `localhost:${req.socket.localPort ?? config.port}`}`;
}

/** The first of a header's comma-separated values. */
function firstValue(header: string | string[] | undefined): string | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim();
  return value || undefined;
}

function unavailable(res: ServerResponse): void {
  refuse(res, 503, 'SERVICE_UNAVAILABLE', DATABASE_AWAY_MESSAGE, { 'retry-after': String(DATABASE_AWAY_RETRY_SECONDS) });
}

/** A refusal in the gateway's JSON error shape, with a one-line message. */
function refuse(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}

class TimeoutError extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new TimeoutError());
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
