/**
 * The dials of pending records: starting one (its token, its deadline, the dialer called), what
 * its dialer answers, giving one up, and the dial timeout of rule 5 (dial-deadlines.ts). What an
 * answer *means* — established, retried, canceled — is the manager's (`DialHost`), since it
 * transitions; a late answer for an attempt that is no longer current is told apart by its token
 * (`take`).
 */
import type { Socket } from 'node:net';
import { splitAddress } from './address.ts';
import type { ConnRecord, PendingDial } from './conn-record.ts';
import { DialDeadlines } from './dial-deadlines.ts';
import { tcpConnect, tcpDialer } from './dialer.ts';
import type { ResolvedOptions } from './options.ts';
import type { ResourceTracker } from './resources.ts';
import type { ConnReason } from './types.ts';

export interface DialHost {
  now(): number;
  /** The dialer brought a socket for `dial` (maybe late: `take` tells). */
  succeeded(dial: PendingDial, socket: Socket): void;
  /** `dial` failed, or timed out (`dial-timeout`; maybe late: `take` tells). */
  failed(dial: PendingDial, reason: ConnReason, code: string | undefined, err?: Error): void;
}

/** A dial's abort before its dialer was called: there is nothing to abort yet. */
const NOT_STARTED = { abort(): void {} };

export class Dials {
  readonly #opts: Pick<ResolvedOptions, 'dial' | 'dialTimeoutMs'>;
  readonly #resources: ResourceTracker;
  readonly #host: DialHost;
  readonly #deadlines: DialDeadlines<PendingDial>;
  #nextToken = 1;

  /** `opts` is read live: a changed `dialTimeoutMs` applies from the next dial. */
  constructor(opts: Pick<ResolvedOptions, 'dial' | 'dialTimeoutMs' | 'clock'>, resources: ResourceTracker, host: DialHost) {
    this.#opts = opts;
    this.#resources = resources;
    this.#host = host;
    this.#deadlines = new DialDeadlines<PendingDial>(opts.clock, (dial) => {
      // Fail now, on our clock, even if the dialer ignores the signal; a late socket is closed.
      dial.controller.abort(new Error('dial timeout'));
      host.failed(dial, 'dial-timeout', undefined);
    });
  }

  /** Timers held for dials (one while any is pending), for `openResources()`. */
  get timers(): number {
    return this.#deadlines.timers;
  }

  /** Starts the dial of a record already `pending`. */
  start(rec: ConnRecord): void {
    rec.lastAttemptAt = this.#host.now();
    const dial: PendingDial = {
      token: this.#nextToken++,
      rec,
      controller: NOT_STARTED,
      due: rec.lastAttemptAt + this.#opts.dialTimeoutMs,
      prev: undefined,
      next: undefined,
      linked: false,
    };
    rec.dial = dial;
    this.#deadlines.add(dial);
    this.#resources.dialStarted(dial);
    this.#attempt(dial);
  }

  /**
   * Ends the current attempt's bookkeeping (off the deadline list); false if `dial` is no longer
   * the record's current attempt — a late answer of a dialer whose attempt was canceled or timed out.
   */
  take(dial: PendingDial): boolean {
    const rec = dial.rec;
    if (rec.dial?.token !== dial.token || rec.state !== 'pending') return false;
    this.#deadlines.remove(rec.dial);
    rec.dial = undefined;
    return true;
  }

  /** Drops a record's pending dial, if one was started, and tells its dialer to give up (`reason`). */
  abort(rec: ConnRecord, reason: ConnReason): void {
    const dial = rec.dial;
    if (!dial) return;
    this.#deadlines.remove(dial);
    rec.dial = undefined;
    dial.controller.abort(new Error(reason));
  }

  /** Stopping: the deadline timer goes (every dial was aborted already). */
  clear(): void {
    this.#deadlines.clear();
  }

  /**
   * Calls the dialer. The built-in TCP one is called with neither an `AbortSignal` nor a promise:
   * its attempt is aborted directly and reports back from the socket's own event, which spares
   * each dial an `AbortController` and a promise with its callbacks (measured: a good part of the
   * cost of outbound churn). Any other dialer gets a signal, as documented.
   */
  #attempt(dial: PendingDial): void {
    const addr = dial.rec.addr;
    if (this.#opts.dial === tcpDialer) {
      // Checked and normalized when requested: split, not parsed again.
      dial.controller = tcpConnect(splitAddress(addr), (socket, err) => this.#settled(dial, socket, err));
      return;
    }
    const controller = new AbortController();
    dial.controller = controller;
    let attempt: Promise<Socket>;
    try {
      attempt = Promise.resolve(this.#opts.dial(addr, controller.signal));
    } catch (err) {
      attempt = Promise.reject(err);
    }
    attempt.then(
      (socket) => this.#settled(dial, socket ?? undefined, new Error('the dialer resolved without a socket')),
      (err: unknown) => this.#settled(dial, undefined, err),
    );
  }

  /** The dialer answered: with a socket, or (without one) with why not. */
  #settled(dial: PendingDial, socket: Socket | undefined, err: unknown): void {
    this.#resources.dialSettled(dial);
    if (socket !== undefined) {
      this.#host.succeeded(dial, socket);
      return;
    }
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    const reason: ConnReason = code === 'ECONNREFUSED' ? 'dial-refused' : 'dial-error';
    this.#host.failed(dial, reason, typeof code === 'string' ? code : undefined, err instanceof Error ? err : undefined);
  }
}
