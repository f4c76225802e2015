/**
 * The dynamic ban score of btcd and dcrd (README "Ban score"): per host, a persistent part that
 * only grows, plus a transient part that halves every `halfLifeMs` and is ignored entirely once
 * `lifetimeMs` passed since it last grew. The score is the persistent part plus the transient one
 * rounded down, so a burst of small misdeeds fades while a steady misbehaviour adds up.
 *
 * `BanPolicy` keeps one score per host, warns at `warnThreshold`, bans at `banThreshold` for
 * `banDurationMs`, and never bans a host of `allowHosts` (addresses and CIDR ranges, btcd's
 * whitelist). Pure: every call takes the time, so tests run on virtual time.
 */
import { BlockList, isIP } from 'node:net';

/** The transient part halves this often. @default 60000 (btcd: 60 s) */
export const BAN_HALF_LIFE_MS = 60_000;
/** Past this since it last grew, the transient part counts as zero (btcd: 30 min). */
export const BAN_LIFETIME_MS = 30 * 60_000;

export class BanScore {
  persistent = 0;
  #transient = 0;
  #lastAt = 0;
  readonly #halfLifeMs: number;

  constructor(halfLifeMs = BAN_HALF_LIFE_MS) {
    this.#halfLifeMs = halfLifeMs;
  }

  /** The transient part at `now`, decayed (unrounded). */
  transient(now: number): number {
    const dt = now - this.#lastAt;
    if (this.#transient === 0 || dt >= BAN_LIFETIME_MS) return 0;
    if (dt <= 0) return this.#transient;
    return this.#transient * 2 ** (-dt / this.#halfLifeMs);
  }

  /** The score at `now`: persistent + ⌊transient⌋. */
  value(now: number): number {
    return this.persistent + Math.floor(this.transient(now));
  }

  /** Adds to both parts (the transient part decays from now on) and returns the new score. */
  increase(persistent: number, transient: number, now: number): number {
    this.persistent += persistent;
    if (transient > 0) {
      this.#transient = this.transient(now) + transient;
      this.#lastAt = now;
    }
    return this.value(now);
  }
}

export interface BanPolicyOptions {
  /** @default 50 */
  banWarnThreshold?: number;
  /** @default 100 */
  banThreshold?: number;
  /** @default 86400000 (24 h) */
  banDurationMs?: number;
  /** @default BAN_HALF_LIFE_MS */
  banHalfLifeMs?: number;
  /** Hosts and CIDR ranges never banned (and, in the manager, exempt from inbound limits). */
  allowHosts?: readonly string[];
}

export interface Ban {
  host: string;
  /** Time the ban ends. */
  until: number;
  reason: string;
}

export interface Penalty {
  score: number;
  /** The host crossed the warning threshold with this penalty. */
  warned: boolean;
  /** The host is banned now (by this penalty or before). */
  banned: boolean;
  /** The ban this penalty made, if it made one. */
  ban?: Ban;
}

/** Hosts whose scores are kept; past it the lowest-scored go first (a scan cannot grow the table). */
export const MAX_SCORED_HOSTS = 10_000;

export class BanPolicy {
  readonly warnThreshold: number;
  readonly threshold: number;
  readonly durationMs: number;
  readonly #halfLifeMs: number;
  readonly #allow = new BlockList();
  readonly allowHosts: readonly string[];
  readonly #scores = new Map<string, BanScore>();
  readonly #bans = new Map<string, Ban>();

