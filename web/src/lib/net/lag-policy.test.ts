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

test('lab slow motion is not lag: at 0.25× events keep up with the slowed clock, and a backlog still shows', () => {
  const clock = new ServerClock();
  // The manager's clock runs at a quarter of ours: 10 s here are 2.5 s there.
  for (let i = 0; i <= 100; i += 1) clock.observe(T0 + i * 25, T0 + i * 100, 0.25);
  const now = T0 + 100 * 100;
  assert.equal(lagMs({ newestAt: T0 + 2500, serverNow: clock.now(now), replaying: false }), 0, 'in step with the slowed clock');
  // At 1× speed the same samples would have looked 7.5 s behind: the speed is what tells them apart.
  const naive = new ServerClock();
  for (let i = 0; i <= 100; i += 1) naive.observe(T0 + i * 25, T0 + i * 100);
  assert.equal(shouldJump({ newestAt: T0 + 2500, serverNow: naive.now(now), replaying: false }), true);
  // A real backlog at 0.25×: events handled 20 s (local) after they were sent = 5 s of manager time.
  assert.equal(lagMs({ newestAt: T0 + 2500, serverNow: clock.now(now + 20_000), replaying: false }), 5000);
  // A change of speed starts a new estimate.
  clock.observe(T0 + 2600, now + 100, 1);
  assert.equal(clock.now(now + 100), T0 + 2600);
});
