import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, DEFAULT_DATABASE_URL, loadConfig, parseDatabaseUrl } from '../src/config';

/** A validator for assert.throws: a ConfigError whose message starts with the variable's name. */
function configErrorNaming(variable: string) {
  return (error: unknown): true => {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.equal(error.name, 'ConfigError');
    assert.match(error.message, new RegExp(`^${variable}: `));
    return true;
  };
}

describe('loadConfig', () => {
  it('uses the documented defaults when the environment is empty', () => {
    const config = loadConfig({});
    assert.deepEqual(config, {
      nodeEnv: 'development',
      host: '0.0.0.0',
      fastPath: true,
      heapGrowthPercent: 100,
      port: 4000,
      database: { kind: 'sqlite', path: path.resolve('data/gateway.sqlite') },
      corsOrigins: '*',
      logLevel: 'info',
      shutdownTimeoutMs: 8000,
      redisUrl: null,
      apiKeyCacheMs: 10_000,
      limits: {
        maxDepth: 15,
        maxCost: 10_000,
        maxAliases: 50,
        maxRootFields: 20,
        maxBatch: 10,
        maxQueryLength: 16_384,
        maxTokens: 5_000,
        maxBodyBytes: 1_048_576,
        maxIntrospectionDepth: 15,
      },
      rateLimit: { enabled: false, pointsPerMinute: { anonymous: 10_000, partner: 100_000, editor: 100_000, admin: 0 } },
      trustedProxies: [],
      statementTimeoutMs: 5_000,
      db: { statementTimeoutMs: 5_000, connectTimeoutMs: 2_000, queryTimeoutMs: 6_000, poolSize: 10 },
      http: { keepAliveTimeoutMs: 75_000, headersTimeoutMs: 10_000, bodyTimeoutMs: 30_000 },
      metricsAllow: ['loopback'],
      changeLog: { retentionDays: 30, pollIntervalMs: 250, heartbeatMs: 10_000 },
      ingest: { scheduler: true, maxBytes: 20 * 1_048_576, batchSize: 100, fetchTimeoutMs: 30_000 },
      live: { maxSubscriptionsPerSocket: 20, maxSocketsPerCaller: 20, heartbeatMs: 30_000, maxBehind: 10_000 },
      webhooks: { enabled: true, retryScheduleMs: [5_000, 30_000, 120_000, 600_000, 3_600_000, 21_600_000, 43_200_000], timeoutMs: 10_000, concurrency: 16 },
      outboundAllowedHosts: [],
      requestTimeoutMs: 15_000,
      playground: true,
    });
    assert.equal(DEFAULT_DATABASE_URL, 'sqlite:./data/gateway.sqlite');
    assert.ok(config.database.kind === 'sqlite');
    assert.ok(path.isAbsolute(config.database.path));
    assert.ok(config.database.path.endsWith(path.join('data', 'gateway.sqlite')));
  });

  it('writes ingested items 100 to a transaction on SQLite and 200 on PostgreSQL unless INGEST_BATCH_SIZE says otherwise', () => {
    assert.equal(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite' }).ingest.batchSize, 100);
    assert.equal(loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' }).ingest.batchSize, 200);
    assert.equal(loadConfig({}, { database: parseDatabaseUrl('postgres://postgres@127.0.0.1:5432/test') }).ingest.batchSize, 200);
    assert.equal(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite', INGEST_BATCH_SIZE: '500' }).ingest.batchSize, 500);
  });

  it('turns rate limits on in production unless RATE_LIMIT says otherwise, and rejects unknown roles and bad URLs', () => {
    assert.equal(loadConfig({ NODE_ENV: 'production' }).rateLimit.enabled, true);
    assert.equal(loadConfig({ NODE_ENV: 'development', RATE_LIMIT: 'on' }).rateLimit.enabled, true);
    assert.throws(() => loadConfig({ RATE_LIMITS: 'robots=5' }), (e: Error) => e instanceof ConfigError && /^RATE_LIMITS: unknown role "robots"/.test(e.message));
    assert.throws(() => loadConfig({ RATE_LIMITS: 'partner=lots' }), (e: Error) => e instanceof ConfigError && /^RATE_LIMITS:/.test(e.message));
    assert.throws(() => loadConfig({ RATE_LIMIT: 'maybe' }), (e: Error) => e instanceof ConfigError && /^RATE_LIMIT:/.test(e.message));
    assert.throws(() => loadConfig({ REDIS_URL: 'localhost:6379' }), (e: Error) => e instanceof ConfigError && /^REDIS_URL:/.test(e.message));
    assert.throws(() => loadConfig({ MAX_COST: '0' }), (e: Error) => e instanceof ConfigError && /^MAX_COST:/.test(e.message));
  });

  it('is silent by default under NODE_ENV=test and logs at info otherwise', () => {
    assert.equal(loadConfig({ NODE_ENV: 'test' }).logLevel, 'silent');
    assert.equal(loadConfig({ NODE_ENV: 'production' }).logLevel, 'info');
    assert.equal(loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'debug' }).logLevel, 'debug');
  });

  it('reads every variable from the environment it is given', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: '8080',
      DATABASE_URL: 'postgres://app@db.internal:5432/graph?schema=coalition',
      CORS_ORIGINS: 'https://a.example',
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '2500',
      REDIS_URL: 'redis://cache.internal:6379',
      API_KEY_CACHE_SECONDS: '0',
      MAX_DEPTH: '8',
      MAX_COST: '5000',
      MAX_ALIASES: '10',
      MAX_ROOT_FIELDS: '5',
      MAX_BATCH: '3',
      MAX_QUERY_LENGTH: '8192',
      MAX_TOKENS: '2000',
      MAX_BODY_BYTES: '65536',
      RATE_LIMIT: 'off',
      RATE_LIMITS: 'anonymous=500, partner=20000',
      TRUSTED_PROXIES: '10.0.0.1, loopback',
      DB_STATEMENT_TIMEOUT_MS: '2000',
      DB_CONNECT_TIMEOUT_MS: '1500',
      DB_QUERY_TIMEOUT_MS: '2500',
      DB_POOL_SIZE: '20',
      KEEP_ALIVE_TIMEOUT_MS: '620000',
      HEADERS_TIMEOUT_MS: '5000',
      BODY_TIMEOUT_MS: '20000',
      METRICS_ALLOW: '10.0.0.0/8, loopback, fd00::1',
      MAX_INTROSPECTION_DEPTH: '12',
      CHANGE_LOG_RETENTION_DAYS: '7',
      CHANGE_LOG_POLL_MS: '1000',
      CHANGE_LOG_HEARTBEAT_MS: '30000',
      INGEST_SCHEDULER: 'off',
      INGEST_MAX_BYTES: '1048576',
      INGEST_BATCH_SIZE: '50',
      FAST_PATH: 'off',
      INGEST_FETCH_TIMEOUT_MS: '5000',
      OUTBOUND_ALLOWED_HOSTS: '127.0.0.1, feeds.internal',
      MAX_SUBSCRIPTIONS_PER_SOCKET: '5',
      MAX_SOCKETS_PER_CALLER: '3',
      WS_HEARTBEAT_MS: '5000',
      LIVE_MAX_BEHIND: '500',
      WEBHOOKS: 'off',
      WEBHOOK_RETRY_SCHEDULE: '500ms, 2s,1m',
      WEBHOOK_TIMEOUT_MS: '3000',
      WEBHOOK_CONCURRENCY: '4',
      REQUEST_TIMEOUT_MS: '4000',
      PLAYGROUND: 'off',
      HEAP_GROWTH_PERCENT: '0',
    });
    assert.deepEqual(config, {
      nodeEnv: 'production',
      host: '127.0.0.1',
      fastPath: false,
      port: 8080,
      database: { kind: 'postgres', url: 'postgres://app@db.internal:5432/graph', schema: 'coalition' },
      corsOrigins: ['https://a.example'],
      logLevel: 'warn',
      shutdownTimeoutMs: 2500,
      redisUrl: 'redis://cache.internal:6379',
      apiKeyCacheMs: 0,
      limits: { maxDepth: 8, maxCost: 5000, maxAliases: 10, maxRootFields: 5, maxBatch: 3, maxQueryLength: 8192, maxTokens: 2000, maxBodyBytes: 65_536, maxIntrospectionDepth: 12 },
      rateLimit: { enabled: false, pointsPerMinute: { anonymous: 500, partner: 20_000, editor: 100_000, admin: 0 } },
      trustedProxies: ['10.0.0.1', 'loopback'],
      statementTimeoutMs: 2000,
      db: { statementTimeoutMs: 2000, connectTimeoutMs: 1500, queryTimeoutMs: 2500, poolSize: 20 },
      http: { keepAliveTimeoutMs: 620_000, headersTimeoutMs: 5000, bodyTimeoutMs: 20_000 },
      metricsAllow: ['10.0.0.0/8', 'loopback', 'fd00::1'],
      changeLog: { retentionDays: 7, pollIntervalMs: 1000, heartbeatMs: 30_000 },
      ingest: { scheduler: false, maxBytes: 1_048_576, batchSize: 50, fetchTimeoutMs: 5_000 },
      live: { maxSubscriptionsPerSocket: 5, maxSocketsPerCaller: 3, heartbeatMs: 5000, maxBehind: 500 },
      webhooks: { enabled: false, retryScheduleMs: [500, 2000, 60_000], timeoutMs: 3000, concurrency: 4 },
      outboundAllowedHosts: ['127.0.0.1', 'feeds.internal'],
      requestTimeoutMs: 4000,
      playground: false,
      heapGrowthPercent: 0,
    });
  });

  it('derives the client-side query timeout from the statement timeout, and refuses bad METRICS_ALLOW entries', () => {
    assert.equal(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '1000' }).db.queryTimeoutMs, 2_000);
    assert.equal(loadConfig({ DB_STATEMENT_TIMEOUT_MS: '0' }).db.queryTimeoutMs, 30_000);
    assert.deepEqual(loadConfig({ METRICS_ALLOW: '*' }).metricsAllow, ['*']);
    assert.throws(() => loadConfig({ METRICS_ALLOW: 'prometheus.internal' }), configErrorNaming('METRICS_ALLOW'));
    assert.throws(() => loadConfig({ METRICS_ALLOW: '10.0.0.0/33' }), configErrorNaming('METRICS_ALLOW'));
    assert.throws(() => loadConfig({ KEEP_ALIVE_TIMEOUT_MS: '500' }), configErrorNaming('KEEP_ALIVE_TIMEOUT_MS'));
    assert.throws(() => loadConfig({ WEBHOOK_RETRY_SCHEDULE: '5s,soon' }), configErrorNaming('WEBHOOK_RETRY_SCHEDULE'));
    assert.deepEqual(loadConfig({ WEBHOOK_RETRY_SCHEDULE: 'none' }).webhooks.retryScheduleMs, []);
    assert.equal(loadConfig({}).heapGrowthPercent, 100);
    assert.throws(() => loadConfig({ HEAP_GROWTH_PERCENT: '-5' }), configErrorNaming('HEAP_GROWTH_PERCENT'));
    assert.throws(() => loadConfig({ HEAP_GROWTH_PERCENT: 'lots' }), configErrorNaming('HEAP_GROWTH_PERCENT'));
  });

  it('accepts PORT=0 (an ephemeral port) and PORT=65535', () => {
    assert.equal(loadConfig({ PORT: '0' }).port, 0);
    assert.equal(loadConfig({ PORT: '65535' }).port, 65535);
  });

  it('treats an empty PORT as unset', () => {
    assert.equal(loadConfig({ PORT: '' }).port, 4000);
  });

  for (const port of ['abc', '70000', '-1', '80.5', '65536']) {
    it(`rejects PORT=${port} with a ConfigError naming PORT`, () => {
      assert.throws(() => loadConfig({ PORT: port }), configErrorNaming('PORT'));
    });
  }

  it('rejects an unknown LOG_LEVEL with a ConfigError naming LOG_LEVEL and the allowed levels', () => {
    assert.throws(() => loadConfig({ LOG_LEVEL: 'loud' }), (error: unknown) => {
      configErrorNaming('LOG_LEVEL')(error);
      assert.match((error as Error).message, /fatal, error, warn, info, debug, trace, silent/);
      assert.match((error as Error).message, /"loud"/);
      return true;
    });
  });

  it('rejects an unknown NODE_ENV with a ConfigError naming NODE_ENV', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'staging' }), configErrorNaming('NODE_ENV'));
  });

  it('rejects a SHUTDOWN_TIMEOUT_MS above one minute with a ConfigError naming SHUTDOWN_TIMEOUT_MS', () => {
    assert.throws(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: '60001' }), configErrorNaming('SHUTDOWN_TIMEOUT_MS'));
  });

  it('rejects a bad DATABASE_URL with a ConfigError naming DATABASE_URL', () => {
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), configErrorNaming('DATABASE_URL'));
  });

  it('splits CORS_ORIGINS on commas and trims each origin', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example' });
    assert.deepEqual(config.corsOrigins, ['https://a.example', 'https://b.example']);
  });

  it('ignores empty entries in CORS_ORIGINS', () => {
    assert.deepEqual(loadConfig({ CORS_ORIGINS: ' https://a.example ,, ' }).corsOrigins, ['https://a.example']);
  });

  it('treats CORS_ORIGINS=* (with spaces or not) and an empty value as any origin', () => {
    assert.equal(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins, '*');
    assert.equal(loadConfig({ CORS_ORIGINS: ' * ' }).corsOrigins, '*');
    assert.equal(loadConfig({ CORS_ORIGINS: '' }).corsOrigins, '*');
  });

  it('lets explicit overrides win over the environment', () => {
    const database = { kind: 'sqlite', path: ':memory:' } as const;
    const config = loadConfig(
      { PORT: '8080', HOST: '0.0.0.0', DATABASE_URL: 'sqlite:./elsewhere.sqlite', CORS_ORIGINS: 'https://a.example' },
      { port: 0, host: '127.0.0.1', database, corsOrigins: ['https://b.example'] },
    );
    assert.equal(config.port, 0);
    assert.equal(config.host, '127.0.0.1');
    assert.deepEqual(config.database, { kind: 'sqlite', path: ':memory:' });
    assert.deepEqual(config.corsOrigins, ['https://b.example']);
  });

  it('returns a frozen configuration, CORS origins included', () => {
    const config = loadConfig({ CORS_ORIGINS: 'https://a.example' });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.corsOrigins));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
    assert.equal(config.port, 4000);
  });
});

