import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScaledClock } from './scaled-clock.ts';
import { FakeClock } from './test-helpers.ts';

test('at 0.1× a 6 s manager-time timer takes 60 s of base time, and now() moves a tenth as fast', async () => {
  const base = new FakeClock(0);
  const clock = new ScaledClock(base, 0.1);
  let fired = 0;
  clock.setTimeout(() => fired++, 6000);
  await base.advance(59_999);
  assert.equal(fired, 0);
  assert.equal(Math.round(clock.now()), 6000 - 0);
  await base.advance(1);
  assert.equal(fired, 1);
  assert.equal(clock.now(), 6000);
});

test("freeze stops time and every timer; resuming keeps each timer's manager-time deadline", async () => {
  const base = new FakeClock(0);
  const clock = new ScaledClock(base, 1);
  const order: string[] = [];
  clock.setTimeout(() => order.push('a'), 1000);
  clock.setTimeout(() => order.push('b'), 3000);
  await base.advance(500);
  clock.setScale(0);
  const frozenAt = clock.now();
  await base.advance(3_600_000);
  assert.deepEqual(order, [], 'nothing fires while frozen');
  assert.equal(clock.now(), frozenAt, 'time stands still');
  clock.setScale(0.5); // 500 ms of manager time left for a: 1 s of base time
  await base.advance(999);
  assert.deepEqual(order, []);
  await base.advance(1);
  assert.deepEqual(order, ['a']);
  await base.advance(4000); // b: 2 s of manager time left at 0.5×
  assert.deepEqual(order, ['a', 'b']);
  assert.equal(clock.pending, 0);
  assert.equal(base.pendingTimers, 0, 'no base timer left behind');
});

test('speeding up mid-wait brings the deadline in; cleared timers never fire', async () => {
  const base = new FakeClock(0);
  const clock = new ScaledClock(base, 0.1);
  let fired = 0;
  clock.setTimeout(() => fired++, 1000); // 10 s of base time at 0.1×
  const cancelled = clock.setTimeout(() => (fired += 100), 500);
  clock.clearTimeout(cancelled);
  await base.advance(5000); // 500 ms of manager time passed
  clock.setScale(1);
  await base.advance(499);
  assert.equal(fired, 0);
  await base.advance(1);
  assert.equal(fired, 1);
});

test('a scale outside 0–1 is refused by value', () => {
  const clock = new ScaledClock(new FakeClock(0));
  for (const bad of [-0.1, 1.5, Number.NaN]) assert.throws(() => clock.setScale(bad), /time scale must be a number from 0 \(frozen\) to 1/);
  assert.throws(() => new ScaledClock(new FakeClock(0), 2), RangeError);
});
