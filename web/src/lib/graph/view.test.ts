import assert from 'node:assert/strict';
import { test } from 'node:test';
import { approach, fitRings, MAX_FIT_ZOOM, MAX_ZOOM, MIN_ZOOM, sameTransform, toScreen, toWorld, zoomAround } from './view.ts';

const near = (a: number, b: number): boolean => Math.abs(a - b) < 1e-9;

test('toWorld and toScreen are inverse', () => {
  const t = { k: 1.7, x: 300, y: -40 };
  for (const [x, y] of [
    [0, 0],
    [12.5, -99],
    [-400, 3],
  ] as const) {
    const s = toScreen(t, x, y);
    const w = toWorld(t, s.x, s.y);
    assert.ok(near(w.x, x) && near(w.y, y));
  }
});

test('zoomAround keeps the point under the pointer fixed and clamps k', () => {
  const t = { k: 1, x: 100, y: 50 };
  const z = zoomAround(t, 400, 300, 2);
  assert.equal(z.k, 2);
  const before = toWorld(t, 400, 300);
  const after = toWorld(z, 400, 300);
  assert.ok(near(before.x, after.x) && near(before.y, after.y));
  assert.equal(zoomAround(t, 0, 0, 1e6).k, MAX_ZOOM);
  assert.equal(zoomAround(t, 0, 0, 1e-6).k, MIN_ZOOM);
});

test('fitRings centres the origin and fits the tightest ring', () => {
  const f = fitRings(
    [
      { world: 400, px: 20 },
      { world: 200, px: 120 },
    ],
    1000,
    600,
    40,
  );
  assert.deepEqual([f.x, f.y], [500, 300]);
  const avail = 300 - 40;
  assert.ok(near(f.k, Math.min((avail - 20) / 400, (avail - 120) / 200)));
  for (const r of [
    { world: 400, px: 20 },
    { world: 200, px: 120 },
  ]) {
    assert.ok(r.world * f.k + r.px <= avail + 1e-9);
  }
  assert.equal(fitRings([{ world: 10, px: 0 }], 1000, 1000).k, MAX_FIT_ZOOM, 'small graphs are not blown up');
  // Labels wider than the pane no longer collapse the zoom: the rings keep 55% of the radius.
  const short = fitRings([{ world: 100, px: 5000 }], 100, 100);
  assert.ok(near(short.k, ((50 - 24) * 0.55) / 100), `k ${short.k}`);
  assert.ok(short.k > MIN_ZOOM);
});

test('approach converges and snaps when close', () => {
  let a = { k: 1, x: 0, y: 0 };
  const b = { k: 2, x: 100, y: -50 };
  for (let i = 0; i < 200 && !sameTransform(a, b); i++) a = approach(a, b, 0.2);
  assert.ok(sameTransform(a, b));
});