describe('parseDatabaseUrl', () => {
  it('resolves a relative sqlite: path against the working directory', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite:./x.db'), { kind: 'sqlite', path: path.resolve('x.db') });
    assert.ok(path.isAbsolute((parseDatabaseUrl('sqlite:./x.db') as { path: string }).path));
  });

  it('keeps an absolute sqlite path, also in the sqlite:/// form', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite:/var/lib/graph.sqlite'), { kind: 'sqlite', path: '/var/lib/graph.sqlite' });
    assert.deepEqual(parseDatabaseUrl('sqlite:///var/lib/graph.sqlite'), { kind: 'sqlite', path: '/var/lib/graph.sqlite' });
  });

  it('keeps sqlite::memory: as an in-memory database', () => {
    assert.deepEqual(parseDatabaseUrl('sqlite::memory:'), { kind: 'sqlite', path: ':memory:' });
  });

  it('rejects sqlite: without a path with a ConfigError naming DATABASE_URL', () => {
    assert.throws(() => parseDatabaseUrl('sqlite:'), configErrorNaming('DATABASE_URL'));
  });

  it('reads ?schema= from a postgres:// URL and removes it from the connection string', () => {
    assert.deepEqual(parseDatabaseUrl('postgres://u@h:5432/db?schema=abc'), {
      kind: 'postgres',
      url: 'postgres://u@h:5432/db',
      schema: 'abc',
    });
  });

  it('keeps the other query parameters of a postgres:// URL', () => {
    assert.deepEqual(parseDatabaseUrl('postgres://u:p@h/db?sslmode=require&schema=graph_1'), {
      kind: 'postgres',
      url: 'postgres://u:p@h/db?sslmode=require',
      schema: 'graph_1',
    });
  });

  it('accepts postgresql:// URLs, with no schema meaning the default one', () => {
    assert.deepEqual(parseDatabaseUrl('postgresql://u@h:5433/db'), {
      kind: 'postgres',
      url: 'postgresql://u@h:5433/db',
      schema: undefined,
    });
  });

  for (const schema of ['Bad-Name', 'Upper', '1starts_with_digit', 'x'.repeat(64)]) {
    it(`rejects the schema name ${JSON.stringify(schema.length > 20 ? `${schema.slice(0, 8)}…` : schema)} with a ConfigError naming DATABASE_URL`, () => {
      assert.throws(() => parseDatabaseUrl(`postgres://h/db?schema=${schema}`), configErrorNaming('DATABASE_URL'));
    });
  }

  it('rejects other schemes (mysql://x) with a ConfigError naming DATABASE_URL', () => {
    assert.throws(() => parseDatabaseUrl('mysql://x'), (error: unknown) => {
      configErrorNaming('DATABASE_URL')(error);
      assert.match((error as Error).message, /mysql/);
      return true;
    });
  });

  it('names the variable it is given in its errors', () => {
    assert.throws(() => parseDatabaseUrl('mysql://x', 'TEST_POSTGRES_URL'), configErrorNaming('TEST_POSTGRES_URL'));
  });

  it('refuses a % that starts no escape in the user, password or database, naming the part and not echoing it (node-postgres said only "URI malformed" when it connected)', () => {
    for (const [url, part] of [
      ['postgres://us%er@h/db', 'user name'],
      ['postgres://u:pa%zzword@h/db', 'password'],
      ['postgres://u@h/d%b', 'database name'],
    ] as const) {
      assert.throws(() => parseDatabaseUrl(url), (error: unknown) => {
        configErrorNaming('DATABASE_URL')(error);
        assert.match((error as Error).message, new RegExp(`the ${part} holds a % that starts no escape; write a literal % as %25$`));
        assert.doesNotMatch((error as Error).message, /pa%zzword|us%er/);
        return true;
      });
    }
    // Written as %25, the same password is taken.
    assert.equal(parseDatabaseUrl('postgres://u:pa%25zzword@h/db').kind, 'postgres');
  });

  it('does not echo credentials of a rejected URL', () => {
    assert.throws(() => parseDatabaseUrl('mysql://root:s3cret@db/x'), (error: unknown) => {
      configErrorNaming('DATABASE_URL')(error);
      assert.doesNotMatch((error as Error).message, /s3cret/);
      return true;
    });
  });
});
