/**
 * Rule 1 (README "Rules"), automatic outbound: keeps `targetOutbound` requests going, each to a
 * fresh address from the address source, and past `maxFailedAttempts` failures in a row allows one
 * new attempt per `retryDelayMs` (the outage pause, `outbound:throttled`).
 *
 * Addresses come in, dial requests and throttle events go out; the filler never sees a socket or
 * a record. The manager counts the automatic connections, creates the record and performs every
 * transition (`OutboundHost.dial`), and tells the filler how each ended (`failed`/`succeeded`).
 * So the rule runs in outbound-filler.test.ts on a virtual clock with a stand-in host.
 */
import { hostOf, normalizeAddress } from './address.ts';
import type { AddressSource, ResolvedOptions } from './options.ts';
import type { Timers } from './resources.ts';
import type { OutboundCause } from './rule-ids.ts';
import type { ConnStateEvent, ConnStats, OutboundThrottledEvent } from './types.ts';

export interface OutboundHost {
  /** Only a running manager dials. */
  running(): boolean;
  /** Automatic connections live now (pending ones count). */
  count(): number;
  target(): number;
  /** The address is taken by any connection or persistent entry (rule 3). */
  inUse(addr: string): boolean;
  /** The address's host is banned (rule 11): the source's answer is skipped. */
  isBanned(host: string): boolean;
  /** Starts the automatic request to `addr`: a new record, `pending`, dialed. */
  dial(addr: string, cause: OutboundCause): void;
  throttled(event: Omit<OutboundThrottledEvent, 'at'>): void;
  warn(message: string): void;
}

/** The options the filler reads, live (the manager's options object, changed in place by `configure`). */
export type OutboundRules = Pick<ResolvedOptions, 'getNewAddress' | 'maxFailedAttempts' | 'retryDelayMs'>;

export class OutboundFiller {
  readonly #rules: OutboundRules;
  readonly #host: OutboundHost;
  readonly #timers: Timers;
  /** Address requests still waiting for the source: they count towards the target. */
  #asking = 0;
  #consecutiveFailures = 0;
  #throttledAttempts = 0;
  #throttleTimer: unknown;

  constructor(rules: OutboundRules, timers: Timers, host: OutboundHost) {
    this.#rules = rules;
    this.#host = host;
    this.#timers = timers;
  }

  /** Its counters in `stats()`; `throttledAttempts` are the attempts the outage pause let through. */
  stats(): Pick<ConnStats, 'consecutiveFailedAttempts' | 'throttledAttempts'> {
    return { consecutiveFailedAttempts: this.#consecutiveFailures, throttledAttempts: this.#throttledAttempts };
  }

  /** `cause`: towards the target (start, a raised target, after a success) or replacing a failed/closed one. */
  fill(cause: 'outbound-fill' | 'replace-failed-outbound'): void {
    if (!this.#host.running() || !this.#rules.getNewAddress) return;
    while (this.#host.count() + this.#asking < this.#host.target()) {
      if (this.#consecutiveFailures >= this.#rules.maxFailedAttempts) {
        this.#scheduleThrottledAttempt();
        return;
      }
      void this.#request(cause);
    }
  }

  /** An automatic dial failed: one more failure in a row, and the slot is refilled. */
  failed(): void {
    this.#consecutiveFailures += 1;
    this.fill('replace-failed-outbound');
  }

  /** Only a successful automatic dial ends an outage: fill the target at full speed again. */
  succeeded(): void {
    this.#consecutiveFailures = 0;
    this.#timers.clearTimer(this.#throttleTimer);
    this.#throttleTimer = undefined;
    this.fill('outbound-fill');
  }

  stop(): void {
    this.#timers.clearTimer(this.#throttleTimer);
    this.#throttleTimer = undefined;
  }

  /**
   * Past `maxFailedAttempts` failures in a row the network is probably down: allow one new
   * automatic attempt per `retryDelayMs`, instead of spinning through the address book.
   */
  #scheduleThrottledAttempt(): void {
    if (this.#throttleTimer !== undefined) return;
    const delayMs = this.#rules.retryDelayMs;
    this.#host.throttled({ failedAttempts: this.#consecutiveFailures, delayMs, rule: 'outage-pause' });
    this.#throttleTimer = this.#timers.setTimer(() => {
      this.#throttleTimer = undefined;
      if (!this.#host.running()) return;
      if (this.#host.count() + this.#asking >= this.#host.target()) return;
      this.#throttledAttempts += 1;
      void this.#request('outage-pause');
    }, delayMs);
  }

  async #request(cause: OutboundCause): Promise<void> {
    const source = this.#rules.getNewAddress;
    if (!source) return;
    this.#asking += 1;
    let addr: string;
    try {
      addr = normalizeAddress(await source());
    } catch (err) {
      this.#asking -= 1;
      if (!this.#host.running()) return;
      // An expected condition (e.g. no address to give): its message says it all, a stack would
      // only multiply the output.
      this.#host.warn(`connmgr: address source failed: ${err instanceof Error ? err.message : String(err)}`);
      this.failed();
      return;
    }
    this.#asking -= 1;
    // Re-check after the await: stopped, or the target lowered meanwhile.
    if (!this.#host.running()) return;
    if (this.#host.count() >= this.#host.target()) return;
    if (this.#host.inUse(addr) || this.#host.isBanned(hostOf(addr))) {
      this.failed();
      return;
    }
    this.#host.dial(addr, cause);
  }
}

const FAILED_DIAL: ReadonlySet<string> = new Set(['dial-refused', 'dial-timeout', 'dial-error']);

/**
 * Tells an address book (option `addressBook`) what became of an automatic outbound connection,
 * from the manager's own `conn:state` events: established → `markGood`; a dial that failed →
 * `markFailed`; the end of one that was up, or of a request dropped for another reason (removed,
 * shutdown) → `markClosed`. Other connection types are the operator's, not the book's.
 */
export function reportToAddressBook(book: AddressSource, e: ConnStateEvent): void {
  if (e.type !== 'outbound') return;
  if (e.to === 'established') book.markGood?.(e.addr);
  else if (e.to === 'disconnected' || e.to === 'canceled') {
    if (e.from === 'pending' && FAILED_DIAL.has(e.reason)) book.markFailed?.(e.addr);
    else book.markClosed?.(e.addr);
  }
}
