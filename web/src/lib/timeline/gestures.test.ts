import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DRAG_PX } from '../ui/drag.ts';
import { FollowWindow } from './follow-window.ts';
import { type WheelInput, TimelineDrag, wheelAction } from './gestures.ts';
import { AXIS_H, LANE_H, LaneView } from './lane-view.ts';
import { DEFAULT_SPAN_MS, wheelZoomFactor } from './time-scale.ts';

const g = { labelW: 200, viewportH: 400, plotWidth: 800 };
const wheel = (over: Partial<WheelInput>): WheelInput => ({
  deltaX: 0,
  deltaY: 0,
  deltaMode: 0,
  ctrlKey: false,
  metaKey: false,
  shiftKey: false,
  ...over,
});

test('ctrl/⌘+wheel zooms about the pointer over the plot, about now over the labels', () => {
  assert.deepEqual(wheelAction(wheel({ deltaY: 100, ctrlKey: true }), 500, g), { kind: 'zoom', factor: wheelZoomFactor(100), x: 500 });
  assert.deepEqual(wheelAction(wheel({ deltaY: -3, deltaMode: 1, metaKey: true }), 50, g), {
    kind: 'zoom',
    factor: wheelZoomFactor(-48),
    x: null,
  });
});

test('a sideways wheel (or shift+wheel) pans; a vertical one is left to the scroller', () => {
  assert.deepEqual(wheelAction(wheel({ deltaX: 30, deltaY: 5 }), 500, g), { kind: 'pan', px: 30 });
  assert.deepEqual(wheelAction(wheel({ deltaY: 2, shiftKey: true, deltaMode: 1 }), 500, g), { kind: 'pan', px: 32 });
  assert.deepEqual(wheelAction(wheel({ deltaY: 1, deltaMode: 2, shiftKey: true }), 500, g), { kind: 'pan', px: 800 });
  assert.equal(wheelAction(wheel({ deltaY: 120, deltaX: 3 }), 500, g), null);
});

function setup(): { win: FollowWindow; lanes: LaneView; drag: TimelineDrag; now: number } {
  const now = 5_000_000;
  const win = new FollowWindow({ now: () => now, lastSeq: () => 9 });
  win.setPlot(200, 1000);
  win.tick();
  const lanes = new LaneView();
  lanes.viewportH = AXIS_H + 10 * LANE_H;
  lanes.setLanes(Array.from({ length: 50 }, (_, i) => 50 - i));
  lanes.scrollTo(5 * LANE_H);
  return { win, lanes, drag: new TimelineDrag(win, lanes), now };
}

test('a horizontal drag pauses and pans back in time; the lanes stay', () => {
  const { win, lanes, drag } = setup();
  const edge = win.endMs;
  drag.press({ x: 500, y: 200 }, 1);
  assert.equal(drag.move({ x: 502, y: 200 }, 1), null, 'not yet a drag');
  assert.equal(win.following, true);
  assert.deepEqual(drag.move({ x: 600, y: 200 }, 1), { start: true, scrolled: false });
  assert.equal(win.following, false);
  assert.equal(win.endMs, edge - 100 * (DEFAULT_SPAN_MS / 1000));
  assert.equal(lanes.scrollTop, 5 * LANE_H);
  assert.deepEqual(drag.release(1), { tap: false });
});

test('a vertical drag scrolls the lanes and keeps following', () => {
  const { win, lanes, drag } = setup();
  drag.press({ x: 500, y: 200 }, 1);
  assert.deepEqual(drag.move({ x: 501, y: 200 - 3 * LANE_H }, 1), { start: true, scrolled: true });
  assert.equal(lanes.scrollTop, 8 * LANE_H, 'dragging up shows lanes further down');
  assert.equal(win.following, true);
  drag.move({ x: 500 + DRAG_PX, y: 200 + 10 * LANE_H }, 1);
  assert.equal(lanes.scrollTop, 0, 'clamped at the top');
  assert.equal(win.following, false, 'and once it went sideways, it paused');
});

test('a press that does not move is a tap; another pointer does nothing', () => {
  const { win, drag } = setup();
  drag.press({ x: 500, y: 200 }, 1);
  assert.equal(drag.move({ x: 900, y: 200 }, 2), null);
  assert.equal(drag.release(2), null);
  assert.deepEqual(drag.release(1), { tap: true });
  assert.equal(win.following, true);
  assert.equal(drag.pressed, false);
});
