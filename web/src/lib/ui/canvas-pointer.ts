/**
 * Pointer gestures on a canvas, in canvas CSS pixels: hover, tap (a press that did not move),
 * drag (pan), double-click and wheel zoom. The graph view's pointer wiring, kept out of the
 * component; returns the function that detaches every listener.
 */
import { listen } from './dom.ts';
import { DragGesture, type Point } from './drag.ts';

export type { Point } from './drag.ts';

export interface PointerHandlers {
  /** The pointer moved without dragging (null: it left the canvas). */
  hover(p: Point | null): void;
  /** A press that moved less than `DRAG_PX` (drag.ts), released. */
  tap(p: Point): void;
  /** Double-click. */
  open(p: Point): void;
  /** A drag started (`start`) or went on: total movement since the press. */
  drag(dx: number, dy: number, start: boolean): void;
  /** Wheel: zoom by `factor` about `p`. */
  zoom(p: Point, factor: number): void;
}

export function watchPointer(cv: HTMLCanvasElement, on: PointerHandlers): () => void {
  const gesture = new DragGesture();
  const local = (e: MouseEvent): Point => {
    const r = cv.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  return listen(cv, {
    pointerdown: (e: PointerEvent) => {
      if (e.button !== 0) return;
      gesture.press(local(e), e.pointerId);
      cv.setPointerCapture(e.pointerId);
    },
    pointermove: (e: PointerEvent) => {
      const p = local(e);
      const drag = gesture.move(p, e.pointerId);
      if (drag) {
        if (drag.start) cv.style.cursor = 'grabbing';
        on.drag(drag.dx, drag.dy, drag.start);
        return;
      }
      on.hover(p);
    },
    pointerup: (e: PointerEvent) => release(e, true),
    pointercancel: (e: PointerEvent) => release(e, false),
    pointerleave: () => on.hover(null),
    dblclick: (e: MouseEvent) => on.open(local(e)),
    wheel: [
      (e: WheelEvent) => {
        e.preventDefault();
        const delta = e.deltaMode === 1 ? e.deltaY * 16 : e.deltaY;
        on.zoom(local(e), Math.exp(-delta * 0.0015));
      },
      { passive: false },
    ],
  });

  function release(e: PointerEvent, completed: boolean): void {
    const ended = completed ? gesture.release(e.pointerId) : null;
    if (!completed) gesture.cancel();
    cv.style.cursor = '';
    if (cv.hasPointerCapture(e.pointerId)) cv.releasePointerCapture(e.pointerId);
    if (ended?.tap) on.tap(local(e));
  }
}
