import { GraphQLError } from 'graphql';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimitConfig, RateLimitedRole } from '../config';
import type { Viewer } from '../shared/viewer';

const WINDOW_SECONDS = 60;

/** Who spends an operation's cost: the API key, or the client address for anonymous calls. */
export interface Caller {
  readonly viewer: Viewer;
  /** The caller's address (behind trusted proxies, from `X-Forwarded-For`). */
  readonly clientAddress: string;
}

/** The IETF RateLimit header fields (draft-ietf-httpapi-ratelimit-headers) of a charge, for HTTP answers. */
export type RateLimitHeaders = Readonly<Record<string, string>>;

/** An operation refused because its caller is over budget; `headers` carry `Retry-After` and the RateLimit fields. */
export class RateLimitedError extends GraphQLError {
  override name = 'RateLimitedError';
  constructor(
    message: string,
    readonly headers: RateLimitHeaders,
    extensions: Record<string, unknown>,
  ) {
    super(message, { extensions: { ...extensions, code: 'RATE_LIMITED' } });
  }
}

/** Redis as the rate limiter sees it: where counters are shared, while it answers. */
export interface SharedCounters {
  readonly client: unknown;
  /** True while Redis answers; otherwise the limiter counts in the process. */
  readonly available: boolean;
  /** Reports that a charge was counted in the process instead (for logs and metrics). */
  fellBack(component: 'rate_limit', error?: unknown): void;
}

/** Charges each operation's cost to its caller. */
export interface RateLimiter {
  /**
   * Spends `points` of the caller's budget and returns the RateLimit header
   * fields, or null when the caller's role is unlimited (or limits are off).
   * Throws {@link RateLimitedError} when over budget; a refused operation
   * spends nothing.
   */
  consume(caller: Caller, points: number): Promise<RateLimitHeaders | null>;
}

/** Whom a caller's budget belongs to: its key (`key:<id>`), or its address when it has none (`ip:<address>`). */
export function callerKey(caller: Caller): string {
  return caller.viewer.keyId ? `key:${caller.viewer.keyId}` : `ip:${caller.clientAddress}`;
}

/**
 * Cost-based rate limits per role: a caller spends an operation's cost, not 1,
 * so one huge query counts like many small ones. Counters live in Redis when
 * it is configured and answers, shared by every gateway process; while it does
 * not, each process counts on its own (reported through `fellBack`), and goes
 * back to Redis as soon as it answers again.
 *
 * @param onRefused told of each refusal, with the caller's role (for metrics).
 */
export function createRateLimiter(config: RateLimitConfig, redis: SharedCounters | null, onRefused: (role: string) => void = () => {}): RateLimiter {
  if (!config.enabled) return { consume: async () => null };
  const limiters = new Map<RateLimitedRole, { memory: RateLimiterAbstract; shared: RateLimiterAbstract | null }>();
  for (const [role, points] of Object.entries(config.pointsPerMinute) as [RateLimitedRole, number][]) {
    if (points === 0) continue;
    const options = { points, duration: WINDOW_SECONDS, keyPrefix: `coalition-graph:rate:${role}` };
    limiters.set(role, {
      memory: new RateLimiterMemory(options),
      shared: redis ? new RateLimiterRedis({ ...options, storeClient: redis.client, rejectIfRedisNotReady: true }) : null,
    });
  }
  /** Spends on one limiter; a refusal becomes a {@link RateLimitedError} and spends nothing. */
  async function charge(limiter: RateLimiterAbstract, key: string, points: number, role: string): Promise<RateLimitHeaders> {
    try {
      return headersOf(limiter.points, await limiter.consume(key, points));
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      // The limiter counts the points before refusing; a refused operation must not spend them.
      await limiter.reward(key, points).catch(() => {});
      onRefused(role);
      const retryAfter = String(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
      throw new RateLimitedError(
        `Rate limit exceeded: this operation costs ${points} of ${limiter.points} points per ${WINDOW_SECONDS} s; ${Math.max(0, error.remainingPoints)} left. Retry after ${retryAfter} s.`,
        { ...headersOf(limiter.points, error), 'retry-after': retryAfter },
        { cost: points, limit: limiter.points },
      );
    }
  }

  return {
    async consume(caller, points) {
      const role = caller.viewer.role.toLowerCase() as RateLimitedRole;
      const limiter = limiters.get(role);
      if (!limiter) return null;
      const key = callerKey(caller);
      if (limiter.shared && redis?.available) {
        try {
          return await charge(limiter.shared, key, points, role);
        } catch (error) {
          if (error instanceof RateLimitedError) throw error;
          // Redis failed under us: this charge is counted in the process.
          redis.fellBack('rate_limit', error);
        }
      } else if (limiter.shared) {
        redis?.fellBack('rate_limit');
      }
      return charge(limiter.memory, key, points, role);
    },
  };
}

function headersOf(limit: number, result: RateLimiterRes): RateLimitHeaders {
  return {
    'ratelimit-limit': String(limit),
    'ratelimit-remaining': String(Math.max(0, result.remainingPoints)),
    'ratelimit-reset': String(Math.ceil(result.msBeforeNext / 1000)),
    'ratelimit-policy': `${limit};w=${WINDOW_SECONDS}`,
  };
}
