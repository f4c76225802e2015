/**
 * What the manager holds open, counted in one place so that `stop()` can wait for it and
 * `openResources()` can report it (README, Rules: rule 8): timers on the manager's clock, sockets
 * until their 'close', and dials until their dialer settles.
 */
import type { Socket } from 'node:net';
import type { Clock } from './types.ts';

/** The timer half, all that the policies need (outbound throttle, inbound exhaustion retry). */
export interface Timers {
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export class ResourceTracker implements Timers {
  readonly #clock: Clock;
  /** Every socket we own until its 'close' (admitted, shed, held, or dialed after cancel). */
  readonly #sockets = new Map<Socket, Promise<void>>();
  /** Dial promises not yet settled (a dialer may settle after we stopped waiting for it). */
  readonly #dials = new Set<Promise<unknown>>();
  readonly #timers = new Set<unknown>();

  constructor(clock: Clock) {
    this.#clock = clock;
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
    if (this.#sockets.has(socket)) return;
    const closed = new Promise<void>((resolve) => {
      if (socket.closed) resolve();
      else socket.once('close', () => resolve());
    }).then(() => {
      this.#sockets.delete(socket);
    });
    this.#sockets.set(socket, closed);
  }

  /**
   * Closes a socket we will not use (a late dial, a shed or duplicate inbound one), counted until
   * closed. With `farewell`, the line is written first; a peer that never reads must not keep the
   * socket, so it gets a moment, then is cut.
   */
  discard(socket: Socket, farewell?: string): void {
    socket.on('error', () => undefined);
    this.track(socket);
    if (farewell && !socket.destroyed) {
      socket.end(farewell);
      const timer = this.setTimer(() => socket.destroy(), 1000);
      socket.once('close', () => this.clearTimer(timer));
    } else {
      socket.destroy();
    }
  }

  /** Counts a dial until its promise settles. */
  trackDial(settled: Promise<unknown>): void {
    this.#dials.add(settled);
    void settled.finally(() => this.#dials.delete(settled));
  }

  destroyAllSockets(): void {
    for (const socket of this.#sockets.keys()) socket.destroy();
  }

  /** Waits until every dial counted now has settled (aborted dialers settle, so a late socket is closed too). */
  async settleDials(): Promise<void> {
    await Promise.allSettled([...this.#dials]);
  }

  /** Resolves once every socket counted now has closed. */
  async socketsClosed(): Promise<void> {
    await Promise.all(this.#sockets.values());
  }

  /** Clears every timer: the manager has stopped. */
  release(): void {
    for (const timer of this.#timers) this.#clock.clearTimeout(timer);
    this.#timers.clear();
  }

  counts(): { sockets: number; dials: number; timers: number } {
    return { sockets: this.#sockets.size, dials: this.#dials.size, timers: this.#timers.size };
  }
}
