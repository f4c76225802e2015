/**
 * The connections table's rows, one per connection: what each column shows, computed from the
 * model alone at the model's `now` (so a stale page's ages and countdowns stand still). Pure.
 */
import { isFailure } from '../model/addr-stats.ts';
import { isLiveState } from '../model/counts.ts';
import type { ConnState, ConnType, ConnView } from '../model/types.ts';

/** Byte counts of one connection, as last read from the server. */
export interface Bytes {
  bytesIn: number;
  bytesOut: number;
}

export interface ConnRow {
  readonly kind: 'conn';
  /** The row's identity (the connection id). */
  readonly key: number;
  readonly id: number;
  readonly addr: string;
  readonly type: ConnType;
  readonly persistent: boolean;
  readonly state: ConnState;
  readonly live: boolean;
  /** From its start to now, or to its end once ended. */
  readonly ageMs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** Consecutive failed attempts (the backoff's n). */
  readonly attempt: number;
  /** Failed dials and moves to `failing` over its whole (kept) history. */
  readonly failures: number;
  readonly reason: string | null;
  readonly code: string | null;
  /** Time to its next try while failing (≤ 0: due now); null when none is planned. */
  readonly nextTryMs: number | null;
}

/**
 * One connection's row at `now`. `bytes` (read from the server) win over the model's counts,
 * which events do not carry (they are those of the last snapshot).
 */
export function connRow(c: ConnView, now: number, bytes?: Bytes): ConnRow {
  let failures = 0;
  let code: string | null = null;
  for (const t of c.history) {
    if (!t.synthetic && isFailure(t)) failures += 1;
  }
  const last = c.history[c.history.length - 1];
  if (last !== undefined && !last.synthetic) code = last.code ?? null;
  return {
    kind: 'conn',
    key: c.id,
    id: c.id,
    addr: c.addr,
    type: c.type,
    persistent: c.persistent,
    state: c.state,
    live: isLiveState(c.state),
    ageMs: Math.max(0, (c.endedAt ?? now) - c.createdAt),
    bytesIn: bytes?.bytesIn ?? c.bytesIn,
    bytesOut: bytes?.bytesOut ?? c.bytesOut,
    attempt: c.attempt,
    // A connection first seen in a snapshot has no history yet, but its attempt count is a floor.
    failures: Math.max(failures, c.attempt),
    reason: c.reason ?? null,
    code,
    nextTryMs: c.state === 'failing' && c.retryAt !== undefined ? c.retryAt - now : null,
  };
}

export interface ConnRowOptions {
  /** The shared filter's matcher (the graph's and the timeline's). */
  matches: (c: ConnView) => boolean;
  /** Also list the ended connections the model still keeps. */
  includeEnded: boolean;
  now: number;
  bytes: ReadonlyMap<number, Bytes>;
}

/** The rows the filter lets through (unsorted). */
export function connRows(conns: Iterable<ConnView>, o: ConnRowOptions): ConnRow[] {
  const out: ConnRow[] = [];
  for (const c of conns) {
    if (!o.includeEnded && !isLiveState(c.state)) continue;
    if (!o.matches(c)) continue;
    out.push(connRow(c, o.now, o.bytes.get(c.id)));
  }
  return out;
}
