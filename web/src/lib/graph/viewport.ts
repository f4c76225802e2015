/**
 * The graph's viewport controller: the pan/zoom transform and the rules that move it. While
 * auto-fit is on the view eases towards the fit of the layout every frame; zooming or panning
 * turns it off, "Fit" turns it back on. A peer chosen by keyboard is nudged into view. Pure (no
 * DOM, no Svelte): the component feeds it pointer gestures and calls `update` once per frame.
 */
import { approach, sameTransform, toScreen, zoomAround, type Transform } from './view.ts';

/** Fraction of the remaining way to the fit covered per frame (a smooth follow, not a jump). */
export const FIT_EASE = 0.18;
/** A keyboard-chosen peer is kept at least this far (CSS px) inside the pane's edges. */
export const REVEAL_MARGIN = 60;

/**
 * The translation that brings screen point (x, y) at least `margin` inside a `width` × `height`
 * pane: zero on an axis where it already is.
 */
export function nudgeIntoView(x: number, y: number, width: number, height: number, margin = REVEAL_MARGIN): { dx: number; dy: number } {
  const dx = x < margin ? margin - x : x > width - margin ? width - margin - x : 0;
  const dy = y < margin ? margin - y : y > height - margin ? height - margin - y : 0;
  return { dx, dy };
}

export class Viewport {
  transform: Transform = { k: 1, x: 0, y: 0 };
  /** Follow the layout (the view fits whatever the graph holds) until the user zooms or pans. */
  autoFit = true;
  /** The pane in CSS px. */
  width = 0;
  height = 0;
  /** The transform when the current drag started (a drag reports its total movement). */
  #panFrom: Transform | null = null;
  /** A peer to keep in view at the next update (chosen by keyboard). */
  #revealId: number | null = null;

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
  }

  /** Wheel zoom: by `factor` about the screen point (x, y), which stays put. */
  zoomAt(x: number, y: number, factor: number): void {
    this.transform = zoomAround(this.transform, x, y, factor);
    this.autoFit = false;
  }

  /** The zoom buttons: by `factor` about the pane's centre. */
  zoomBy(factor: number): void {
    this.zoomAt(this.width / 2, this.height / 2, factor);
  }

  /** A drag moved (dx, dy) in total since it started (`start`: the first move of this drag). */
  pan(dx: number, dy: number, start: boolean): void {
    if (start || this.#panFrom === null) this.#panFrom = this.transform;
    this.autoFit = false;
    this.transform = { k: this.transform.k, x: this.#panFrom.x + dx, y: this.#panFrom.y + dy };
  }

  /** "Fit": follow the layout again. */
  fit(): void {
    this.autoFit = true;
  }

  /** Keep peer `id` in view from the next update on (while auto-fit is off; auto-fit shows every peer). */
  reveal(id: number): void {
    this.#revealId = id;
  }

  /**
   * One frame. With auto-fit, a step towards `fit()` (straight there with `snap`: reduced motion,
   * the first layout); otherwise nudges the peer asked for by `reveal` into view, where
   * `positionOf` says it is (world units). Returns whether the view is still on its way to the fit.
   */
  update(fit: () => Transform, positionOf: (id: number) => { x: number; y: number } | undefined, snap: boolean): boolean {
    const revealId = this.#revealId;
    this.#revealId = null;
    if (this.autoFit) {
      const target = fit();
      const next = snap ? target : approach(this.transform, target, FIT_EASE);
      this.transform = next;
      return !sameTransform(next, target);
    }
    const at = revealId === null ? undefined : positionOf(revealId);
    if (at) {
      const p = toScreen(this.transform, at.x, at.y);
      const { dx, dy } = nudgeIntoView(p.x, p.y, this.width, this.height);
      if (dx || dy) this.transform = { k: this.transform.k, x: this.transform.x + dx, y: this.transform.y + dy };
    }
    return false;
  }
}
