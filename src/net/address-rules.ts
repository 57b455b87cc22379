import { canonicalIp, hasPrefix, parseIp, stripBrackets } from './ip-address';

/**
 * The address rules every outbound request obeys: never loopback, private,
 * link-local or otherwise special-purpose addresses (so a feed URL or a
 * redirect cannot reach the gateway's own network or a cloud metadata
 * service), unless the operator names the host in `OUTBOUND_ALLOWED_HOSTS`.
 *
 * A host may reach a refused address when its URL host name is in the list,
 * or when the address it resolved to is. Public addresses are always allowed.
 */

/** The environment variable the allow-list comes from; error messages name it. */
export const ALLOWED_HOSTS_VARIABLE = 'OUTBOUND_ALLOWED_HOSTS';

/**
 * Parses `OUTBOUND_ALLOWED_HOSTS`: comma-separated host names or IP addresses,
 * without ports or schemes. Entries come back normalised (lower case, no
 * trailing dot, IDN as punycode, IPv6 without brackets in RFC 5952 form) so they
 * compare with URL host names and resolved addresses as they are.
 *
 * Throws an `Error` whose message starts with the variable's name on a bad
 * entry (a port, a URL, a blank, anything that is not a host), so that a typo
 * stops the gateway at start-up rather than silently refusing a partner.
 */
export function parseAllowedHosts(value: string | undefined): readonly string[] {
  if (value === undefined || value.trim() === '') return Object.freeze([]);
  const hosts = value.split(',').map((entry, index) => parseEntry(entry.trim(), index + 1));
  return Object.freeze([...new Set(hosts)]);
}

function parseEntry(entry: string, position: number): string {
  const fail = (why: string): never => {
    throw new Error(`${ALLOWED_HOSTS_VARIABLE}: entry ${position} ${why}; expected host names or IP addresses separated by commas, e.g. 127.0.0.1,feeds.example.org`);
  };
  if (entry === '') return fail('is blank');
  if (entry.includes('/') || entry.includes('@')) return fail(`"${entry}" is a URL, not a host`);
  const ip = canonicalIp(entry);
  if (ip) return ip;
  if (entry.includes(':')) return fail(`"${entry}" has a port; ports are not part of the rule`);
  const host = hostAsUrlsWriteIt(entry);
  if (!host) return fail(`"${entry}" is not a host name or IP address`);
  return host;
}

/**
 * The host as the WHATWG URL parser writes it, so that entries compare with
 * URL host names as they are: lower case, IDN as punycode, no trailing dot,
 * and IPv4 shorthand such as `127.1` as the dotted quad it means. Null when
 * it is not a plausible DNS name.
 */
function hostAsUrlsWriteIt(text: string): string | null {
  let host: string;
  try {
    host = new URL(`http://${text}/`).hostname.replace(/\.$/, '');
  } catch {
    return null;
  }
  const ip = canonicalIp(host);
  if (ip) return ip;
  const label = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
  return host.length <= 253 && host.split('.').every((part) => label.test(part)) ? host : null;
}

/**
 * A host as the allow-list compares it: an IP address in its canonical form
 * (brackets and zone dropped), otherwise the name in lower case without a
 * trailing dot.
 */
export function normaliseHost(host: string): string {
  return canonicalIp(host) ?? stripBrackets(host).toLowerCase().replace(/\.$/, '');
}

interface Range {
  readonly prefix: Uint8Array;
  readonly length: number;
  readonly label: string;
}

function v4(cidr: string, label: string): Range {
  const [address, length] = cidr.split('/');
  return { prefix: Uint8Array.from(address.split('.').map(Number)), length: Number(length), label: `${cidr} (${label})` };
}

function v6(cidr: string, label: string): Range {
  const [address, length] = cidr.split('/');
  return { prefix: parseIp(address)!.bytes, length: Number(length), label: `${cidr} (${label})` };
}

