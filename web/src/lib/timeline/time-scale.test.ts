import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  clampSpan,
  clampWindow,
  DEFAULT_SPAN_MS,
  followEnd,
  makeScale,
  MAX_SPAN_MS,
  MIN_SPAN_MS,
  panWindow,
  timeOfX,
  wheelDeltaPx,
  wheelZoomFactor,
  xOfTime,
  zoomWindow,
} from './time-scale.ts';

describe('clampSpan', () => {
  for (const [input, want] of [
    [1, MIN_SPAN_MS],
    [MIN_SPAN_MS, MIN_SPAN_MS],
    [60_000, 60_000],
    [MAX_SPAN_MS * 3, MAX_SPAN_MS],
    [NaN, DEFAULT_SPAN_MS],
  ] as const) {
    test(`${input} → ${want}`, () => assert.equal(clampSpan(input), want));
  }
});

describe('zoomWindow', () => {
  const w = { endMs: 100_000, spanMs: 60_000 }; // [40 s, 100 s]

  test('keeps the anchor at the same fraction of the window', () => {
    const anchor = 55_000; // a quarter into the window
    const z = zoomWindow(w, 0.5, anchor);
    assert.equal(z.spanMs, 30_000);
    const start = z.endMs - z.spanMs;
    assert.equal((anchor - start) / z.spanMs, 0.25);
  });

  test('anchored at the right edge keeps the right edge (follow mode)', () => {
    const z = zoomWindow(w, 4, w.endMs);
    assert.equal(z.endMs, w.endMs);
    assert.equal(z.spanMs, 240_000);
  });

  test('clamps at 5 s and 24 h', () => {
    assert.equal(zoomWindow(w, 1e-6, 70_000).spanMs, MIN_SPAN_MS);
    assert.equal(zoomWindow(w, 1e6, 70_000).spanMs, MAX_SPAN_MS);
  });

  test('zoom in then out by the same factor returns to the start', () => {
    const z = zoomWindow(zoomWindow(w, 0.5, 70_000), 2, 70_000);
    assert.deepEqual(z, w);
  });
});

describe('pan, clamp and follow', () => {
  test('panWindow shifts the end only', () => {
    assert.deepEqual(panWindow({ endMs: 10_000, spanMs: 5_000 }, -2_500), { endMs: 7_500, spanMs: 5_000 });
  });

  test('clampWindow stops half a window past now and never before 0', () => {
    assert.deepEqual(clampWindow({ endMs: 500_000, spanMs: 10_000 }, 100_000), { endMs: 105_000, spanMs: 10_000 });
    assert.deepEqual(clampWindow({ endMs: -5, spanMs: 10_000 }, 100_000), { endMs: 10_000, spanMs: 10_000 });
    const ok = { endMs: 90_000, spanMs: 10_000 };
    assert.equal(clampWindow(ok, 100_000), ok);
  });

  test('followEnd leaves padPx of room right of now', () => {
    const end = followEnd(1_000_000, 60_000, 600, 30);
    assert.equal(end, 1_003_000);
    const s = makeScale({ endMs: end, spanMs: 60_000 }, 0, 600);
    assert.equal(xOfTime(s, 1_000_000), 570);
  });
});

describe('scale', () => {
  const s = makeScale({ endMs: 20_000, spanMs: 10_000 }, 200, 1000); // [10 s, 20 s] on x 200..1200

  for (const [t, x] of [
    [10_000, 200],
    [15_000, 700],
    [20_000, 1200],
    [9_000, 100],
  ] as const) {
    test(`t=${t} ↔ x=${x}`, () => {
      assert.equal(xOfTime(s, t), x);
      assert.equal(timeOfX(s, x), t);
    });
  }

  test('a zero width does not divide by zero', () => {
    const z = makeScale({ endMs: 1, spanMs: 1 }, 0, 0);
    assert.ok(Number.isFinite(xOfTime(z, 0)));
  });
});

describe('wheel', () => {
  test('line and page deltas become pixels', () => {
    assert.equal(wheelDeltaPx(3, 0, 800), 3);
    assert.equal(wheelDeltaPx(3, 1, 800), 48);
    assert.equal(wheelDeltaPx(1, 2, 800), 800);
  });
  test('zoom factor: down zooms out, up zooms in, symmetric, capped', () => {
    assert.ok(wheelZoomFactor(100) > 1);
    assert.ok(wheelZoomFactor(-100) < 1);
    assert.ok(Math.abs(wheelZoomFactor(100) * wheelZoomFactor(-100) - 1) < 1e-12);
    assert.equal(wheelZoomFactor(10_000), wheelZoomFactor(300));
  });
});
