/**
 * Segments: a connection's history as contiguous state intervals, a cache that rebuilds a lane
 * only when its history changed, and the per-frame reduction of a lane to pixel runs and marks.
 * Pure: no DOM, no Svelte.
 *
 * Why segments and binary search: a lane may hold hundreds of transitions and the timeline
 * thousands of lanes; a frame draws only the ~50 visible lanes and, in each, only the segments
 * that intersect the window, found in O(log n).
 */
import type { ConnState, ConnView, Transition } from '../model/types.ts';

/** One stretch of time in one state. `endMs` is the next transition's time, `Infinity` while
 * ongoing, and `startMs` itself for a final state (disconnected/canceled: drawn as an end cap). */
export interface Segment {
  readonly startMs: number;
  readonly endMs: number;
  readonly state: ConnState;
  /** Seq of the transition that started it. */
  readonly seq: number;
  /** Index of that transition in the history the segment was built from. */
  readonly index: number;
}

export function isFinalState(s: ConnState): boolean {
  return s === 'disconnected' || s === 'canceled';
}

/**
 * Segments of `history` (oldest first). Times are made non-decreasing (a transition stamped
 * earlier than its predecessor — clock adjustments — is drawn at its predecessor's time) so the
 * binary searches below stay valid.
 */
export function buildSegments(history: readonly Transition[]): Segment[] {
  const n = history.length;
  const out: Segment[] = new Array<Segment>(n);
  let prev = -Infinity;
  const starts = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    prev = Math.max(prev, history[i]!.at);
    starts[i] = prev;
  }
  for (let i = 0; i < n; i++) {
    const t = history[i]!;
    const startMs = starts[i]!;
    const endMs = i + 1 < n ? starts[i + 1]! : isFinalState(t.to) ? startMs : Infinity;
    out[i] = { startMs, endMs, state: t.to, seq: t.seq, index: i };
  }
  return out;
}

