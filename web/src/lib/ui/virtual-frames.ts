/**
 * A FrameHost on virtual time for unit tests of the views' controllers: frames run when the test
 * says the browser painted (`paint`), timers when the test moves the clock (`advance`).
 */
import type { FrameHost } from './frame-scheduler.ts';

export class VirtualFrames implements FrameHost {
  time = 0;
  #nextHandle = 1;
  readonly #frames = new Map<number, (ts: number) => void>();
  readonly #timers = new Map<number, { due: number; cb: () => void }>();

  requestFrame(cb: (ts: number) => void): number {
    const h = this.#nextHandle++;
    this.#frames.set(h, cb);
    return h;
  }
  cancelFrame(handle: number): void {
    this.#frames.delete(handle);
  }
  setTimer(cb: () => void, ms: number): unknown {
    const h = this.#nextHandle++;
    this.#timers.set(h, { due: this.time + ms, cb });
    return h;
  }
  clearTimer(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  now(): number {
    return this.time;
  }

  /** Frames waiting for the next paint. */
  get frames(): number {
    return this.#frames.size;
  }
  /** Timers not yet fired. */
  get timers(): number {
    return this.#timers.size;
  }

  /** The browser paints: every frame requested so far runs once (frames they request wait for the next paint). */
  paint(): number {
    const due = [...this.#frames.values()];
    this.#frames.clear();
    for (const cb of due) cb(this.time);
    return due.length;
  }

  /** Moves the clock by `ms`, firing timers that come due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { due: number; cb: () => void }] | undefined;
      for (const entry of this.#timers) if (entry[1].due <= end && (!next || entry[1].due < next[1].due)) next = entry;
      if (!next) break;
      this.#timers.delete(next[0]);
      this.time = next[1].due;
      next[1].cb();
    }
    this.time = end;
  }
}
