import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lagMs, MAX_LAG_MS, ServerClock, shouldJump } from './lag-policy.ts';

const T0 = 1_700_000_000_000;

test('the page jumps once the newest received event is more than MAX_LAG_MS behind the server clock', () => {
  assert.equal(shouldJump({ newestAt: T0 - MAX_LAG_MS, serverNow: T0, replaying: false }), false, 'exactly at the threshold: keep');
  assert.equal(shouldJump({ newestAt: T0 - MAX_LAG_MS - 1, serverNow: T0, replaying: false }), true);
  assert.equal(shouldJump({ newestAt: T0 - 60_000, serverNow: T0, replaying: true }), false, 'a resume replays old events on purpose');
  assert.equal(shouldJump({ newestAt: T0 - 60_000, serverNow: null, replaying: false }), false, 'no clock yet: cannot tell');
  assert.equal(shouldJump({ newestAt: T0 - 500, serverNow: T0, replaying: false }, 400), true, 'the threshold is a parameter');
  assert.equal(lagMs({ newestAt: T0 + 5, serverNow: T0, replaying: false }), 0, 'never negative');
});

test('the server clock estimate does not follow a growing backlog (the highest sample wins until the socket changes)', () => {
  const clock = new ServerClock();
  assert.equal(clock.now(0), null);
  // The server is 2 s ahead of this machine's clock; the hello arrives at once.
  clock.observe(T0 + 2000, T0);
  // Then the page falls behind: each batch is handled later and later after the server sent it.
  for (let i = 1; i <= 100; i += 1) clock.observe(T0 + 2000 + i * 50, T0 + i * 50 + i * 40);
  const now = T0 + 100 * 50 + 100 * 40;
  const newestAt = T0 + 2000 + 100 * 50;
  assert.equal(lagMs({ newestAt, serverNow: clock.now(now), replaying: false }), 4000);
  assert.equal(shouldJump({ newestAt, serverNow: clock.now(now), replaying: false }), true);
  clock.reset();
  assert.equal(clock.now(now), null, 'a new socket starts a new estimate');
});
