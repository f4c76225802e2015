/**
 * The one reducer: protocol messages in, mutations of a plain `ModelState` out. No Svelte, no DOM,
 * no timers — so the live store, the tests and a future record/replay drive it the same way.
 *
 * Why mutate instead of returning new state: the graph and timeline redraw from a Map of
 * thousands of connections on every animation frame; copying it per event would cost more than
 * drawing it. The store wraps this state and bumps a reactive `version` once per message.
 */
import {
  assertNever,
  type BridgeStats,
  type ConnInfo,
  type ConnManagerConfig,
  type ConnStats,
  type HelloMessage,
  type LabState,
  type ListenerInfo,
  type ManagerState,
  type ServerMessage,
  type Snapshot,
  type StatsMessage,
  type WireEvent,
  type WireEventOf,
} from '$protocol';
import { clearAddrBook, createAddrBook, noteSnapshot, noteTransition, type AddrBook } from './addr-stats.ts';
import { applyBanEvent, clearBanBook, createBanBook, loadBans, type BanBook } from './bans.ts';
import { countLive } from './counts.ts';
import { describeEvent } from './describe.ts';
import { emptyShedTrack, noteFailures, noteShed, type FailureCount, type ShedTrack, type ThrottleInfo } from './limits.ts';
import { Ring } from './ring.ts';
import type { ConnState, ConnView, SlotLimits, Transition } from './types.ts';

/** A live change of the rules, where the timeline draws it. */
export interface ConfigMark {
  seq: number;
  at: number;
  /** `config changed: backoff = exponential` */
  text: string;
}

/** Rule changes the timeline keeps marks for (older ones scroll out of any window anyway). */
const CONFIG_MARKS = 200;

/**
 * A log row that is no event: the page fell too far behind and jumped to a fresh snapshot (lag
 * policy, web/src/lib/net/lag-policy.ts), skipping the events `from`..`to`. Its `seq` is `to`, so
 * the log stays in seq order (no row of the skipped events is in it).
 */
export interface JumpMark {
  readonly kind: 'page:jump';
  readonly seq: number;
  /** Server time of the snapshot jumped to. */
  readonly at: number;
  readonly from: number;
  readonly to: number;
  readonly lagMs: number;
}

/** One event log row: the event as it arrived plus its sentence (or a jump's mark). */
export interface LogEntry {
  readonly ev: WireEvent | JumpMark;
  readonly text: string;
}

/** A jump to a fresh snapshot the page made because it fell behind. */
export interface LagJump {
  /** Events skipped: `from`..`to` (none when `to < from`). */
  from: number;
  to: number;
  lagMs: number;
  /** Local time of the jump. */
  at: number;
}

/** The sentence of a jump's log row and notice. */
export function describeJump(j: { from: number; to: number; lagMs: number }): string {
  const behind = `Fell ${(j.lagMs / 1000).toFixed(1)} s behind — jumped to a fresh snapshot`;
  if (j.to < j.from) return behind;
  const n = j.to - j.from + 1;
  return `${behind}; skipped seq ${j.from}–${j.to} (${n} event${n === 1 ? '' : 's'})`;
}

/**
 * One point of the counters' charts, taken at each `stats` message: the live counts from the
 * model (the one source the other views read too), the time and the events rate.
 */
export interface StatsSample {
  /** Server wall-clock time (ms). */
  at: number;
  pending: number;
  established: number;
  failing: number;
  inbound: number;
  outbound: number;
  manual: number;
  /** Events applied to the log so far (to derive a rate). */
  logged: number;
  /** Logged events per second since the previous sample (0 for the first); lab updates excluded. */
  eventsPerSec: number;
}

/** Bounds that keep a long session's memory flat. */
export interface ModelCaps {
  /** Event log rows kept (oldest dropped). @default 20000 */
  logEntries: number;
  /** Ended connections kept for the timeline (the oldest ended are forgotten). @default 5000 */
  endedConns: number;
  /** Transitions kept per connection. @default 500 */
  historyPerConn: number;
  /** Stats samples kept for charts (one per `stats` message, ~1 s apart). @default 600 */
  statsSamples: number;
  /** Addresses kept in the per-address aggregates (`addrs`). @default 5000 */
  addresses: number;
}

