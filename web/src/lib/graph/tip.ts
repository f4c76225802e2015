/**
 * The graph's hover tooltip: the peer under the pointer, its address and a few lines (groups.ts
 * `tipLines`), placed beside the pointer and flipped to its left near the pane's right edge.
 * Pure: the component shows what `tipFor` says and assigns only when `sameTip` says it changed.
 */
import type { ConnView } from '../model/types.ts';
import { tipLines } from './groups.ts';

export interface Tip {
  x: number;
  y: number;
  /** Anchor the tip's right edge at x (near the right border). */
  flip: boolean;
  title: string;
  lines: string[];
}

/** Distance (px) from the pointer to the tip's corner. */
export const TIP_OFFSET = 14;
/** Closer than this (px) to the pane's right edge, the tip goes left of the pointer. */
export const TIP_FLIP_WITHIN = 220;

/** The tip for peer `c` under `pointer` (pane px) in a pane `width` wide, at model time `now`. */
export function tipFor(c: ConnView, pointer: { x: number; y: number }, width: number, now: number): Tip {
  const flip = pointer.x > width - TIP_FLIP_WITHIN;
  return {
    x: flip ? pointer.x - TIP_OFFSET : pointer.x + TIP_OFFSET,
    y: pointer.y + TIP_OFFSET,
    flip,
    title: c.addr,
    lines: tipLines(c, now),
  };
}

/** Whether two tips read and sit the same (then the DOM is left alone). */
export function sameTip(a: Tip | null, b: Tip | null): boolean {
  if (a === null || b === null) return a === b;
  return a.x === b.x && a.y === b.y && a.flip === b.flip && a.title === b.title && a.lines.join('\n') === b.lines.join('\n');
}
