/**
 * The manager's ban policy (README "Ban score", rule 11): ban-score.ts's `BanPolicy` with what a
 * running manager adds to it — the time from its clock, one timer for the soonest ban to run out
 * (so an expiry is an event, on time, and not only noticed at the next question), and the events.
 * What a ban does to connections (close them, refuse the host) the manager performs; this only
 * decides and tells.
 *
 * Hosts are the host part of an address, exactly as the manager spells it (address.ts): an IPv4
 * address, an IPv6 address in its canonical form, or a lower-case name. A ban of `10.0.0.1` is not
 * a ban of a name that resolves to it — btcd bans by the address a peer came from, as here.
 */
import { BanPolicy, type Ban, type BanPolicyOptions, type Penalty } from './ban-score.ts';
import { hostOf } from './address.ts';
import { bannedError, ConnMgrError } from './errors.ts';
import type { Timers } from './resources.ts';
import type { ConnManagerEvents } from './types.ts';

export interface BanHost {
  now(): number;
  emit<K extends 'peer:penalized' | 'peer:banned' | 'peer:unbanned'>(name: K, event: ConnManagerEvents[K]): void;
  warn(message: string): void;
  /** A ban was made (and told): the manager ends every request and connection of `host`. */
  enforce(host: string): void;
}

/** What `penalize()` takes. */
export interface PenaltyInput {
  persistent?: number;
  transient?: number;
  reason: string;
}

