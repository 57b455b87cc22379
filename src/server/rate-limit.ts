import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitConfig, RateLimitedRole } from '../config';
import type { GatewayContext } from './context';

const WINDOW_SECONDS = 60;

/** Charges each operation's cost to its caller: the API key, or the client address for anonymous calls. */
export interface RateLimiter {
  /** Spends `points`; sets the RateLimit-* headers, or throws `RATE_LIMITED` (HTTP 429, Retry-After). */
  consume(ctx: GatewayContext, points: number, headers: HeaderMap): Promise<void>;
}

/**
 * Cost-based rate limits per role: a caller spends an operation's cost, not 1,
 * so one huge query counts like many small ones. Counters live in Redis when a
 * client is given (shared by every gateway process), in memory otherwise; if
 * Redis fails, an in-memory limiter stands in rather than letting all through.
 */
export function createRateLimiter(config: RateLimitConfig, redis: Redis | null): RateLimiter {
  if (!config.enabled) return { consume: async () => {} };
  const limiters = new Map<RateLimitedRole, RateLimiterAbstract>();
  for (const [role, points] of Object.entries(config.pointsPerMinute) as [RateLimitedRole, number][]) {
    if (points === 0) continue;
    const options = { points, duration: WINDOW_SECONDS, keyPrefix: `coalition-graph:rate:${role}` };
    const memory = new RateLimiterMemory(options);
    limiters.set(role, redis ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: memory }) : memory);
  }
  return {
    async consume(ctx, points, headers) {
      const role = ctx.viewer.role.toLowerCase() as RateLimitedRole;
      const limiter = limiters.get(role);
      if (!limiter) return;
      const caller = ctx.viewer.keyId ? `key:${ctx.viewer.keyId}` : `ip:${ctx.clientAddress}`;
      try {
        const result = await limiter.consume(caller, points);
        setHeaders(headers, limiter.points, result);
      } catch (error) {
        if (!(error instanceof RateLimiterRes)) throw error;
        // The limiter counts the points before refusing; a refused operation must not spend them.
        await limiter.reward(caller, points);
        const limited = new HeaderMap();
        setHeaders(limited, limiter.points, error);
        limited.set('retry-after', String(Math.max(1, Math.ceil(error.msBeforeNext / 1000))));
        throw new GraphQLError(
          `Rate limit exceeded: this operation costs ${points} of ${limiter.points} points per ${WINDOW_SECONDS} s; ${error.remainingPoints} left. Retry after ${limited.get('retry-after')} s.`,
          { extensions: { code: 'RATE_LIMITED', cost: points, limit: limiter.points, http: { status: 429, headers: limited } } },
        );
      }
    },
  };
}

/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers). */
function setHeaders(headers: HeaderMap, limit: number, result: RateLimiterRes): void {
  headers.set('ratelimit-limit', String(limit));
  headers.set('ratelimit-remaining', String(Math.max(0, result.remainingPoints)));
  headers.set('ratelimit-reset', String(Math.ceil(result.msBeforeNext / 1000)));
  headers.set('ratelimit-policy', `${limit};w=${WINDOW_SECONDS}`);
}
