/**
 * Lanes: which connections get a row, in which order, and which rows are on screen.
 * Pure: no DOM, no Svelte.
 *
 * Order: newest id at the top. The default scroll position (the top) then shows the latest
 * activity, and a persistent peer keeps its row (its id never changes across reconnects).
 * When new lanes arrive above a reader who scrolled down, `anchoredScrollTop` keeps the rows
 * they were looking at still.
 */
import type { ConnView } from '../model/types.ts';
import { countAfterSeq } from './segments.ts';

export interface LaneScan {
  /** Ids of the rows to show, newest (largest id) first. */
  ids: number[];
  /** Transitions with seq > `maxSeq` among connections that pass the filter (0 when live). */
  newCount: number;
}

/**
 * One pass over the model: filter with `matches`, hide connections whose first known transition
 * is newer than `maxSeq` (they appeared after a pause), count what arrived after `maxSeq`.
 * O(n) plus O(log h) per connection when paused; sorting is skipped when the Map's insertion
 * order is already id order (the usual case: ids are monotonic).
 */
export function scanLanes(conns: ReadonlyMap<number, ConnView>, matches: (c: ConnView) => boolean, maxSeq: number): LaneScan {
  const ids: number[] = [];
  let newCount = 0;
  let ascending = true;
  let prev = -Infinity;
  const paused = maxSeq !== Infinity;
  for (const c of conns.values()) {
    if (!matches(c)) continue;
    const h = c.history;
    if (paused) {
      newCount += countAfterSeq(h, maxSeq);
      if (h.length === 0 || h[0]!.seq > maxSeq) continue;
    }
    if (c.id < prev) ascending = false;
    prev = c.id;
    ids.push(c.id);
  }
  if (ascending) ids.reverse();
  else ids.sort((a, b) => b - a);
  return { ids, newCount };
}

/** Rows `[first, end)` that intersect the viewport, plus `overscan` rows either side. */
export function visibleRange(
  scrollTop: number,
  viewportPx: number,
  laneHeight: number,
  count: number,
  overscan = 0,
): { first: number; end: number } {
  const first = Math.max(0, Math.floor(scrollTop / laneHeight) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + viewportPx) / laneHeight) + overscan);
  return { first: Math.min(first, count), end: Math.max(end, Math.min(first, count)) };
}

/** Largest valid scrollTop for `count` rows in a `viewportPx`-tall viewport. */
export function maxScrollTop(viewportPx: number, laneHeight: number, count: number): number {
  return Math.max(0, count * laneHeight - viewportPx);
}

/** The scrollTop that brings row `index` fully into view, moving as little as possible. */
export function revealScrollTop(index: number, scrollTop: number, viewportPx: number, laneHeight: number): number {
  const top = index * laneHeight;
  const bottom = top + laneHeight;
  if (top < scrollTop) return top;
  if (bottom > scrollTop + viewportPx) return Math.max(0, bottom - viewportPx);
  return scrollTop;
}

/**
 * Scroll anchoring: the scrollTop that keeps the row at the top of the viewport (in `prevIds`)
 * at the same screen position after the list became `indexOf`. At the very top, stay at the top
 * (that is where new lanes appear). If the anchor row is gone, keep `scrollTop`.
 */
export function anchoredScrollTop(
  prevIds: readonly number[],
  indexOf: ReadonlyMap<number, number>,
  scrollTop: number,
  laneHeight: number,
): number {
  if (scrollTop <= 0) return 0;
  const prevIndex = Math.floor(scrollTop / laneHeight);
  const anchorId = prevIds[prevIndex];
  if (anchorId === undefined) return scrollTop;
  const next = indexOf.get(anchorId);
  if (next === undefined) return scrollTop;
  return scrollTop + (next - prevIndex) * laneHeight;
}

/**
 * The lane `delta` rows from `selectedId` (ArrowUp = -1, ArrowDown = +1), clamped to the ends.
 * With no selection, or a selection that is filtered out, it is `fallbackIndex` (the first row on
 * screen). `null` when there are no rows.
 */
export function neighbourLane(
  ids: readonly number[],
  indexOf: ReadonlyMap<number, number>,
  selectedId: number | null,
  delta: number,
  fallbackIndex = 0,
): number | null {
  if (ids.length === 0) return null;
  const cur = selectedId === null ? undefined : indexOf.get(selectedId);
  const i = cur === undefined ? fallbackIndex : cur + delta;
  return ids[Math.max(0, Math.min(ids.length - 1, i))]!;
}

/** id → row index for `ids`. */
export function indexLanes(ids: readonly number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (let i = 0; i < ids.length; i++) m.set(ids[i]!, i);
  return m;
}

/** The label column's width on a wide timeline (icon, id and a full address). */
export const LABEL_WIDTH_PX = 264;

/**
 * The label column's width for a timeline `width` px wide: the full column when there is room,
 * else about 42% of it (never under 150 px), so a phone keeps most of its width for the plot
 * instead of a 264 px column and a sliver of time.
 */
export function laneLabelWidth(width: number): number {
  if (width >= 720) return LABEL_WIDTH_PX;
  return Math.min(LABEL_WIDTH_PX, Math.max(150, Math.round(width * 0.42)));
}
