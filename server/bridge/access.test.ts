import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { test } from 'node:test';
import {
  MAX_HOST_HEADER_CHARS,
  allowedOriginProblem,
  controlAccess,
  isHostAllowed,
  isLoopbackHost,
  isOriginAllowed,
  isWildcardHost,
  tokenMatches,
  urlHost,
} from './access.ts';
import { fastestMs } from './testing.ts';

test('isLoopbackHost: the one loopback test, for binds and for Host/Origin headers', () => {
  const table: [string, boolean][] = [
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['LOCALHOST.', true], // the absolute name: still RFC 6761 localhost
    ['app.localhost', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['[::ffff:127.0.0.1]', true],
    ['::ffff:7f00:1', true], // how WHATWG URL writes [::ffff:127.0.0.1] (a Host header's hostname)
    ['[::ffff:7f00:1]', true],
    ['0:0:0:0:0:ffff:7f01:203', true], // ::ffff:127.1.2.3
    ['127.0.0.1.nip.io', false], // a DNS name: it could resolve anywhere
    ['127.example.com', false],
    ['0.0.0.0', false],
    ['::', false],
    ['::ffff:8000:1', false], // ::ffff:128.0.0.1
    ['::7f00:1', false], // IPv4-compatible, not mapped
    ['192.168.1.10', false],
    ['10.0.0.1', false],
    ['example.com', false],
    ['localhost.example.com', false],
    ['localhost..', false],
    ['128.0.0.1', false],
    ['', false],
  ];
  for (const [h, expected] of table) assert.equal(isLoopbackHost(h), expected, h);
});

test('isWildcardHost in any spelling', () => {
  for (const h of ['0.0.0.0', '::', '[::]', '0:0:0:0:0:0:0:0', '']) assert.equal(isWildcardHost(h), true, h);
  for (const h of ['127.0.0.1', '::1', 'localhost', '0.0.0.1']) assert.equal(isWildcardHost(h), false, h);
});

test('a Host header of [::ffff:127.0.0.1] is this loopback server', () => {
  const loop = { host: '127.0.0.1', port: 8787, allowedOrigins: [] };
  assert.equal(isHostAllowed('[::ffff:127.0.0.1]:8787', loop), true);
  assert.equal(isOriginAllowed('http://[::ffff:127.0.0.1]:8787', loop), true);
  assert.equal(isHostAllowed('127.0.0.1.nip.io:8787', loop), false);
});

test('urlHost brackets IPv6 and reaches a wildcard bind through loopback', () => {
  assert.equal(urlHost('127.0.0.1', 80), '127.0.0.1:80');
  assert.equal(urlHost('::1', 80), '[::1]:80');
  assert.equal(urlHost('0.0.0.0', 80), '127.0.0.1:80');
});

test('isOriginAllowed: own origins, listed origins, nothing else', () => {
  const loop = { host: '127.0.0.1', port: 8787, allowedOrigins: ['http://localhost:5173', 'https://ops.example/'] };
  const cases: [string | undefined, boolean][] = [
    [undefined, true], // not a browser
    ['http://127.0.0.1:8787', true],
    ['http://localhost:8787', true],
    ['http://[::1]:8787', true],
    ['HTTP://LOCALHOST:8787/', true],
    ['http://localhost:5173', true], // listed
    ['https://ops.example', true], // listed (trailing slash ignored)
    ['http://localhost:8788', false], // another port: another origin
    ['http://evil.example:8787', false],
    ['http://evil.example', false],
    ['http://192.168.1.10:8787', false], // not loopback while bound to loopback
    ['null', false],
    ['file://', false],
    ['chrome-extension://abc', false],
    ['not a url', false],
  ];
  for (const [origin, expected] of cases) assert.equal(isOriginAllowed(origin, loop), expected, String(origin));

  const lan = { host: '192.168.1.10', port: 80, allowedOrigins: [] };
  assert.equal(isOriginAllowed('http://192.168.1.10', lan), true, 'default port 80');
  assert.equal(isOriginAllowed('http://192.168.1.11', lan), false);
});

test("isOriginAllowed on a wildcard bind accepts this machine's own IP addresses only", () => {
  const wild = { host: '0.0.0.0', port: 9000, allowedOrigins: [] };
  const own = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === 'IPv4');
  assert.ok(own);
  assert.equal(isOriginAllowed(`http://${own.address}:9000`, wild), true);
  assert.equal(isOriginAllowed('http://203.0.113.9:9000', wild), false, 'TEST-NET-3 is nobody here');
  assert.equal(isOriginAllowed('http://rebind.example:9000', wild), false, 'names other than localhost can be rebound');
});

