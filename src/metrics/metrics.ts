import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { pgPoolOf } from '../db/pg';

/** What a GraphQL request came to, for the `outcome` label. */
export type Outcome = 'ok' | 'partial' | 'error' | 'refused';

/** Parts of the gateway that share state through Redis and fall back to the process when it is away. */
export type RedisComponent = 'rate_limit' | 'persisted_queries';

const PREFIX = 'coalition_graph_';

/**
 * The gateway's Prometheus metrics, in a registry of its own (so that two
 * gateways in one process, as in tests, do not mix their figures). Every
 * observation is a few arithmetic operations on the request's way out; none
 * happens per field. Labels are bounded: operation names come only from the
 * examples and persisted allow-lists (everything else is `other`), codes
 * from the error taxonomy, loaders from the code.
 */
export class Metrics {
  readonly registry = new Registry();

  /** GraphQL operations by name and outcome. */
  readonly requests = new Counter({
    name: `${PREFIX}graphql_requests_total`,
    help: 'GraphQL operations answered, by operation name (known operations only; others are "other") and outcome (ok, partial, error, refused).',
    labelNames: ['operation', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly duration = new Histogram({
    name: `${PREFIX}graphql_request_duration_seconds`,
    help: 'Time from receiving a GraphQL request to sending its answer, by operation name and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: `${PREFIX}graphql_errors_total`,
    help: 'GraphQL errors sent to clients, by extensions.code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  readonly statements = new Histogram({
    name: `${PREFIX}sql_statements_per_request`,
    help: 'SQL statements one GraphQL request sent to the database.',
    buckets: [0, 1, 2, 3, 4, 6, 8, 12, 20, 50, 100],
    registers: [this.registry],
  });

  readonly batchSize = new Histogram({
    name: `${PREFIX}dataloader_batch_size`,
    help: 'Keys per DataLoader batch, by loader.',
    labelNames: ['loader'] as const,
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500],
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: `${PREFIX}rate_limit_refusals_total`,
    help: 'Operations refused because their caller was over its rate limit, by role.',
    labelNames: ['role'] as const,
    registers: [this.registry],
  });

  readonly redisFallbacks = new Counter({
    name: `${PREFIX}redis_fallbacks_total`,
    help: 'Times a component used its in-process stand-in because Redis was not available.',
    labelNames: ['component'] as const,
    registers: [this.registry],
  });

  readonly redisUp = new Gauge({
    name: `${PREFIX}redis_up`,
    help: '1 while Redis answers, 0 while the gateway works without it (absent when no REDIS_URL is set).',
    // Registered by SharedRedis, so that a gateway without Redis reports no Redis rather than one that is down.
    registers: [],
  });

  readonly databaseUp = new Gauge({
    name: `${PREFIX}database_up`,
    help: '1 while the database answers, 0 while it is marked down (requests then get 503).',
    registers: [this.registry],
  });

  readonly websockets = new Gauge({
    name: `${PREFIX}websockets_open`,
    help: 'WebSocket connections open (initialised graphql-ws connections).',
    registers: [this.registry],
  });

  readonly subscriptions = new Gauge({
    name: `${PREFIX}subscriptions_active`,
    help: 'GraphQL subscriptions running over WebSockets.',
    registers: [this.registry],
  });

  readonly subscriptionEvents = new Counter({
    name: `${PREFIX}subscription_events_total`,
    help: 'Events sent to subscribers (one per subscriber per event).',
    registers: [this.registry],
  });

  readonly webhookAttempts = new Counter({
    name: `${PREFIX}webhook_attempts_total`,
    help: 'Webhook delivery attempts by outcome: delivered (2xx), retry (to be tried again), failed (given up), disabled (410 Gone).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: `${PREFIX}http_requests_total`,
    help: 'HTTP requests by route (graphql, playground, healthz, readyz, metrics, feeds, other) and status code.',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });

  constructor(db: DataSource) {
    collectDefaultMetrics({ register: this.registry });
    this.databaseUp.set(1);
    const pool = pgPoolOf(db);
    new Gauge({
      name: `${PREFIX}db_pool_connections`,
      help: 'PostgreSQL pool connections by state: in_use (checked out), idle, and waiting (requests queued for a connection).',
      labelNames: ['state'] as const,
      registers: [this.registry],
      collect() {
        // Read at scrape time; SQLite has no pool.
        this.set({ state: 'in_use' }, pool ? pool.totalCount - pool.idleCount : 0);
        this.set({ state: 'idle' }, pool ? pool.idleCount : 0);
        this.set({ state: 'waiting' }, pool ? pool.waitingCount : 0);
      },
    });
  }

  /** The text a Prometheus scrape gets. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
