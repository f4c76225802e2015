/**
 * The page's lag policy (README "Wire protocol", "When the page falls behind"). A page that cannot
 * apply events as fast as they come keeps reading them anyway (the browser queues every message),
 * so the server's backpressure never starts and the page would show an ever older past. Instead,
 * once the newest event it receives is more than `MAX_LAG_MS` older than the server's clock, the
 * page drops the backlog and starts over from a fresh snapshot (the link reconnects; the browser
 * discards the closed socket's queued messages), says so, and counts what it skipped.
 */

/** How far (ms of the server's clock) the newest received event may be behind before the page jumps. */
export const MAX_LAG_MS = 3000;

/**
 * The server's clock, estimated on one socket: `serverAt − receivedAt` of a message is a lower
 * bound of the offset (its time is never later than the server's clock when it arrives), and a
 * backlog only makes samples lower, so the highest sample since the socket opened is the best
 * estimate — unlike the model's drifting estimate, it does not follow the lag it has to measure.
 * A new socket starts a new estimate (a server clock stepped back is forgotten there).
 *
 * In lab slow motion the manager's clock runs at `speed` × ours (README "Slow motion and
 * freeze"): `serverAt − speed × receivedAt` is then the constant to bound, and a change of speed
 * starts a new estimate — else a clock running at 0.25× would look like a page falling behind.
 */
export class ServerClock {
  #offset: number | null = null;
  #speed = 1;

  /** `speed`: the manager clock's speed when the message was sent (1 unless the lab slowed it). */
  observe(serverAt: number, receivedAt: number, speed = 1): void {
    if (speed !== this.#speed) {
      this.#speed = speed;
      this.#offset = null;
    }
    const sample = serverAt - speed * receivedAt;
    if (this.#offset === null || sample > this.#offset) this.#offset = sample;
  }

  /** The server's clock at local time `localNow`; null before any sample. */
  now(localNow: number): number | null {
    return this.#offset === null ? null : this.#speed * localNow + this.#offset;
  }

  reset(): void {
    this.#offset = null;
    this.#speed = 1;
  }
}

export interface LagInput {
  /** Server time of the newest event in the message being received. */
  newestAt: number;
  /** The server's clock now (ServerClock), or null when not known yet. */
  serverNow: number | null;
  /** Events replayed on purpose (a `resume` answer) are old by design: never a reason to jump. */
  replaying: boolean;
}

/** How far behind the page is (ms), or null when it cannot tell. */
export function lagMs(i: LagInput): number | null {
  return i.serverNow === null ? null : Math.max(0, i.serverNow - i.newestAt);
}

/** Whether to drop the backlog and jump to a fresh snapshot. */
export function shouldJump(i: LagInput, maxLagMs: number = MAX_LAG_MS): boolean {
  if (i.replaying) return false;
  const lag = lagMs(i);
  return lag !== null && lag > maxLagMs;
}
