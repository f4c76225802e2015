import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { test } from 'node:test';
import { controlAccess, isHostAllowed, isLoopbackHost, isOriginAllowed, tokenMatches, urlHost } from './access.ts';

test('isLoopbackHost', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'app.localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
    assert.equal(isLoopbackHost(h), true, h);
  }
  for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', 'localhost.example.com', '128.0.0.1']) {
    assert.equal(isLoopbackHost(h), false, h);
  }
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

test('isOriginAllowed on a wildcard bind accepts this machine\'s own IP addresses only', () => {
  const wild = { host: '0.0.0.0', port: 9000, allowedOrigins: [] };
  const own = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4');
  assert.ok(own);
  assert.equal(isOriginAllowed(`http://${own.address}:9000`, wild), true);
  assert.equal(isOriginAllowed('http://203.0.113.9:9000', wild), false, 'TEST-NET-3 is nobody here');
  assert.equal(isOriginAllowed('http://rebind.example:9000', wild), false, 'names other than localhost can be rebound');
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
