/**
 * A token bucket: `burst` commands at once, refilled at `perSec`. One per WebSocket client, so a
 * client flooding commands is refused (`ERR_RATE_LIMITED`) instead of starving the others.
 */
export interface RateLimit {
  /** Sustained commands per second. */
  readonly perSec: number;
  /** Commands allowed at once after a quiet spell. */
  readonly burst: number;
}

export class TokenBucket {
  readonly #limit: RateLimit;
  readonly #now: () => number;
  #tokens: number;
  #refilledAt: number;

  constructor(limit: RateLimit, now: () => number = () => performance.now()) {
    if (!(limit.perSec > 0) || !(limit.burst >= 1)) throw new TypeError('rate limit needs perSec > 0 and burst >= 1');
    this.#limit = limit;
    this.#now = now;
    this.#tokens = limit.burst;
    this.#refilledAt = now();
  }

  /** Takes one token; false when the bucket is empty (the caller refuses the command). */
  take(): boolean {
    const now = this.#now();
    const elapsedSec = Math.max(0, now - this.#refilledAt) / 1000;
    this.#tokens = Math.min(this.#limit.burst, this.#tokens + elapsedSec * this.#limit.perSec);
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
