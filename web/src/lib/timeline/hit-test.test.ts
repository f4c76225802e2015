import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { history } from './test-helpers.ts';
import { hitTest, laneAt, markNear, segmentAt, type TimelineLayout } from './hit-test.ts';
import { buildSegments } from './segments.ts';
import { makeScale } from './time-scale.ts';

const segs = buildSegments(
  history([
    [1_000, 'pending'],
    [2_000, 'established'],
    [10_000, 'failing'],
    [15_000, 'pending'],
  ]),
);

describe('segmentAt / markNear', () => {
  for (const [t, want] of [
    [500, -1],
    [1_500, 0],
    [2_000, 0],
    [9_999, 1],
    [16_000, 3],
    [25_000, -1], // after now
  ] as const) {
    test(`t=${t} → ${want}`, () => assert.equal(segmentAt(segs, t, 20_000, Infinity), want));
  }
  test('paused: a later segment is not hit; the frozen one ends at the frozen now', () => {
    assert.equal(segmentAt(segs, 16_000, 12_000, 3), -1);
    assert.equal(segmentAt(segs, 11_000, 12_000, 3), 2);
  });
  test('a final cap is hit only at its time', () => {
    const s = buildSegments(
      history([
        [0, 'pending'],
        [100, 'canceled'],
      ]),
    );
    assert.equal(segmentAt(s, 100, 1_000, Infinity), 0);
    assert.equal(segmentAt(s, 101, 1_000, Infinity), -1);
  });
  test('nearest tick within tolerance', () => {
    assert.equal(markNear(segs, 10_300, 500, Infinity), 2);
    assert.equal(markNear(segs, 1_600, 500, Infinity), 1);
    assert.equal(markNear(segs, 6_000, 500, Infinity), -1);
    assert.equal(markNear(segs, 15_100, 500, 3), -1);
  });
});

describe('hitTest', () => {
  const layout: TimelineLayout = { axisHeight: 30, labelWidth: 200, laneHeight: 28, scrollTop: 14, width: 1200, height: 300 };
  const ids = [3, 2, 1];
  const scale = makeScale({ endMs: 20_000, spanMs: 20_000 }, 200, 1000); // 20 ms per px
  const of = (id: number) => (id === 2 ? segs : []);
  const opts = { nowMs: 20_000, maxSeq: Infinity };

  test('axis band', () => assert.equal(hitTest(500, 10, layout, ids, scale, of, opts).kind, 'axis'));
  test('label column selects the lane', () => {
    // y=60: 60-30+14 = 44 → row 1 → id 2
    assert.deepEqual(hitTest(50, 60, layout, ids, scale, of, opts), { kind: 'label', laneIndex: 1, id: 2 });
  });
  test('plot: segment and nearby tick', () => {
    const h = hitTest(200 + 10_000 / 20 + 2, 60, layout, ids, scale, of, opts);
    assert.equal(h.kind, 'plot');
    if (h.kind === 'plot') {
      assert.equal(h.id, 2);
      assert.equal(h.segIndex, 2);
      assert.equal(h.markIndex, 2);
    }
  });
  test('below the last lane and outside the canvas are empty', () => {
    assert.equal(laneAt(30 + 3 * 28 - 14 + 1, layout, 3), -1);
    assert.equal(hitTest(500, 290, layout, ids, scale, of, opts).kind, 'empty');
    assert.equal(hitTest(-1, 60, layout, ids, scale, of, opts).kind, 'empty');
  });
});
