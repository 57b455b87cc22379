import net from 'node:net';

/**
 * Whether an address may read `/metrics`, from `METRICS_ALLOW`: IP addresses,
 * CIDR ranges (`10.0.0.0/8`, `fd00::/8`), `loopback` (127.0.0.0/8 and ::1),
 * or `*` for anyone. IPv4 addresses seen as IPv6 (`::ffff:10.1.2.3`) match
 * their IPv4 entries.
 */
export function addressMatcher(entries: readonly string[]): (address: string | undefined) => boolean {
  if (entries.includes('*')) return () => true;
  const list = new net.BlockList();
  for (const entry of entries) {
    if (entry === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    const [address, prefix] = entry.split('/');
    const family = net.isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    if (!address) return false;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const plain = mapped ? mapped[1] : address;
    return list.check(plain, net.isIP(plain) === 6 ? 'ipv6' : 'ipv4');
  };
}
