import { isIPv4, isIPv6 } from 'node:net';

/** An IP address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpBytes {
  readonly version: 4 | 6;
  readonly bytes: Uint8Array;
}

/**
 * Parses an IP address literal (IPv6 with or without brackets, with or without a
 * zone such as `%eth0`); null for anything else, host names included. Only the
 * strict dotted-quad IPv4 form is accepted here: URLs arrive already normalised
 * by the WHATWG parser (`http://0x7f.1/` becomes `127.0.0.1`), and resolvers
 * answer in dotted quads.
 */
export function parseIp(text: string): IpBytes | null {
  const literal = stripBrackets(text).replace(/%.*$/, '');
  if (isIPv4(literal)) return { version: 4, bytes: Uint8Array.from(literal.split('.').map(Number)) };
  if (!isIPv6(literal)) return null;
  return { version: 6, bytes: ipv6Bytes(literal) };
}

/**
 * The one spelling of an address used for comparisons: dotted quad for IPv4;
 * for IPv6 lower-case hex groups with the longest zero run compressed (RFC 5952
 * §4) and no zone, exactly as the WHATWG URL parser writes IPv6 hosts, so
 * `::ffff:127.0.0.1` becomes `::ffff:7f00:1`. Null when `text` is not an IP address.
 */
export function canonicalIp(text: string): string | null {
  const ip = parseIp(text);
  if (!ip) return null;
  if (ip.version === 4) return ip.bytes.join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip.bytes[i] << 8) | ip.bytes[i + 1]);
  // RFC 5952 §4.2: compress the longest run of two or more zero groups, the first on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** `[::1]` → `::1`: URL host names keep IPv6 brackets, resolvers and allow-lists do not. */
export function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Whether the first `length` bits of `bytes` equal those of `prefix`. */
export function hasPrefix(bytes: Uint8Array, prefix: Uint8Array, length: number): boolean {
  for (let bit = 0; bit < length; bit += 8) {
    const index = bit >> 3;
    const bits = Math.min(8, length - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    if ((bytes[index] & mask) !== (prefix[index] & mask)) return false;
  }
  return true;
}

/** Bytes of a textual IPv6 address already validated by `isIPv6` (zone removed). */
function ipv6Bytes(literal: string): Uint8Array {
  let text = literal;
  const bytes = new Uint8Array(16);
  // A trailing dotted quad (`::ffff:127.0.0.1`) stands for the last two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let tail: number[] = [];
  if (quad) {
    tail = quad[1].split('.').map(Number);
    text = text.slice(0, -quad[1].length) + '0:0';
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const restGroups = rest === undefined ? [] : rest ? rest.split(':') : [];
  const zeros = rest === undefined ? 0 : 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...new Array<string>(zeros).fill('0'), ...restGroups].map((group) => parseInt(group, 16));
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  if (quad) bytes.set(tail, 12);
  return bytes;
}
