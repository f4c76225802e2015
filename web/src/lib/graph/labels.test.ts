import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prng as mulberry32 } from '../../dev/prng.ts';
import {
  boxesOverlap,
  boxInside,
  corners,
  labelFonts,
  placeCaptions,
  placeLabels,
  placePills,
  rectBox,
  TextWidths,
  type Box,
  type CaptionRequest,
  type LabelRequest,
} from './labels.ts';
import { fakeMeasure } from './test-fixtures.ts';

const fonts = labelFonts('sans-serif');

test('boxesOverlap: axis-aligned boxes overlap, touch or stand apart', () => {
  const a = rectBox({ x: 0, y: 0, w: 10, h: 10 });
  assert.equal(boxesOverlap(a, rectBox({ x: 5, y: 5, w: 10, h: 10 })), true);
  assert.equal(boxesOverlap(a, rectBox({ x: 10, y: 0, w: 10, h: 10 })), false, 'touching is not overlapping');
  assert.equal(boxesOverlap(a, rectBox({ x: 10.5, y: 0, w: 10, h: 10 }), 1), true, 'closer than the gap');
  assert.equal(boxesOverlap(a, rectBox({ x: 0, y: 30, w: 10, h: 10 })), false);
  assert.equal(boxesOverlap(a, rectBox({ x: 2, y: 2, w: 2, h: 2 })), true, 'one inside the other');
});

test('boxesOverlap: rotated boxes are tested on their own axes, not their bounding boxes', () => {
  // Two parallel strips at 45°, 10 px apart: their bounding boxes overlap, the strips do not.
  const a: Box = { cx: 0, cy: 0, hw: 50, hh: 4, angle: Math.PI / 4 };
  const b: Box = { cx: -7.07, cy: 7.07, hw: 50, hh: 4, angle: Math.PI / 4 };
  assert.equal(boxesOverlap(a, b), false);
  // Crossing strips (an X) overlap.
  assert.equal(boxesOverlap(a, { cx: 0, cy: 0, hw: 50, hh: 4, angle: -Math.PI / 4 }), true);
  // Symmetric.
  const c: Box = { cx: 40, cy: 30, hw: 20, hh: 6, angle: 0.3 };
  assert.equal(boxesOverlap(a, c), boxesOverlap(c, a));
});

test('boxesOverlap agrees with a brute-force point sample on random boxes', () => {
  const rnd = mulberry32(11);
  const inside = (b: Box, x: number, y: number): boolean => {
    const dx = x - b.cx;
    const dy = y - b.cy;
    const u = dx * Math.cos(b.angle) + dy * Math.sin(b.angle);
    const v = -dx * Math.sin(b.angle) + dy * Math.cos(b.angle);
    return Math.abs(u) < b.hw && Math.abs(v) < b.hh;
  };
  const box = (): Box => ({ cx: rnd() * 60, cy: rnd() * 60, hw: 2 + rnd() * 25, hh: 2 + rnd() * 8, angle: rnd() * Math.PI * 2 });
  let overlaps = 0;
  for (let i = 0; i < 300; i++) {
    const a = box();
    const b = box();
    // A sampled point inside both proves an overlap; none found on a fine grid (within a
    // tolerance band) must agree with "no overlap".
    let shared = false;
    for (let x = -30; x <= 90 && !shared; x += 0.5)
      for (let y = -30; y <= 90 && !shared; y += 0.5) shared = inside(a, x, y) && inside(b, x, y);
    if (shared) {
      overlaps++;
      assert.equal(boxesOverlap(a, b), true, JSON.stringify({ a, b }));
    } else if (boxesOverlap(a, b)) {
      // SAT says overlap but the grid found no shared point: only allowed for slivers thinner than the grid.
      const shrink = (x: Box): Box => ({ ...x, hw: x.hw - 0.75, hh: x.hh - 0.75 });
      assert.equal(boxesOverlap(shrink(a), shrink(b)), false, JSON.stringify({ a, b }));
    }
  }
  assert.ok(overlaps > 20, `the sample has overlapping pairs (${overlaps})`);
});

test('boxInside checks every corner', () => {
  const pane = { x: 0, y: 0, w: 100, h: 100 };
  assert.equal(boxInside(rectBox({ x: 10, y: 10, w: 20, h: 20 }), pane), true);
  assert.equal(boxInside({ cx: 90, cy: 50, hw: 20, hh: 2, angle: 0 }, pane), false);
  assert.equal(boxInside({ cx: 50, cy: 50, hw: 49, hh: 2, angle: Math.PI / 4 }, pane), true);
  assert.equal(corners({ cx: 0, cy: 0, hw: 1, hh: 1, angle: 0 }).length, 4);
});

test('TextWidths measures each string once per font, and forgets past its limit', () => {
  let calls = 0;
  const widths = new TextWidths((t, f) => {
    calls++;
    return fakeMeasure(t, f);
  }, 3);
  assert.equal(widths.width('127.0.0.1:9001', fonts.label), 98);
  for (let i = 0; i < 100; i++) widths.width('127.0.0.1:9001', fonts.label);
  assert.equal(calls, 1);
  widths.width('127.0.0.1:9001', fonts.caption); // another font is another measurement
  assert.equal(calls, 2);
  widths.width('a', fonts.label);
  widths.width('b', fonts.label); // past the limit: the cache starts over
  widths.width('127.0.0.1:9001', fonts.label);
  assert.equal(calls, 5);
  assert.equal(widths.measured, 5);
  widths.clear();
  widths.width('b', fonts.label);
  assert.equal(calls, 6);
});

