import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isAllowedConnection, normaliseHost, parseAllowedHosts, specialRange } from '../src/net/address-rules';
import { canonicalIp } from '../src/net/ip-address';

describe('specialRange', () => {
  const refused: [string, RegExp][] = [
    ['0.0.0.0', /^0\.0\.0\.0\/8 /],
    ['0.255.255.255', /^0\.0\.0\.0\/8 /],
    ['10.0.0.1', /^10\.0\.0\.0\/8 \(private/],
    ['100.64.0.0', /^100\.64\.0\.0\/10 \(shared address space \(CGNAT\)/],
    ['100.127.255.255', /^100\.64\.0\.0\/10 /],
    ['127.0.0.1', /^127\.0\.0\.0\/8 \(loopback/],
    ['127.255.255.254', /^127\.0\.0\.0\/8 /],
    ['169.254.169.254', /^169\.254\.0\.0\/16 \(link-local and cloud metadata/],
    ['172.16.0.0', /^172\.16\.0\.0\/12 /],
    ['172.31.255.255', /^172\.16\.0\.0\/12 /],
    ['192.0.0.170', /^192\.0\.0\.0\/24 /],
    ['192.168.1.1', /^192\.168\.0\.0\/16 /],
    ['198.18.0.1', /^198\.18\.0\.0\/15 /],
    ['198.19.255.255', /^198\.18\.0\.0\/15 /],
    ['224.0.0.1', /^224\.0\.0\.0\/4 \(multicast/],
    ['239.255.255.250', /^224\.0\.0\.0\/4 /],
    ['240.0.0.1', /^240\.0\.0\.0\/4 /],
    ['255.255.255.255', /^255\.255\.255\.255\/32 \(limited broadcast/],
    ['::', /^::\/128 \(unspecified/],
    ['::1', /^::1\/128 \(loopback/],
    ['0:0:0:0:0:0:0:1', /^::1\/128 /],
    ['[::1]', /^::1\/128 /],
    ['fc00::1', /^fc00::\/7 \(unique local/],
    ['fdff:ffff::1', /^fc00::\/7 /],
    ['fe80::1', /^fe80::\/10 \(link-local/],
    ['fe80::1%eth0', /^fe80::\/10 /],
    ['febf::1', /^fe80::\/10 /],
    ['fec0::1', /^fec0::\/10 \(site-local/],
    ['ff02::1', /^ff00::\/8 \(multicast/],
    ['::ffff:127.0.0.1', /^::ffff:0:0\/96 \(IPv4-mapped.* of 127\.0\.0\.1 in 127\.0\.0\.0\/8/],
    ['::ffff:7f00:1', /^::ffff:0:0\/96 .* of 127\.0\.0\.1 in 127\.0\.0\.0\/8/],
    ['::ffff:a9fe:a9fe', /of 169\.254\.169\.254 in 169\.254\.0\.0\/16/],
    ['::7f00:1', /^::\/96 \(IPv4-compatible.* of 127\.0\.0\.1/],
    ['::ffff:0:a00:1', /^::ffff:0:0:0\/96 .* of 10\.0\.0\.1/],
    ['64:ff9b::7f00:1', /^64:ff9b::\/96 \(NAT64.* of 127\.0\.0\.1/],
    ['64:ff9b::10.1.2.3', /^64:ff9b::\/96 .* of 10\.1\.2\.3/],
    ['64:ff9b:1::1', /^64:ff9b:1::\/48 \(local-use NAT64/],
    ['2002:7f00:1::1', /^2002::\/16 \(6to4.* of 127\.0\.0\.1/],
  ];
  for (const [address, range] of refused) {
    it(`refuses ${address}`, () => assert.match(specialRange(address) ?? 'public', range));
  }

  const publicAddresses = [
    '1.1.1.1',
    '8.8.8.8',
    '9.255.255.255',
    '11.0.0.0',
    '100.63.255.255',
    '100.128.0.0',
    '126.255.255.255',
    '128.0.0.0',
    '169.253.255.255',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.1.0',
    '192.167.255.255',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '2001:4860:4860::8888',
    '2a00:1450:4001:800::200e',
    '::ffff:8.8.8.8',
    '::ffff:808:808',
    '64:ff9b::808:808',
    '2002:808:808::1',
    'fbff:ffff::1',
  ];
  for (const address of publicAddresses) {
    it(`allows the public address ${address}`, () => assert.equal(specialRange(address), null));
  }

  it('never calls a host name public', () => {
    assert.equal(specialRange('example.org'), 'not an IP address');
    assert.equal(specialRange('127.1'), 'not an IP address');
  });
});

describe('isAllowedConnection', () => {
  it('allows public addresses whatever the list', () => {
    assert.equal(isAllowedConnection('example.org', '93.184.215.14', []), true);
  });

  it('refuses a special address when neither the host nor the address is listed', () => {
    assert.equal(isAllowedConnection('127.0.0.2', '127.0.0.2', ['127.0.0.1']), false);
    assert.equal(isAllowedConnection('[::1]', '::1', ['127.0.0.1']), false);
    assert.equal(isAllowedConnection('internal.test', '10.0.0.5', ['127.0.0.1', 'feeds.test']), false);
  });

  it('allows a special address when the URL host name is listed, case and brackets aside', () => {
    assert.equal(isAllowedConnection('Feeds.Test', '10.0.0.5', ['feeds.test']), true);
    assert.equal(isAllowedConnection('feeds.test.', '10.0.0.5', ['feeds.test']), true);
    assert.equal(isAllowedConnection('[::1]', '::1', ['::1']), true);
    assert.equal(isAllowedConnection('[0:0::1]', '::1', parseAllowedHosts('[::1]')), true);
  });

  it('allows a name that resolves to a listed address (localhost → 127.0.0.1)', () => {
    assert.equal(isAllowedConnection('localhost', '127.0.0.1', ['127.0.0.1']), true);
    assert.equal(isAllowedConnection('localhost', '::1', ['127.0.0.1']), false);
  });

  it('matches an IPv4-mapped address against its IPv4 form on the list', () => {
    assert.equal(isAllowedConnection('[::ffff:7f00:1]', '::ffff:7f00:1', ['127.0.0.1']), true);
    assert.equal(isAllowedConnection('feeds.test', '::ffff:127.0.0.1', ['127.0.0.1']), true);
    assert.equal(isAllowedConnection('[::ffff:7f00:2]', '::ffff:7f00:2', ['127.0.0.1']), false);
  });
});

describe('parseAllowedHosts', () => {
  it('reads nothing from an unset or blank variable', () => {
    assert.deepEqual(parseAllowedHosts(undefined), []);
    assert.deepEqual(parseAllowedHosts(''), []);
    assert.deepEqual(parseAllowedHosts('  '), []);
  });

  it('normalises names and addresses so they compare with URLs and resolver answers', () => {
    assert.deepEqual(parseAllowedHosts(' 127.0.0.1 , Feeds.Example.ORG. ,[::1], 0:0:0:0:0:0:0:1,FD00::0:1, 127.1, bücher.example'), [
      '127.0.0.1',
      'feeds.example.org',
      '::1',
      'fd00::1',
      'xn--bcher-kva.example',
    ]);
  });

  it('returns a frozen list', () => {
    assert.ok(Object.isFrozen(parseAllowedHosts('127.0.0.1')));
  });

  const bad: [string, RegExp][] = [
    ['127.0.0.1:8080', /"127\.0\.0\.1:8080" has a port/],
    ['feeds.test:443', /has a port/],
    ['[::1]:80', /has a port/],
    ['http://feeds.test', /is a URL/],
    ['feeds.test/path', /is a URL/],
    ['user@feeds.test', /is a URL/],
    ['127.0.0.1,,feeds.test', /entry 2 is blank/],
    ['127.0.0.1,', /entry 2 is blank/],
    ['feeds test', /is not a host name/],
    ['*.example.org', /is not a host name/],
    ['-bad-.example', /is not a host name/],
  ];
  for (const [value, message] of bad) {
    it(`refuses ${JSON.stringify(value)} with a message naming the variable`, () => {
      assert.throws(
        () => parseAllowedHosts(value),
        (error: unknown) => {
          assert.ok(error instanceof Error);
          assert.match(error.message, /^OUTBOUND_ALLOWED_HOSTS: /);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});

describe('canonicalIp and normaliseHost', () => {
  it('writes IPv6 as WHATWG URLs do, so URL hosts and resolver answers compare', () => {
    for (const address of ['::1', '::', '::ffff:127.0.0.1', '2001:db8::1:0:0:1', '2001:db8:0:0:1:0:0:1', 'fe80::1%eth0', '1:2:3:4:5:6:7:8', '1:0:0:2::3']) {
      const expected = new URL(`http://[${address.replace(/%.*/, '')}]/`).hostname.slice(1, -1);
      assert.equal(canonicalIp(address), expected, address);
    }
    assert.equal(canonicalIp('127.0.0.1'), '127.0.0.1');
    assert.equal(canonicalIp('feeds.test'), null);
  });

  it('compares names without case, brackets or a trailing dot', () => {
    assert.equal(normaliseHost('[::FFFF:127.0.0.1]'), '::ffff:7f00:1');
    assert.equal(normaliseHost('Feeds.Test.'), 'feeds.test');
  });
});
