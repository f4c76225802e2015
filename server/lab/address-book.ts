/**
 * A btcd-like address book feeding the manager's `getNewAddress`. It tracks, per address, how
 * many times it was handed out (an *attempt*, as btcd's `Attempt`) and when, and picks:
 *   1. an address gossip brought around again (`refresh`), the latest first: news is tried first;
 *   2. else an address never tried (a seeded random one among them, so the order is not insertion order);
 *   3. else the least recently tried (ties: fewer attempts, then insertion order).
 * Addresses the manager already uses (known through `setInUse`) are skipped, as btcd's
 * `newAddressFunc` skips groups it is connected to. Deterministic: ordering uses an attempt
 * sequence number, not the wall clock, so the same seed and the same calls give the same picks.
 */
import { LabError } from './errors.ts';
import type { Rng } from './prng.ts';

export interface AddressBookOptions {
  /** Seeded randomness for choosing among untried addresses. */
  rng: Rng;
  /** Time source for `lastAttemptAt` (display only). @default Date.now */
  now?: () => number;
  /** Most addresses kept; adding past it evicts the most-tried, least recently tried. @default 1000 */
  maxSize?: number;
}

/** One address and its history. */
export interface AddressEntry {
  readonly addr: string;
  attempts: number;
  /** Clock time of the last hand-out, or null if never tried. */
  lastAttemptAt: number | null;
  /** Clock time the manager last reported it established, or null. */
  lastSuccessAt: number | null;
}

interface Slot extends AddressEntry {
  /** Insertion order. */
  readonly order: number;
  /** Sequence number of the last hand-out (0 = never): the deterministic recency order. */
  lastAttemptSeq: number;
  /** Set by `refresh` (a sequence number, latest highest) until the next hand-out; 0 otherwise. */
  refreshedSeq: number;
}

export class AddressBook {
  readonly #rng: Rng;
  readonly #now: () => number;
  readonly #maxSize: number;
  readonly #slots = new Map<string, Slot>();
  readonly #inUse = new Set<string>();
  #order = 0;
  #seq = 0;

  constructor(options: AddressBookOptions) {
    this.#rng = options.rng;
    this.#now = options.now ?? Date.now;
    this.#maxSize = options.maxSize ?? 1000;
    if (!Number.isSafeInteger(this.#maxSize) || this.#maxSize < 1) throw new TypeError('maxSize must be an integer >= 1');
  }

  get size(): number {
    return this.#slots.size;
  }

  /** Addresses handed out at least once. */
  get tried(): number {
    let n = 0;
    for (const s of this.#slots.values()) if (s.attempts > 0) n += 1;
    return n;
  }

  has(addr: string): boolean {
    return this.#slots.has(addr);
  }

  /** Adds an address (no-op if known); past `maxSize` evicts the least useful one. Returns true if added. */
  add(addr: string): boolean {
    if (this.#slots.has(addr)) return false;
    if (this.#slots.size >= this.#maxSize) this.#evictOne();
    this.#slots.set(addr, {
      addr,
      attempts: 0,
      lastAttemptAt: null,
      lastSuccessAt: null,
      order: this.#order++,
      lastAttemptSeq: 0,
      refreshedSeq: 0,
    });
    return true;
  }

  /**
   * Gossip brought a known address around again, as news: its attempt history is forgotten and it
   * is handed out next, before the untried ones (the latest refreshed first). Its last success is
   * kept. Returns false (and changes nothing) for an unknown address or one in use.
   */
  refresh(addr: string): boolean {
    const s = this.#slots.get(addr);
    if (!s || this.#inUse.has(addr)) return false;
    s.attempts = 0;
    s.lastAttemptSeq = 0;
    s.lastAttemptAt = null;
    s.refreshedSeq = ++this.#seq;
    return true;
  }

  remove(addr: string): boolean {
    this.#inUse.delete(addr);
    return this.#slots.delete(addr);
  }

  /** Forgets every address (a lesson starts from an empty book). */
  clear(): void {
    this.#slots.clear();
    this.#inUse.clear();
  }

  /** A copy of one entry's history. */
  get(addr: string): AddressEntry | undefined {
    const s = this.#slots.get(addr);
    return s && { addr: s.addr, attempts: s.attempts, lastAttemptAt: s.lastAttemptAt, lastSuccessAt: s.lastSuccessAt };
  }

  /** Marks an address as used (or no longer used) by a live connection: it is skipped meanwhile. */
  setInUse(addr: string, inUse: boolean): void {
    if (inUse) {
      if (this.#slots.has(addr)) this.#inUse.add(addr);
    } else {
      this.#inUse.delete(addr);
    }
  }

  /** btcd's `Good`: the address produced an established connection. */
  markGood(addr: string): void {
    const s = this.#slots.get(addr);
    if (s) s.lastSuccessAt = this.#now();
  }

  /**
   * Picks the next address and records the attempt.
   * @throws LabError `ERR_LAB_NO_ADDRESS` when the book is empty or every address is in use.
   */
  take(): string {
    const untried: Slot[] = [];
    let oldest: Slot | undefined;
    let news: Slot | undefined;
    for (const s of this.#slots.values()) {
      if (this.#inUse.has(s.addr)) continue;
      if (s.refreshedSeq > (news?.refreshedSeq ?? 0)) news = s;
      if (s.attempts === 0) {
        untried.push(s);
      } else if (
        oldest === undefined ||
        s.lastAttemptSeq < oldest.lastAttemptSeq ||
        (s.lastAttemptSeq === oldest.lastAttemptSeq && s.attempts < oldest.attempts)
      ) {
        oldest = s;
      }
    }
    // Without news the rng is drawn exactly as before, so picks stay what they were for a seed.
    const chosen = news ?? (untried.length > 0 ? this.#rng.pick(untried) : oldest);
    if (chosen === undefined) {
      throw new LabError(
        'ERR_LAB_NO_ADDRESS',
        this.#slots.size === 0
          ? 'the address book is empty: add a peer first'
          : `all ${this.#slots.size} addresses in the book are already in use`,
      );
    }
    chosen.attempts += 1;
    chosen.refreshedSeq = 0;
    chosen.lastAttemptSeq = ++this.#seq;
    chosen.lastAttemptAt = this.#now();
    return chosen.addr;
  }

  /** `take()` as the manager's address source: a promise that rejects instead of throwing. */
  getNewAddress(): Promise<string> {
    try {
      return Promise.resolve(this.take());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Evicts the entry least worth keeping: never succeeded, most attempts, oldest attempt. */
  #evictOne(): void {
    let worst: Slot | undefined;
    for (const s of this.#slots.values()) {
      if (this.#inUse.has(s.addr)) continue;
      if (worst === undefined || evictsBefore(s, worst)) worst = s;
    }
    // Every address in use: evict the oldest insertion rather than growing past the cap.
    worst ??= this.#slots.values().next().value;
    if (worst) this.remove(worst.addr);
  }
}

/** True if `a` is less worth keeping than `b`. */
function evictsBefore(a: Slot, b: Slot): boolean {
  const aNeverGood = a.lastSuccessAt === null;
  const bNeverGood = b.lastSuccessAt === null;
  if (aNeverGood !== bNeverGood) return aNeverGood;
  if (a.attempts !== b.attempts) return a.attempts > b.attempts;
  return a.lastAttemptSeq < b.lastAttemptSeq;
}
