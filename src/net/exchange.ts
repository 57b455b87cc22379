import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { FetchError } from './fetch-error';
import { parseIp, stripBrackets } from './ip-address';
import { pinnedLookup, resolveAllowed, type HostResolver } from './resolve';

/** One HTTP request as it goes on the wire: the URL is absolute http(s), the headers final. */
export interface Hop {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  /** Lower-case names; `user-agent`, `accept-encoding` and `content-length` included. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
}

export interface ExchangeOptions {
  readonly allowedHosts: readonly string[];
  readonly resolver: HostResolver;
  /** Name resolution, TCP connect and TLS handshake together. */
  readonly connectTimeoutMs: number;
  /** From connected to the response's status line and headers. */
  readonly headersTimeoutMs: number;
  /** Extra trust anchors for https (a partner's private CA; tests). */
  readonly ca?: string | Buffer | readonly (string | Buffer)[];
}

/** What one exchange yields: the response with its body unread, and the request to destroy should reading fail. */
export interface Exchanged {
  readonly request: ClientRequest;
  readonly response: IncomingMessage;
}

/**
 * Sends one request and waits for the response headers, nothing more: the
 * host is resolved and checked against the address rules first, and the
 * socket may connect only to the addresses checked. Each request has its own
 * socket (`agent: false`), closed when the exchange ends, so an error can
 * never leave a pooled connection behind.
 *
 * @throws FetchError `ADDRESS_REFUSED`, `DNS`, `TIMEOUT`, `NETWORK`, or the signal's reason
 */
export function exchange(hop: Hop, options: ExchangeOptions, signal: AbortSignal): Promise<Exchanged> {
  return new Promise((resolve, reject) => {
    const url = hop.url.href;
    let request: ClientRequest | undefined;
    let settled = false;
    let timer = setTimeout(() => fail(new FetchError('TIMEOUT', `no connection within ${options.connectTimeoutMs} ms`, { url, retryable: true })), options.connectTimeoutMs);
    const onAbort = (): void => fail(signal.reason as FetchError);
    const finish = (): void => {
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    function fail(error: FetchError): void {
      if (settled) return;
      finish();
      request?.destroy();
      reject(error);
    }
    const onConnected = (): void => {
      if (settled) return;
      clearTimeout(timer);
      timer = setTimeout(() => fail(new FetchError('TIMEOUT', `no response headers within ${options.headersTimeoutMs} ms`, { url, retryable: true })), options.headersTimeoutMs);
    };

    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    resolveAllowed(hop.url, options.allowedHosts, options.resolver).then((addresses) => {
      if (settled) return;
      const secure = hop.url.protocol === 'https:';
      const hostname = stripBrackets(hop.url.hostname);
      try {
        request = (secure ? https : http).request({
          protocol: hop.url.protocol,
          hostname,
          port: hop.url.port || undefined,
          path: `${hop.url.pathname}${hop.url.search}`,
          method: hop.method,
          headers: hop.headers,
          agent: false,
          lookup: pinnedLookup(addresses),
          ca: options.ca as string | Buffer | (string | Buffer)[] | undefined,
          // SNI and the certificate check use the name although the socket goes to a pinned address; never an IP (RFC 6066 §3).
          ...(secure && !parseIp(hostname) ? { servername: hostname } : {}),
        });
      } catch (error) {
        return fail(new FetchError('BAD_REQUEST', `the request cannot be sent: ${(error as Error).message}`, { url, cause: error }));
      }
      request.on('socket', (socket: Socket) => socket.once(secure ? 'secureConnect' : 'connect', onConnected));
      // Stays attached after the headers: a reset while the body is read must not become an unhandled 'error'.
      request.on('error', (error) => fail(networkError(error, url)));
      request.on('response', (response) => {
        if (settled) {
          response.destroy();
          return;
        }
        finish();
        resolve({ request: request!, response });
      });
      request.end(hop.body);
    }, fail);
  });
}

/** Connection failures after which a later attempt may well succeed. */
const TRANSIENT = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN']);

/** A socket, TLS or parser error as a `FetchError` (`NETWORK`); certificate and protocol errors are not retried. */
export function networkError(error: unknown, url: string): FetchError {
  if (error instanceof FetchError) return error;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const message = (error as Error).message ?? String(error);
  return new FetchError('NETWORK', `the connection failed: ${message}${code && !message.includes(code) ? ` (${code})` : ''}`, { url, retryable: TRANSIENT.has(code), cause: error });
}
