/** How long the lab's behaviours take. All of them are multiplied by `timeScale` (see `scaleTimings`). */
export interface LabTimings {
  /** A `stable`/`flap`/`reset`/`slow` peer and a trickle dialer send a heartbeat line this often. @default 2000 */
  heartbeatMs: number;
  /** A `flap` peer closes each connection after a seeded random time in this range. @default [2000, 8000] */
  flapLifetimeMs: readonly [number, number];
  /** A `reset` peer resets each connection after this long. @default 1500 */
  resetAfterMs: number;
  /**
   * A `slow` peer's gate stays closed this long after a dial starts (or after arming, when no
   * manager is attached); the dial then completes at its next SYN retransmission. @default 2500
   */
  slowDelayMs: number;
  /** The trickle opens an inbound connection after a seeded random pause in this range. @default [2000, 6000] */
  trickleIntervalMs: readonly [number, number];
  /** Each trickle connection lives a seeded random time in this range, then closes. @default [4000, 15000] */
  trickleLifetimeMs: readonly [number, number];
  // ---- the lively scenario (scenario.ts); each range is drawn from, seeded, once per step ----
  /**
   * The scenario's persistent peer is down (refusing) this long, then up for `outageUpMs`, again
   * and again. With the lab's 2 s linear retry step, a 16–24 s outage shows failures at 0, 2, 6,
   * 12 (and 20) s: the backoff visibly grows (2 → 8 or 10 s) and starts over after each outage.
   * @default [16000, 24000]
   */
  outageDownMs: readonly [number, number];
  /**
   * …and up this long, counted from the connection. The longest wait between two growing failures
   * is the last delay of an outage (≤ 10 s) + this + one step: under 30 s. @default [6000, 10000]
   */
  outageUpMs: readonly [number, number];
  /**
   * Every so often one of the mix's `stable` peers restarts: its connections drop (an automatic
   * slot to fill) and dials are refused until it is back. @default [5000, 10000]
   */
  restartEveryMs: readonly [number, number];
  /** How long a restarting peer is down. At most `restartEveryMs`'s minimum, so restarts never overlap. @default [2000, 5000] */
  restartDownMs: readonly [number, number];
  /** The first inbound burst comes this long after the scenario starts… @default [4000, 8000] */
  firstBurstMs: readonly [number, number];
  /** …then one every so often: more inbound connections at once than `maxInbound`. @default [18000, 24000] */
  burstEveryMs: readonly [number, number];
  /** A burst connection the manager admitted closes after this long (all of one burst together). @default [2000, 4000] */
  burstLifetimeMs: readonly [number, number];
  /**
   * The scenario keeps one silent inbound client (it never sends a byte) open; once the manager
   * has kicked it (`idle-timeout`), the next one comes after a pause in this range. @default [1000, 3000]
   */
  silentPauseMs: readonly [number, number];
}

export const DEFAULT_TIMINGS: LabTimings = {
  heartbeatMs: 2000,
  flapLifetimeMs: [2000, 8000],
  resetAfterMs: 1500,
  slowDelayMs: 2500,
  trickleIntervalMs: [2000, 6000],
  trickleLifetimeMs: [4000, 15000],
  outageDownMs: [16000, 24000],
  outageUpMs: [6000, 10000],
  restartEveryMs: [5000, 10000],
  restartDownMs: [2000, 5000],
  firstBurstMs: [4000, 8000],
  burstEveryMs: [18000, 24000],
  burstLifetimeMs: [2000, 4000],
  silentPauseMs: [1000, 3000],
};

/**
 * Defaults, then overrides, then every duration × `timeScale` (rounded, at least 1 ms).
 * @throws TypeError for a non-positive scale or a bad duration.
 */
export function scaleTimings(overrides: Partial<LabTimings> = {}, timeScale = 1): LabTimings {
  if (typeof timeScale !== 'number' || !(timeScale > 0) || !Number.isFinite(timeScale)) {
    throw new TypeError(`timeScale must be a positive number, got ${String(timeScale)}`);
  }
  const t = { ...DEFAULT_TIMINGS, ...overrides };
  const one = (name: string, ms: number): number => {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new TypeError(`timing ${name} must be a number >= 0`);
    return Math.max(1, Math.round(ms * timeScale));
  };
  const range = (name: string, r: readonly [number, number]): [number, number] => {
    if (!Array.isArray(r) || r.length !== 2 || !(r[0] <= r[1])) throw new TypeError(`timing ${name} must be [min, max] with min <= max`);
    return [one(name, r[0]), one(name, r[1])];
  };
  return {
    heartbeatMs: one('heartbeatMs', t.heartbeatMs),
    flapLifetimeMs: range('flapLifetimeMs', t.flapLifetimeMs),
    resetAfterMs: one('resetAfterMs', t.resetAfterMs),
    slowDelayMs: one('slowDelayMs', t.slowDelayMs),
    trickleIntervalMs: range('trickleIntervalMs', t.trickleIntervalMs),
    trickleLifetimeMs: range('trickleLifetimeMs', t.trickleLifetimeMs),
    outageDownMs: range('outageDownMs', t.outageDownMs),
    outageUpMs: range('outageUpMs', t.outageUpMs),
    restartEveryMs: range('restartEveryMs', t.restartEveryMs),
    restartDownMs: range('restartDownMs', t.restartDownMs),
    firstBurstMs: range('firstBurstMs', t.firstBurstMs),
    burstEveryMs: range('burstEveryMs', t.burstEveryMs),
    burstLifetimeMs: range('burstLifetimeMs', t.burstLifetimeMs),
    silentPauseMs: range('silentPauseMs', t.silentPauseMs),
  };
}
