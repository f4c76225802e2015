/**
 * What the manager holds open, counted in one place so that `stop()` can wait for it and
 * `openResources()` can report it (README, Rules: rule 8): timers on the manager's clock, sockets
 * until their 'close', and dials until their dialer settles.
 *
 * A dialer is asked to stop through its abort signal, but nothing forces it to listen. So `stop()`
 * waits for the aborted dials only `STOP_DIAL_GRACE_MS` (`settleDials`); the ones still out then
 * are let go, and a socket one of them brings later is destroyed at once, never counted
 * (`discard` after `release`): a stopped manager holds nothing, and `stop()` always resolves.
 */
import type { Socket } from 'node:net';
import type { Clock } from './types.ts';

/** The timer half, all that the policies need (outbound throttle, inbound exhaustion retry). */
export interface Timers {
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/**
 * How long `stop()` waits, on the manager's clock, for aborted dials to settle. A dialer that
 * honours its signal (the TCP one closes its socket at once) settles within a turn of the event
 * loop; one that has not after a second is not going to.
 */
export const STOP_DIAL_GRACE_MS = 1000;

export class ResourceTracker implements Timers {
  readonly #clock: Clock;
  /**
   * Every socket we own until its 'close' (admitted, shed, held, or dialed after cancel). One
   * shared 'close' listener forgets it: nothing is allocated per socket but the set's entry (a
   * promise and closures per socket were a good part of a held connection's heap).
   */
  readonly #sockets = new Set<Socket>();
  readonly #forget: (this: Socket) => void;
  /** Dials not yet settled (a dialer may settle after we stopped waiting for it). */
  readonly #dials = new Set<object>();
  /** `settleDials` is waiting: called once the last dial counted has settled. */
  #dialsSettled: (() => void) | undefined;
  readonly #timers = new Set<unknown>();
  /** After `release()`: nothing new is tracked, a late socket is destroyed on sight. */
  #released = false;

  constructor(clock: Clock) {
    this.#clock = clock;
    const sockets = this.#sockets;
    this.#forget = function (this: Socket): void {
      sockets.delete(this);
    };
  }

  setTimer(fn: () => void, ms: number): unknown {
    const handle = this.#clock.setTimeout(() => {
      this.#timers.delete(handle);
      fn();
    }, ms);
    this.#timers.add(handle);
    return handle;
  }

  clearTimer(handle: unknown): void {
    if (handle === undefined) return;
    this.#clock.clearTimeout(handle);
    this.#timers.delete(handle);
  }

  /** Keeps `socket` counted until its 'close'. */
  track(socket: Socket): void {
    if (this.#sockets.has(socket) || this.#released || socket.closed) return;
    this.#sockets.add(socket);
    socket.on('close', this.#forget);
  }

  /**
   * Closes a socket we will not use (a late dial, a shed or duplicate inbound one), counted until
   * closed. With `farewell`, the line is written first; a peer that never reads must not keep the
   * socket, so it gets a moment, then is cut.
   */
  discard(socket: Socket, farewell?: string): void {
    socket.on('error', () => undefined);
    if (this.#released) {
      socket.destroy();
      return;
    }
    this.track(socket);
    if (farewell && !socket.destroyed) {
      socket.end(farewell);
      const timer = this.setTimer(() => socket.destroy(), 1000);
      socket.once('close', () => this.clearTimer(timer));
    } else {
      socket.destroy();
    }
  }

  /** Counts `dial` (any object standing for it) until `dialSettled(dial)`. */
  dialStarted(dial: object): void {
    this.#dials.add(dial);
  }

  dialSettled(dial: object): void {
    if (!this.#dials.delete(dial) || this.#dials.size > 0) return;
    this.#dialsSettled?.();
  }

  destroyAllSockets(): void {
    for (const socket of this.#sockets.keys()) socket.destroy();
  }

  /**
   * Waits until every dial counted now has settled (so that a late socket is closed too), or
   * `graceMs` on the manager's clock has passed; then lets go of those still out — a dialer that
   * ignores its signal and never settles must not hold `stop()` forever.
   */
  async settleDials(graceMs: number): Promise<void> {
    if (this.#dials.size === 0) return;
    let timer: unknown;
    await new Promise<void>((resolve) => {
      this.#dialsSettled = resolve;
      timer = this.setTimer(resolve, graceMs);
    });
    this.#dialsSettled = undefined;
    this.clearTimer(timer);
    this.#dials.clear();
  }

  /** Resolves once every socket counted now has closed (emitted 'close': a counted one has not yet). */
  async socketsClosed(): Promise<void> {
    await Promise.all([...this.#sockets].map((socket) => new Promise((resolve) => socket.once('close', resolve))));
  }

  /**
   * The manager is stopping and has let go of its dials: every timer is cleared, and from now on a
   * socket is destroyed on sight instead of tracked. Sockets already tracked stay counted until closed.
   */
  release(): void {
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#timers.clear();
    this.#released = true;
  }

  counts(): { sockets: number; dials: number; timers: number } {
    return { sockets: this.#sockets.size, dials: this.#dials.size, timers: this.#timers.size };
  }
}
