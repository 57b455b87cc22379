import net from 'node:net';
import path from 'node:path';

/** Where the graph keeps its content: an embedded SQLite file or a PostgreSQL database. */
export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | {
      readonly kind: 'postgres';
      /** Connection string without our own `schema` parameter. */
      readonly url: string;
      /** The PostgreSQL schema to work in (`?schema=` in `DATABASE_URL`); `public` when absent. */
      readonly schema?: string;
    };

export type NodeEnv = 'development' | 'production' | 'test';

/** The roles rate limits are set for, as named in `RATE_LIMITS`. */
export type RateLimitedRole = 'anonymous' | 'partner' | 'editor' | 'admin';

/** Bounds every request must stay within, checked before execution. */
export interface Limits {
  /** Deepest field nesting (introspection exempt). */
  readonly maxDepth: number;
  /** Highest cost: each object field counts 1, and a list's cost is multiplied by its page size. */
  readonly maxCost: number;
  readonly maxAliases: number;
  readonly maxRootFields: number;
  /** Operations in one batched HTTP request. */
  readonly maxBatch: number;
  /** Characters of a GraphQL document. */
  readonly maxQueryLength: number;
  /** Lexical tokens of a GraphQL document: bounds parsing work before any rule runs. */
  readonly maxTokens: number;
  readonly maxBodyBytes: number;
  /**
   * Deepest nesting of an introspection query (`__schema`, `__type`), counted
   * from the root: deep enough for the introspection queries of GraphiQL,
   * Apollo's tools and graphql-js `getIntrospectionQuery()`, which all stop at
   * 15, and no deeper, so that a long `ofType` chain is refused.
   */
  readonly maxIntrospectionDepth: number;
}

/** How long the HTTP server keeps sockets and waits for clients. */
export interface HttpTimeouts {
  /**
   * How long an idle keep-alive socket is kept open. Longer than the idle
   * timeouts of common load balancers (60 s for AWS ALB and nginx), so that a
   * proxy never sends a request on a socket the gateway has just closed.
   */
  readonly keepAliveTimeoutMs: number;
  /** Time a client has to send a request's headers, from its first byte (slow-loris). */
  readonly headersTimeoutMs: number;
  /** Time a client has to send a whole request, headers and body. */
  readonly bodyTimeoutMs: number;
}

/** How long the change log keeps entries, and how processes on SQLite notice each other's writes. */
export interface ChangeLogConfig {
  /** Entries older than this are pruned; a cursor older than what is left is CURSOR_EXPIRED. */
  readonly retentionDays: number;
  /** SQLite only: how often a process looks for other processes' commits (PostgreSQL notifies). 0: never. */
  readonly pollIntervalMs: number;
  /**
   * PostgreSQL only: how often a process reads the log without a notification,
   * which makes up a lost one and proves its listening connection answers. 0: never.
   */
  readonly heartbeatMs: number;
}

/** Bounds of the WebSocket endpoint (subscriptions). */
export interface LiveConfig {
  readonly maxSubscriptionsPerSocket: number;
  /** Open sockets per API key, or per address for anonymous callers. */
  readonly maxSocketsPerCaller: number;
  /** How often each socket is pinged; one that does not answer within the same time is closed. */
  readonly heartbeatMs: number;
  /** Events a subscription may have waiting before it is ended (`SUBSCRIBER_BEHIND`). */
  readonly maxBehind: number;
}

/** How webhook deliveries are attempted. */
export interface WebhookConfig {
  /** Attempt deliveries in this process (on by default; several processes share the work through claims). */
  readonly enabled: boolean;
  /** Delays before each retry, in ms; after the last one a delivery is dead (replayable). */
  readonly retryScheduleMs: readonly number[];
  /** Time for one attempt: connecting, waiting and reading the answer. */
  readonly timeoutMs: number;
  /** Attempts in flight at once per process (deliveries of one webhook go one at a time, in order). */
  readonly concurrency: number;
}

/** How sources are fetched and written. */
export interface IngestConfig {
  /** Run sources that have an `every` on their schedule in this process (on by default; several processes share the work through leases). */
  readonly scheduler: boolean;
  /** Largest document a source may return, after decompression. */
  readonly maxBytes: number;
  /** Items written per transaction: each batch is one short write, so requests interleave with a long run (100 on SQLite, 200 on PostgreSQL by default). */
  readonly batchSize: number;
  /** Longest wait for a source's response headers, and for each next chunk of its body; a slow source fails the run (after the retries). */
  readonly fetchTimeoutMs: number;
}