export const DEFAULT_CAPS: ModelCaps = { logEntries: 20_000, endedConns: 5_000, historyPerConn: 500, statsSamples: 600, addresses: 5_000 };

export type { ThrottleInfo } from './limits.ts';

/** Everything the page knows, as plain data. */
export interface ModelState {
  readonly caps: ModelCaps;
  /** The server run these numbers belong to; null before the first `hello`. */
  runId: string | null;
  /** Highest event seq applied. */
  lastSeq: number;
  /** Highest seq the server is known to have numbered (from `stats`, `hello`, events). */
  serverSeq: number;
  /** Server time of the last applied event. */
  lastEventAt: number | null;
  /** Delivery delay of the last batch: estimated server time at receipt − its last event's time. */
  lagMs: number;
  conns: Map<number, ConnView>;
  /** Ids of ended connections (disconnected/canceled), in the order they ended. */
  ended: Set<number>;
  /** Every id ever seen per address, with failures and last reason (outlives forgotten connections). */
  addrs: AddrBook;
  limits: SlotLimits;
  config: ConnManagerConfig | null;
  listeners: Map<string, ListenerInfo>;
  /** Bans in force and ban scores (README "Ban score"). */
  bans: BanBook;
  managerState: ManagerState | null;
  stats: ConnStats | null;
  bridge: BridgeStats | null;
  samples: Ring<StatsSample>;
  lab: LabState | null;
  /** The latest `outbound:throttled` since the last successful automatic dial (limits.ts). */
  throttle: ThrottleInfo | null;
  /** Consecutive automatic failures: from the newest of `stats`, a throttle, a successful automatic dial. */
  failures: FailureCount | null;
  /** Inbound connections shed at the limit, seen live (the graph's "shed" pulse). */
  shed: ShedTrack;
  log: Ring<LogEntry>;
  /** Lowest seq a backfill merged (null before one): what is older than it is still to be asked. */
  oldestSeq: number | null;
  /** Events of this run applied to the log (live ones, not backfilled): the events rate's base. */
  logged: number;
  /**
   * `lab:state` events of this run applied (live or backfilled). They update the Lab panel and
   * are not log rows: a flood sends several a second, all alike. Counted for the diagnostics.
   */
  labUpdates: number;
  canControl: boolean;
  readOnlyReason: string | null;
  /** Rules changed live (`config:changed`), newest last: the timeline marks them. */
  configMarks: Ring<ConfigMark>;
  /** serverTime ≈ localTime + clockOffsetMs; null until the first message with a time. */
  clockOffsetMs: number | null;
  /**
   * The latest message time and when it arrived: in lab slow motion the server's clock runs at
   * `lab.speed`, so "now" is extrapolated from here at that speed (`estimateServerNow`).
   */
  clockAnchor: { serverAt: number; receivedAt: number } | null;
  /** `seq` of the previous `stats` message: events numbered by then must have arrived by now. */
  prevStatsSeq: number | null;
  /** A backfill asked for and not answered yet (asked again after a reconnect to the same run). */
  backfillWanted: number | null;
  /** Counters about the feed itself, for the diagnostics line. */
  feed: { snapshots: number; resyncs: number; restarts: number; gaps: number; duplicates: number };
  /** A jump asked for (the link is fetching a fresh snapshot because the page fell behind). */
  jumpWanted: { lagMs: number } | null;
  /** Jumps made in this page's life, the events they skipped, and the last one. */
  jumps: { count: number; skipped: number; last: LagJump | null };
}

/** What the caller (the link) should do after a message was applied. */
export type Outcome =
  | { kind: 'hello'; mode: 'first' | 'restart' | 'resync' | 'same-run'; resumeFrom?: number; backfillBefore?: number }
  | { kind: 'backfill'; applied: number }
  | { kind: 'events'; applied: number; ignored: number; gap?: { expected: number; got: number }; resumeFrom?: number }
  | { kind: 'stats'; resumeFrom?: number }
  | { kind: 'reply' };

const FINAL_STATES: ReadonlySet<ConnState> = new Set(['disconnected', 'canceled']);

/** True for `disconnected` and `canceled`, which a connection never leaves. */
export function isFinalState(state: ConnState): boolean {
  return FINAL_STATES.has(state);
}

