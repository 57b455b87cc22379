import type { IncomingMessage } from 'node:http';

/** Whether an address is a proxy in TRUSTED_PROXIES: listed, or any loopback address when `loopback` is listed. */
export function isTrustedProxy(address: string, trustedProxies: readonly string[]): boolean {
  return trustedProxies.includes(address) || (trustedProxies.includes('loopback') && /^(127\.|::1$|::ffff:127\.)/.test(address));
}

/**
 * The client's address, whose budget an anonymous request spends.
 * `X-Forwarded-For` is believed only from configured proxies, and read from
 * the right, skipping proxies, so that a client cannot choose its own address.
 */
export function clientAddressOf(req: IncomingMessage, trustedProxies: readonly string[]): string {
  const remote = req.socket.remoteAddress ?? 'unknown';
  if (!isTrustedProxy(remote, trustedProxies)) return remote;
  const forwarded = String(req.headers['x-forwarded-for'] ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  for (let i = forwarded.length - 1; i >= 0; i--) if (!isTrustedProxy(forwarded[i], trustedProxies)) return forwarded[i];
  return forwarded[0] ?? remote;
}
