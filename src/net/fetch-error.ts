import { STATUS_CODES } from 'node:http';

/**
 * Why an outbound request failed, as callers branch on it:
 * - `BAD_URL`: not an absolute http(s) URL, credentials in it, or a redirect to such a URL;
 * - `BAD_REQUEST`: the request cannot be sent as given (a header with a line break, no user agent);
 * - `ADDRESS_REFUSED`: the host is or resolves to an address the rules refuse (see `address-rules.ts`);
 * - `DNS`: the host name does not resolve;
 * - `NETWORK`: the connection was refused, reset or broke, or the answer was not HTTP;
 * - `TIMEOUT`: connecting, waiting for headers, waiting for the next body chunk, or the whole call took too long;
 * - `TOO_LARGE`: the (decompressed) body would pass `maxBytes`;
 * - `TOO_MANY_REDIRECTS`: more redirects than `maxRedirects`;
 * - `HTTP_STATUS`: the final answer was neither 2xx nor 304 (`status` says which);
 * - `DECODING`: the body is not valid for its `Content-Encoding`, or the coding is unknown;
 * - `ABORTED`: the caller's `AbortSignal` fired.
 */
export type FetchErrorCode =
  | 'BAD_URL'
  | 'BAD_REQUEST'
  | 'ADDRESS_REFUSED'
  | 'DNS'
  | 'NETWORK'
  | 'TIMEOUT'
  | 'TOO_LARGE'
  | 'TOO_MANY_REDIRECTS'
  | 'HTTP_STATUS'
  | 'DECODING'
  | 'ABORTED';

export interface FetchErrorDetails {
  /** The URL being fetched when it failed (after any redirects). */
  readonly url?: string;
  /** The HTTP status, for `HTTP_STATUS`. */
  readonly status?: number;
  /** Whether trying again later could succeed; false unless given. */
  readonly retryable?: boolean;
  /** How long the server asked to wait (`Retry-After` of a 429 or 5xx), in milliseconds. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/**
 * The one error `safeFetch` throws, so callers (ingestion runs, the webhook
 * sender) decide by `code` and `retryable` instead of parsing messages, and
 * report how many attempts were spent.
 */
export class FetchError extends Error {
  override name = 'FetchError';
  readonly code: FetchErrorCode;
  readonly url?: string;
  readonly status?: number;
  readonly retryable: boolean;
  /** The server's `Retry-After`, in milliseconds: a webhook sender may schedule its own retry by it. */
  readonly retryAfterMs?: number;
  /** Requests tried before giving up: 1 when there was no retry, 0 when the request was refused before any was sent; set by `safeFetch`. */
  attempts = 1;

  constructor(code: FetchErrorCode, message: string, details: FetchErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.url = details.url;
    this.status = details.status;
    this.retryable = details.retryable ?? false;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/**
 * One line for people (CLI output, run reports): the URL without its query
 * (which may carry a partner's token), what went wrong, and the attempts when
 * there was more than one. Anything that is not a `FetchError` gives its message.
 *
 * @example describeFetchError(error) // "https://example.org/feed: HTTP 404 Not Found"
 */
export function describeFetchError(error: unknown): string {
  if (!(error instanceof FetchError)) {
    return oneLine(error instanceof Error ? error.message : String(error));
  }
  const what = error.code === 'HTTP_STATUS' && error.status !== undefined ? `HTTP ${error.status} ${STATUS_CODES[error.status] ?? ''}`.trim() : error.message;
  const where = error.url ? `${redactUrl(error.url)}: ` : '';
  const attempts = error.attempts > 1 ? ` (after ${error.attempts} attempts)` : '';
  return oneLine(`${where}${what}${attempts}`);
}

/** A URL fit for logs: origin and path, the query and fragment elided. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const elided = parsed.search || parsed.hash ? '?…' : '';
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}${elided}`;
  } catch {
    return url.replace(/[?#].*$/, '?…');
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