export function createModelState(caps: Partial<ModelCaps> = {}): ModelState {
  const all = { ...DEFAULT_CAPS, ...caps };
  return {
    caps: all,
    runId: null,
    lastSeq: 0,
    serverSeq: 0,
    lastEventAt: null,
    lagMs: 0,
    conns: new Map(),
    ended: new Set(),
    addrs: createAddrBook(all.addresses),
    limits: { targetOutbound: 0, maxInbound: 0, maxPersistent: 0 },
    config: null,
    listeners: new Map(),
    bans: createBanBook(),
    managerState: null,
    stats: null,
    bridge: null,
    samples: new Ring(all.statsSamples),
    lab: null,
    throttle: null,
    failures: null,
    shed: emptyShedTrack(),
    log: new Ring(all.logEntries),
    oldestSeq: null,
    logged: 0,
    labUpdates: 0,
    canControl: false,
    readOnlyReason: null,
    configMarks: new Ring(CONFIG_MARKS),
    clockOffsetMs: null,
    clockAnchor: null,
    prevStatsSeq: null,
    backfillWanted: null,
    feed: { snapshots: 0, resyncs: 0, restarts: 0, gaps: 0, duplicates: 0 },
    jumpWanted: null,
    jumps: { count: 0, skipped: 0, last: null },
  };
}

/**
 * The page fell `lagMs` behind and the link is fetching a fresh snapshot: the next `hello` of this
 * run replaces the model (a resync, not a resume of the backlog) and records the jump.
 */
export function wantJump(s: ModelState, lagMs: number): void {
  s.jumpWanted = { lagMs };
}

/**
 * Applies one validated server message. `receivedAt` is the local clock (ms) when it arrived,
 * used only to estimate the server's clock.
 */
export function reduce(s: ModelState, msg: ServerMessage, receivedAt: number): Outcome {
  switch (msg.type) {
    case 'hello':
      return applyHello(s, msg, receivedAt);
    case 'events': {
      const out: Outcome = { kind: 'events', applied: 0, ignored: 0 };
      for (const ev of msg.events) {
        if (ev.seq <= s.lastSeq) {
          out.ignored += 1;
          s.feed.duplicates += 1;
          continue;
        }
        if (ev.seq !== s.lastSeq + 1) {
          // Nothing after a hole is applied: the resume answer brings it again, in order.
          out.gap = { expected: s.lastSeq + 1, got: ev.seq };
          out.resumeFrom = s.lastSeq;
          s.feed.gaps += 1;
          s.serverSeq = Math.max(s.serverSeq, msg.events[msg.events.length - 1]?.seq ?? 0);
          break;
        }
        applyEvent(s, ev);
        out.applied += 1;
      }
      if (out.applied > 0 && s.lastEventAt !== null) {
        s.lagMs = Math.max(0, estimateServerNow(s, receivedAt) - s.lastEventAt);
        observeServerTime(s, s.lastEventAt, receivedAt);
      }
      s.serverSeq = Math.max(s.serverSeq, s.lastSeq);
      return out;
    }
    case 'stats': {
      // Events numbered before the previous stats (a second ago) and still missing were lost
      // (e.g. a resume that failed on a now quiet server): ask again. Younger ones may be in flight.
      const stalled = s.prevStatsSeq !== null && s.lastSeq < s.prevStatsSeq;
      applyStats(s, msg, receivedAt);
      s.prevStatsSeq = msg.seq;
      return stalled ? { kind: 'stats', resumeFrom: s.lastSeq } : { kind: 'stats' };
    }
    case 'reply':
      if (msg.ok && msg.command === 'history') {
        s.backfillWanted = null;
        return { kind: 'backfill', applied: applyBackfill(s, msg.result.events) };
      }
      return { kind: 'reply' };
    default:
      return assertNever(msg, 'message type');
  }
}

