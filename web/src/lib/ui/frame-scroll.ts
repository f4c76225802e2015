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
  /** The position of a write not yet followed by its scroll event (`ownScroll` consumes it). */
  #unseen: number | null = null;

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
        this.#unseen = want;
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
    this.#unseen = top;
    this.writes += 1;
  }

  /**
   * Called at a scroll event: true when it is the one this writer's last write caused, so the
   * caller can skip it. The browser sends one scroll event per frame, so a user's scroll in the same
   * frame as our write shares it: the position is read then (`readTop`, only after a write of ours,
   * when layout is still clean from that write) and, if it is not where we put it, the scroll is
   * the user's — a jump to the top (Home, a scrollbar click) must not be lost.
   */
  ownScroll(readTop: () => number): boolean {
    const written = this.#unseen;
    this.#unseen = null;
    return written !== null && Math.abs(readTop() - written) <= 1;
  }

  /** Drops a scroll not yet made (the user scrolled, or the view goes away). */
  cancel(): void {
    if (this.#handle !== 0) this.#clock.cancel(this.#handle);
    this.#handle = 0;
    this.#want = null;
  }
}
