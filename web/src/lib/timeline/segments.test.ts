import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { history } from './test-helpers.ts';
import {
  buildSegments,
  countAfterSeq,
  countUpToSeq,
  firstEndingAtOrAfter,
  firstStartingAtOrAfter,
  laneRuns,
  SegmentCache,
} from './segments.ts';

const persistent = history([
  [1_000, 'pending'],
  [2_000, 'established', 'dial-succeeded'],
  [10_000, 'failing', 'remote-closed'],
  [15_000, 'pending', 'retry'],
]);

describe('buildSegments', () => {
  test('contiguous intervals; the last one is open while live', () => {
    const segs = buildSegments(persistent);
    assert.deepEqual(
      segs.map((s) => [s.startMs, s.endMs, s.state, s.seq, s.index]),
      [
        [1_000, 2_000, 'pending', 1, 0],
        [2_000, 10_000, 'established', 2, 1],
        [10_000, 15_000, 'failing', 3, 2],
        [15_000, Infinity, 'pending', 4, 3],
      ],
    );
  });

  test('a final state is a zero-length end cap', () => {
    const segs = buildSegments(
      history([
        [0, 'pending'],
        [500, 'canceled', 'dial-refused'],
      ]),
    );
    assert.deepEqual(segs.at(-1), { startMs: 500, endMs: 500, state: 'canceled', seq: 2, index: 1 });
  });

  test('times going backwards are clamped so searches stay valid', () => {
    const segs = buildSegments(
      history([
        [1_000, 'pending'],
        [900, 'established'],
        [1_200, 'disconnected'],
      ]),
    );
    assert.deepEqual(
      segs.map((s) => [s.startMs, s.endMs]),
      [
        [1_000, 1_000],
        [1_000, 1_200],
        [1_200, 1_200],
      ],
    );
  });

  test('empty history → no segments', () => assert.deepEqual(buildSegments([]), []));
});

describe('binary searches', () => {
  const segs = buildSegments(persistent);
  for (const [t, end, start] of [
    [0, 0, 0],
    [1_500, 0, 1],
    [2_000, 0, 1],
    [2_001, 1, 2],
    [12_000, 2, 3],
    [1e9, 3, 4],
  ] as const) {
    test(`t=${t}: first ending ≥ t is ${end}, first starting ≥ t is ${start}`, () => {
      assert.equal(firstEndingAtOrAfter(segs, t), end);
      assert.equal(firstStartingAtOrAfter(segs, t), start);
    });
  }

  test('seq counting', () => {
    const h = history(
      [
        [0, 'pending'],
        [1, 'established'],
        [2, 'disconnected'],
      ],
      10,
      5,
    ); // seqs 10, 15, 20
    assert.equal(countUpToSeq(h, 9), 0);
    assert.equal(countUpToSeq(h, 15), 2);
    assert.equal(countUpToSeq(h, Infinity), 3);
    assert.equal(countAfterSeq(h, 12), 2);
    assert.equal(countAfterSeq(h, 20), 0);
  });

  test('agrees with a linear scan on a large lane', () => {
    const big = buildSegments(history(Array.from({ length: 5_000 }, (_, i) => [i * 7, i % 2 ? 'established' : 'pending'] as const)));
    for (const t of [-1, 0, 3, 7, 6_999, 20_000, 34_993, 40_000]) {
      assert.equal(
        firstEndingAtOrAfter(big, t),
        big.findIndex((s) => s.endMs >= t) === -1 ? big.length : big.findIndex((s) => s.endMs >= t),
      );
    }
  });
});

