import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DRAG_PX } from '../ui/drag.ts';
import { FOLLOW_PAD_PX, FollowWindow, ZOOM_STEP } from './follow-window.ts';
import { DEFAULT_SPAN_MS, MAX_SPAN_MS, MIN_SPAN_MS, timeOfX, xOfTime } from './time-scale.ts';

/** A window over a 1000 px plot at x0 = 200, on a clock and a seq the test moves. */
function setup(): { w: FollowWindow; clock: { now: number; seq: number } } {
  const clock = { now: 10_000_000, seq: 50 };
  const w = new FollowWindow({ now: () => clock.now, lastSeq: () => clock.seq });
  w.setPlot(200, 1000);
  w.tick();
  return { w, clock };
}

test('following: the right edge tracks the given clock, with room right of now', () => {
  const { w, clock } = setup();
  const s = w.scale;
  assert.equal(Math.round(xOfTime(s, clock.now)), 200 + 1000 - FOLLOW_PAD_PX);
  clock.now += 60_000;
  w.tick();
  assert.equal(Math.round(xOfTime(w.scale, clock.now)), 200 + 1000 - FOLLOW_PAD_PX);
  assert.equal(w.nowMs, clock.now);
  assert.equal(w.maxSeq, Infinity);
});

test('pause freezes the picture at the pause: seq, now and the edge stop while the clock runs on', () => {
  const { w, clock } = setup();
  clock.now += 500;
  assert.equal(w.pause(), true);
  assert.equal(w.pause(), false, 'pausing twice is a no-op');
  const edge = w.endMs;
  assert.equal(w.state.following, false);
  assert.equal(w.state.pausedAt, clock.now, 'pausedAt is the clock at the pause, not the last frame');
  assert.equal(Math.round(xOfTime(w.scale, clock.now)), 200 + 1000 - FOLLOW_PAD_PX);
  clock.now += 60_000;
  clock.seq += 20;
  w.tick();
  assert.equal(w.endMs, edge);
  assert.equal(w.nowMs, clock.now - 60_000);
  assert.equal(w.maxSeq, 50);
});

test('follow returns to live: the new count clears and the edge tracks now again', () => {
  const { w, clock } = setup();
  w.pause();
  w.state.newCount = 7;
  clock.now += 30_000;
  assert.equal(w.follow(), true);
  assert.equal(w.follow(), false);
  assert.equal(w.state.newCount, 0);
  assert.equal(w.maxSeq, Infinity);
  w.tick();
  assert.equal(Math.round(xOfTime(w.scale, clock.now)), 200 + 1000 - FOLLOW_PAD_PX);
  w.toggle();
  assert.equal(w.following, false);
  w.toggle();
  assert.equal(w.following, true);
});

test('zoom while following changes the span only and keeps following, clamped to the limits', () => {
  const { w, clock } = setup();
  w.zoom(1 / ZOOM_STEP, 700);
  assert.equal(w.following, true);
  assert.equal(w.spanMs, DEFAULT_SPAN_MS / 2);
  w.tick();
  assert.equal(Math.round(xOfTime(w.scale, clock.now)), 200 + 1000 - FOLLOW_PAD_PX, 'still anchored at now');
  for (let i = 0; i < 30; i++) w.zoom(1 / ZOOM_STEP, null);
  assert.equal(w.spanMs, MIN_SPAN_MS);
  for (let i = 0; i < 30; i++) w.zoom(ZOOM_STEP, null);
  assert.equal(w.spanMs, MAX_SPAN_MS);
});

test('zoom while paused keeps the time under the pointer in place (or the middle without one)', () => {
  const { w } = setup();
  w.panPx(-3000); // well back in time: the clamp at the pause does not interfere
  const under = timeOfX(w.scale, 450);
  w.zoom(1 / ZOOM_STEP, 450);
  assert.equal(w.spanMs, DEFAULT_SPAN_MS / 2);
  assert.ok(Math.abs(timeOfX(w.scale, 450) - under) < 1e-6);
  const middle = w.endMs - w.spanMs / 2;
  w.zoom(1 / ZOOM_STEP, null);
  assert.ok(Math.abs(w.endMs - w.spanMs / 2 - middle) < 1e-6);
});

test('pan pauses, moves by the pixels given, and never goes more than half a window past the pause', () => {
  const { w, clock } = setup();
  const edge = w.endMs;
  w.panPx(-100);
  assert.equal(w.following, false);
  assert.equal(w.endMs, edge - 100 * (DEFAULT_SPAN_MS / 1000));
  w.panPx(0);
  w.panPx(1e6);
  assert.equal(w.endMs, clock.now + DEFAULT_SPAN_MS / 2);
});

test('a horizontal drag pauses and pans back in time with the pointer', () => {
  const { w } = setup();
  w.dragStart();
  const edge = w.endMs;
  w.dragTo(DRAG_PX - 1);
  assert.equal(w.following, true, 'a drag that has barely moved sideways keeps following');
  w.dragTo(100);
  assert.equal(w.following, false);
  assert.equal(w.endMs, edge - 100 * (DEFAULT_SPAN_MS / 1000), 'dragging right shows the past');
  w.dragTo(40);
  assert.equal(w.endMs, edge - 40 * (DEFAULT_SPAN_MS / 1000), 'movement is total since the drag began');
});

test('a drag on a paused window pans from where the press found it', () => {
  const { w } = setup();
  w.panPx(-200);
  w.dragStart();
  const edge = w.endMs;
  w.dragTo(-50);
  assert.equal(w.endMs, edge + 50 * (DEFAULT_SPAN_MS / 1000));
});

test('seq going backwards while paused (a server restart) re-anchors the pause on the new run', () => {
  const { w, clock } = setup();
  w.pause();
  w.state.newCount = 12;
  clock.seq = 60;
  assert.equal(w.applied(), false, 'later events of the same run are just new');
  assert.equal(w.maxSeq, 50);
  clock.seq = 3;
  assert.equal(w.applied(), true);
  assert.equal(w.maxSeq, 3);
  assert.equal(w.state.newCount, 0);
  w.follow();
  clock.seq = 1;
  assert.equal(w.applied(), false, 'a following view has nothing to re-anchor');
});

test('the follow tick runs only while following, at the rate the zoom asks for', () => {
  const { w } = setup();
  assert.equal(w.tickIntervalMs(), DEFAULT_SPAN_MS / 1000, 'one pixel of motion: 300 ms at 5 min over 1000 px');
  w.pause();
  assert.equal(w.tickIntervalMs(), null);
});

test('a window without a size yet pauses at now, not somewhere in the future', () => {
  const clock = { now: 10_000_000, seq: 5 };
  const w = new FollowWindow({ now: () => clock.now, lastSeq: () => clock.seq });
  w.setPlot(264, -264); // a hidden pane: no plot at all
  w.pause();
  assert.equal(w.endMs, clock.now);
});
