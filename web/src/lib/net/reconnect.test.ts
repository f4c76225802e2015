import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconnectDelayMs, socketUrl } from './reconnect.ts';

test('reconnect delays grow exponentially with jitter and stay capped', () => {
  const lo = () => 0;
  const hi = () => 0.999999;
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 100].map((n) => reconnectDelayMs(n, lo)), [250, 500, 1000, 2000, 4000, 7500, 7500, 7500]);
  assert.deepEqual([1, 2, 6, 100].map((n) => reconnectDelayMs(n, hi)), [500, 1000, 15_000, 15_000]);
});

test('socket URL follows the page, with the token', () => {
  assert.equal(socketUrl({ protocol: 'http:', host: 'localhost:8787' }, null), 'ws://localhost:8787/ws');
  assert.equal(socketUrl({ protocol: 'https:', host: 'a.b' }, 's t'), 'wss://a.b/ws?token=s%20t');
});
