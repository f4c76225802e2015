/**
 * The table's "by address" mode: one row per address, from the model's per-address aggregates
 * (model/addr-stats.ts), which keep every id ever seen there — also of connections that ended
 * and were forgotten. A flapping automatic peer, a new id on each dial, is one row here with its
 * id count and failures. Pure.
 */
import { matchSubject, type FilterSubject, type ParsedFilter } from '../filter/filter.ts';
import type { AddrStats } from '../model/addr-stats.ts';
import type { ConnState, ConnType, ConnView } from '../model/types.ts';

/** How many of an address's newest ids its row names. */
export const RECENT_IDS = 4;

export interface AddrRow {
  readonly kind: 'addr';
  /** The row's identity (the address). */
  readonly key: string;
  readonly addr: string;
  /** Distinct ids ever seen at the address. */
  readonly ids: number;
  /** Its newest ids (at most `RECENT_IDS`), newest first. */
  readonly recentIds: readonly number[];
  /** Every id remembered there (to highlight the row when any of them is selected). */
  readonly allIds: ReadonlySet<number>;
  readonly type: ConnType;
  readonly persistent: boolean;
  /** The live connection's state, or the last known one once nothing is live there. */
  readonly state: ConnState;
  /** The id a click selects and the row actions act on: the live one, else the newest. */
  readonly id: number;
  /** The live connection there, if any (what Disconnect / Remove act on). */
  readonly liveId: number | null;
  readonly failures: number;
  readonly drops: number;
  readonly reason: string | null;
  readonly code: string | null;
  /** Server time of the last change there. */
  readonly lastAt: number;
  /** Time since then, at `now`. */
  readonly sinceMs: number;
}

function newestIds(ids: ReadonlySet<number>, n: number): number[] {
  const all = [...ids];
  return all.slice(Math.max(0, all.length - n)).reverse();
}

/** One address's row at `now`; `conns` gives the live connection's present state. */
export function addrRow(a: AddrStats, conns: ReadonlyMap<number, ConnView>, now: number): AddrRow {
  let liveId: number | null = null;
  for (const id of a.live) liveId = id;
  const live = liveId === null ? undefined : conns.get(liveId);
  return {
    kind: 'addr',
    key: a.addr,
    addr: a.addr,
    ids: a.idCount,
    recentIds: newestIds(a.ids, RECENT_IDS),
    allIds: a.ids,
    type: live?.type ?? a.type,
    persistent: live?.persistent ?? a.persistent,
    state: live?.state ?? a.lastState,
    id: liveId ?? a.lastId,
    liveId,
    failures: a.failures,
    drops: a.drops,
    reason: a.lastReason,
    code: a.lastCode,
    lastAt: a.lastAt,
    sinceMs: Math.max(0, now - a.lastAt),
  };
}

/**
 * Whether an address passes the shared filter: its address, type, state and last reason as a
 * connection's would, and `id:` if any id seen there is that one. `kind:` does not apply.
 */
export function addrMatches(filter: ParsedFilter, r: AddrRow): boolean {
  if (filter.terms.length === 0) return true;
  const subject: FilterSubject = { type: r.type, state: r.state, persistent: r.persistent, addrs: [r.addr.toLowerCase()] };
  if (r.reason !== null) subject.reason = r.reason;
  if (!filter.terms.some((t) => t.key === 'id')) return matchSubject(filter, subject, ['kind']);
  for (const id of r.allIds) if (matchSubject(filter, { ...subject, id }, ['kind'])) return true;
  return false;
}

/** The rows of every address the filter lets through (unsorted). */
export function addrRows(
  book: ReadonlyMap<string, AddrStats>,
  o: { filter: ParsedFilter; conns: ReadonlyMap<number, ConnView>; now: number },
): AddrRow[] {
  const out: AddrRow[] = [];
  for (const a of book.values()) {
    const r = addrRow(a, o.conns, o.now);
    if (addrMatches(o.filter, r)) out.push(r);
  }
  return out;
}