describe('SegmentCache', () => {
  test('rebuilds a lane only when its history changed', () => {
    const cache = new SegmentCache();
    const h = history([[0, 'pending']]);
    const a = cache.get(1, h);
    assert.equal(cache.get(1, h), a, 'same array while unchanged');
    assert.equal(cache.builds, 1);
    h.push({ seq: 2, at: 10, from: 'pending', to: 'established', reason: 'dial-succeeded' });
    const b = cache.get(1, h);
    assert.notEqual(b, a);
    assert.equal(b.length, 2);
    assert.equal(cache.builds, 2);
  });

  test('notices the store dropping the oldest and appending one (same length)', () => {
    const cache = new SegmentCache();
    const h = history([
      [0, 'pending'],
      [1, 'established'],
    ]);
    cache.get(7, h);
    h.shift();
    h.push({ seq: 3, at: 2, from: 'established', to: 'pending', reason: 'remote-closed' });
    assert.deepEqual(
      cache.get(7, h).map((s) => s.seq),
      [2, 3],
    );
  });

  test('prune forgets ids that are gone', () => {
    const cache = new SegmentCache();
    cache.get(1, []);
    cache.get(2, []);
    cache.prune(new Set([2]));
    assert.equal(cache.size, 1);
  });

  test('of: a lane of the model by id ([] once it is gone); trim prunes only a cache far bigger than the model', () => {
    const cache = new SegmentCache();
    const conns = new Map([[4, { history: history([[0, 'pending']]) }]]);
    assert.equal(cache.of(conns as never, 4).length, 1);
    assert.deepEqual(cache.of(conns as never, 5), []);
    for (let id = 100; id < 400; id++) cache.get(id, []);
    cache.trim(new Map(Array.from({ length: 100 }, (_, i) => [100 + i, null])));
    assert.equal(cache.size, 301, 'within 256 of the model: kept');
    cache.trim(conns);
    assert.equal(cache.size, 1);
  });
});

describe('laneRuns', () => {
  const segs = buildSegments(persistent);
  // 1 px per 100 ms; window [0 s, 20 s] on x 100..300
  const scale = { startMs: 0, spanMs: 20_000, x0: 100, widthPx: 200 };

  test('clips to the plot and ends the open segment at now', () => {
    const { runs, marks } = laneRuns(segs, scale, { nowMs: 18_000, maxSeq: Infinity });
    assert.deepEqual(
      runs.map((r) => [r.x0, r.x1, r.state]),
      [
        [110, 120, 'pending'],
        [120, 200, 'established'],
        [200, 250, 'failing'],
        [250, 280, 'pending'],
      ],
    );
    assert.deepEqual(
      marks.map((m) => m.x),
      [110, 120, 200, 250],
    );
  });

  test('only segments intersecting the window; no mark for a segment started before it', () => {
    const { runs, marks } = laneRuns(segs, { ...scale, startMs: 5_000, spanMs: 5_000 }, { nowMs: 18_000, maxSeq: Infinity });
    assert.deepEqual(
      runs.map((r) => r.state),
      ['established', 'failing'],
    );
    assert.deepEqual(
      marks.map((m) => m.segIndex),
      [2],
    );
  });

  test('a paused view hides later transitions and freezes the open end', () => {
    const { runs } = laneRuns(segs, scale, { nowMs: 12_000, maxSeq: 3 });
    assert.deepEqual(runs.map((r) => [r.x1, r.state]).at(-1), [220, 'failing']);
    assert.equal(runs.length, 3);
  });

  test('final states become caps', () => {
    const s = buildSegments(
      history([
        [1_000, 'pending'],
        [2_000, 'established'],
        [3_000, 'disconnected', 'remote-closed'],
      ]),
    );
    const { runs } = laneRuns(s, scale, { nowMs: 10_000, maxSeq: Infinity });
    assert.deepEqual(runs.at(-1), { x0: 130, x1: 130, state: 'disconnected', segIndex: 2, cap: true, merged: false });
  });

  test('zoomed out: sub-pixel segments merge per pixel and failing wins; output bounded by width', () => {
    const steps = Array.from({ length: 100_000 }, (_, i) => [i * 10, (['pending', 'established', 'failing'] as const)[i % 3]] as const);
    const big = buildSegments(history(steps));
    const wide = { startMs: 0, spanMs: 1_000_000, x0: 0, widthPx: 500 }; // 2000 ms per px → 200 segments per px
    const { runs, marks } = laneRuns(big, wide, { nowMs: 1_000_000, maxSeq: Infinity });
    assert.ok(runs.length <= 501, `runs ${runs.length}`);
    assert.ok(marks.length <= 500 / 3 + 1, `marks ${marks.length}`);
    assert.ok(runs.every((r) => r.state === 'failing' && r.merged));
  });

  test('nothing before the first transition; nothing when all are after maxSeq', () => {
    assert.equal(laneRuns(segs, { ...scale, startMs: -50_000 }, { nowMs: 0, maxSeq: Infinity }).runs.length, 0);
    assert.equal(laneRuns(segs, scale, { nowMs: 18_000, maxSeq: 0 }).runs.length, 0);
  });
});
