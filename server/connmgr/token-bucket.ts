/**
 * A token bucket: `burst` tokens at once after a quiet spell, refilled at `perSec`. Used by the
 * manager's inbound admission (per host) and by the bridge's per-client rate limit.
 */

/** A bucket's shape: `burst` tokens at once after a quiet spell, refilled at `perSec`. */
export interface BucketLimit {
  readonly perSec: number;
  readonly burst: number;
}

export class TokenBucket {
  readonly limit: BucketLimit;
  readonly #now: () => number;
  /** Negative while in debt (see `canTake`). */
  #tokens: number;
  #refilledAt: number;

  constructor(limit: BucketLimit, now: () => number = () => performance.now()) {
    if (!(limit.perSec > 0) || !(limit.burst >= 1)) throw new TypeError('rate limit needs perSec > 0 and burst >= 1');
    this.limit = limit;
    this.#now = now;
    this.#tokens = limit.burst;
    this.#refilledAt = now();
  }

  /** Tokens available now (refilled for the time passed); negative while in debt. */
  available(): number {
    const now = this.#now();
    const elapsedSec = Math.max(0, now - this.#refilledAt) / 1000;
    this.#tokens = Math.min(this.limit.burst, this.#tokens + elapsedSec * this.limit.perSec);
    this.#refilledAt = now;
    return this.#tokens;
  }

  /**
   * Whether `cost` may be taken now: the tokens cover it — or, for a cost beyond the burst, the
   * bucket is full (it is then taken as a debt, repaid by refilling, so the long-run rate holds
   * even for something that never fits; otherwise it could never be allowed at all).
   */
  canTake(cost = 1): boolean {
    return cost <= 0 || this.available() >= Math.min(cost, this.limit.burst);
  }

  /** Takes `cost` tokens if `canTake(cost)`; false (and nothing taken) otherwise. */
  take(cost = 1): boolean {
    if (!this.canTake(cost)) return false;
    this.#tokens -= Math.max(0, cost);
    return true;
  }

  /** Milliseconds until `canTake(cost)` (0 if it already can). */
  msUntil(cost = 1): number {
    const missing = Math.min(cost, this.limit.burst) - this.available();
    return missing <= 0 ? 0 : Math.ceil((missing / this.limit.perSec) * 1000);
  }
}
