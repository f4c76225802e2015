/**
 * What is under a point of the timeline canvas. Pure: no DOM; the component passes the layout.
 */
import type { Segment } from './segments.ts';
import { countUpToSeq, firstEndingAtOrAfter, firstStartingAtOrAfter, isFinalState } from './segments.ts';
import type { TimeScale } from './time-scale.ts';
import { timeOfX } from './time-scale.ts';

/** Geometry of one frame, CSS px relative to the canvas. */
export interface TimelineLayout {
  /** Height of the time axis band at the top. */
  axisHeight: number;
  /** Width of the lane label column at the left (the plot starts there). */
  labelWidth: number;
  laneHeight: number;
  /** Pixels of lanes scrolled off the top. */
  scrollTop: number;
  /** Canvas size. */
  width: number;
  height: number;
}

export type TimelineHit =
  | { kind: 'axis'; timeMs: number }
  | { kind: 'label'; laneIndex: number; id: number }
  | {
      kind: 'plot';
      laneIndex: number;
      id: number;
      timeMs: number;
      /** Segment under the point, -1 if none (before the first transition or after `now`). */
      segIndex: number;
      /** Segment whose starting transition is within `markTolPx` of the point, -1 if none. */
      markIndex: number;
    }
  | { kind: 'empty' };

export interface HitOptions {
  nowMs: number;
  maxSeq: number;
  /** How far from a tick still counts as on it. @default 5 */
  markTolPx?: number;
}

/** Row index at canvas `y`, or -1 above the lanes or below the last one. */
export function laneAt(y: number, layout: TimelineLayout, laneCount: number): number {
  if (y < layout.axisHeight) return -1;
  const i = Math.floor((y - layout.axisHeight + layout.scrollTop) / layout.laneHeight);
  return i >= 0 && i < laneCount ? i : -1;
}

/** Segment index containing `tMs` (using the frame's now/maxSeq for the open end), or -1. */
export function segmentAt(segs: readonly Segment[], tMs: number, nowMs: number, maxSeq: number): number {
  const limit = countUpToSeq(segs, maxSeq);
  const i = Math.min(firstEndingAtOrAfter(segs, tMs), limit - 1);
  if (i < 0) return -1;
  const seg = segs[i]!;
  if (seg.startMs > tMs) return -1;
  if (isFinalState(seg.state)) return seg.startMs === tMs ? i : -1;
  const end = i + 1 < limit ? seg.endMs : Math.min(seg.endMs, nowMs);
  return tMs <= end ? i : -1;
}

/** Segment whose start lies within `[tMs - tolMs, tMs + tolMs]`, nearest first, or -1. */
export function markNear(segs: readonly Segment[], tMs: number, tolMs: number, maxSeq: number): number {
  const limit = countUpToSeq(segs, maxSeq);
  const i = firstStartingAtOrAfter(segs, tMs - tolMs);
  let best = -1;
  let bestD = Infinity;
  for (let j = i; j < limit && segs[j]!.startMs <= tMs + tolMs; j++) {
    const d = Math.abs(segs[j]!.startMs - tMs);
    if (d < bestD) {
      best = j;
      bestD = d;
    }
  }
  return best;
}

/** What is at canvas point (x, y). `segmentsOf` returns the cached segments of a lane. */
export function hitTest(
  x: number,
  y: number,
  layout: TimelineLayout,
  ids: readonly number[],
  scale: TimeScale,
  segmentsOf: (id: number) => readonly Segment[],
  opts: HitOptions,
): TimelineHit {
  if (x < 0 || y < 0 || x > layout.width || y > layout.height) return { kind: 'empty' };
  if (y < layout.axisHeight) return { kind: 'axis', timeMs: timeOfX(scale, x) };
  const laneIndex = laneAt(y, layout, ids.length);
  if (laneIndex < 0) return { kind: 'empty' };
  const id = ids[laneIndex]!;
  if (x < layout.labelWidth) return { kind: 'label', laneIndex, id };
  const timeMs = timeOfX(scale, x);
  const segs = segmentsOf(id);
  const tolMs = ((opts.markTolPx ?? 5) * scale.spanMs) / scale.widthPx;
  return {
    kind: 'plot',
    laneIndex,
    id,
    timeMs,
    segIndex: segmentAt(segs, timeMs, opts.nowMs, opts.maxSeq),
    markIndex: markNear(segs, timeMs, tolMs, opts.maxSeq),
  };
}
