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
import type { Timers } from './resources.ts';
import type { PeerBannedEvent, PeerPenalizedEvent, PeerUnbannedEvent } from './types.ts';

export interface BanHost {
  now(): number;
  penalized(event: Omit<PeerPenalizedEvent, 'at'>): void;
  /** A ban was made: the manager closes the host's connections, then tells. */
  banned(event: Omit<PeerBannedEvent, 'at'>): void;
  unbanned(event: Omit<PeerUnbannedEvent, 'at'>): void;
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

  constructor(options: BanPolicyOptions, timers: Timers, host: BanHost) {
    this.policy = new BanPolicy(options);
    this.#timers = timers;
    this.#host = host;
  }

  isAllowed(host: string): boolean {
    return this.policy.isAllowed(host);
  }

  isBanned(host: string): boolean {
    return this.#ends.size > 0 && this.policy.isBanned(host, this.#host.now());
  }

  score(host: string): number {
    return this.policy.score(host, this.#host.now());
  }

  /** Adds to `host`'s score for connection `id`'s behaviour; past the threshold it bans. */
  penalize(host: string, id: number, persistent: number, transient: number, reason: string): Penalty {
    const penalty = this.policy.penalize(host, persistent, transient, reason, this.#host.now());
    this.#host.penalized({ host, id, persistent, transient, score: penalty.score, reason, warned: penalty.warned });
    if (penalty.ban) this.#made(penalty.ban, penalty.score);
    return penalty;
  }

  /** Bans `host` for `durationMs` (a ban already in force is replaced); null for an allowed host. */
  ban(host: string, durationMs: number, reason: string): Ban | null {
    const ban = this.policy.ban(host, durationMs, reason, this.#host.now());
    if (ban) this.#made(ban);
    return ban;
  }

  /** Lifts `host`'s ban (and forgets its score); false if it had none. */
  unban(host: string): boolean {
    const had = this.#ends.delete(host);
    this.policy.unban(host);
    if (had) this.#host.unbanned({ host, reason: 'unbanned' });
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

  #made(ban: Ban, score?: number): void {
    this.#totalBans += 1;
    this.#ends.set(ban.host, ban.until);
    this.#host.banned({ host: ban.host, until: ban.until, reason: ban.reason, ...(score === undefined ? {} : { score }) });
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
      this.#host.unbanned({ host, reason: 'expired' });
    }
    this.#schedule();
  }
}
