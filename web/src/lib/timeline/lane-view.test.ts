import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AXIS_H, BOTTOM_PAD, LANE_H, LaneView } from './lane-view.ts';

/** A 10-row viewport (plus the axis) over lanes 100 … 1, newest first. */
function setup(n = 100): LaneView {
  const v = new LaneView();
  v.viewportH = AXIS_H + 10 * LANE_H;
  v.scrollTo(v.setLanes(Array.from({ length: n }, (_, i) => n - i)));
  return v;
}

test('the spacer makes exactly the lanes scrollable; scrolling is clamped to them', () => {
  const v = setup();
  assert.equal(v.spacerPx, 100 * LANE_H + BOTTOM_PAD - 10 * LANE_H);
  assert.equal(v.scrollTo(-50), false);
  assert.equal(v.scrollTo(1e9), true);
  assert.equal(v.scrollTop, v.spacerPx);
  assert.equal(v.scrollTo(40.4), true);
  assert.equal(v.scrollTop, 40, 'whole pixels');
});

test('new lanes above a reader who scrolled down keep their rows still; at the top, new lanes show', () => {
  const v = setup();
  v.scrollTo(20 * LANE_H);
  const top = v.ids[v.visible.first];
  v.scrollTo(v.setLanes([102, 101, ...v.ids]));
  assert.equal(v.ids[v.visible.first], top);
  const w = setup();
  w.scrollTo(w.setLanes([101, ...w.ids]));
  assert.equal(w.scrollTop, 0);
  assert.equal(w.ids[w.visible.first], 101);
});

test('fewer lanes than the scroll position: it comes back to the end of the content', () => {
  const v = setup();
  v.scrollTo(80 * LANE_H);
  v.scrollTo(v.setLanes(v.ids.slice(0, 5)));
  assert.equal(v.scrollTop, 0);
});

test('rows on screen and the page step follow the viewport', () => {
  const v = setup();
  v.scrollTo(3 * LANE_H);
  assert.deepEqual(v.visible, { first: 3, end: 13 });
  assert.equal(v.pageRows, 9);
  v.viewportH = AXIS_H + 10;
  assert.equal(v.pageRows, 1, 'never less than one row');
});

test('arrow keys move from the selection, or start at the first lane on screen', () => {
  const v = setup();
  v.scrollTo(5 * LANE_H);
  assert.equal(v.neighbour(null, 1), 95, 'no selection: the first lane in view');
  assert.equal(v.neighbour(95, 1), 94);
  assert.equal(v.neighbour(100, -1), 100, 'clamped at the top');
  assert.equal(v.neighbour(3, v.pageRows), 1, 'clamped at the bottom');
  assert.equal(v.neighbour(999, 1), 95, 'a selection without a lane starts in view');
});

test('revealing a lane scrolls as little as needed, and not at all when it is in view', () => {
  const v = setup();
  assert.equal(v.revealTop(97), 0);
  assert.equal(v.revealTop(50), 51 * LANE_H - (10 * LANE_H - BOTTOM_PAD));
  v.scrollTo(40 * LANE_H);
  assert.equal(v.revealTop(99), LANE_H);
  assert.equal(v.revealTop(12345), null);
});
