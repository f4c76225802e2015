import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VirtualFrames } from '../ui/virtual-frames.ts';
import { FrameLoop, followIntervalMs, MAX_FPS_INTERVAL_MS, MAX_TICK_INTERVAL_MS } from './frame-loop.ts';

/** A display painting at `hz` for `ms` of virtual time. */
function runDisplay(host: VirtualFrames, hz: number, ms: number): void {
  const end = host.time + ms;
  while (host.time < end) {
    host.advance(1000 / hz);
    host.paint();
  }
}

function setup(interval: () => number | null): { host: VirtualFrames; draws: number[]; loop: FrameLoop } {
  const host = new VirtualFrames();
  const draws: number[] = [];
  const loop = new FrameLoop(() => draws.push(host.time), interval, host);
  return { host, draws, loop };
}

test('follow interval: 30 fps at most, one pixel of motion at least, and at least once a second', () => {
  assert.equal(followIntervalMs(1), MAX_FPS_INTERVAL_MS);
  assert.equal(followIntervalMs(300), 300);
  assert.equal(followIntervalMs(86_400), MAX_TICK_INTERVAL_MS);
});

for (const hz of [60, 120, 144]) {
  test(`following a fine window on a ${hz} Hz display paints at most 30 times a second`, () => {
    const { host, draws, loop } = setup(() => followIntervalMs(5));
    loop.invalidate();
    runDisplay(host, hz, 2000);
    const late = draws.filter((t) => t > 1000);
    const perSec = ((late.length - 1) * 1000) / (late.at(-1)! - late[0]!);
    assert.ok(perSec <= 30.01 && perSec >= 25, `${perSec.toFixed(1)} paints a second`);
    for (let i = 1; i < draws.length; i++)
      assert.ok(draws[i]! - draws[i - 1]! >= MAX_FPS_INTERVAL_MS - 2, `gap ${draws[i]! - draws[i - 1]!} ms`);
  });
}

test('following a wide window paints once per pixel of motion, not 30 times a second', () => {
  const { host, draws, loop } = setup(() => followIntervalMs(300)); // a 5 min window over 1000 px
  loop.invalidate();
  runDisplay(host, 60, 3000);
  assert.ok(draws.length >= 9 && draws.length <= 11, `${draws.length} paints in 3 s`);
});

test('a change paints at the next frame even right after a follow tick', () => {
  const { host, draws, loop } = setup(() => followIntervalMs(300));
  loop.invalidate();
  host.paint();
  assert.equal(draws.length, 1);
  host.advance(16);
  loop.invalidate();
  loop.invalidate();
  host.paint();
  assert.equal(draws.length, 2, 'one frame for both changes, without waiting for the tick');
});

test('paused (or stale): one paint per change and no clock-driven frames', () => {
  let interval: number | null = followIntervalMs(5);
  const { host, draws, loop } = setup(() => interval);
  loop.invalidate();
  host.paint();
  interval = null; // the user paused, or the link dropped: the model's clock stands still
  runDisplay(host, 60, 2000);
  assert.ok(draws.length <= 2, `${draws.length} paints`);
  const before = draws.length;
  runDisplay(host, 60, 2000);
  assert.equal(draws.length, before, 'nothing runs while the picture stands still');
  assert.equal(host.frames + host.timers, 0);
  loop.invalidate();
  host.paint();
  assert.equal(draws.length, before + 1);
});

test('dispose stops the loop', () => {
  const { host, draws, loop } = setup(() => followIntervalMs(5));
  loop.invalidate();
  host.paint();
  loop.dispose();
  runDisplay(host, 60, 1000);
  loop.invalidate();
  host.paint();
  assert.equal(draws.length, 1);
});
