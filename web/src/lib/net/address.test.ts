import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAddress, isIPv6 } from './address.ts';

test('valid addresses', () => {
  for (const a of [
    '127.0.0.1:9001',
    ' 127.0.0.1:9001 ',
    'localhost:1',
    'example.org:65535',
    'a-b.example:8333',
    '[::1]:8333',
    '[2001:db8::1]:80',
    '[::ffff:127.0.0.1]:80',
    '[fe80::1%eth0]:80',
  ]) {
    assert.equal(checkAddress(a).ok, true, a);
  }
  assert.deepEqual(checkAddress(' 127.0.0.1:9001 '), { ok: true, addr: '127.0.0.1:9001' });
});

test('invalid addresses say what is wrong (same words as the server)', () => {
  const table: [string, string][] = [
    ['', 'address must be a non-empty "host:port" string'],
    ['127.0.0.1', '"127.0.0.1" has no port: expected "host:port"'],
    [':9001', '":9001" has no port: expected "host:port"'],
    ['::1:8333', '"::1:8333": write an IPv6 address in brackets, as "[::1]:8333"'],
    ['[::1]8333', '"[::1]8333" is not a valid "[ipv6]:port" address'],
    ['[::1', '"[::1" is not a valid "[ipv6]:port" address'],
    ['[1.2.3.4]:80', '"1.2.3.4" is not an IPv6 address'],
    ['bad_host:80', '"bad_host" is not a valid host name or IP address'],
    ['bad host:80', 'address must not contain spaces or control characters'],
    ['127.0.0.1:1\r\nX: y', 'address must not contain spaces or control characters'],
    ['-a.org:80', '"-a.org" is not a valid host name or IP address'],
    ['host:', 'port "" is not a number'],
    ['host:http', 'port "http" is not a number'],
    ['host:123456', 'port "123456" is not a number'],
    ['host:0', 'port 0 is out of range 1-65535'],
    ['host:65536', 'port 65536 is out of range 1-65535'],
    ['127.000.000.001:80', '"127.000.000.001" is not a valid IPv4 address'],
    ['1.2.3:80', '"1.2.3" is not a valid IPv4 address'],
  ];
  for (const [input, message] of table) assert.deepEqual(checkAddress(input), { ok: false, message }, input);
});

test('isIPv6', () => {
  const yes = [
    '::',
    '::1',
    '1::',
    '2001:db8::8a2e:370:7334',
    '2001:0db8:0000:0000:0000:ff00:0042:8329',
    '::ffff:192.0.2.1',
    'fe80::1%eth0',
  ];
  const no = [
    '',
    '1',
    ':::',
    '1:::2',
    '1::2::3',
    '12345::',
    'g::1',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '::ffff:999.0.2.1',
    '1.2.3.4',
    'fe80::1%',
  ];
  for (const a of yes) assert.equal(isIPv6(a), true, a);
  for (const a of no) assert.equal(isIPv6(a), false, a);
});
