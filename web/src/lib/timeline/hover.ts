/**
 * What the pointer over the timeline shows: the lane it highlights, the transition mark it
 * enlarges, the tooltip's words and where the tooltip goes. Pure: the component passes the hit
 * (hit-test.ts) and renders the result.
 */
import type { ConnView } from '../model/types.ts';
import { ruleSentence, type RuleConfig, type RuleFacts } from '../rules/sentences.ts';
import { connTitle, describeSegment, describeTransition } from './describe.ts';
import type { TimelineHit } from './hit-test.ts';
import type { Segment } from './segments.ts';
import { localTzOffsetMs } from './ticks.ts';

export interface Tip {
  x: number;
  y: number;
  title: string;
  text: string;
  /** Over a transition mark: the rule that chose it, in words (rules/sentences.ts). */
  rule?: string;
}

export interface Hover {
  /** The lane under the pointer (label or plot). */
  id: number | null;
  /** The transition mark under the pointer. */
  mark: { id: number; segIndex: number } | null;
  tip: Tip | null;
}

export const NO_HOVER: Hover = { id: null, mark: null, tip: null };

/**
 * The hover for `hit` at canvas (x, y); open segments end at `nowMs` (now, or the pause). With the
 * manager's configuration, a transition's rule sentence carries its numbers.
 */
export function hoverOf(
  hit: TimelineHit,
  x: number,
  y: number,
  conns: ReadonlyMap<number, ConnView>,
  segmentsOf: (id: number) => readonly Segment[],
  nowMs: number,
  config: RuleConfig | null = null,
): Hover {
  if (hit.kind !== 'label' && hit.kind !== 'plot') return NO_HOVER;
  const c = conns.get(hit.id);
  if (!c || hit.kind === 'label') return { id: hit.id, mark: null, tip: null };
  const segs = segmentsOf(hit.id);
  const tz = localTzOffsetMs(hit.timeMs);
  const title = connTitle(c);
  if (hit.markIndex >= 0) {
    const t = c.history[segs[hit.markIndex]!.index];
    return {
      id: hit.id,
      mark: { id: hit.id, segIndex: hit.markIndex },
      tip: t ? { x, y, title, text: describeTransition(t, tz), ...(t.rule ? { rule: ruleSentence(t as RuleFacts, config) } : {}) } : null,
    };
  }
  if (hit.segIndex >= 0) return { id: hit.id, mark: null, tip: { x, y, title, text: describeSegment(segs[hit.segIndex]!, nowMs, tz) } };
  return { id: hit.id, mark: null, tip: null };
}

/** Whether two hovers highlight the same things (the canvas needs no repaint between them). */
export function sameHighlight(a: Hover, b: Hover): boolean {
  return a.id === b.id && a.mark?.id === b.mark?.id && a.mark?.segIndex === b.mark?.segIndex;
}

/** What a tap on `hit` selects: its lane, nothing (null: clear) on empty canvas, or no change (the axis). */
export function tapSelection(hit: TimelineHit): number | null | undefined {
  if (hit.kind === 'label' || hit.kind === 'plot') return hit.id;
  return hit.kind === 'empty' ? null : undefined;
}

/** The canvas cursor over `hit`: a lane label selects, the plot drags. */
export function cursorOf(hit: TimelineHit): string {
  return hit.kind === 'label' ? 'pointer' : hit.kind === 'plot' ? 'grab' : 'default';
}

/**
 * The tooltip's CSS position: right of the pointer, or left of it over the plot's right half;
 * above it, or below it near the axis (so it never covers the axis or leaves the canvas).
 */
export function tipStyle(tip: Tip, labelW: number, width: number, axisH: number): string {
  const flip = tip.x > labelW + (width - labelW) * 0.5;
  const below = tip.y < axisH + 60;
  const x = flip ? `right: ${width - tip.x + 14}px` : `left: ${tip.x + 14}px`;
  const y = below ? `top: ${tip.y + 18}px` : `top: ${tip.y - 58}px`;
  return `${x}; ${y}`;
}
