/**
 * The one drag helper of the canvas views: tells a tap from a drag and reports the drag's total
 * movement since the press. Pure (no DOM): the graph's pointer wiring and the timeline's feed it
 * pointer positions in canvas CSS pixels, so the rules are unit-tested without a browser.
 */

export interface Point {
  x: number;
  y: number;
}

/** Movement (px) before a press counts as a drag rather than a tap. */
export const DRAG_PX = 4;

export interface DragMove {
  /** Total movement since the press. */
  dx: number;
  dy: number;
  /** This move is the one that turned the press into a drag. */
  start: boolean;
}

export class DragGesture {
  #down: { x: number; y: number; id: number; dragging: boolean } | null = null;

  /** A primary-button press at `p` by pointer `id`. */
  press(p: Point, id: number): void {
    this.#down = { x: p.x, y: p.y, id, dragging: false };
  }

  /**
   * The pointer moved. Null when this pointer is not pressed or has not yet moved far enough to
   * drag (the view treats that as hover); otherwise the drag's total movement.
   */
  move(p: Point, id: number): DragMove | null {
    const d = this.#down;
    if (!d || d.id !== id) return null;
    const dx = p.x - d.x;
    const dy = p.y - d.y;
    const start = !d.dragging && Math.hypot(dx, dy) >= DRAG_PX;
    if (start) d.dragging = true;
    return d.dragging ? { dx, dy, start } : null;
  }

  /** The press ended: was it a tap (never dragged)? Null when this pointer was not pressed. */
  release(id: number): { tap: boolean } | null {
    const d = this.#down;
    if (!d || d.id !== id) return null;
    this.#down = null;
    return { tap: !d.dragging };
  }

  /** The press was cancelled (pointercancel): neither a tap nor a drag any more. */
  cancel(): void {
    this.#down = null;
  }

  /** A press is under way (pressed, dragging or not). */
  get pressed(): boolean {
    return this.#down !== null;
  }

  get dragging(): boolean {
    return this.#down?.dragging === true;
  }
}