/** Applies one numbered event (the caller has checked that `ev.seq === s.lastSeq + 1`). */
export function applyEvent(s: ModelState, ev: WireEvent): void {
  switch (ev.kind) {
    case 'conn:state':
      applyConnState(s, ev);
      break;
    case 'inbound:rejected':
      // Counted by the server's stats (the totals); here only the graph's pulse is fed.
      if (ev.reason === 'limit') noteShed(s.shed, ev.at);
      break;
    case 'listener:state':
      s.listeners.set(
        ev.address,
        ev.reason === undefined ? { address: ev.address, state: ev.state } : { address: ev.address, state: ev.state, reason: ev.reason },
      );
      break;
    case 'outbound:throttled':
      s.throttle = { failedAttempts: ev.failedAttempts, delayMs: ev.delayMs, at: ev.at };
      s.failures = noteFailures(s.failures, ev.failedAttempts, ev.at);
      break;
    case 'manager:state':
      s.managerState = ev.state;
      break;
    case 'config:changed': {
      // Rules changed live (README "Changing the rules live"): the event lists what changed.
      const { seq: _seq, at: _at, kind: _kind, ...changed } = ev;
      if (s.config) s.config = { ...s.config, ...changed };
      s.configMarks.push({ seq: ev.seq, at: ev.at, text: describeEvent(ev) });
      if (ev.targetOutbound !== undefined) s.limits = { ...s.limits, targetOutbound: ev.targetOutbound };
      if (ev.maxInbound !== undefined) s.limits = { ...s.limits, maxInbound: ev.maxInbound };
      break;
    }
    case 'peer:penalized':
    case 'peer:banned':
    case 'peer:unbanned':
      applyBanEvent(s.bans, ev);
      break;
    case 'lab:state':
      noteSpeed(s, ev.state);
      s.lab = ev.state;
      s.labUpdates += 1;
      break;
    default:
      assertNever(ev, 'event kind');
  }
  s.lastSeq = ev.seq;
  s.lastEventAt = ev.at;
  if (isLogged(ev)) {
    s.log.push({ ev, text: describeEvent(ev) });
    s.logged += 1;
  }
}

/** Whether an event is a log row: all but `lab:state`, which the Lab panel shows as it is now. */
export function isLogged(ev: WireEvent): boolean {
  return ev.kind !== 'lab:state';
}

function applyConnState(s: ModelState, ev: WireEventOf<'conn:state'>): void {
  noteTransition(s.addrs, ev);
  let c = s.conns.get(ev.id);
  if (c === undefined) {
    c = {
      id: ev.id,
      type: ev.type,
      persistent: ev.persistent,
      addr: ev.addr,
      localAddr: null,
      state: ev.to,
      attempt: ev.attempt ?? 0,
      createdAt: ev.at,
      bytesIn: 0,
      bytesOut: 0,
      lastActivityAt: ev.at,
      history: [],
    };
    s.conns.set(ev.id, c);
  }
  c.type = ev.type;
  c.persistent = ev.persistent;
  c.addr = ev.addr;
  c.state = ev.to;
  c.reason = ev.reason;
  if (ev.attempt !== undefined) c.attempt = ev.attempt;
  c.retryAt = ev.retryAt;
  c.lastActivityAt = Math.max(c.lastActivityAt, ev.at);
  if (ev.to === 'established') {
    c.establishedAt = ev.at;
    // Only a successful automatic dial ends an outage (the manager's rule 1): the throttle is over.
    if (ev.type === 'outbound') {
      s.throttle = null;
      s.failures = noteFailures(s.failures, 0, ev.at);
    }
  }
  c.history.push(toTransition(ev));
  if (c.history.length > s.caps.historyPerConn) c.history.splice(0, c.history.length - s.caps.historyPerConn);
  if (isFinalState(ev.to)) {
    c.endedAt = ev.at;
    c.localAddr = null;
    markEnded(s, c.id);
  } else {
    c.endedAt = undefined;
    s.ended.delete(c.id);
  }
}

function toTransition(ev: WireEventOf<'conn:state'>): Transition {
  return {
    seq: ev.seq,
    at: ev.at,
    from: ev.from,
    to: ev.to,
    reason: ev.reason,
    rule: ev.rule,
    ...(ev.attempt !== undefined && { attempt: ev.attempt }),
    ...(ev.retryAt !== undefined && { retryAt: ev.retryAt }),
    ...(ev.code !== undefined && { code: ev.code }),
  };
}

/**
 * Merges events numbered before what the model holds (a `history` reply) into the event log and
 * the connections' histories. Present state is not touched — the snapshot already says where each
 * connection is; backfill only tells how it got there. Connections that ended before the snapshot
 * come back as ended lanes (oldest to be evicted first). Returns the number of events merged.
 */
