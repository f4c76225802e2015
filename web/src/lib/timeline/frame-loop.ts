/**
 * When the timeline paints. Every change (a batch, a filter, a hover, a zoom) asks for a frame and
 * gets one at the next paint, however many asked. While following, the picture also moves with
 * the clock: a follow tick at most 30 times a second, and no more often than the window moves by
 * one pixel (a 24 h window moves a pixel a minute: no need to repaint 30 times a second; ticks
 * are at least once a second so the "now" label keeps up). Built on the shared FrameScheduler, so
 * unit tests drive it on virtual frames.
 */
import { type FrameHost, FrameScheduler } from '../ui/frame-scheduler.ts';

export const MAX_FPS_INTERVAL_MS = 1000 / 30;
/** Follow ticks come at least this often, however slowly the window moves. */
export const MAX_TICK_INTERVAL_MS = 1000;
/** A wake-up waits for the next paint after it: ask this much early so that paint is on time. */
const FRAME_SLACK_MS = 8;
/** A tick this close to due is due (frame times are not exact). */
const EARLY_OK_MS = 2;

/** Time between two follow ticks when one CSS pixel stands for `msPerPx` ms. */
export function followIntervalMs(msPerPx: number): number {
  return Math.min(MAX_TICK_INTERVAL_MS, Math.max(MAX_FPS_INTERVAL_MS, msPerPx));
}

export class FrameLoop {
  readonly #scheduler: FrameScheduler;
  readonly #draw: () => void;
  readonly #tickInterval: () => number | null;
  #dirty = false;
  #lastPaint = -Infinity;

  /**
   * `draw` paints a frame; `tickInterval` says how long until the next follow tick is due, or null
   * when the picture stands still (paused, or the model's clock stopped with the link).
   */
  constructor(draw: () => void, tickInterval: () => number | null, host: FrameHost) {
    this.#draw = draw;
    this.#tickInterval = tickInterval;
    this.#scheduler = new FrameScheduler((ts) => this.#frame(ts), host);
  }

  /** Something changed: paint at the next frame. */
  invalidate(): void {
    this.#dirty = true;
    this.#scheduler.request();
  }

  dispose(): void {
    this.#scheduler.dispose();
  }

  #frame(ts: number): void {
    if (!this.#dirty) {
      // A follow tick: on a fast display the frame after the wake-up may come early.
      const interval = this.#tickInterval();
      if (interval === null) return;
      const wait = this.#lastPaint + interval - ts;
      if (wait > EARLY_OK_MS) {
        this.#scheduler.requestIn(Math.max(0, wait - FRAME_SLACK_MS));
        return;
      }
    }
    this.#dirty = false;
    this.#lastPaint = ts;
    this.#draw();
    const next = this.#tickInterval();
    if (next !== null) this.#scheduler.requestIn(next - FRAME_SLACK_MS);
  }
}
