/**
 * What one WebSocket client may cost the server, decided before any work is done for it:
 *
 * - every frame goes through the client's frame and byte buckets (`rateLimit`) before it is
 *   decoded: a refused frame is never parsed;
 * - a refused frame gets an `ERR_RATE_LIMITED` reply only within a small reply budget, so a flood
 *   gets a few replies, not one per frame;
 * - refusals draw on an allowance that refills slowly: a client that keeps sending too much
 *   empties it and is closed with 1008 (policy violation);
 * - `history` replies and `resume` streams draw on a byte budget, so a small request cannot make
 *   the server send megabytes many times a second.
 *
 * Pure (an injected clock), so the rules are tested exactly on virtual time.
 */
import type { CommandError } from '../protocol/index.ts';
import { FrameLimiter, TokenBucket, type BucketLimit, type RateLimit } from './rate-limit.ts';

/** `ERR_RATE_LIMITED` replies to refused frames: one per second, a few at once. */
export const REFUSAL_REPLIES: BucketLimit = { perSec: 1, burst: 3 };

/**
 * Refused frames a client may accumulate before it is closed with 1008: 50 at once, plus 2 per
 * second for ever — so a client that sends a little too much now and then is only refused, and
 * one that keeps overrunning (more than 2 refused frames a second, sustained) is cut off.
 */
export const REFUSAL_ALLOWANCE: BucketLimit = { perSec: 2, burst: 50 };

/** Bytes of `history` replies and `resume` streams per client: 1 MiB at once, 256 KiB/s after. */
export const REPLAY_BUDGET: BucketLimit = { perSec: 256 * 1024, burst: 1024 * 1024 };

/** What to do with a frame: handle it, refuse it with a reply, refuse it silently, or close the client. */
export type FrameVerdict = 'admit' | 'refuse-with-reply' | 'refuse-silently' | 'close';

export class ClientBudget {
  readonly #frames: FrameLimiter;
  readonly #replies: TokenBucket;
  readonly #allowance: TokenBucket;
  /** Bytes of `history` replies and `resume` streams (see REPLAY_BUDGET). */
  readonly replay: TokenBucket;

  constructor(limit: RateLimit, now?: () => number) {
    this.#frames = new FrameLimiter(limit, now);
    this.#replies = new TokenBucket(REFUSAL_REPLIES, now);
    this.#allowance = new TokenBucket(REFUSAL_ALLOWANCE, now);
    this.replay = new TokenBucket(REPLAY_BUDGET, now);
  }

  /** Decides about a frame of `bytes` (any kind) before anything reads it. */
  onFrame(bytes: number): FrameVerdict {
    if (this.#frames.admit(bytes)) return 'admit';
    if (!this.#allowance.take(1)) return 'close';
    return this.#replies.take(1) ? 'refuse-with-reply' : 'refuse-silently';
  }
}

/** The error a refused frame's reply carries. */
export function rateLimitedError({ perSec, burst, bytesPerSec, burstBytes }: RateLimit): CommandError {
  return {
    code: 'ERR_RATE_LIMITED',
    message:
      `too many messages: at most ${perSec} per second (bursts of ${burst}) and ${formatBytes(bytesPerSec)} per second ` +
      `(bursts of ${formatBytes(burstBytes)}) per client; try again shortly (a client that keeps sending too much is disconnected)`,
  };
}

/** `1536` → `1.5 KiB`, for messages people read. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const [value, unit] = n < 1024 * 1024 ? [n / 1024, 'KiB'] : [n / (1024 * 1024), 'MiB'];
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
}