/** Longest ban a timer can wait for at once (setTimeout's limit); a longer one re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class BanKeeper {
  readonly policy: BanPolicy;
  readonly #timers: Timers;
  readonly #host: BanHost;
  /** Bans made and not yet told as ended, by host: the expiry timer works from these. */
  readonly #ends = new Map<string, number>();
  #timer: unknown;
  #timerAt = Number.POSITIVE_INFINITY;
  #totalBans = 0;

  readonly #defaultDurationMs: number;

  constructor(options: BanPolicyOptions & { banDurationMs: number }, timers: Timers, host: BanHost) {
    this.policy = new BanPolicy(options);
    this.#defaultDurationMs = options.banDurationMs;
    this.#timers = timers;
    this.#host = host;
  }

  isAllowed(host: string): boolean {
    return this.policy.isAllowed(host);
  }

  isBanned(host: string): boolean {
    return this.#ends.size > 0 && this.policy.isBanned(host, this.#host.now());
  }

  /** Before a dial of `addr` is requested (rule 11). @throws ConnMgrError `ERR_BANNED`, with the ban's end and reason. */
  assertNotBanned(addr: string): void {
    if (this.#ends.size === 0) return; // no ban in force: nothing to parse
    const host = hostOf(addr);
    if (this.isBanned(host))
      throw bannedError(
        addr,
        this.bans().find((b) => b.host === host),
      );
  }

  score(host: string): number {
    return this.policy.score(host, this.#host.now());
  }

  /**
   * Adds to `host`'s score for connection `id`'s behaviour; past the threshold it bans.
   * @throws ConnMgrError `ERR_INVALID_ARGUMENT` for a bad penalty (naming the part).
   */
  penalize(host: string, id: number, input: PenaltyInput): Penalty {
    const { persistent = 0, transient = 0, reason } = input ?? ({} as PenaltyInput);
    for (const [name, n] of [
      ['persistent', persistent],
      ['transient', transient],
    ] as const) {
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
        throw new ConnMgrError('ERR_INVALID_ARGUMENT', `penalty ${name} must be an integer >= 0, got ${JSON.stringify(n)}`);
      }
    }
    const why = checkReason(reason);
    const now = this.#host.now();
    const penalty = this.policy.penalize(host, persistent, transient, why, now);
    if (penalty.warned) this.#host.warn(`connmgr: ${host} reached ban score ${penalty.score} (${why}); bans at ${this.policy.threshold}`);
    this.#host.emit('peer:penalized', {
      host,
      id,
      persistent,
      transient,
      score: penalty.score,
      reason: why,
      warned: penalty.warned,
      at: now,
    });
    if (penalty.ban) this.#made(penalty.ban, now, penalty.score);
    return penalty;
  }

  /**
   * Bans `host` for `durationMs` (default `banDurationMs`); a ban already in force is replaced.
   * @throws ConnMgrError `ERR_INVALID_ARGUMENT` for a bad duration or reason, or a host of `allowHosts`.
   */
  ban(host: string, options: { durationMs?: number; reason?: string }): Ban {
    const { durationMs = this.#defaultDurationMs, reason = 'banned by the operator' } = options ?? {};
    if (typeof durationMs !== 'number' || !Number.isSafeInteger(durationMs) || durationMs < 1) {
      throw new ConnMgrError('ERR_INVALID_ARGUMENT', `ban durationMs must be an integer >= 1, got ${JSON.stringify(durationMs)}`);
    }
    const now = this.#host.now();
    const ban = this.policy.ban(host, durationMs, checkReason(reason), now);
    if (!ban) throw new ConnMgrError('ERR_INVALID_ARGUMENT', `${host} is on allowHosts and is never banned`);
    this.#made(ban, now);
    return { ...ban };
  }

  /** Lifts `host`'s ban (and forgets its score); false if it had none. */
  unban(host: string): boolean {
    const had = this.#ends.delete(host);
    this.policy.unban(host);
    if (had) this.#host.emit('peer:unbanned', { host, reason: 'unbanned', at: this.#host.now() });
    this.#schedule();
    return had;
  }

  bans(): Ban[] {
    return this.policy.bans(this.#host.now());
  }

  scores(): { host: string; score: number }[] {
    return this.policy.scores(this.#host.now());
  }

  stats(): { bannedHosts: number; totalBans: number } {
    return { bannedHosts: this.#ends.size, totalBans: this.#totalBans };
  }

  /** The manager stopped: the expiry timer goes (the resource tracker clears it too). */
  stop(): void {
    this.#timers.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  /**
   * The event first (the cause), then the closes it causes, each with reason `banned`. `at` is the
   * time the ban was computed from, so `until − at` is exactly its duration (a later clock read
   * on a busy loop made a 2-minute ban read "1 min 59 s").
   */
  #made(ban: Ban, at: number, score?: number): void {
    this.#totalBans += 1;
    this.#ends.set(ban.host, ban.until);
    const { host, until, reason } = ban;
    this.#host.emit('peer:banned', { host, until, reason, ...(score === undefined ? {} : { score }), at });
    this.#host.enforce(host);
    this.#schedule();
  }

  /** One timer, for the soonest end. */
  #schedule(): void {
    let soonest = Number.POSITIVE_INFINITY;
    for (const until of this.#ends.values()) soonest = Math.min(soonest, until);
    if (soonest === this.#timerAt) return;
    this.#timers.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#timerAt = soonest;
    if (soonest === Number.POSITIVE_INFINITY) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, soonest - this.#host.now()));
    this.#timer = this.#timers.setTimer(() => {
      this.#timer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#expire();
    }, delay);
  }

  #expire(): void {
    const now = this.#host.now();
    for (const [host, until] of [...this.#ends]) {
      if (until > now) continue;
      this.#ends.delete(host);
      this.policy.isBanned(host, now); // lets the policy forget the ban and its score
      this.#host.emit('peer:unbanned', { host, reason: 'expired', at: now });
    }
    this.#schedule();
  }
}

/** A penalty's or ban's reason: short text for the log and the page. */
function checkReason(reason: unknown): string {
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 200) {
    throw new ConnMgrError(
      'ERR_INVALID_ARGUMENT',
      `reason must be a non-empty string of at most 200 characters, got ${JSON.stringify(reason)}`,
    );
  }
  return reason;
}
