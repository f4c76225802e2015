/**
 * The live counts every view shows (header, filter summary, counters, graph caption and gauges,
 * the "By state" chart), derived from one place: the model's connections. The server's `stats`
 * message is a second, differently timed picture of the same numbers; using both made the views
 * disagree with each other, so `stats` is read for totals (dials, failures, …) only. Pure.
 */
import type { ConnState, ConnType, ConnView } from './types.ts';

/** Live (pending, established or failing) connections, by type and by state. */
export interface LiveCounts {
  total: number;
  outbound: number;
  inbound: number;
  manual: number;
  /** Persistent entries (all manual); a persistent peer is live until it is removed. */
  persistent: number;
  pending: number;
  established: number;
  failing: number;
}

const LIVE_STATES: ReadonlySet<ConnState> = new Set(['pending', 'established', 'failing']);

/** True for the states a connection is counted live in. */
export function isLiveState(state: ConnState): boolean {
  return LIVE_STATES.has(state);
}

export function emptyLiveCounts(): LiveCounts {
  return { total: 0, outbound: 0, inbound: 0, manual: 0, persistent: 0, pending: 0, established: 0, failing: 0 };
}

/** Tally of the live connections among `conns`. O(n); the store derives it once per applied batch. */
export function countLive(conns: Iterable<Pick<ConnView, 'type' | 'persistent' | 'state'>>): LiveCounts {
  const counts = emptyLiveCounts();
  for (const c of conns) {
    if (!isLiveState(c.state)) continue;
    counts.total += 1;
    counts[c.type satisfies ConnType] += 1;
    if (c.persistent) counts.persistent += 1;
    counts[c.state as 'pending' | 'established' | 'failing'] += 1;
  }
  return counts;
}
