import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameScheduler } from './frame-scheduler.ts';
import { VirtualFrames } from './virtual-frames.ts';

function setup(): { host: VirtualFrames; frames: number[]; s: FrameScheduler } {
  const host = new VirtualFrames();
  const frames: number[] = [];
  const s = new FrameScheduler((ts) => frames.push(ts), host);
  return { host, frames, s };
}

test('many requests before a paint draw once', () => {
  const { host, frames, s } = setup();
  for (let i = 0; i < 50; i++) s.request();
  assert.equal(host.frames, 1);
  host.paint();
  assert.equal(frames.length, 1);
  assert.equal(s.pending, false);
  host.paint();
  assert.equal(frames.length, 1, 'no request, no frame');
});

test('requestIn wakes once at the earliest due time; a later one does not postpone it', () => {
  const { host, frames, s } = setup();
  s.requestIn(250);
  s.requestIn(1000); // later: the 250 ms wake-up stands
  assert.equal(host.timers, 1);
  host.advance(249);
  host.paint();
  assert.equal(frames.length, 0);
  host.advance(1);
  host.paint();
  assert.equal(frames.length, 1);
  host.advance(1000);
  host.paint();
  assert.equal(frames.length, 1, 'the 1000 ms request was folded into the earlier one');
});

test('an earlier requestIn brings a later wake-up forward', () => {
  const { host, frames, s } = setup();
  s.requestIn(1000);
  s.requestIn(100);
  assert.equal(host.timers, 1);
  host.advance(100);
  host.paint();
  assert.equal(frames.length, 1);
  assert.equal(host.timers, 0);
});

test('request cancels a pending wake-up: the frame decides afresh', () => {
  const { host, frames, s } = setup();
  s.requestIn(500);
  s.request();
  assert.equal(host.timers, 0);
  host.paint();
  host.advance(1000);
  host.paint();
  assert.equal(frames.length, 1);
});

test('requestIn while a frame is outstanding is a no-op; requestIn(0) is a frame now', () => {
  const { host, s } = setup();
  s.request();
  s.requestIn(100);
  assert.equal(host.timers, 0);
  host.paint();
  s.requestIn(0);
  assert.equal(host.frames, 1);
});

test('a frame may request the next one (animation) and it runs on the following paint', () => {
  const host = new VirtualFrames();
  let n = 0;
  const s: FrameScheduler = new FrameScheduler(() => {
    n++;
    if (n < 3) s.request();
  }, host);
  s.request();
  assert.equal(host.paint(), 1);
  assert.equal(host.paint(), 1);
  assert.equal(host.paint(), 1);
  assert.equal(host.paint(), 0);
  assert.equal(n, 3);
});

test('dispose cancels frames and timers and ignores later requests', () => {
  const { host, frames, s } = setup();
  s.requestIn(100);
  s.dispose();
  s.request();
  s.requestIn(10);
  assert.equal(host.frames, 0);
  assert.equal(host.timers, 0);
  host.advance(1000);
  host.paint();
  assert.deepEqual(frames, []);
});
