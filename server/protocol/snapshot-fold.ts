/**
 * The manager's snapshot at any position of a recording (README "Record and replay"): the nearest
 * keyframe at or before it, with the events after it folded in one by one. `connscope replay FILE`
 * answers `/api/snapshot` and `hello` with it; the page can use it too (pure: no Node APIs).
 *
 * What a fold knows exactly, as `ConnManager.snapshot()` has it after the event:
 *   - the connections it lists: every live one (pending, established, failing; a persistent entry
 *     stays listed while it waits to retry), none that ended (`disconnected`, `canceled`), in id
 *     order; per connection `id`, `type`, `persistent`, `addr`, `state`, `reason`, `attempt`,
 *     `retryAt` (only while failing), `establishedAt` (the latest establishment);
 *   - the listeners (address, state, reason), the manager's state and its configuration;
 *   - the counters an event determines: the current ones (`currByType`, `currByState`,
 *     `currConnections`, `persistentEntries`, `acceptingConns`), the limits from the configuration,
 *     and the totals each event counts once (`totalAccepted`, `totalEstablished`,
 *     `totalFailedDials`, `retries`, `totalDials`, `rejected`, `disconnects`).
 *
 * What it cannot know, because no event carries it:
 *   - bytes: `bytesIn`, `bytesOut` and `lastActivityAt` stay as the snapshot the fold started from
 *     (the keyframe, or the header's) has them — `stats` samples carry no per-connection numbers; a
 *     connection that began after it has 0 bytes and its activity at its latest establishment;
 *   - `localAddr` of a connection established after the start: `null` (the event has no local
 *     address); it becomes `null` too when the socket goes;
 *   - `createdAt` of a connection that began after the start: its first event's time (the manager
 *     takes it a moment earlier, in the same turn);
 *   - ban scores: each host's score as of its latest penalty (the transient part fades with no
 *     event); a ban's end only when its `peer:unbanned` (`expired`) comes, at the ban's `until`;
 *   - the counters no event determines: `idleKicks`, `listenDisabledNum`, `timeInListenDisabledMs`,
 *     `consecutiveFailedAttempts`, `throttledAttempts` — as of the last `stats` sample (about one a
 *     second) or the starting snapshot;
 *   - `totalDials` counts a dial per `pending` transition: a request removed by a listener of its own
 *     `pending` event is never dialed by the manager but is counted here (until the next sample).
 * A `stats` sample replaces every counter (it is the manager's own reading, as of its `seq`).
 */
import type { WireEvent, WireEventOf } from './events.ts';
import type { LabState } from './lab.ts';
import type { StatsMessage } from './messages.ts';
import type { Recording } from './recording.ts';
import type { ConnInfo, ConnStats, ListenerInfo, Snapshot } from './snapshot.ts';

const FINAL_STATES: ReadonlySet<string> = new Set(['disconnected', 'canceled']);
const FAILED_DIAL_REASONS: ReadonlySet<string> = new Set(['dial-refused', 'dial-timeout', 'dial-error']);

/** Applies one event to `snapshot` in place (clone first to keep the original). */
export function applyEvent(snapshot: Snapshot, ev: WireEvent): void {
  applyOne(snapshot, ev);
  deriveCounters(snapshot);
}

/**
 * Applies many events in order, as `applyEvent` one by one would, but derives the current counters
 * once at the end: the page folds tens of thousands at a time (replay/page-recorder.ts), and a
 * per-event recount of every connection would make that cost events × connections.
 */
export function foldEvents(snapshot: Snapshot, events: readonly WireEvent[]): void {
  for (const ev of events) applyOne(snapshot, ev);
  if (events.length > 0) deriveCounters(snapshot);
}

function applyOne(snapshot: Snapshot, ev: WireEvent): void {
  switch (ev.kind) {
    case 'conn:state':
      applyConnState(snapshot, ev);
      break;
    case 'listener:state':
      applyListenerState(snapshot.listeners, ev);
      break;
    case 'inbound:rejected':
      snapshot.stats.rejected[ev.reason] += 1;
      break;
    case 'manager:state':
      snapshot.state = ev.state;
      break;
    case 'config:changed': {
      const { seq: _seq, at: _at, kind: _kind, ...changed } = ev;
      Object.assign(snapshot.config, changed);
      break;
    }
    case 'peer:penalized':
    case 'peer:banned':
    case 'peer:unbanned':
      applyBanEvent(snapshot, ev);
      break;
    case 'outbound:throttled':
    case 'lab:state':
      // Not part of the manager's snapshot (the throttle counters come with stats samples).
      break;
  }
  snapshot.seq = ev.seq;
  snapshot.at = ev.at;
}

