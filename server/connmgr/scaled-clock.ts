/**
 * A clock that runs slower than the one under it, or stands still (README "Slow motion and
 * freeze"): the manager's timers on it — backoffs, dial and idle timeouts, retries — unfold at
 * `scale` × real speed, so an instructor can narrate them; at scale 0 nothing retries or times out.
 * Its time is the manager's time: every event's `at`, every `retryAt`, so the rules' numbers read
 * the same at any speed ("next try in 6 s" is 6 s of manager time, 60 s of wall time at 0.1×).
 *
 * Time is piecewise linear: each change of scale re-anchors (manager time, base time) and moves
 * every pending timer's real deadline; the timers' manager-time deadlines never change.
 */
import type { Clock } from './types.ts';

/** Scales the page and the CLI offer; any value in (0, 1] is accepted, 0 freezes. */
export const TIME_SCALES = [0.1, 0.25, 0.5, 1] as const;

interface Timer {
  /** Manager-time deadline. */
  due: number;
  fn: () => void;
  /** The base clock's timer while one is set (none while frozen). */
  handle: unknown;
}

export interface ScaleChange {
  scale: number;
  /** Manager time at the change. */
  at: number;
}

export class ScaledClock implements Clock {
  readonly #base: Clock;
  #scale: number;
  /** At base time `#baseAt` the manager's time was `#at`. */
  #baseAt: number;
  #at: number;
  readonly #timers = new Map<number, Timer>();
  #nextId = 1;

  constructor(base: Clock, scale = 1) {
    checkScale(scale);
    this.#base = base;
    this.#scale = scale;
    this.#baseAt = base.now();
    this.#at = this.#baseAt;
  }

  get scale(): number {
    return this.#scale;
  }

  now(): number {
    return this.#at + (this.#base.now() - this.#baseAt) * this.#scale;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    const timer: Timer = { due: this.now() + Math.max(0, ms), fn, handle: undefined };
    this.#timers.set(id, timer);
    this.#arm(id, timer);
    return id;
  }

  clearTimeout(handle: unknown): void {
    const timer = this.#timers.get(handle as number);
    if (!timer) return;
    if (timer.handle !== undefined) this.#base.clearTimeout(timer.handle);
    this.#timers.delete(handle as number);
  }

  /** Changes the speed from now on (0 freezes); pending timers keep their manager-time deadlines. */
  setScale(scale: number): ScaleChange {
    checkScale(scale);
    const at = this.now();
    this.#at = at;
    this.#baseAt = this.#base.now();
    this.#scale = scale;
    for (const [id, timer] of this.#timers) {
      if (timer.handle !== undefined) this.#base.clearTimeout(timer.handle);
      timer.handle = undefined;
      this.#arm(id, timer);
    }
    return { scale, at };
  }

  /** Timers waiting (for leak accounting). */
  get pending(): number {
    return this.#timers.size;
  }

  #arm(id: number, timer: Timer): void {
    if (this.#scale === 0) return; // frozen: armed again when time runs
    const realMs = Math.max(0, (timer.due - this.now()) / this.#scale);
    timer.handle = this.#base.setTimeout(() => {
      timer.handle = undefined;
      // A base timer may fire a hair early (rounding): wait out the remainder on manager time.
      if (this.now() < timer.due - 0.5) {
        this.#arm(id, timer);
        return;
      }
      this.#timers.delete(id);
      timer.fn();
    }, realMs);
  }
}

function checkScale(scale: number): void {
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale < 0 || scale > 1) {
    throw new RangeError(`time scale must be a number from 0 (frozen) to 1, got ${JSON.stringify(scale)}`);
  }
}
