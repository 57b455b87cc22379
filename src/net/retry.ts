/** How often and how patiently a request is tried again; `attempts: 1` means no retry. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** The backoff ceiling of the first retry; it doubles with each further retry. */
  readonly baseDelayMs: number;
  /** No wait is longer, `Retry-After` included. */
  readonly maxDelayMs: number;
}

/** GETs are retried: a feed read twice does no harm. */
export const DEFAULT_GET_RETRY: RetryPolicy = Object.freeze({ attempts: 3, baseDelayMs: 500, maxDelayMs: 30_000 });

/** POSTs are not retried unless the caller says so: POST is not idempotent (RFC 9110 §9.2.2). */
export const NO_RETRY: RetryPolicy = Object.freeze({ attempts: 1, baseDelayMs: 0, maxDelayMs: 0 });

/**
 * Statuses worth another try: 429 (RFC 6585 §4) and every 5xx, which say the
 * server cannot answer now. Other 4xx say the request itself is wrong and
 * would fail again the same way.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/**
 * Milliseconds a `Retry-After` value asks to wait (RFC 9110 §10.2.3): delay
 * seconds or an HTTP date; undefined when absent or unreadable, so the caller
 * falls back to its own backoff.
 */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * How long to wait before attempt `attempt + 1`. Without `retryAfterMs`,
 * exponential backoff with full jitter (a uniform draw below
 * `min(maxDelayMs, baseDelayMs × 2^(attempt−1))`), so that many clients
 * failing together do not come back together; with it, the server's wish,
 * capped at `maxDelayMs` so that a hostile or careless server cannot stall a run.
 */
export function retryDelayMs(attempt: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(random() * ceiling);
}