/** Takes the counters of a `stats` sample: the manager's own reading, as of `stats.seq`. */
export function applyStats(snapshot: Snapshot, stats: StatsMessage): void {
  snapshot.stats = structuredClone(stats.stats);
}

/**
 * The manager's snapshot as of event `seq` of `recording` (clamped to the recording): the nearest
 * keyframe at or before it (or the header's snapshot), with the events after it and the `stats`
 * samples among them applied in the order they were recorded. A new object each call.
 */
export function snapshotAt(recording: Recording, seq: number): Snapshot {
  const { first, last } = seqRange(recording);
  const to = Math.min(last, Math.max(first, Math.floor(seq)));
  const start = keyframeAtOrBefore(recording, to) ?? recording.header.snapshot;
  const snapshot = structuredClone(start);
  // A stats sample's `seq` is the last event before it (the recorder writes it after that event,
  // and after a keyframe taken at the same seq): samples from `start.seq` on follow the start.
  const stats = recording.stats;
  let s = firstIndex(stats, (m) => m.seq >= start.seq);
  const applyStatsThrough = (upTo: number): void => {
    while (s < stats.length && stats[s]!.seq <= upTo) applyStats(snapshot, stats[s++]!);
  };
  applyStatsThrough(start.seq);
  for (let n = start.seq + 1; n <= to; n++) {
    applyEvent(snapshot, recording.events[n - first - 1]!);
    applyStatsThrough(n);
  }
  return snapshot;
}

/** The lab's state as of event `seq`: the latest `lab:state` event at or before it, else the header's. */
export function labStateAt(recording: Recording, seq: number): LabState | null {
  const { first } = seqRange(recording);
  for (let i = Math.min(seq - first, recording.events.length) - 1; i >= 0; i--) {
    const ev = recording.events[i]!;
    if (ev.kind === 'lab:state') return ev.state;
  }
  return recording.header.lab;
}

/** The positions a recording has: `first` is its start (before any event), `last` its last event. */
export function seqRange(recording: Recording): { first: number; last: number } {
  const first = recording.header.snapshot.seq;
  return { first, last: recording.events.at(-1)?.seq ?? first };
}

// ---- the fold's pieces ---------------------------------------------------------------------------

function applyBanEvent(snapshot: Snapshot, ev: WireEventOf<'peer:penalized' | 'peer:banned' | 'peer:unbanned'>): void {
  snapshot.bans ??= [];
  snapshot.scores ??= [];
  const { bans, scores } = snapshot;
  const drop = <T extends { host: string }>(list: T[]): void => {
    const i = list.findIndex((x) => x.host === ev.host);
    if (i >= 0) list.splice(i, 1);
  };
  if (ev.kind === 'peer:penalized') {
    drop(scores);
    scores.push({ host: ev.host, score: ev.score });
    scores.sort((a, b) => b.score - a.score || (a.host < b.host ? -1 : 1));
  } else if (ev.kind === 'peer:banned') {
    drop(bans);
    bans.push({ host: ev.host, until: ev.until, reason: ev.reason });
    bans.sort((a, b) => a.until - b.until);
    snapshot.stats.totalBans += 1;
  } else {
    drop(bans);
    drop(scores); // the manager forgets the score with the ban
  }
  snapshot.stats.bannedHosts = bans.length;
}

