import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MINI_MAX_DOTS, dotLayout, ellipsePoints, sparkline } from './mini-layout.ts';

/** The closest two dots' centres. */
function closest(dots: readonly { x: number; y: number }[]): number {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < dots.length; i += 1)
    for (let j = i + 1; j < dots.length; j += 1) min = Math.min(min, Math.hypot(dots[i]!.x - dots[j]!.x, dots[i]!.y - dots[j]!.y));
  return min;
}

test('dotLayout: one dot per connection around the hub, states in order, all inside the box', () => {
  const l = dotLayout({ established: 5, pending: 2, failing: 1 }, 120, 40);
  assert.deepEqual(l.hub, { x: 60, y: 20 });
  assert.equal(l.perDot, 1);
  assert.deepEqual(
    l.dots.map((d) => d.state),
    ['established', 'established', 'established', 'established', 'established', 'pending', 'pending', 'failing'],
  );
  assert.equal(l.r, 4);
  assert.ok(closest(l.dots) >= 2 * l.r, 'no two dots overlap');
  // A few connections reach out to the box's edge (one ring, as wide as the box).
  assert.equal(Math.round(Math.max(...l.dots.map((d) => d.y))), 40 - l.r);
  assert.equal(Math.round(Math.max(...l.dots.map((d) => d.x))), 120 - l.r);
  for (const d of l.dots) assert.ok(d.x - l.r >= 0 && d.x + l.r <= 120 && d.y - l.r >= 0 && d.y + l.r <= 40, JSON.stringify(d));
});

test('dotLayout: 200 connections fit a card without overlapping; past MINI_MAX_DOTS a dot stands for several', () => {
  const fit = dotLayout({ established: 150, pending: 30, failing: 20 }, 260, 80);
  assert.equal(fit.dots.length, 200);
  assert.ok(fit.r >= 1.5, `dots of ${fit.r} px`);
  assert.ok(closest(fit.dots) >= 2 * fit.r - 0.05, `closest ${closest(fit.dots)} for r ${fit.r}`);
  for (const d of fit.dots) assert.ok(d.x - fit.r >= 0 && d.x + fit.r <= 260 && d.y - fit.r >= 0 && d.y + fit.r <= 80, JSON.stringify(d));
  const big = dotLayout({ established: 1000, pending: 0, failing: 10 }, 200, 56);
  assert.equal(big.perDot, Math.ceil(1010 / MINI_MAX_DOTS));
  assert.ok(big.dots.length <= MINI_MAX_DOTS);
  // A state with any connection keeps at least one dot (a single failing one is not rounded away).
  assert.equal(big.dots.filter((d) => d.state === 'failing').length, Math.ceil(10 / big.perDot));
});

test('dotLayout: nothing to draw', () => {
  assert.deepEqual(dotLayout({ established: 0, pending: 0, failing: 0 }, 100, 40).dots, []);
  assert.deepEqual(dotLayout({ established: 3, pending: 0, failing: 0 }, 0, 40).dots, []);
});

test('ellipsePoints: equal steps along a wide ellipse, from the top', () => {
  const pts = ellipsePoints(0, 0, 100, 20, 8);
  assert.deepEqual(
    pts[0]!.map((v) => Math.round(v)),
    [0, -20],
  );
  const steps = pts.map((p, i) => {
    const q = pts[(i + 1) % pts.length]!;
    return Math.hypot(q[0] - p[0], q[1] - p[1]);
  });
  // Chords of equal arcs: on a 5:1 ellipse equal angles would differ by more than 3×.
  assert.ok(Math.max(...steps) / Math.min(...steps) < 1.3, steps.map((x) => x.toFixed(1)).join(' '));
});

test('sparkline: newest at the right edge, scaled to the largest value', () => {
  assert.deepEqual(sparkline([], 100, 20), []);
  assert.deepEqual(sparkline([3], 100, 20), [[100, 0]]);
  assert.deepEqual(sparkline([0, 2, 4], 100, 20), [
    [0, 20],
    [50, 10],
    [100, 0],
  ]);
  // All zero: a flat line at the bottom, not a division by zero.
  assert.deepEqual(sparkline([0, 0], 10, 20), [
    [0, 20],
    [10, 20],
  ]);
});