/** IANA special-purpose IPv4 ranges that must not be reached from outside (RFC 6890 and the RFCs named). */
const IPV4_REFUSED: readonly Range[] = [
  v4('0.0.0.0/8', '"this network", RFC 1122'),
  v4('10.0.0.0/8', 'private, RFC 1918'),
  v4('100.64.0.0/10', 'shared address space (CGNAT), RFC 6598'),
  v4('127.0.0.0/8', 'loopback, RFC 1122'),
  v4('169.254.0.0/16', 'link-local and cloud metadata, RFC 3927'),
  v4('172.16.0.0/12', 'private, RFC 1918'),
  v4('192.0.0.0/24', 'IETF protocol assignments, RFC 6890'),
  v4('192.168.0.0/16', 'private, RFC 1918'),
  v4('198.18.0.0/15', 'benchmarking, RFC 2544'),
  v4('224.0.0.0/4', 'multicast, RFC 5771'),
  v4('255.255.255.255/32', 'limited broadcast, RFC 919'),
  v4('240.0.0.0/4', 'reserved, RFC 1112'),
];

/** IPv6 ranges refused outright (RFC 4291 and the RFCs named). */
const IPV6_REFUSED: readonly Range[] = [
  v6('::/128', 'unspecified, RFC 4291'),
  v6('::1/128', 'loopback, RFC 4291'),
  v6('64:ff9b:1::/48', 'local-use NAT64, RFC 8215'),
  v6('fc00::/7', 'unique local, RFC 4193'),
  v6('fe80::/10', 'link-local, RFC 4291'),
  v6('fec0::/10', 'site-local, deprecated by RFC 3879'),
  v6('ff00::/8', 'multicast, RFC 4291'),
];

/**
 * IPv6 ranges that carry an IPv4 address, judged by that address: a refused
 * IPv4 address must not be reachable by spelling it in IPv6.
 */
const IPV6_EMBEDDING_IPV4: readonly { readonly range: Range; readonly offset: number }[] = [
  { range: v6('::ffff:0:0/96', 'IPv4-mapped, RFC 4291'), offset: 12 },
  { range: v6('::/96', 'IPv4-compatible, deprecated by RFC 4291'), offset: 12 },
  { range: v6('::ffff:0:0:0/96', 'IPv4-translated, RFC 2765'), offset: 12 },
  { range: v6('64:ff9b::/96', 'NAT64, RFC 6052'), offset: 12 },
  { range: v6('2002::/16', '6to4, RFC 3056'), offset: 2 },
];

/**
 * The special-purpose range an IP address falls in, as text for messages
 * (`127.0.0.0/8 (loopback, RFC 1122)`), or null when the address is public.
 * Text that is not an IP address is never public.
 */
export function specialRange(address: string): string | null {
  const ip = parseIp(address);
  if (!ip) return 'not an IP address';
  if (ip.version === 4) return ipv4Range(ip.bytes);
  const refused = IPV6_REFUSED.find((range) => hasPrefix(ip.bytes, range.prefix, range.length));
  if (refused) return refused.label;
  for (const { range, offset } of IPV6_EMBEDDING_IPV4) {
    if (!hasPrefix(ip.bytes, range.prefix, range.length)) continue;
    const embedded = ip.bytes.subarray(offset, offset + 4);
    const inner = ipv4Range(embedded);
    return inner ? `${range.label} of ${embedded.join('.')} in ${inner}` : null;
  }
  return null;
}

function ipv4Range(bytes: Uint8Array): string | null {
  return IPV4_REFUSED.find((range) => hasPrefix(bytes, range.prefix, range.length))?.label ?? null;
}

/**
 * Whether a request for `hostname` (the URL's host, IPv6 with or without
 * brackets) may connect to `address` (one address it resolved to): always
 * for a public address; for a special-purpose one only when the host name or
 * the address is on the allow-list. An IPv4-mapped address (`::ffff:7f00:1`)
 * also matches its IPv4 form on the list.
 */
export function isAllowedConnection(hostname: string, address: string, allowedHosts: readonly string[]): boolean {
  if (specialRange(address) === null) return true;
  const allowed = new Set(allowedHosts.map(normaliseHost));
  if (allowed.has(normaliseHost(hostname))) return true;
  const ip = parseIp(address);
  if (!ip) return false;
  if (allowed.has(normaliseHost(address))) return true;
  const mapped = parseIp('::ffff:0:0')!.bytes;
  return ip.version === 6 && hasPrefix(ip.bytes, mapped, 96) && allowed.has(ip.bytes.subarray(12).join('.'));
}