/** How the gateway waits for PostgreSQL. */
export interface DatabaseTimeouts {
  /** PostgreSQL `statement_timeout` for every statement; 0 for none. */
  readonly statementTimeoutMs: number;
  /** Giving up on opening a connection (the server is down or unreachable). */
  readonly connectTimeoutMs: number;
  /**
   * Giving up on a statement's answer on the client side, for a network that
   * drops packets silently (the server never sees the statement, so its own
   * timeout cannot fire): the connection is then dropped. Longer than
   * `statementTimeoutMs`, which ends slow statements on a healthy network.
   */
  readonly queryTimeoutMs: number;
  readonly poolSize: number;
}

export interface RateLimitConfig {
  readonly enabled: boolean;
  /** Cost points each caller may spend per minute, by role; 0 means unlimited. */
  readonly pointsPerMinute: Readonly<Record<RateLimitedRole, number>>;
}

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly host: string;
  readonly port: number;
  readonly database: DatabaseConfig;
  /** Origins allowed to call `/graphql` from a browser; `'*'` allows any. */
  readonly corsOrigins: readonly string[] | '*';
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** How long SIGTERM waits for requests in flight before closing connections. */
  readonly shutdownTimeoutMs: number;
  /** Shared state (rate-limit counters, persisted queries) lives here when set; in memory otherwise. */
  readonly redisUrl: string | null;
  /** How long a verified API key is trusted without a database lookup; revocation takes effect within it. */
  readonly apiKeyCacheMs: number;
  readonly limits: Limits;
  readonly rateLimit: RateLimitConfig;
  /** Proxies whose `X-Forwarded-For` is believed (IP addresses, or `loopback`); none by default. */
  readonly trustedProxies: readonly string[];
  /** PostgreSQL `statement_timeout` for every statement. */
  readonly statementTimeoutMs: number;
  readonly db: DatabaseTimeouts;
  readonly http: HttpTimeouts;
  /** Who may read `/metrics`: IP addresses, CIDR ranges, `loopback`, or `*` for anyone. */
  readonly metricsAllow: readonly string[];
  readonly changeLog: ChangeLogConfig;
  readonly ingest: IngestConfig;
  readonly live: LiveConfig;
  readonly webhooks: WebhookConfig;
  /**
   * OUTBOUND_ALLOWED_HOSTS as given, split on commas: host names or IP
   * addresses that feeds and webhooks may reach although they are loopback,
   * private or link-local. `net/address-rules.ts` checks and normalises them
   * when the gateway starts.
   */
  readonly outboundAllowedHosts: readonly string[];
  /** A request still running after this long is answered with 503 and its statements are cancelled. */
  readonly requestTimeoutMs: number;
  /** Serve GraphiQL at `/playground` (and at `/graphql` to browsers); on by default, `PLAYGROUND=off` for production. */
  readonly playground: boolean;
  /** Run known operations through the compiled fast path (`server/fast-path.ts`); on by default, `FAST_PATH=off` sends everything through Apollo. */
  readonly fastPath: boolean;
  /**
   * How far V8 lets the heap grow past what survived the last full
   * collection before it collects again, in percent (100: to twice). 0 leaves
   * V8's own choice, which on a machine with 16 GB or more allows a 4 GB heap
   * and growth to four times: a gateway whose live heap is 45 MB then sits
   * near 290 MB under load. Applied when the gateway starts.
   */
  readonly heapGrowthPercent: number;
}

