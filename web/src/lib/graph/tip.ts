/**
 * The graph's hover tooltip: the peer under the pointer, its address and a few lines (groups.ts
 * `tipLines`), placed beside the pointer and flipped to its left near the pane's right edge.
 * Pure: the component shows what `tipFor` says and assigns only when `sameTip` says it changed.
 */
import type { ConnView } from '../model/types.ts';
import { ruleSentence, type RuleConfig, type RuleFacts } from '../rules/sentences.ts';
import { tipLines } from './groups.ts';

export interface Tip {
  x: number;
  y: number;
  /** Anchor the tip's right edge at x (near the right border). */
  flip: boolean;
  title: string;
  lines: string[];
  /** The rule behind the peer's latest transition, in words (rules/sentences.ts), if it is known. */
  rule?: string;
}

/** Distance (px) from the pointer to the tip's corner. */
export const TIP_OFFSET = 14;
/** Closer than this (px) to the pane's right edge, the tip goes left of the pointer. */
export const TIP_FLIP_WITHIN = 220;

/**
 * The tip for peer `c` under `pointer` (pane px) in a pane `width` wide, at model time `now`;
 * with the manager's configuration, the rule sentence of its latest transition has its numbers.
 */
export function tipFor(c: ConnView, pointer: { x: number; y: number }, width: number, now: number, config: RuleConfig | null = null): Tip {
  const flip = pointer.x > width - TIP_FLIP_WITHIN;
  const last = c.history.at(-1);
  return {
    x: flip ? pointer.x - TIP_OFFSET : pointer.x + TIP_OFFSET,
    y: pointer.y + TIP_OFFSET,
    flip,
    title: c.addr,
    lines: tipLines(c, now),
    ...(last?.rule ? { rule: ruleSentence(last as RuleFacts, config) } : {}),
  };
}

/** Whether two tips read and sit the same (then the DOM is left alone). */
export function sameTip(a: Tip | null, b: Tip | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.x === b.x && a.y === b.y && a.flip === b.flip && a.title === b.title && a.rule === b.rule && a.lines.join('\n') === b.lines.join('\n')
  );
}