test('a long Origin costs no more than a short one (linear handling and a length cap)', async () => {
  // "http:" + 16,000 "/" + "a" once took 112–322 ms per call in a backtracking regex.
  const hostile = `http:${'/'.repeat(16_000)}a`;
  const policy = { host: '127.0.0.1', port: 8787, allowedOrigins: ['http://localhost:5173'] };
  const calls =
    (origin: string, p = policy) =>
    () => {
      for (let i = 0; i < 20; i++) isOriginAllowed(origin, p);
    };
  const short = await fastestMs(calls('http://evil.example:8787'));
  const long = await fastestMs(calls(hostile));
  assert.equal(isOriginAllowed(hostile, policy), false);
  assert.ok(long <= short * 10 + 0.05, `a 16 kB Origin took ${long.toFixed(3)} ms, a short one ${short.toFixed(3)} ms`);

  // The configured origins go through the same linear parse.
  const longList = { ...policy, allowedOrigins: [`http://x${'/'.repeat(16_000)}a`] };
  const listed = await fastestMs(calls('http://evil.example:8787', longList));
  assert.ok(listed <= short * 10 + 0.05, `a 16 kB allowed origin took ${listed.toFixed(3)} ms, a short one ${short.toFixed(3)} ms`);
});

test('Origin and Host headers longer than the cap are refused', () => {
  const policy = { host: '127.0.0.1', port: 8787, allowedOrigins: [] };
  assert.equal(isOriginAllowed(`http://localhost:8787`, policy), true);
  const longName = `${'a'.repeat(MAX_HOST_HEADER_CHARS)}.localhost`;
  assert.equal(isLoopbackHost(longName), true, 'the name alone is loopback…');
  assert.equal(isOriginAllowed(`http://${longName}:8787`, policy), false, '…but the header is over the cap');
  assert.equal(isHostAllowed(`${longName}:8787`, policy), false);
  assert.equal(isHostAllowed(`${'a'.repeat(100)}.localhost:8787`, policy), true, 'under the cap');
});

test('allowedOriginProblem: an origin is scheme, host and port', () => {
  for (const o of ['http://localhost:5173', 'https://ops.example', 'https://ops.example/', 'HTTP://[::1]:80']) {
    assert.equal(allowedOriginProblem(o), undefined, o);
  }
  const table: [string, RegExp][] = [
    ['ops.example', /not an http\(s\) origin/],
    ['null', /not an http\(s\) origin/],
    ['file:///x', /not an http\(s\) origin/],
    ['https://ops.example/app', /more than an origin.*"https:\/\/ops\.example"/],
    ['https://ops.example?x=1', /more than an origin/],
    ['https://user@ops.example', /more than an origin/],
    [`http://${'a'.repeat(2000)}`, /not an http\(s\) origin/],
  ];
  for (const [o, message] of table) assert.match(allowedOriginProblem(o) ?? '', message, o);
});

test('isHostAllowed guards against DNS rebinding', () => {
  const loop = { host: '127.0.0.1', port: 8787, allowedOrigins: ['http://connscope.test:8787'] };
  assert.equal(isHostAllowed(undefined, loop), true);
  assert.equal(isHostAllowed('127.0.0.1:8787', loop), true);
  assert.equal(isHostAllowed('localhost:8787', loop), true);
  assert.equal(isHostAllowed('connscope.test:8787', loop), true);
  assert.equal(isHostAllowed('evil.example:8787', loop), false);
  assert.equal(isHostAllowed('evil.example', loop), false);
});

test('controlAccess: free on loopback without a token, token required elsewhere or once set', () => {
  assert.deepEqual(controlAccess({ host: '127.0.0.1', token: undefined }, null), { canControl: true });
  const loopbackWithToken = controlAccess({ host: 'localhost', token: 'x' }, null);
  assert.equal(loopbackWithToken.canControl, false, 'a configured token is enforced on loopback too');
  assert.match(loopbackWithToken.canControl ? '' : loopbackWithToken.reason, /requires a control token/);
  assert.deepEqual(controlAccess({ host: 'localhost', token: 'x' }, 'x'), { canControl: true });
  const noToken = controlAccess({ host: '0.0.0.0', token: undefined }, 'anything');
  assert.equal(noToken.canControl, false);
  const lan = { host: '0.0.0.0', token: 's3cret' };
  assert.deepEqual(controlAccess(lan, 's3cret'), { canControl: true });
  const missing = controlAccess(lan, null);
  assert.equal(missing.canControl, false);
  assert.match(missing.canControl ? '' : missing.reason, /token/);
  const wrong = controlAccess(lan, 's3cre');
  assert.equal(wrong.canControl, false);
  assert.match(wrong.canControl ? '' : wrong.reason, /does not match/);
});

test('tokenMatches', () => {
  assert.equal(tokenMatches('a', 'a'), true);
  assert.equal(tokenMatches('a', 'ab'), false);
  assert.equal(tokenMatches(undefined, 'a'), false);
  assert.equal(tokenMatches('', 'a'), false);
});