/** A bad configuration value; the message names the variable and says what is allowed. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/gateway.sqlite';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Reads the environment once and returns a frozen, validated configuration.
 * This is the only module that reads `process.env`; explicit `overrides` win
 * (tests and the CLI pass them), so nothing else needs to touch the environment.
 *
 * @example loadConfig(process.env, { port: 0, database: parseDatabaseUrl('sqlite::memory:') })
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<Config> = {},
): Config {
  const { NODE_ENV, HOST, PORT, DATABASE_URL, CORS_ORIGINS, LOG_LEVEL, SHUTDOWN_TIMEOUT_MS } = env;
  const { REDIS_URL, API_KEY_CACHE_SECONDS, RATE_LIMIT, RATE_LIMITS, TRUSTED_PROXIES, DB_STATEMENT_TIMEOUT_MS, REQUEST_TIMEOUT_MS } = env;
  const { MAX_DEPTH, MAX_COST, MAX_ALIASES, MAX_ROOT_FIELDS, MAX_BATCH, MAX_QUERY_LENGTH, MAX_TOKENS, MAX_BODY_BYTES, MAX_INTROSPECTION_DEPTH } = env;
  const { KEEP_ALIVE_TIMEOUT_MS, HEADERS_TIMEOUT_MS, BODY_TIMEOUT_MS, DB_CONNECT_TIMEOUT_MS, DB_QUERY_TIMEOUT_MS, DB_POOL_SIZE, METRICS_ALLOW } = env;
  const { CHANGE_LOG_RETENTION_DAYS, CHANGE_LOG_POLL_MS, CHANGE_LOG_HEARTBEAT_MS, INGEST_SCHEDULER, INGEST_MAX_BYTES, INGEST_BATCH_SIZE, INGEST_FETCH_TIMEOUT_MS, OUTBOUND_ALLOWED_HOSTS } = env;
  const { MAX_SUBSCRIPTIONS_PER_SOCKET, MAX_SOCKETS_PER_CALLER, WS_HEARTBEAT_MS, LIVE_MAX_BEHIND } = env;
  const { WEBHOOKS, WEBHOOK_RETRY_SCHEDULE, WEBHOOK_TIMEOUT_MS, WEBHOOK_CONCURRENCY } = env;

  const statementTimeoutMs = integer('DB_STATEMENT_TIMEOUT_MS', DB_STATEMENT_TIMEOUT_MS, 5_000, 0, 600_000);
  const nodeEnv = oneOf('NODE_ENV', NODE_ENV || 'development', ['development', 'production', 'test'] as const);
  const database = overrides.database ?? parseDatabaseUrl(DATABASE_URL || DEFAULT_DATABASE_URL, 'DATABASE_URL');
  const config: Config = {
    nodeEnv,
    host: HOST || '0.0.0.0',
    port: integer('PORT', PORT, 4000, 0, 65535),
    database,
    corsOrigins: parseOrigins(CORS_ORIGINS),
    logLevel: oneOf('LOG_LEVEL', LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'), LOG_LEVELS),
    shutdownTimeoutMs: integer('SHUTDOWN_TIMEOUT_MS', SHUTDOWN_TIMEOUT_MS, 8000, 0, 60_000),
    redisUrl: parseRedisUrl(REDIS_URL),
    apiKeyCacheMs: integer('API_KEY_CACHE_SECONDS', API_KEY_CACHE_SECONDS, 10, 0, 3600) * 1000,
    limits: {
      maxDepth: integer('MAX_DEPTH', MAX_DEPTH, 15, 1, 100),
      maxCost: integer('MAX_COST', MAX_COST, 10_000, 1, 10_000_000),
      maxAliases: integer('MAX_ALIASES', MAX_ALIASES, 50, 0, 10_000),
      maxRootFields: integer('MAX_ROOT_FIELDS', MAX_ROOT_FIELDS, 20, 1, 1000),
      maxBatch: integer('MAX_BATCH', MAX_BATCH, 10, 1, 1000),
      maxQueryLength: integer('MAX_QUERY_LENGTH', MAX_QUERY_LENGTH, 16_384, 256, 10_000_000),
      maxTokens: integer('MAX_TOKENS', MAX_TOKENS, 5_000, 100, 1_000_000),
      maxBodyBytes: integer('MAX_BODY_BYTES', MAX_BODY_BYTES, 1_048_576, 1024, 100_000_000),
      maxIntrospectionDepth: integer('MAX_INTROSPECTION_DEPTH', MAX_INTROSPECTION_DEPTH, 15, 3, 100),
    },
    rateLimit: {
      enabled: toggle('RATE_LIMIT', RATE_LIMIT, nodeEnv === 'production'),
      pointsPerMinute: parseRateLimits(RATE_LIMITS),
    },
    trustedProxies: Object.freeze((TRUSTED_PROXIES ?? '').split(',').map((p) => p.trim()).filter(Boolean)),
    statementTimeoutMs,
    db: {
      statementTimeoutMs,
      connectTimeoutMs: integer('DB_CONNECT_TIMEOUT_MS', DB_CONNECT_TIMEOUT_MS, 2_000, 100, 600_000),
      queryTimeoutMs: integer('DB_QUERY_TIMEOUT_MS', DB_QUERY_TIMEOUT_MS, statementTimeoutMs ? statementTimeoutMs + 1_000 : 30_000, 100, 3_600_000),
      poolSize: integer('DB_POOL_SIZE', DB_POOL_SIZE, 10, 1, 1000),
    },
    http: {
      keepAliveTimeoutMs: integer('KEEP_ALIVE_TIMEOUT_MS', KEEP_ALIVE_TIMEOUT_MS, 75_000, 1_000, 3_600_000),
      headersTimeoutMs: integer('HEADERS_TIMEOUT_MS', HEADERS_TIMEOUT_MS, 10_000, 100, 600_000),
      bodyTimeoutMs: integer('BODY_TIMEOUT_MS', BODY_TIMEOUT_MS, 30_000, 100, 3_600_000),
    },
    metricsAllow: parseMetricsAllow(METRICS_ALLOW),
    changeLog: {
      retentionDays: integer('CHANGE_LOG_RETENTION_DAYS', CHANGE_LOG_RETENTION_DAYS, 30, 0, 36_500),
      pollIntervalMs: integer('CHANGE_LOG_POLL_MS', CHANGE_LOG_POLL_MS, 250, 0, 60_000),
      heartbeatMs: integer('CHANGE_LOG_HEARTBEAT_MS', CHANGE_LOG_HEARTBEAT_MS, 10_000, 0, 3_600_000),
    },
    ingest: {
      scheduler: toggle('INGEST_SCHEDULER', INGEST_SCHEDULER, true),
      maxBytes: integer('INGEST_MAX_BYTES', INGEST_MAX_BYTES, 20 * 1_048_576, 1024, 2_000_000_000),
      // SQLite writes a batch without letting requests in: small batches keep the stalls short (bench:ingest, 100,000 feed
      // entries: longest event-loop delay 267 ms at 50, 290 at 100, 511 at 200, for 61.1, 57.7 and 55.2 s); PostgreSQL serves between statements.
      batchSize: integer('INGEST_BATCH_SIZE', INGEST_BATCH_SIZE, database.kind === 'sqlite' ? 100 : 200, 1, 5_000),
      fetchTimeoutMs: integer('INGEST_FETCH_TIMEOUT_MS', INGEST_FETCH_TIMEOUT_MS, 30_000, 100, 600_000),
    },
    live: {
      maxSubscriptionsPerSocket: integer('MAX_SUBSCRIPTIONS_PER_SOCKET', MAX_SUBSCRIPTIONS_PER_SOCKET, 20, 1, 10_000),
      maxSocketsPerCaller: integer('MAX_SOCKETS_PER_CALLER', MAX_SOCKETS_PER_CALLER, 20, 1, 100_000),
      heartbeatMs: integer('WS_HEARTBEAT_MS', WS_HEARTBEAT_MS, 30_000, 1_000, 600_000),
      maxBehind: integer('LIVE_MAX_BEHIND', LIVE_MAX_BEHIND, 10_000, 100, 100_000),
    },
    webhooks: {
      enabled: toggle('WEBHOOKS', WEBHOOKS, true),
      retryScheduleMs: parseSchedule(WEBHOOK_RETRY_SCHEDULE),
      timeoutMs: integer('WEBHOOK_TIMEOUT_MS', WEBHOOK_TIMEOUT_MS, 10_000, 100, 120_000),
      concurrency: integer('WEBHOOK_CONCURRENCY', WEBHOOK_CONCURRENCY, 16, 1, 1_000),
    },
    outboundAllowedHosts: Object.freeze((OUTBOUND_ALLOWED_HOSTS ?? '').split(',').map((host) => host.trim()).filter(Boolean)),
    requestTimeoutMs: integer('REQUEST_TIMEOUT_MS', REQUEST_TIMEOUT_MS, 15_000, 100, 600_000),
    playground: toggle('PLAYGROUND', env.PLAYGROUND, true),
    fastPath: toggle('FAST_PATH', env.FAST_PATH, true),
    heapGrowthPercent: integer('HEAP_GROWTH_PERCENT', env.HEAP_GROWTH_PERCENT, 100, 0, 1_000),
    ...overrides,
  };
  return Object.freeze(config);
}

/**
 * Parses `sqlite:PATH` (relative to the working directory; `sqlite::memory:` for a
 * throw-away database) or `postgres://…` / `postgresql://…`, whose optional
 * `?schema=NAME` selects the PostgreSQL schema to work in.
 */
