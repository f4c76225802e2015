import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RECONNECT_MAX_DELAY_MS, reconnectDelayMs, socketUrl } from './reconnect.ts';

test('reconnect delays grow exponentially with jitter and stay capped', () => {
  const lo = () => 0;
  const hi = () => 0.999999;
  assert.deepEqual(
    [1, 2, 3, 4, 5, 100].map((n) => reconnectDelayMs(n, lo)),
    [250, 500, 1000, 1000, 1000, 1000],
  );
  assert.deepEqual(
    [1, 2, 3, 4, 100].map((n) => reconnectDelayMs(n, hi)),
    [500, 1000, 2000, 2000, 2000],
  );
});

test('a long outage never pushes the next try past the cap of a few seconds', () => {
  // An operator whose server came back should see the page back within seconds, however long
  // it was gone (a 15 s cap made a 25 s outage cost 17 s more).
  assert.ok(RECONNECT_MAX_DELAY_MS <= 3000, `cap ${RECONNECT_MAX_DELAY_MS} ms`);
  for (let attempt = 1; attempt <= 60; attempt += 1) {
    for (const r of [0, 0.5, 0.999999]) assert.ok(reconnectDelayMs(attempt, () => r) <= RECONNECT_MAX_DELAY_MS);
  }
});

test('socket URL follows the page, with the token', () => {
  assert.equal(socketUrl({ protocol: 'http:', host: 'localhost:8787' }, null), 'ws://localhost:8787/ws');
  assert.equal(socketUrl({ protocol: 'https:', host: 'a.b' }, 's t'), 'wss://a.b/ws?token=s%20t');
  // A fleet dashboard's page for one node (docs/fleet.md): the node goes with it.
  assert.equal(socketUrl({ protocol: 'http:', host: 'f:8787', search: '?node=edge-1&q=x' }, 't'), 'ws://f:8787/ws?node=edge-1&token=t');
  assert.equal(socketUrl({ protocol: 'http:', host: 'f:8787', search: '?q=x' }, null), 'ws://f:8787/ws');
});
