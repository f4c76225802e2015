/**
 * The timeline's keyboard map (on its lanes listbox): which action a key asks for. Pure: the
 * component carries the actions out. Arrows up/down (and PageUp/PageDown) move the selection
 * between lanes, left/right pan an eighth of the plot, +/- zoom, Space pauses or resumes, Home
 * returns to live, Escape clears the selection. The graph's list keys (ui/list-keys.ts) do not
 * fit here: left/right and Home mean time on this axis, not rows.
 */
import { ZOOM_STEP } from './follow-window.ts';

export type TimelineKeyAction =
  | { kind: 'lane'; delta: number }
  | { kind: 'pan'; px: number }
  | { kind: 'zoom'; factor: number }
  | { kind: 'toggle' }
  | { kind: 'live' }
  | { kind: 'clear' };

export interface KeyContext {
  /** Lanes a PageUp / PageDown moves. */
  pageRows: number;
  plotWidth: number;
  hasSelection: boolean;
}

/** Pan step of ←/→: an eighth of the plot. */
export const KEY_PAN_FRACTION = 1 / 8;

/** The action for `e`, or null when the timeline leaves the key alone (no preventDefault). */
export function timelineKeyAction(
  e: { key: string; altKey: boolean; ctrlKey: boolean; metaKey: boolean },
  ctx: KeyContext,
): TimelineKeyAction | null {
  if (e.altKey || e.ctrlKey || e.metaKey) return null;
  switch (e.key) {
    case 'ArrowDown':
      return { kind: 'lane', delta: 1 };
    case 'ArrowUp':
      return { kind: 'lane', delta: -1 };
    case 'PageDown':
      return { kind: 'lane', delta: ctx.pageRows };
    case 'PageUp':
      return { kind: 'lane', delta: -ctx.pageRows };
    case 'ArrowLeft':
      return { kind: 'pan', px: -ctx.plotWidth * KEY_PAN_FRACTION };
    case 'ArrowRight':
      return { kind: 'pan', px: ctx.plotWidth * KEY_PAN_FRACTION };
    case '+':
    case '=':
      return { kind: 'zoom', factor: 1 / ZOOM_STEP };
    case '-':
    case '_':
      return { kind: 'zoom', factor: ZOOM_STEP };
    case ' ':
      return { kind: 'toggle' };
    case 'Home':
      return { kind: 'live' };
    case 'Escape':
      return ctx.hasSelection ? { kind: 'clear' } : null;
    default:
      return null;
  }
}
