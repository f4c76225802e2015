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
}

export const DEFAULT_TIMINGS: LabTimings = {
  heartbeatMs: 2000,
  flapLifetimeMs: [2000, 8000],
  resetAfterMs: 1500,
  slowDelayMs: 2500,
  trickleIntervalMs: [2000, 6000],
  trickleLifetimeMs: [4000, 15000],
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
  };
}
