import type { DataSource } from 'typeorm';
import { ApiKeyAuthenticator } from '../auth/api-key.service';
import type { Config } from '../config';
import { DatabaseHealth } from '../db/health';
import { Metrics } from '../metrics/metrics';
import { createRateLimiter, type RateLimiter } from '../protection/rate-limit';
import type { Logger } from './logger';
import { PersistedQueryCache, SharedRedis } from './redis';

/**
 * The services one gateway process runs, made once at start-up and shared by
 * the HTTP server and the background work: the database and its health,
 * metrics, Redis and what falls back from it, the rate limiter, the key
 * authenticator. Passing this one object around, rather than keeping them as
 * locals of the HTTP server, lets every entry point (HTTP, WebSocket,
 * background jobs) use the same instances.
 */
export interface Services {
  readonly config: Config;
  readonly db: DataSource;
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly health: DatabaseHealth;
  readonly redis: SharedRedis | null;
  readonly rateLimiter: RateLimiter;
  readonly persistedQueries: PersistedQueryCache;
  readonly authenticator: ApiKeyAuthenticator;
  /** Stops what the services run in the background; the database is closed by whoever opened it. */
  close(): Promise<void>;
}

export function createServices(config: Config, db: DataSource, logger: Logger): Services {
  const metrics = new Metrics(db);
  const health = new DatabaseHealth(db, {
    queryTimeoutMs: config.db.queryTimeoutMs,
    onChange: (available, reason) => {
      metrics.databaseUp.set(available ? 1 : 0);
      if (available) logger.info('the database answers again');
      else logger.error({ reason }, 'the database does not answer: requests get 503 until it does');
    },
  });
  const redis = config.redisUrl ? new SharedRedis(config.redisUrl, logger, metrics) : null;
  const rateLimiter = createRateLimiter(config.rateLimit, redis, (role) => metrics.rateLimited.inc({ role }));
  const authenticator = new ApiKeyAuthenticator(db, config.apiKeyCacheMs, (error) => logger.warn({ err: error }, 'could not record key use'));
  return {
    config,
    db,
    logger,
    metrics,
    health,
    redis,
    rateLimiter,
    persistedQueries: new PersistedQueryCache(redis),
    authenticator,
    async close() {
      health.close();
      redis?.disconnect();
    },
  };
}