export function applyBackfill(s: ModelState, events: readonly WireEvent[]): number {
  // Not every applied event is a log row (lab updates are not), so the log's first row alone
  // does not say how far back the model already goes.
  const firstHeld = Math.min(s.log.at(0)?.ev.seq ?? s.lastSeq + 1, s.oldestSeq ?? Number.POSITIVE_INFINITY);
  const older = events.filter((e) => e.seq < firstHeld).sort((a, b) => a.seq - b.seq);
  if (older.length === 0) return 0;
  s.oldestSeq = older[0]!.seq;
  if (s.throttle === null) s.throttle = lastThrottle(older);
  s.log.prepend(older.filter(isLogged).map((ev) => ({ ev, text: describeEvent(ev) })));
  s.labUpdates += older.length - older.filter(isLogged).length;
  const byConn = new Map<number, WireEventOf<'conn:state'>[]>();
  for (const e of older) {
    if (e.kind !== 'conn:state') continue;
    // Every older event counts for its address, even of a connection too little is known of to keep.
    noteTransition(s.addrs, e);
    const list = byConn.get(e.id);
    if (list) list.push(e);
    else byConn.set(e.id, [e]);
  }
  const endedEarlier: ConnView[] = [];
  for (const [id, evs] of byConn) {
    const first = evs[0]!;
    const last = evs[evs.length - 1]!;
    let c = s.conns.get(id);
    if (c === undefined) {
      // Not in the snapshot: it ended before it. Without its final event we know too little.
      if (!isFinalState(last.to)) continue;
      const established = evs.findLast((e) => e.to === 'established');
      c = {
        id,
        type: last.type,
        persistent: last.persistent,
        addr: last.addr,
        localAddr: null,
        state: last.to,
        attempt: last.attempt ?? 0,
        createdAt: first.at,
        ...(established ? { establishedAt: established.at } : {}),
        endedAt: last.at,
        reason: last.reason,
        bytesIn: 0,
        bytesOut: 0,
        lastActivityAt: last.at,
        history: [],
      };
      s.conns.set(id, c);
      endedEarlier.push(c);
    }
    // The snapshot's stand-in gives way to the real story.
    if (c.history[0]?.synthetic) c.history.shift();
    const firstKept = c.history[0]?.seq ?? Number.POSITIVE_INFINITY;
    const added = evs.filter((e) => e.seq < firstKept).map(toTransition);
    c.history = [...added, ...c.history];
    if (c.history.length > s.caps.historyPerConn) c.history.splice(0, c.history.length - s.caps.historyPerConn);
  }
  if (endedEarlier.length > 0) {
    // They ended before everything already in `ended`: put them first, so they are evicted first.
    endedEarlier.sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0));
    const later = [...s.ended];
    s.ended.clear();
    for (const c of endedEarlier) s.ended.add(c.id);
    for (const id of later) s.ended.add(id);
    while (s.ended.size > s.caps.endedConns) {
      const oldest = s.ended.values().next().value as number;
      s.ended.delete(oldest);
      s.conns.delete(oldest);
    }
  }
  return older.length;
}

/**
 * The throttle still in force at the end of `events` (oldest first): the last `outbound:throttled`
 * with no successful automatic dial after it. Whether it is still in force now, the snapshot's
 * failure count says (limits.ts).
 */
function lastThrottle(events: readonly WireEvent[]): ThrottleInfo | null {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.kind === 'outbound:throttled') return { failedAttempts: e.failedAttempts, delayMs: e.delayMs, at: e.at };
    if (e.kind === 'conn:state' && e.type === 'outbound' && e.to === 'established') return null;
  }
  return null;
}

function markEnded(s: ModelState, id: number): void {
  s.ended.delete(id);
  s.ended.add(id);
  while (s.ended.size > s.caps.endedConns) {
    const oldest = s.ended.values().next().value as number;
    s.ended.delete(oldest);
    s.conns.delete(oldest);
  }
}

