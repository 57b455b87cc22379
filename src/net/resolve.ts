import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { ALLOWED_HOSTS_VARIABLE, isAllowedConnection, specialRange } from './address-rules';
import { FetchError } from './fetch-error';
import { parseIp, stripBrackets } from './ip-address';

/** One address a host name resolved to. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/**
 * Resolves a host name to all its addresses. The system resolver by default;
 * tests and a future caching resolver pass their own.
 */
export type HostResolver = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** `dns.lookup` with `all: true` in the resolver's order: what the operating system would connect to. */
export const systemResolver: HostResolver = async (hostname) =>
  (await dns.lookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

/** Resolver errors after which asking again later may give an answer. */
const TRANSIENT_DNS = new Set(['EAI_AGAIN', 'ESERVFAIL', 'ETIMEOUT', 'ECONNREFUSED', 'ECANCELLED']);

/**
 * The addresses a request for `url` may connect to: the IP literal itself, or
 * every address the host name resolves to. Every address is checked, and one
 * refused address refuses the host: connecting to a checked address only
 * would depend on which one the resolver happened to list, and a name that
 * resolves partly inside the network is suspect in itself.
 *
 * @throws FetchError `ADDRESS_REFUSED` or `DNS`
 */
export async function resolveAllowed(url: URL, allowedHosts: readonly string[], resolver: HostResolver): Promise<readonly ResolvedAddress[]> {
  const hostname = stripBrackets(url.hostname);
  const literal = parseIp(hostname);
  let addresses: readonly ResolvedAddress[];
  if (literal) {
    addresses = [{ address: hostname, family: literal.version }];
  } else {
    try {
      addresses = await resolver(hostname);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      throw new FetchError('DNS', `${hostname} does not resolve (${code || String(error)})`, { url: url.href, retryable: TRANSIENT_DNS.has(code), cause: error });
    }
    if (addresses.length === 0) throw new FetchError('DNS', `${hostname} resolves to no address`, { url: url.href });
  }
  for (const { address } of addresses) {
    if (isAllowedConnection(hostname, address, allowedHosts)) continue;
    const where = literal ? `${address} is` : `${hostname} resolves to ${address},`;
    throw new FetchError('ADDRESS_REFUSED', `refused: ${where} in ${specialRange(address)}; name the host in ${ALLOWED_HOSTS_VARIABLE} to allow it`, { url: url.href });
  }
  return addresses;
}

/**
 * A `lookup` for `http.request` that answers only with addresses already
 * checked, so the socket connects to exactly what `resolveAllowed` judged:
 * a second DNS answer (DNS rebinding) is never asked for. It honours the
 * `all` and `family` options Node's connection code passes (`all` when it
 * races IPv6 and IPv4, RFC 8305).
 */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
    const usable: LookupAddress[] = addresses.filter((a) => !family || a.family === family).map((a) => ({ address: a.address, family: a.family }));
    if (usable.length === 0) {
      const error: NodeJS.ErrnoException = new Error(`${hostname}: no checked IPv${family} address`);
      error.code = 'ENOTFOUND';
      callback(error, options.all ? [] : '', undefined);
    } else if (options.all) {
      callback(null, usable);
    } else {
      callback(null, usable[0].address, usable[0].family);
    }
  };
}
