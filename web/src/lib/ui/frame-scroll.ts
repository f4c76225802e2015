/**
 * Scrolling a virtual list without forcing layout on every batch of rows: the position wanted is
 * computed from row counts and heights (never read back from `scrollHeight`), and written at most
 * once per animation frame, in the frame's own rAF step — where the layout it needs is the one
 * the frame does anyway — however many batches arrived since the last frame.
 */

/** The scrollTop that shows the last of `rows` rows at the bottom of a `viewport` px tall view under a `head` px header. */
export function bottomScrollTop(rows: number, rowPx: number, headPx: number, viewportPx: number): number {
  return Math.max(0, headPx + rows * rowPx - viewportPx);
}

/** The page's frames (`requestAnimationFrame`), or a test's. */
export interface FrameClock {
  request(cb: () => void): number;
  cancel(handle: number): void;
}

export class FrameScroll {
  readonly #target: () => { scrollTop: number } | undefined;
  readonly #clock: FrameClock;
  #want: number | null = null;
  #handle = 0;
  /** Writes made (for tests). */
  writes = 0;
  /** A write not yet followed by its scroll event (`ownScroll` consumes it). */
  #unseen = false;

  constructor(target: () => { scrollTop: number } | undefined, clock: FrameClock) {
    this.#target = target;
    this.#clock = clock;
  }

  /** Scrolls to `top` at the next frame (a later call before it wins). */
  scrollTo(top: number): void {
    this.#want = top;
    if (this.#handle !== 0) return;
    this.#handle = this.#clock.request(() => {
      this.#handle = 0;
      const el = this.#target();
      const want = this.#want;
      this.#want = null;
      if (el && want !== null) {
        el.scrollTop = want;
        this.#unseen = true;
        this.writes += 1;
      }
    });
  }

  /**
   * Scrolls to `top` now: for a caller that knows layout is clean (a ResizeObserver callback runs
   * right after the frame's layout), where the write costs no extra layout. A pending frame write
   * is dropped (this one is newer).
   */
  scrollNow(top: number): void {
    this.cancel();
    const el = this.#target();
    if (!el) return;
    el.scrollTop = top;
    this.#unseen = true;
    this.writes += 1;
  }

  /**
   * Called at a scroll event: true when it is the one this writer's last write caused, which the
   * caller can skip without reading `scrollTop` (a read there forces a layout when rows came since).
   */
  ownScroll(): boolean {
    const own = this.#unseen;
    this.#unseen = false;
    return own;
  }

  /** Drops a scroll not yet made (the user scrolled, or the view goes away). */
  cancel(): void {
    if (this.#handle !== 0) this.#clock.cancel(this.#handle);
    this.#handle = 0;
    this.#want = null;
  }
}