/** First index whose `endMs >= tMs` (segments.length when none). */
export function firstEndingAtOrAfter(segs: readonly Segment[], tMs: number): number {
  let lo = 0;
  let hi = segs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (segs[mid]!.endMs < tMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose `startMs >= tMs` (segments.length when none). */
export function firstStartingAtOrAfter(segs: readonly Segment[], tMs: number): number {
  let lo = 0;
  let hi = segs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (segs[mid]!.startMs < tMs) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many leading items have `seq <= maxSeq` (items are in seq order). */
export function countUpToSeq(items: readonly { readonly seq: number }[], maxSeq: number): number {
  if (maxSeq === Infinity) return items.length;
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (items[mid]!.seq <= maxSeq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Transitions in `history` with `seq > afterSeq`, in O(log n). */
export function countAfterSeq(history: readonly Transition[], afterSeq: number): number {
  return history.length - countUpToSeq(history, afterSeq);
}

interface CacheEntry {
  length: number;
  firstSeq: number;
  lastSeq: number;
  segments: Segment[];
}

/**
 * Segments per connection id, rebuilt only when that connection's history changed. The store
 * appends to histories in place and drops the oldest past a cap, so "changed" is detected by
 * length plus first and last seq — O(1) per lane per frame.
 */
export class SegmentCache {
  readonly #entries = new Map<number, CacheEntry>();
  /** Rebuilds since creation (for tests and the dev harness). */
  builds = 0;

  get size(): number {
    return this.#entries.size;
  }

  get(id: number, history: readonly Transition[]): Segment[] {
    const n = history.length;
    const firstSeq = n ? history[0]!.seq : -1;
    const lastSeq = n ? history[n - 1]!.seq : -1;
    const hit = this.#entries.get(id);
    if (hit && hit.length === n && hit.firstSeq === firstSeq && hit.lastSeq === lastSeq) return hit.segments;
    const segments = buildSegments(history);
    this.builds++;
    this.#entries.set(id, { length: n, firstSeq, lastSeq, segments });
    return segments;
  }

  /** The segments of connection `id` of `conns` ([] when it is gone). */
  of(conns: ReadonlyMap<number, ConnView>, id: number): Segment[] {
    const c = conns.get(id);
    return c ? this.get(id, c.history) : [];
  }

  /** Prune once the cache holds many more ids than `conns` (cheap enough to call every rescan). */
  trim(conns: ReadonlyMap<number, unknown>): void {
    if (this.#entries.size > conns.size + 256) this.prune(conns);
  }

  /** Forget ids no longer present (ended connections the store evicted). */
  prune(present: { has(id: number): boolean }): void {
    for (const id of this.#entries.keys()) if (!present.has(id)) this.#entries.delete(id);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** Which state wins a pixel shared by several sub-pixel segments: the one a viewer must not miss. */
const PIXEL_PRIORITY: Record<ConnState, number> = {
  failing: 5,
  canceled: 4,
  pending: 3,
  disconnected: 2,
  established: 1,
};

/** A horizontal stretch to paint in one state (CSS px, already clipped to the plot). */
export interface Run {
  x0: number;
  x1: number;
  state: ConnState;
  /** Index of the (first) segment it stands for. */
  segIndex: number;
  /** A final state's end cap rather than a bar. */
  cap: boolean;
  /** Several segments merged into one pixel (zoomed far out). */
  merged: boolean;
}

/** A transition tick. */
export interface Mark {
  x: number;
  segIndex: number;
}

export interface LaneRunsOptions {
  /** Where ongoing segments end: the server's now, or the frozen now of a paused view. */
  nowMs: number;
  /** Segments started by a transition with a larger seq are not shown (paused view). */
  maxSeq: number;
  /** Minimum distance between drawn ticks; denser ones are skipped. @default 3 */
  minMarkGapPx?: number;
}

export interface ScaleLike {
  readonly startMs: number;
  readonly spanMs: number;
  readonly x0: number;
  readonly widthPx: number;
}

/**
 * Reduce a lane to what one frame paints: runs clipped to the plot, sub-pixel segments merged
 * per pixel column (the most important state wins), and ticks at most one per `minMarkGapPx`.
 * Work is O(log n + visible segments), and the output at most O(plot width).
 */
export function laneRuns(segs: readonly Segment[], scale: ScaleLike, opts: LaneRunsOptions): { runs: Run[]; marks: Mark[] } {
  const runs: Run[] = [];
  const marks: Mark[] = [];
  const limit = countUpToSeq(segs, opts.maxSeq);
  if (limit === 0) return { runs, marks };
  const t0 = scale.startMs;
  const t1 = scale.startMs + scale.spanMs;
  const k = scale.widthPx / scale.spanMs;
  const left = scale.x0;
  const right = scale.x0 + scale.widthPx;
  const gap = opts.minMarkGapPx ?? 3;
  let lastMarkX = -Infinity;
  let bucket: Run | null = null;

  for (let i = firstEndingAtOrAfter(segs, t0); i < limit; i++) {
    const seg = segs[i]!;
    if (seg.startMs > t1) break;
    const final = isFinalState(seg.state);
    let endMs: number;
    if (final) endMs = seg.startMs;
    else if (i + 1 < limit) endMs = seg.endMs;
    else endMs = Math.max(seg.startMs, Math.min(seg.endMs, opts.nowMs));
    if (endMs < t0) continue;

    const xs = left + (seg.startMs - t0) * k;
    const xe = left + (endMs - t0) * k;
    if (seg.startMs >= t0 && xs - lastMarkX >= gap) {
      marks.push({ x: xs, segIndex: i });
      lastMarkX = xs;
    }
    if (final) {
      if (bucket) {
        runs.push(bucket);
        bucket = null;
      }
      runs.push({ x0: xs, x1: xs, state: seg.state, segIndex: i, cap: true, merged: false });
      continue;
    }
    const cx0 = Math.max(left, xs);
    const cx1 = Math.min(right, xe);
    if (cx1 - cx0 >= 1) {
      if (bucket) {
        runs.push(bucket);
        bucket = null;
      }
      runs.push({ x0: cx0, x1: cx1, state: seg.state, segIndex: i, cap: false, merged: false });
      continue;
    }
    // Sub-pixel: fold into the pixel column it starts in.
    const col = Math.floor(cx0);
    if (bucket && bucket.x0 === col) {
      bucket.merged = true;
      if (PIXEL_PRIORITY[seg.state] > PIXEL_PRIORITY[bucket.state]) bucket.state = seg.state;
      continue;
    }
    if (bucket) runs.push(bucket);
    bucket = { x0: col, x1: col + 1, state: seg.state, segIndex: i, cap: false, merged: false };
  }
  if (bucket) runs.push(bucket);
  return { runs, marks };
}
