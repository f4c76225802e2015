/**
 * Token buckets, and the per-client rate limit built from them: every WebSocket frame a client
 * sends costs one frame token and its size in byte tokens, checked before the frame is decoded,
 * so a client flooding frames (of any kind or size) is refused cheaply instead of starving the
 * others. See README "Wire protocol" for the numbers. The bucket itself is the manager's
 * (inbound admission uses it too).
 */
import { TokenBucket, type BucketLimit } from '../connmgr/token-bucket.ts';

export { TokenBucket, type BucketLimit };

/** The bridge's `rateLimit` option: frames and bytes per client. */
export interface RateLimit extends BucketLimit {
  /** Sustained bytes per second (frame payloads, any kind). */
  readonly bytesPerSec: number;
  /** Bytes allowed at once after a quiet spell. */
  readonly burstBytes: number;
}

/** One client's frame and byte buckets: a frame passes only if both have room, and then takes from both. */
export class FrameLimiter {
  readonly #frames: TokenBucket;
  readonly #bytes: TokenBucket;

  constructor(limit: RateLimit, now?: () => number) {
    this.#frames = new TokenBucket({ perSec: limit.perSec, burst: limit.burst }, now);
    this.#bytes = new TokenBucket({ perSec: limit.bytesPerSec, burst: limit.burstBytes }, now);
  }

  /** Admits a frame of `bytes` (taking a frame token and `bytes` byte tokens), or refuses it (taking nothing). */
  admit(bytes: number): boolean {
    if (!this.#frames.canTake(1) || !this.#bytes.canTake(bytes)) return false;
    this.#frames.take(1);
    this.#bytes.take(bytes);
    return true;
  }
}
