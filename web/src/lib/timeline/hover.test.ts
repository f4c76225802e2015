import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnView } from '../model/types.ts';
import type { TimelineHit } from './hit-test.ts';
import { cursorOf, hoverOf, NO_HOVER, sameHighlight, tapSelection, tipStyle } from './hover.ts';
import { buildSegments } from './segments.ts';
import { conn, history } from './test-helpers.ts';

const h = history([
  [1_000, 'pending'],
  [2_000, 'established'],
  [10_000, 'failing', 'remote-reset'],
]);
const conns = new Map<number, ConnView>([[7, conn(7, h)]]);
const segs = buildSegments(h);
const segmentsOf = (): typeof segs => segs;
const plot = (over: Partial<Extract<TimelineHit, { kind: 'plot' }>>): TimelineHit => ({
  kind: 'plot',
  laneIndex: 0,
  id: 7,
  timeMs: 5_000,
  segIndex: -1,
  markIndex: -1,
  ...over,
});

test('a mark under the pointer is highlighted and its transition is the tooltip', () => {
  const hv = hoverOf(plot({ markIndex: 2, segIndex: 2, timeMs: 10_000 }), 300, 90, conns, segmentsOf, 20_000);
  assert.deepEqual(hv.mark, { id: 7, segIndex: 2 });
  assert.equal(hv.tip?.title, '#7 outbound 127.0.0.1:9007');
  assert.match(hv.tip!.text, /established → failing: remote-reset$/);
  assert.equal(hv.tip?.rule, undefined, 'a transition without a rule id (older server) has no rule line');
});

test("a mark whose transition names its rule says the rule, with the configuration's numbers", () => {
  const ruled = history([[1_000, 'pending']]);
  ruled.push({
    seq: 2,
    at: 2_000,
    from: 'pending',
    to: 'failing',
    reason: 'dial-refused',
    rule: 'persistent-backoff',
    attempt: 1,
    retryAt: 7_000,
  });
  const c = new Map<number, ConnView>([[7, conn(7, ruled)]]);
  const s = buildSegments(ruled);
  const hv = hoverOf(plot({ markIndex: 1, segIndex: 1, timeMs: 2_000 }), 0, 0, c, () => s, 3_000, {
    backoff: 'linear',
    retryDelayMs: 5_000,
    maxRetryDelayMs: 60_000,
    maxFailedAttempts: 25,
    maxInbound: 8,
    inboundPolicy: 'shed',
    idleTimeoutMs: 0,
    dialTimeoutMs: 5_000,
    targetOutbound: 8,
  });
  assert.equal(hv.tip?.rule, 'attempt 1: next try in 5.0 s (5.0 s = 1 × 5.0 s).');
});

test('a segment under the pointer says how long it lasted, or lasts up to the given now', () => {
  assert.match(hoverOf(plot({ segIndex: 1 }), 0, 0, conns, segmentsOf, 20_000).tip!.text, /^established lasted 8 s, since /);
  const open = hoverOf(plot({ segIndex: 2, timeMs: 12_000 }), 0, 0, conns, segmentsOf, 16_000);
  assert.match(open.tip!.text, /^failing for 6 s, since .* \(now\)$/);
  assert.equal(open.mark, null);
});

test('a label highlights the lane without a tooltip; nothing, or a lane that is gone, highlights nothing', () => {
  assert.deepEqual(hoverOf({ kind: 'label', laneIndex: 0, id: 7 }, 0, 0, conns, segmentsOf, 0), { id: 7, mark: null, tip: null });
  assert.deepEqual(hoverOf({ kind: 'empty' }, 0, 0, conns, segmentsOf, 0), NO_HOVER);
  assert.deepEqual(hoverOf({ kind: 'axis', timeMs: 0 }, 0, 0, conns, segmentsOf, 0), NO_HOVER);
  assert.equal(hoverOf(plot({ id: 8, segIndex: 1 }), 0, 0, conns, segmentsOf, 0).tip, null);
});

test('the canvas repaints only when the highlight changes, not when the tooltip moves', () => {
  const a = hoverOf(plot({ segIndex: 1 }), 10, 10, conns, segmentsOf, 20_000);
  const b = hoverOf(plot({ segIndex: 1, timeMs: 6_000 }), 30, 10, conns, segmentsOf, 20_000);
  assert.equal(sameHighlight(a, b), true);
  assert.equal(sameHighlight(a, hoverOf(plot({ markIndex: 1 }), 10, 10, conns, segmentsOf, 0)), false);
  assert.equal(sameHighlight(a, NO_HOVER), false);
});

test('cursor: labels select, the plot drags', () => {
  assert.equal(cursorOf({ kind: 'label', laneIndex: 0, id: 7 }), 'pointer');
  assert.equal(cursorOf(plot({})), 'grab');
  assert.equal(cursorOf({ kind: 'empty' }), 'default');
});

test('the tooltip goes left of the pointer over the right half, and below it near the axis', () => {
  const tip = { title: '', text: '' };
  assert.equal(tipStyle({ ...tip, x: 300, y: 200 }, 200, 1000, 32), 'left: 314px; top: 142px');
  assert.equal(tipStyle({ ...tip, x: 900, y: 40 }, 200, 1000, 32), 'right: 114px; top: 58px');
});

test('a tap selects the lane under it, clears on empty canvas, and leaves the selection on the axis', () => {
  assert.equal(tapSelection(plot({})), 7);
  assert.equal(tapSelection({ kind: 'label', laneIndex: 0, id: 7 }), 7);
  assert.equal(tapSelection({ kind: 'empty' }), null);
  assert.equal(tapSelection({ kind: 'axis', timeMs: 0 }), undefined);
});
