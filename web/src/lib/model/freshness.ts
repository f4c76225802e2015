/**
 * Whether the model still describes the present. While the link to the server is down the page
 * keeps showing the last known state — but it must say so, everywhere: the model's clock stops at
 * the moment of the loss, so bars, ages and countdowns freeze there instead of running on as if
 * nothing had happened. Views read that clock (`modelNow`) rather than the wall clock; a replay
 * can drive the same views by moving it. Pure.
 */

export interface Freshness {
  /** Model-clock time (the server's, estimated) when the link was lost; null while live. */
  staleSince: number | null;
  /** The last return from staleness: when (model clock) and after how long. */
  recovered: { at: number; staleForMs: number } | null;
}

export const LIVE: Freshness = { staleSince: null, recovered: null };

/** The link dropped at `at`. A second loss before a return keeps the first time. */
export function linkLost(f: Freshness, at: number): Freshness {
  return f.staleSince !== null ? f : { staleSince: at, recovered: f.recovered };
}

/** A snapshot arrived at `at`: live again (and, if it had been stale, for how long it was). */
export function linkBack(f: Freshness, at: number): Freshness {
  if (f.staleSince === null) return f;
  return { staleSince: null, recovered: { at, staleForMs: Math.max(0, at - f.staleSince) } };
}

/** The model's "now": the clock while live, the loss time while stale. */
export function modelNow(f: Freshness, clockNow: number): number {
  return f.staleSince ?? clockNow;
}

/** How long the "live again" note stays after a return. */
export const RECOVERED_SHOWN_MS = 8000;

/** Whether to still say "live again" at `now` (model clock). */
export function showRecovered(f: Freshness, now: number): boolean {
  return f.staleSince === null && f.recovered !== null && now - f.recovered.at < RECOVERED_SHOWN_MS;
}