function applyConnState(snapshot: Snapshot, ev: WireEventOf<'conn:state'>): void {
  const conns = snapshot.conns;
  const at = indexOfId(conns, ev.id);
  const known = conns[at]?.id === ev.id ? conns[at] : undefined;
  countTransition(snapshot.stats, ev);
  if (FINAL_STATES.has(ev.to)) {
    // The manager forgets a connection at its final transition: its snapshot no longer lists it.
    if (known) conns.splice(at, 1);
    return;
  }
  const info: ConnInfo = known ?? {
    id: ev.id,
    type: ev.type,
    persistent: ev.persistent,
    addr: ev.addr,
    localAddr: null,
    state: ev.to,
    attempt: 0,
    createdAt: ev.at,
    bytesIn: 0,
    bytesOut: 0,
    lastActivityAt: ev.at,
  };
  if (!known) conns.splice(at, 0, info);
  info.state = ev.to;
  info.reason = ev.reason;
  // Every change of `attempt` comes with a pending or failing transition, which carries it.
  if (ev.attempt !== undefined) info.attempt = ev.attempt;
  if (ev.to === 'failing' && ev.retryAt !== undefined) info.retryAt = ev.retryAt;
  else delete info.retryAt;
  if (ev.to === 'established') {
    info.establishedAt = ev.at;
    // A new socket: the manager notes activity as it adopts it; its local address is not on the wire.
    info.lastActivityAt = ev.at;
    info.localAddr = null;
  } else if (ev.from === 'established') {
    info.localAddr = null; // the socket is gone
  }
}

/** Totals that move exactly with a transition (the manager counts them in the same turn). */
function countTransition(stats: ConnStats, ev: WireEventOf<'conn:state'>): void {
  if (ev.from === 'established') stats.disconnects[ev.reason] = (stats.disconnects[ev.reason] ?? 0) + 1;
  if (ev.to === 'established') {
    if (ev.reason === 'accepted') stats.totalAccepted += 1;
    else stats.totalEstablished += 1;
  }
  if (ev.from === 'pending' && FAILED_DIAL_REASONS.has(ev.reason)) stats.totalFailedDials += 1;
  if (ev.to === 'pending') {
    stats.totalDials += 1;
    // A retry: the timer of a failing entry, or an entry whose long-lived connection just dropped.
    if (ev.from === 'failing' || ev.from === 'established') stats.retries += 1;
  }
}

function applyListenerState(listeners: ListenerInfo[], ev: WireEventOf<'listener:state'>): void {
  let l = listeners.find((x) => x.address === ev.address);
  if (!l) {
    // A listener asked for port 0 is listed under that address until it has bound its port.
    const host = ev.address.slice(0, ev.address.lastIndexOf(':'));
    l = listeners.find((x) => x.address === `${host}:0`);
    if (l) l.address = ev.address;
    else {
      l = { address: ev.address, state: ev.state };
      listeners.push(l);
    }
  }
  l.state = ev.state;
  if (ev.reason === undefined) delete l.reason;
  else l.reason = ev.reason;
}

/** The counters that follow from the connections, listeners and configuration as they now are. */
function deriveCounters(snapshot: Snapshot): void {
  const st = snapshot.stats;
  st.currByType = { inbound: 0, outbound: 0, manual: 0 };
  st.currByState = { pending: 0, established: 0, failing: 0 };
  let persistent = 0;
  for (const c of snapshot.conns) {
    st.currByType[c.type] += 1;
    if (c.state === 'pending' || c.state === 'established' || c.state === 'failing') st.currByState[c.state] += 1;
    if (c.persistent) persistent += 1;
  }
  st.currConnections = st.currByState.established;
  st.persistentEntries = persistent;
  st.targetOutbound = snapshot.config.targetOutbound;
  st.maxInbound = snapshot.config.maxInbound;
  st.maxPersistent = snapshot.config.maxPersistent;
  st.acceptingConns = snapshot.state === 'running' && snapshot.listeners.some((l) => l.state === 'listening');
}

/** Where the connection `id` is, or would go, in a list sorted by id. */
function indexOfId(conns: readonly ConnInfo[], id: number): number {
  let lo = 0;
  let hi = conns.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (conns[mid]!.id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function keyframeAtOrBefore(recording: Recording, seq: number): Snapshot | undefined {
  const i = firstIndex(recording.keyframes, (k) => k.seq > seq);
  return i > 0 ? recording.keyframes[i - 1] : undefined;
}

/** The first index of a sorted list where `pred` holds (`pred` false then true along the list). */
function firstIndex<T>(list: readonly T[], pred: (x: T) => boolean): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (pred(list[mid]!)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