function applyHello(s: ModelState, msg: HelloMessage, receivedAt: number): Outcome {
  s.canControl = msg.canControl;
  s.readOnlyReason = msg.readOnlyReason ?? null;
  const snap = msg.snapshot;
  let mode: 'first' | 'restart' | 'resync' | 'same-run';
  if (s.runId === null) mode = 'first';
  else if (s.runId !== msg.runId) mode = 'restart';
  else if (msg.resync || snap.seq < s.lastSeq || s.jumpWanted !== null) mode = 'resync';
  else mode = 'same-run';
  const jump = s.jumpWanted;
  s.jumpWanted = null;
  const skippedFrom = s.lastSeq + 1;

  if (mode === 'same-run') {
    // A reconnect to the same server run: keep our history and ask for what we missed instead.
    s.serverSeq = Math.max(s.serverSeq, snap.seq);
    observeServerTime(s, snap.at, receivedAt);
    return {
      kind: 'hello',
      mode,
      ...(snap.seq > s.lastSeq && { resumeFrom: s.lastSeq }),
      // The link dropped before the history reply came: ask again.
      ...(s.backfillWanted !== null && { backfillBefore: s.backfillWanted }),
    };
  }

  if (mode === 'first' || mode === 'restart') {
    resetModel(s);
    if (mode === 'restart') s.feed.restarts += 1;
  } else {
    s.feed.resyncs += 1;
  }
  s.feed.snapshots += 1;
  s.runId = msg.runId;
  loadSnapshot(s, snap, msg.config, msg.lab);
  observeServerTime(s, snap.at, receivedAt);
  if (jump !== null && mode === 'resync') noteJump(s, { from: skippedFrom, to: snap.seq, lagMs: jump.lagMs, at: receivedAt }, snap.at);
  // A fresh page (or a restarted server) has a present but no past: ask for the kept events
  // before the snapshot. After a resync the log already holds the past up to a hole; not merged.
  s.backfillWanted = mode !== 'resync' && snap.seq > 0 ? snap.seq + 1 : null;
  return s.backfillWanted === null ? { kind: 'hello', mode } : { kind: 'hello', mode, backfillBefore: s.backfillWanted };
}

/**
 * Records a jump: one mark in the log, and the skipped events still count (the events rate and
 * the diagnostics); the live counts come from the snapshot, the totals from its `stats`.
 */
function noteJump(s: ModelState, j: LagJump, snapAt: number): void {
  const skipped = Math.max(0, j.to - j.from + 1);
  s.jumps = { count: s.jumps.count + 1, skipped: s.jumps.skipped + skipped, last: j };
  s.logged += skipped;
  if (skipped > 0)
    s.log.push({ ev: { kind: 'page:jump', seq: j.to, at: snapAt, from: j.from, to: j.to, lagMs: j.lagMs }, text: describeJump(j) });
}

/**
 * Forgets everything of the previous server run, in place: views hold on to the same Map and
 * rings, so they never see a stale reference.
 */
function resetModel(s: ModelState): void {
  s.conns.clear();
  s.ended.clear();
  clearAddrBook(s.addrs);
  s.log.clear();
  s.oldestSeq = null;
  s.logged = 0;
  s.labUpdates = 0;
  s.samples.clear();
  s.listeners.clear();
  clearBanBook(s.bans);
  s.lastSeq = 0;
  s.serverSeq = 0;
  s.lastEventAt = null;
  s.lagMs = 0;
  s.stats = null;
  s.bridge = null;
  s.lab = null;
  s.throttle = null;
  s.failures = null;
  s.shed = emptyShedTrack();
  s.managerState = null;
  s.config = null;
  s.configMarks.clear();
  s.clockOffsetMs = null;
  s.clockAnchor = null;
  s.prevStatsSeq = null;
  s.backfillWanted = null;
}

/** Replaces the present with `snap`, keeping the histories of connections it still lists. */
function loadSnapshot(s: ModelState, snap: Snapshot, config: ConnManagerConfig, lab: LabState | null): void {
  const listed = new Set<number>();
  for (const info of snap.conns) {
    listed.add(info.id);
    const prev = s.conns.get(info.id);
    s.conns.set(info.id, viewFromInfo(info, prev, snap.seq));
    if (isFinalState(info.state)) markEnded(s, info.id);
    else s.ended.delete(info.id);
  }
  // A live connection the snapshot no longer lists ended while we were not watching: we do not
  // know how, so it is dropped rather than given an invented end. Ended ones stay for the timeline.
  for (const [id, c] of s.conns) if (!listed.has(id) && !isFinalState(c.state)) s.conns.delete(id);
  noteSnapshot(s.addrs, snap.conns, snap.seq);
  s.config = config;
  s.limits = { targetOutbound: config.targetOutbound, maxInbound: config.maxInbound, maxPersistent: config.maxPersistent };
  s.listeners.clear();
  for (const l of snap.listeners) s.listeners.set(l.address, l);
  loadBans(s.bans, snap);
  s.managerState = snap.state;
  s.stats = snap.stats;
  s.failures = noteFailures(s.failures, snap.stats.consecutiveFailedAttempts, snap.at);
  noteSpeed(s, lab);
  s.lab = lab;
  s.lastSeq = snap.seq;
  s.serverSeq = Math.max(s.serverSeq, snap.seq);
  s.lastEventAt = snap.at;
  s.lagMs = 0;
}