export function parseDatabaseUrl(url: string, variable = 'DATABASE_URL'): DatabaseConfig {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (!file) throw new ConfigError(`${variable}: "sqlite:" needs a path, e.g. sqlite:./data/gateway.sqlite`);
    return { kind: 'sqlite', path: file === ':memory:' ? file : path.resolve(file) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError(`${variable}: not a valid postgres:// URL`);
    }
    // node-postgres decodes these when it connects, and a stray `%` (a password holding one, not written as %25) failed there as a bare "URI malformed".
    for (const [part, text] of [['user name', parsed.username], ['password', parsed.password], ['database name', parsed.pathname]] as const) {
      try {
        decodeURIComponent(text);
      } catch {
        throw new ConfigError(`${variable}: the ${part} holds a % that starts no escape; write a literal % as %25`);
      }
    }
    const schema = parsed.searchParams.get('schema') ?? undefined;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new ConfigError(`${variable}: schema "${schema}" must be lowercase letters, digits and _`);
    }
    parsed.searchParams.delete('schema');
    return { kind: 'postgres', url: parsed.toString(), schema };
  }
  throw new ConfigError(`${variable}: expected sqlite:PATH or postgres://…, got "${url.split(':')[0]}:…"`);
}

/** Default cost points per minute: a front page costs about 60–300, a nation page about 100. */
export const DEFAULT_RATE_LIMITS: Readonly<Record<RateLimitedRole, number>> = Object.freeze({
  anonymous: 10_000,
  partner: 100_000,
  editor: 100_000,
  admin: 0,
});