/** Asserts that no two boxes in `boxes` overlap. */
function assertDisjoint(boxes: readonly { box: Box; what: string }[], context: string): void {
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      if (boxesOverlap(boxes[i]!.box, boxes[j]!.box)) assert.fail(`${context}: ${boxes[i]!.what} overlaps ${boxes[j]!.what}`);
    }
  }
}

test('placeLabels never overlaps, whatever the positions (random crowds, with blockers)', () => {
  const rnd = mulberry32(5);
  const widths = new TextWidths(fakeMeasure);
  for (let round = 0; round < 60; round++) {
    const bounds = { x: 0, y: 0, w: 200 + rnd() * 900, h: 200 + rnd() * 600 };
    const n = 1 + Math.floor(rnd() * 120);
    const requests: LabelRequest[] = [];
    for (let i = 0; i < n; i++) {
      requests.push({
        id: i,
        x: rnd() * bounds.w,
        y: rnd() * bounds.h,
        angle: rnd() * Math.PI * 2,
        gap: 8 + rnd() * 8,
        text: `127.0.0.1:${Math.floor(rnd() * 60000)}`,
        sub: rnd() < 0.4 ? `retry in ${Math.floor(rnd() * 30)}s` : null,
      });
    }
    const blockers = [rectBox({ x: bounds.w / 2 - 40, y: 10, w: 80, h: 16 }), rectBox({ x: bounds.w - 130, y: 10, w: 120, h: 30 })];
    const placed = placeLabels(requests, bounds, blockers, widths, fonts);
    assert.ok(placed.length > 0, 'something is labelled');
    for (const p of placed) {
      assert.ok(boxInside(p.box, bounds), `label ${p.id} inside the pane`);
      for (const b of blockers) assert.equal(boxesOverlap(p.box, b), false, `label ${p.id} clear of a blocker`);
    }
    assertDisjoint(
      placed.map((p) => ({ box: p.box, what: `label ${p.id}` })),
      `round ${round}`,
    );
  }
});

test('placeLabels keeps the countdown line when it fits, drops it before dropping the label', () => {
  const widths = new TextWidths(fakeMeasure);
  const bounds = { x: 0, y: 0, w: 800, h: 600 };
  const one: LabelRequest = { id: 1, x: 400, y: 300, angle: 0, gap: 10, text: '127.0.0.1:9001', sub: 'retry in 3s' };
  assert.equal(placeLabels([one], bounds, [], widths, fonts)[0]?.sub, 'retry in 3s');
  // A neighbour 20 px below on a parallel ray: two lines (30 px) would touch it, one line fits.
  const two: LabelRequest = { ...one, id: 2, y: 321, sub: null };
  const placed = placeLabels([two, one], bounds, [], widths, fonts);
  assert.deepEqual(
    placed.map((p) => [p.id, p.sub]),
    [
      [2, null],
      [1, null],
    ],
  );
  // 10 px apart: the second is hidden.
  assert.deepEqual(
    placeLabels([two, { ...one, y: 311 }], bounds, [], widths, fonts).map((p) => p.id),
    [2],
  );
});

test('placeCaptions keeps captions inside the pane and clear of each other and of overlays', () => {
  const widths = new TextWidths(fakeMeasure);
  const bounds = { x: 0, y: 0, w: 300, h: 200 };
  const req = (key: string, x: number, y: number, align: CaptionRequest['align'] = 'left'): CaptionRequest => ({
    key,
    text: `${key} 8/8 outbound`,
    font: fonts.caption,
    x,
    y,
    align,
    baseline: 'bottom',
  });
  const overlay = rectBox({ x: 200, y: 0, w: 100, h: 40 });
  const placed = placeCaptions(
    [req('a', 60, 30), req('b', 70, 32), req('c', -50, -40), req('d', 250, 20, 'right')],
    bounds,
    [overlay],
    widths,
  );
  assert.equal(placed.length, 4);
  for (const p of placed) {
    assert.ok(boxInside(p.box, bounds), `${p.key} inside`);
    assert.equal(boxesOverlap(p.box, overlay), false, `${p.key} clear of the overlay`);
  }
  assertDisjoint(
    placed.map((p) => ({ box: p.box, what: p.key })),
    'captions',
  );
  // An unobstructed caption stays exactly where it asked to be.
  assert.deepEqual([placed[0]!.x, placed[0]!.y], [60, 30]);
});

test('placePills prefers the outer side and avoids captions', () => {
  const widths = new TextWidths(fakeMeasure);
  const bounds = { x: 0, y: 0, w: 600, h: 400 };
  const lines = [{ text: '127.0.0.1:9001', font: fonts.pillTitle, kind: 'title' as const }];
  const [right] = placePills([{ id: 1, x: 300, y: 200, angle: 0, gap: 10, lines }], bounds, [], widths);
  assert.ok(right!.rect.x > 300, 'outer side (right) first');
  const [left] = placePills([{ id: 1, x: 300, y: 200, angle: Math.PI, gap: 10, lines }], bounds, [], widths);
  assert.ok(left!.rect.x + left!.rect.w < 300, 'outer side (left) for a peer on the left');
  const block = rectBox({ x: 305, y: 180, w: 200, h: 40 });
  const [moved] = placePills([{ id: 1, x: 300, y: 200, angle: 0, gap: 10, lines }], bounds, [block], widths);
  assert.equal(boxesOverlap(moved!.box, block), false);
});
