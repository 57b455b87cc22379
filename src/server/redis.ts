import { InMemoryLRUCache, type KeyValueCache, type KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import Redis from 'ioredis';
import type { Metrics, RedisComponent } from '../metrics/metrics';
import type { SharedCounters } from '../protection/rate-limit';
import type { Logger } from './logger';

/**
 * The Redis that gateway processes share state through (rate-limit counters,
 * persisted queries), and what the gateway does while it is away: each
 * component falls back to the process (counted in metrics), the outage and the
 * recovery are each logged once, and everything goes back to Redis as soon as
 * it answers again. Commands fail fast while Redis is down or slow (no offline
 * queue, a short command timeout), so no request waits for it.
 */
export class SharedRedis implements SharedCounters {
  readonly client: Redis;
  private up = false;
  private reported = false;
  private probing: NodeJS.Timeout | null = null;

  constructor(
    url: string,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {
    this.client = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2_000,
      commandTimeout: 500,
      // Keep trying, at most every 2 s: Redis coming back is noticed within that time.
      retryStrategy: (attempt) => Math.min(100 * attempt, 2_000),
    });
    metrics.registry.registerMetric(metrics.redisUp);
    metrics.redisUp.set(0);
    this.client.on('ready', () => this.mark(true));
    this.client.on('close', () => this.mark(false, 'connection closed'));
    this.client.on('error', (error: Error) => this.mark(false, error.message));
  }

  get available(): boolean {
    return this.up && this.client.status === 'ready';
  }

  fellBack(component: RedisComponent, error?: unknown): void {
    this.metrics.redisFallbacks.inc({ component });
    if (error && this.up) this.mark(false, (error as Error).message ?? String(error));
  }

  disconnect(): void {
    this.stopProbing();
    this.client.disconnect();
  }

  private mark(up: boolean, reason?: string): void {
    if (up === this.up && this.reported) return;
    this.up = up;
    this.reported = true;
    this.metrics.redisUp.set(up ? 1 : 0);
    if (up) this.stopProbing();
    else this.startProbing();
    if (up) this.logger.info('redis is available: rate limits and persisted queries are shared through it');
    else this.logger.warn({ reason }, 'redis is unavailable: rate limits and persisted queries fall back to this process until it answers again');
  }

  /**
   * While marked down, asks Redis (PING) every second whenever the connection
   * is open. A command that timed out (Redis stuck, or packets dropped) marks it
   * down without closing the connection, so no reconnection's `ready` event
   * would ever say that it answers again.
   */
  private startProbing(): void {
    this.probing ??= setInterval(() => {
      if (this.client.status === 'ready') this.client.ping().then(() => this.mark(true), () => {});
    }, 1_000).unref();
  }

  private stopProbing(): void {
    if (this.probing) clearInterval(this.probing);
    this.probing = null;
  }
}

/**
 * Apollo's persisted-query cache: in Redis while it answers, so that a query
 * registered on one process is known to all; always also in the process, so
 * that while Redis is away the queries this process saw keep working, and an
 * unknown hash is `PERSISTED_QUERY_NOT_FOUND` rather than an error.
 */
export class PersistedQueryCache implements KeyValueCache<string> {
  private readonly local = new InMemoryLRUCache<string>({ maxSize: 32 * 1024 * 1024 });

  constructor(
    private readonly redis: SharedRedis | null,
    private readonly prefix = 'coalition-graph:apq:',
  ) {}

  async get(key: string): Promise<string | undefined> {
    const local = await this.local.get(key);
    if (local !== undefined || !this.redis) return local;
    if (!this.redis.available) return void this.redis.fellBack('persisted_queries');
    try {
      const shared = (await this.redis.client.get(this.prefix + key)) ?? undefined;
      if (shared !== undefined) await this.local.set(key, shared, { ttl: 300 });
      return shared;
    } catch (error) {
      this.redis.fellBack('persisted_queries', error);
      return undefined;
    }
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    await this.local.set(key, value, options);
    if (!this.redis) return;
    if (!this.redis.available) return void this.redis.fellBack('persisted_queries');
    try {
      if (options?.ttl) await this.redis.client.set(this.prefix + key, value, 'EX', options.ttl);
      else await this.redis.client.set(this.prefix + key, value);
    } catch (error) {
      this.redis.fellBack('persisted_queries', error);
    }
  }

  async delete(key: string): Promise<boolean> {
    const local = await this.local.delete(key);
    if (!this.redis?.available) return local;
    try {
      return (await this.redis.client.del(this.prefix + key)) > 0 || local;
    } catch {
      return local;
    }
  }
}
