/**
 * The one frame scheduler of the canvas views (graph and timeline). A view never draws from a
 * Svelte effect or an event handler: it asks for a frame, and however many times it asks before
 * the frame runs, it draws once. Between bursts a view may ask to be woken later (a countdown, a
 * follow tick); the earliest wake-up asked for wins, and asking for a frame now cancels it — each
 * frame decides afresh when it next needs to run.
 *
 * The host (requestAnimationFrame, timers, clock) is injected — the browser's from dom.ts
 * (`browserFrameHost`), virtual time in unit tests (virtual-frames.ts).
 */

export interface FrameHost {
  requestFrame(cb: (ts: number) => void): number;
  cancelFrame(handle: number): void;
  setTimer(cb: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
  now(): number;
}

export class FrameScheduler {
  readonly #draw: (ts: number) => void;
  readonly #host: FrameHost;
  #frame = 0;
  #timer: unknown = undefined;
  #timerDue = 0;
  #disposed = false;

  constructor(draw: (ts: number) => void, host: FrameHost) {
    this.#draw = draw;
    this.#host = host;
  }

  /** A frame as soon as the browser paints next (at most one outstanding); cancels a later wake-up. */
  request(): void {
    if (this.#disposed) return;
    this.#clearTimer();
    if (this.#frame !== 0) return;
    this.#frame = this.#host.requestFrame((ts) => {
      this.#frame = 0;
      this.#draw(ts);
    });
  }

  /**
   * A frame in `ms`: an earlier wake-up already set stands, a later one is brought forward, and a
   * frame already requested makes this a no-op (that frame will ask again if it needs to).
   */
  requestIn(ms: number): void {
    if (this.#disposed || this.#frame !== 0) return;
    if (ms <= 0) {
      this.request();
      return;
    }
    const due = this.#host.now() + ms;
    if (this.#timer !== undefined) {
      if (this.#timerDue <= due) return;
      this.#clearTimer();
    }
    this.#timerDue = due;
    this.#timer = this.#host.setTimer(() => {
      this.#timer = undefined;
      this.request();
    }, ms);
  }

  /** Whether a frame or a wake-up is outstanding. */
  get pending(): boolean {
    return this.#frame !== 0 || this.#timer !== undefined;
  }

  /** Cancels everything outstanding and ignores later requests (the view is gone). */
  dispose(): void {
    this.#disposed = true;
    this.#clearTimer();
    if (this.#frame !== 0) this.#host.cancelFrame(this.#frame);
    this.#frame = 0;
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    this.#host.clearTimer(this.#timer);
    this.#timer = undefined;
  }
}