function viewFromInfo(info: ConnInfo, prev: ConnView | undefined, seq: number): ConnView {
  if (prev && prev.history.length > 0) return { ...info, history: prev.history };
  const since = info.state === 'established' ? (info.establishedAt ?? info.createdAt) : info.createdAt;
  const known: Transition = {
    seq,
    at: since,
    from: null,
    to: info.state,
    reason: info.reason ?? 'snapshot',
    ...(info.attempt > 0 && { attempt: info.attempt }),
    ...(info.retryAt !== undefined && { retryAt: info.retryAt }),
    synthetic: true,
  };
  return { ...info, history: [known] };
}

function applyStats(s: ModelState, msg: StatsMessage, receivedAt: number): void {
  s.stats = msg.stats;
  s.failures = noteFailures(s.failures, msg.stats.consecutiveFailedAttempts, msg.at);
  s.bridge = msg.bridge;
  s.serverSeq = Math.max(s.serverSeq, msg.seq, msg.bridge.eventsTotal);
  s.limits = { targetOutbound: msg.stats.targetOutbound, maxInbound: msg.stats.maxInbound, maxPersistent: msg.stats.maxPersistent };
  observeServerTime(s, msg.at, receivedAt);
  const prev = s.samples.last();
  const dt = prev ? (msg.at - prev.at) / 1000 : 0;
  const eventsPerSec = prev && dt > 0 ? Math.max(0, s.logged - prev.logged) / dt : 0;
  const live = countLive(s.conns.values());
  s.samples.push({
    at: msg.at,
    pending: live.pending,
    established: live.established,
    failing: live.failing,
    inbound: live.inbound,
    outbound: live.outbound,
    manual: live.manual,
    logged: s.logged,
    eventsPerSec,
  });
}

/**
 * Server-clock estimate. A message's time is never later than the server's clock when it
 * arrives, so `serverAt − receivedAt` is a lower bound of the offset: take any higher sample at
 * once, and drift down slowly otherwise (so a server clock step backwards is followed too).
 */
export function observeServerTime(s: ModelState, serverAt: number, receivedAt: number): void {
  if (s.clockAnchor === null || serverAt >= s.clockAnchor.serverAt) s.clockAnchor = { serverAt, receivedAt };
  const sample = serverAt - receivedAt;
  if (s.clockOffsetMs === null || sample > s.clockOffsetMs) s.clockOffsetMs = sample;
  else s.clockOffsetMs += (sample - s.clockOffsetMs) * 0.02;
}

/** The manager clock's speed (README "Slow motion and freeze"): 1 unless the lab slowed it down. */
export function managerSpeed(s: ModelState): number {
  return s.lab?.speed ?? 1;
}

/**
 * The server's clock at local time `localNow`. At real speed: the local clock plus the estimated
 * offset. In slow motion (or frozen) the server's clock runs at `speed` × ours, so it is
 * extrapolated from the latest message at that speed — a countdown then ticks as slowly as the
 * manager's timers, and stands still while they are frozen.
 */
export function estimateServerNow(s: ModelState, localNow: number): number {
  const speed = managerSpeed(s);
  if (speed === 1 || s.clockAnchor === null) return localNow + (s.clockOffsetMs ?? 0);
  return s.clockAnchor.serverAt + Math.max(0, localNow - s.clockAnchor.receivedAt) * speed;
}

/** A new speed: the offset learned at the old one no longer holds; estimate it afresh. */
function noteSpeed(s: ModelState, lab: LabState | null): void {
  if ((lab?.speed ?? 1) === managerSpeed(s)) return;
  s.clockOffsetMs = null;
}

/** Events the server has numbered that this model has not applied yet. */
export function pendingEvents(s: ModelState): number {
  return Math.max(0, s.serverSeq - s.lastSeq);
}