/** `RATE_LIMITS=anonymous=5000,partner=200000`: roles not named keep their defaults. */
function parseRateLimits(value: string | undefined): Readonly<Record<RateLimitedRole, number>> {
  const limits = { ...DEFAULT_RATE_LIMITS };
  for (const pair of (value ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [role, points] = pair.split('=').map((p) => p.trim());
    if (!Object.hasOwn(limits, role)) {
      throw new ConfigError(`RATE_LIMITS: unknown role "${role}"; use anonymous, partner, editor or admin`);
    }
    limits[role as RateLimitedRole] = integer('RATE_LIMITS', points, NaN, 0, 1_000_000_000);
  }
  return Object.freeze(limits);
}

function parseRedisUrl(value: string | undefined): string | null {
  if (!value) return null;
  if (!/^rediss?:\/\//.test(value)) throw new ConfigError('REDIS_URL: expected redis://host:port or rediss://…');
  return value;
}

function parseMetricsAllow(value: string | undefined): readonly string[] {
  const entries = parseList(value, ['loopback']);
  for (const entry of entries) {
    const reason = invalidAllowEntry(entry);
    if (reason) throw new ConfigError(`METRICS_ALLOW: ${reason}`);
  }
  return entries;
}

/** Retries after 5 s, 30 s, 2 min, 10 min, 1 h, 6 h and 12 h: about 19 hours in all before a delivery is dead. */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE = '5s,30s,2m,10m,1h,6h,12h';

/** `WEBHOOK_RETRY_SCHEDULE=5s,30s,2m`: durations in ms, s, m or h; `none` for no retries. */
function parseSchedule(value: string | undefined): readonly number[] {
  const text = value?.trim() || DEFAULT_WEBHOOK_RETRY_SCHEDULE;
  if (text === 'none') return Object.freeze([]);
  return Object.freeze(
    text.split(',').map((part) => {
      const match = /^\s*(\d+)\s*(ms|s|m|h)\s*$/.exec(part);
      const ms = match ? Number(match[1]) * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'] : NaN;
      if (!(ms >= 10 && ms <= 7 * 86_400_000)) throw new ConfigError(`WEBHOOK_RETRY_SCHEDULE: "${part.trim()}" is not a delay such as 30s, 2m or 1h (from 10ms to 7 days)`);
      return ms;
    }),
  );
}

/** Checks one METRICS_ALLOW entry: an IP address, a CIDR range, `loopback` or `*`; returns why not otherwise. */
function invalidAllowEntry(entry: string): string | null {
  if (entry === '*' || entry === 'loopback') return null;
  const [address, prefix, extra] = entry.split('/');
  const family = net.isIP(address);
  if (!family || extra !== undefined) return `"${entry}" is not an IP address, a CIDR range, loopback or *`;
  if (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))) return `"${entry}" has a bad prefix length`;
  return null;
}

function parseList(value: string | undefined, fallback: readonly string[]): readonly string[] {
  const items = (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);
  return Object.freeze(items.length ? items : [...fallback]);
}

function toggle(variable: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(on|true|1|yes)$/i.test(value)) return true;
  if (/^(off|false|0|no)$/i.test(value)) return false;
  throw new ConfigError(`${variable}: expected on or off, got "${value}"`);
}

function parseOrigins(value: string | undefined): readonly string[] | '*' {
  if (!value || value.trim() === '*') return '*';
  return Object.freeze(value.split(',').map((origin) => origin.trim()).filter(Boolean));
}

function integer(variable: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if ((value === undefined || value === '') && !Number.isNaN(fallback)) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${variable}: expected an integer from ${min} to ${max}, got "${value}"`);
  }
  return n;
}

function oneOf<T extends string>(variable: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(`${variable}: expected one of ${allowed.join(', ')}, got "${value}"`);
  }
  return value as T;
}