  /** @throws TypeError for a malformed threshold or allowHosts entry (naming it). */
  constructor(o: BanPolicyOptions = {}) {
    this.warnThreshold = whole(o.banWarnThreshold ?? 50, 'banWarnThreshold');
    this.threshold = whole(o.banThreshold ?? 100, 'banThreshold');
    this.durationMs = whole(o.banDurationMs ?? 86_400_000, 'banDurationMs');
    this.#halfLifeMs = whole(o.banHalfLifeMs ?? BAN_HALF_LIFE_MS, 'banHalfLifeMs');
    if (this.threshold < 1) throw new TypeError('option banThreshold must be at least 1');
    this.allowHosts = [...(o.allowHosts ?? [])];
    for (const entry of this.allowHosts) addAllowed(this.#allow, entry);
  }

  /** Whether `host` is on the allow list (never banned, exempt from inbound limits). */
  isAllowed(host: string): boolean {
    const family = isIP(host);
    if (family === 0) return false;
    return this.#allow.check(host, family === 6 ? 'ipv6' : 'ipv4');
  }

  /** The host's score now (0 for one never penalized). */
  score(host: string, now: number): number {
    return this.#scores.get(host)?.value(now) ?? 0;
  }

  /** Adds to the host's score; at the threshold it is banned (unless allowed). */
  penalize(host: string, persistent: number, transient: number, reason: string, now: number): Penalty {
    let s = this.#scores.get(host);
    if (!s) {
      s = new BanScore(this.#halfLifeMs);
      this.#scores.set(host, s);
    }
    const before = s.value(now);
    const score = s.increase(persistent, transient, now);
    const warned = before < this.warnThreshold && score >= this.warnThreshold;
    if (this.#scores.size > MAX_SCORED_HOSTS) this.#prune(host, now);
    if (score >= this.threshold && !this.isBanned(host, now) && !this.isAllowed(host)) {
      const ban = this.ban(host, this.durationMs, reason, now);
      if (ban) return { score, warned, banned: true, ban };
    }
    return { score, warned, banned: this.isBanned(host, now) };
  }

  /** Hosts with a score above 0 now, highest first; scores that have faded to 0 are forgotten. */
  scores(now: number): { host: string; score: number }[] {
    const out: { host: string; score: number }[] = [];
    for (const [host, s] of this.#scores) {
      const score = s.value(now);
      if (score > 0) out.push({ host, score });
      else if (!this.#bans.has(host)) this.#scores.delete(host);
    }
    return out.sort((a, b) => b.score - a.score || (a.host < b.host ? -1 : 1));
  }

  /** Over the cap: drops faded scores, then the lowest, never `keep`'s nor a banned host's. */
  #prune(keep: string, now: number): void {
    const ranked = [...this.#scores].filter(([h]) => h !== keep && !this.#bans.has(h)).sort(([, a], [, b]) => a.value(now) - b.value(now));
    for (const [h] of ranked) {
      if (this.#scores.size <= MAX_SCORED_HOSTS) break;
      this.#scores.delete(h);
    }
  }

  /** Bans `host` until `now + durationMs`; returns the ban, or null for an allowed host. */
  ban(host: string, durationMs: number, reason: string, now: number): Ban | null {
    if (this.isAllowed(host)) return null;
    const ban = { host, until: now + durationMs, reason };
    this.#bans.set(host, ban);
    return ban;
  }

  /** Lifts a ban and forgets the score; returns whether there was a ban. */
  unban(host: string): boolean {
    this.#scores.delete(host);
    return this.#bans.delete(host);
  }

  isBanned(host: string, now: number): boolean {
    const ban = this.#bans.get(host);
    if (!ban) return false;
    if (now < ban.until) return true;
    this.#bans.delete(host);
    this.#scores.delete(host);
    return false;
  }

  /** Bans in force at `now`, soonest to end first. */
  bans(now: number): Ban[] {
    return [...this.#bans.values()].filter((b) => this.isBanned(b.host, now)).sort((a, b) => a.until - b.until);
  }
}

function addAllowed(list: BlockList, entry: string): void {
  const [addr, bits, extra] = entry.split('/');
  const family = isIP(addr ?? '');
  const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
  if (family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
    throw new TypeError(`allowHosts entry "${entry}" must be an IP address or a CIDR range (e.g. 10.0.0.0/8, fd00::/8)`);
  }
  list.addSubnet(addr!, prefix, family === 6 ? 'ipv6' : 'ipv4');
}

function whole(n: number, name: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`option ${name} must be a whole number, got ${n}`);
  return n;
}
