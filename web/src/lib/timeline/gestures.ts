/**
 * What the pointer does to the timeline, decided without the DOM: the wheel (ctrl/⌘+wheel zooms
 * about the pointer, a sideways wheel pans, a vertical one is left to the scroller) and the drag
 * (sideways pauses and pans back in time, up/down scrolls the lanes; a press that does not move
 * is a tap). pointer.ts feeds these from the canvas's events.
 */
import { DragGesture, type Point } from '../ui/drag.ts';
import type { FollowWindow } from './follow-window.ts';
import type { LaneView } from './lane-view.ts';
import { wheelDeltaPx, wheelZoomFactor } from './time-scale.ts';

export type WheelAction = { kind: 'zoom'; factor: number; x: number | null } | { kind: 'pan'; px: number };

export interface WheelInput {
  deltaX: number;
  deltaY: number;
  deltaMode: number;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
}

/**
 * The wheel's action at canvas x, or null for a vertical wheel (the scroller scrolls the lanes
 * natively). Zoom is about the pointer over the plot, about now / the middle over the labels.
 */
export function wheelAction(e: WheelInput, x: number, g: { labelW: number; viewportH: number; plotWidth: number }): WheelAction | null {
  if (e.ctrlKey || e.metaKey) {
    return { kind: 'zoom', factor: wheelZoomFactor(wheelDeltaPx(e.deltaY, e.deltaMode, g.viewportH)), x: x >= g.labelW ? x : null };
  }
  const horizontal = e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY);
  if (!horizontal) return null;
  // Shift+wheel on a mouse without a horizontal wheel: its vertical delta pans.
  const d = e.shiftKey && e.deltaX === 0 ? e.deltaY : e.deltaX;
  return { kind: 'pan', px: wheelDeltaPx(d, e.deltaMode, g.plotWidth) };
}

/** A drag on the canvas: the time window and the lanes' scroll move with the pointer. */
export class TimelineDrag {
  readonly #gesture = new DragGesture();
  readonly #win: FollowWindow;
  readonly #lanes: LaneView;
  #scrollTop = 0;

  constructor(win: FollowWindow, lanes: LaneView) {
    this.#win = win;
    this.#lanes = lanes;
  }

  press(p: Point, pointerId: number): void {
    this.#gesture.press(p, pointerId);
    this.#win.dragStart();
    this.#scrollTop = this.#lanes.scrollTop;
  }

  /**
   * The pointer moved. Null when it is not dragging (not pressed: a hover; pressed: not yet moved
   * DRAG_PX). Otherwise `start` on the move that began the drag and whether the lanes scrolled.
   */
  move(p: Point, pointerId: number): { start: boolean; scrolled: boolean } | null {
    const m = this.#gesture.move(p, pointerId);
    if (!m) return null;
    this.#win.dragTo(m.dx);
    return { start: m.start, scrolled: this.#lanes.scrollTo(this.#scrollTop - m.dy) };
  }

  /** The press ended: `tap` when it never dragged; null when this pointer was not pressed. */
  release(pointerId: number): { tap: boolean } | null {
    return this.#gesture.release(pointerId);
  }

  cancel(): void {
    this.#gesture.cancel();
  }

  get pressed(): boolean {
    return this.#gesture.pressed;
  }
}
