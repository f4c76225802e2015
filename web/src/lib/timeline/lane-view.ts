/**
 * The timeline's vertical axis: which lanes there are, how far they are scrolled, which are on
 * screen, and where a selection or a page key moves. Pure: the component writes `scrollTop` to the
 * scroller (and the spacer's height) when this says it changed, and feeds back the scroller's own
 * scroll events — it never reads the DOM property in a frame, which would force a layout.
 */
import { anchoredScrollTop, indexLanes, neighbourLane, revealScrollTop, visibleRange } from './lanes.ts';

/** Row height, axis band height, empty room below the last lane (CSS px). */
export const LANE_H = 28;
export const AXIS_H = 32;
export const BOTTOM_PAD = 8;

export class LaneView {
  /** Lane ids, top to bottom. */
  ids: readonly number[] = [];
  indexOf: ReadonlyMap<number, number> = new Map();
  /** Pixels of lanes scrolled off the top (the scroller's scrollTop). */
  scrollTop = 0;
  /** Height of the scroller (axis band included). */
  viewportH = 0;

  /** Height of everything the scroller scrolls: axis, lanes and the room below. */
  get contentH(): number {
    return AXIS_H + this.ids.length * LANE_H + BOTTOM_PAD;
  }

  /** How far the scroller must scroll past its own height (the spacer under the sticky canvas). */
  get spacerPx(): number {
    return Math.max(0, this.contentH - this.viewportH);
  }

  /**
   * New lanes (after a batch, a filter change or a pause). Returns the scrollTop that keeps the
   * lanes the reader was looking at where they were when new ones arrive above them.
   */
  setLanes(ids: readonly number[]): number {
    const prev = this.ids;
    this.ids = ids;
    this.indexOf = indexLanes(ids);
    return anchoredScrollTop(prev, this.indexOf, this.scrollTop, LANE_H);
  }

  /** Scroll to `top` (clamped to the content, whole pixels); returns whether it moved. */
  scrollTo(top: number): boolean {
    const next = Math.max(0, Math.min(this.spacerPx, Math.round(top)));
    if (next === this.scrollTop) return false;
    this.scrollTop = next;
    return true;
  }

  /** Rows `[first, end)` on screen. */
  get visible(): { first: number; end: number } {
    return visibleRange(this.scrollTop, this.viewportH - AXIS_H, LANE_H, this.ids.length);
  }

  /** Rows a PageUp / PageDown moves: a screenful less one, so one row stays in sight. */
  get pageRows(): number {
    return Math.max(1, Math.floor((this.viewportH - AXIS_H) / LANE_H) - 1);
  }

  /** The lane `delta` rows from the selection; with none (or one filtered out), the first on screen. */
  neighbour(selectedId: number | null, delta: number): number | null {
    return neighbourLane(this.ids, this.indexOf, selectedId, delta, this.visible.first);
  }

  /** The scrollTop that brings lane `id` fully into view, or null when it has no lane. */
  revealTop(id: number): number | null {
    const i = this.indexOf.get(id);
    if (i === undefined) return null;
    return revealScrollTop(i, this.scrollTop, this.viewportH - AXIS_H - BOTTOM_PAD, LANE_H);
  }
}
