import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatAddress, normalizeAddress, parseAddress, socketAddress, splitAddress } from './address.ts';
import { ConnMgrError } from './errors.ts';

describe('addresses', () => {
  test('valid addresses normalize to one canonical string', () => {
    const table: Array<[string, string]> = [
      ['127.0.0.1:8333', '127.0.0.1:8333'],
      [' 127.0.0.1:1 ', '127.0.0.1:1'],
      ['LocalHost:65535', 'localhost:65535'],
      ['[::1]:8333', '[::1]:8333'],
      ['node-1.example.org:18444', 'node-1.example.org:18444'],
      // one spelling per address, so duplicates cannot hide behind another one
      ['[0:0:0:0:0:0:0:1]:8333', '[::1]:8333'],
      ['[2001:DB8:0:0::1]:1', '[2001:db8::1]:1'],
      ['[::ffff:127.0.0.1]:8333', '127.0.0.1:8333'],
      ['[0:0:0:0:0:ffff:7f00:1]:8333', '127.0.0.1:8333'],
    ];
    for (const [input, expected] of table) assert.equal(normalizeAddress(input), expected, input);
  });

  test('invalid addresses throw ERR_INVALID_ADDRESS with a message that says why', () => {
    const table: Array<[unknown, RegExp]> = [
      ['', /non-empty/],
      [42, /non-empty/],
      ['127.0.0.1', /no port/],
      ['127.0.0.1:', /not a number/],
      ['127.0.0.1:abc', /not a number/],
      ['127.0.0.1:0', /out of range/],
      ['127.0.0.1:65536', /out of range/],
      ['::1:8333', /brackets/],
      ['[::1]8333', /\[ipv6\]:port/],
      ['[nothex]:1', /not an IPv6/],
      ['bad_host!:80', /not a valid host/],
      ['bad host:80', /must not contain spaces or control characters/],
      ['127.0.0.1:1\r\nX: y', /must not contain spaces or control characters/],
      ['127.0.0.1:80\u0000', /must not contain spaces or control characters/],
      ['[::1]:80\t1', /must not contain spaces or control characters/],
      [':80', /no port/],
      ['127.000.000.001:80', /not a valid IPv4/],
      ['1.2.3:80', /not a valid IPv4/],
    ];
    for (const [input, message] of table) {
      assert.throws(
        () => normalizeAddress(input),
        (err: unknown) => err instanceof ConnMgrError && err.code === 'ERR_INVALID_ADDRESS' && message.test(err.message),
        String(input),
      );
    }
  });

  test('inbound remotes are written the same way (a dual-stack listener reports IPv4-mapped IPv6)', () => {
    assert.equal(formatAddress('::ffff:127.0.0.1', 5000), '127.0.0.1:5000');
    assert.equal(formatAddress('::1', 5000), '[::1]:5000');
    assert.equal(formatAddress('127.0.0.1', 5000), '127.0.0.1:5000');
  });
});

test('splitAddress gives back what parseAddress reads from a normalized address, for every kind of host', () => {
  for (const input of ['127.0.0.1:8333', 'Example.COM:1', '[::1]:65535', '[::ffff:10.0.0.1]:80', '[2001:DB8:0:0::1]:9', 'localhost:443']) {
    const normalized = normalizeAddress(input);
    assert.deepEqual(splitAddress(normalized), parseAddress(normalized), input);
    assert.equal(formatAddress(splitAddress(normalized).host, splitAddress(normalized).port), normalized, input);
  }
});

test('socketAddress writes what the kernel reports like normalizeAddress would, and null for a closed socket', () => {
  const cases: [string, number, string][] = [
    ['127.0.0.1', 8333, '127.0.0.1:8333'],
    ['::ffff:127.0.0.1', 40000, '127.0.0.1:40000'],
    ['::1', 1, '[::1]:1'],
    ['2001:DB8::1', 9, '[2001:db8::1]:9'],
  ];
  for (const [address, port, want] of cases) {
    assert.equal(socketAddress(address, port), want, address);
    assert.equal(socketAddress(address, port), normalizeAddress(address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`));
  }
  assert.equal(socketAddress(undefined, 1), null);
  assert.equal(socketAddress('127.0.0.1', undefined), null);
});
