/**
 * Pointer gestures on a canvas, in canvas CSS pixels: hover, tap (a press that did not move),
 * drag (pan), double-click and wheel zoom. The graph view's pointer wiring, kept out of the
 * component; returns the function that detaches every listener.
 */
import { listen } from './dom.ts';

export interface Point {
  x: number;
  y: number;
}

export interface PointerHandlers {
  /** The pointer moved without dragging (null: it left the canvas). */
  hover(p: Point | null): void;
  /** A press that moved less than `DRAG_PX`, released. */
  tap(p: Point): void;
  /** Double-click. */
  open(p: Point): void;
  /** A drag started (`start`) or went on: total movement since the press. */
  drag(dx: number, dy: number, start: boolean): void;
  /** Wheel: zoom by `factor` about `p`. */
  zoom(p: Point, factor: number): void;
}

/** Movement (px) before a press counts as a drag rather than a tap. */
export const DRAG_PX = 4;

export function watchPointer(cv: HTMLCanvasElement, on: PointerHandlers): () => void {
  let down: { x: number; y: number; dragging: boolean; id: number } | null = null;
  const local = (e: MouseEvent): Point => {
    const r = cv.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };
  return listen(cv, {
    pointerdown: (e: PointerEvent) => {
      if (e.button !== 0) return;
      down = { ...local(e), dragging: false, id: e.pointerId };
      cv.setPointerCapture(e.pointerId);
    },
    pointermove: (e: PointerEvent) => {
      const p = local(e);
      if (down && down.id === e.pointerId) {
        const start = !down.dragging && Math.hypot(p.x - down.x, p.y - down.y) > DRAG_PX;
        if (start) {
          down.dragging = true;
          cv.style.cursor = 'grabbing';
        }
        if (down.dragging) {
          on.drag(p.x - down.x, p.y - down.y, start);
          return;
        }
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

  function release(e: PointerEvent, tap: boolean): void {
    if (!down || down.id !== e.pointerId) return;
    const wasDrag = down.dragging;
    down = null;
    cv.style.cursor = '';
    if (cv.hasPointerCapture(e.pointerId)) cv.releasePointerCapture(e.pointerId);
    if (tap && !wasDrag) on.tap(local(e));
  }
}
