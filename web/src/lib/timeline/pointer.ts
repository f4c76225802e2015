/**
 * The timeline canvas's pointer and wheel wiring: turns DOM events into the decisions of
 * gestures.ts (wheel action, drag) and hands the results to the component. Returns the function
 * that detaches every listener. The wheel listener is not passive, so ctrl+wheel zooms the
 * timeline instead of the page.
 */
import { listen } from '../ui/dom.ts';
import type { Point } from '../ui/drag.ts';
import { type TimelineDrag, type WheelAction, wheelAction } from './gestures.ts';

export interface TimelinePointerHandlers {
  /** The geometry the wheel needs (read at each event). */
  geometry(): { labelW: number; viewportH: number; plotWidth: number };
  /** A press: keep focus on the lanes listbox, so the keyboard map works after a click. */
  focus(): void;
  /** The pointer moved without dragging, or left the canvas (null). */
  hover(p: Point | null): void;
  /** A drag moved the window and/or the lanes (`start`: the first move of the drag). */
  dragged(start: boolean, scrolled: boolean): void;
  /** A press ended at `p`; `tap` when it never dragged. */
  released(p: Point, tap: boolean): void;
  wheel(action: WheelAction): void;
}

export function watchTimelinePointer(cv: HTMLCanvasElement, drag: TimelineDrag, on: TimelinePointerHandlers): () => void {
  const local = (e: MouseEvent): Point => {
    const r = cv.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  return listen(cv, {
    wheel: [
      (e: WheelEvent) => {
        const action = wheelAction(e, local(e).x, on.geometry());
        if (!action) return; // vertical: the scroller scrolls natively
        e.preventDefault();
        on.wheel(action);
      },
      { passive: false },
    ],
    // Without this, mousedown's default would move focus to <body>.
    mousedown: (e: MouseEvent) => {
      e.preventDefault();
      on.focus();
    },
    pointerdown: (e: PointerEvent) => {
      if (e.button !== 0) return;
      on.focus();
      drag.press(local(e), e.pointerId);
      cv.setPointerCapture(e.pointerId);
    },
    pointermove: (e: PointerEvent) => {
      const p = local(e);
      const moved = drag.move(p, e.pointerId);
      if (moved) {
        if (moved.start) cv.style.cursor = 'grabbing';
        on.dragged(moved.start, moved.scrolled);
      } else if (!drag.pressed) {
        on.hover(p);
      }
    },
    pointerup: (e: PointerEvent) => {
      const ended = drag.release(e.pointerId);
      if (!ended) return;
      if (cv.hasPointerCapture(e.pointerId)) cv.releasePointerCapture(e.pointerId);
      on.released(local(e), ended.tap);
    },
    pointercancel: () => drag.cancel(),
    pointerleave: () => on.hover(null),
  });
}
