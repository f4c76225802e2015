/**
 * One node as the fleet dashboard follows it (docs/fleet.md, "The fleet dashboard"): its latest
 * heartbeat, its run, the events of that run in seq order (the stream may deliver a retried one
 * late), the snapshot they fold into, and exactly which seqs will never come (the node said it
 * dropped them). Pure: the clock is passed in, NATS is the owner's business.
 *
 * The one rule for moving forward: `receivedSeq` advances only over events it holds, or over a
 * range the node reported dropped (then that range is `missing`, and the folded snapshot no longer
 * holds: a fresh baseline is needed). A hole the node did not report — events published before
 * this dashboard started reading — is waited for GAP_GRACE_MS, then also bridged by a fresh
 * baseline, without calling it missing (the stream has it; this dashboard just did not read it).
 */
import * as v from 'valibot';
import {
  GONE_AFTER_MS,
  SERIES_POINTS,
  STALE_AFTER_MS,
  WireEventSchema,
  addToRanges,
  foldEvents,
  type ConnStats,
  type FleetNode,
  type LabState,
  type NodeHealth,
  type NodeStatus,
  type SeqRange,
  type Snapshot,
  type WireEvent,
} from '../protocol/index.ts';
import { SeqRing } from './seq-ring.ts';

/** How long a hole the node did not report as dropped is waited for. */
export const GAP_GRACE_MS = 5000;
/** Events held out of order (or before a baseline) per node; past it the oldest go. */
export const MAX_PENDING_EVENTS = 50_000;
/** Events kept per node for `resume` and `history`. */
export const NODE_RING_EVENTS = 10_000;
/** Unfolded events past which the snapshot is brought up to date at once. */
const FOLD_EVERY = 2000;

/** What the owner relays to the node's view clients. */
export interface TrackOutput {
  /** Events delivered in order (their JSON texts, as the node sent them). */
  events(jsons: string[]): void;
  /** The view's model no longer connects (new run, or a gap bridged): send a fresh hello. */
  reset(cause: 'run' | 'gap'): void;
}

export class NodeTrack {
  readonly name: string;
  status: NodeStatus | undefined;
  /** Local clock (ms) of the latest heartbeat. */
  lastSeenAt = 0;
  runId: string | undefined;
  runs = 0;
  receivedSeq = 0;
  readonly missing: SeqRange[] = [];
  lastEventAt: number | null = null;
  lagMs: number | null = null;
  eventsPerSec = 0;
  readonly series: { at: number; conns: number; eventsPerSec: number }[] = [];
  readonly ring = new SeqRing(NODE_RING_EVENTS);
  /** Events that failed the schema (never relayed). */
  invalid = 0;
  #snapshot: Snapshot | undefined;
  #lab: LabState | null = null;
  #unfolded: WireEvent[] = [];
  readonly #pending = new Map<number, { json: string; ev: WireEvent }>();
  #gapSince: number | undefined;
  readonly #out: TrackOutput;

  readonly #staleAfterMs: number;

  constructor(name: string, out: TrackOutput, staleAfterMs = STALE_AFTER_MS) {
    this.name = name;
    this.#out = out;
    this.#staleAfterMs = staleAfterMs;
  }

  /** True while the owner should fetch a snapshot (none yet for this run, or a gap to bridge). */
  get needsBaseline(): boolean {
    return this.runId !== undefined && this.#snapshot === undefined;
  }

  get lab(): LabState | null {
    return this.#lab;
  }

  /** The snapshot as of `receivedSeq` (folding what is pending first), or undefined before a baseline. */
  snapshot(): Snapshot | undefined {
    if (this.#snapshot && this.#unfolded.length > 0) {
      foldEvents(this.#snapshot, this.#unfolded);
      this.#unfolded = [];
    }
    return this.#snapshot;
  }

  health(now: number): NodeHealth {
    if (this.status?.state === 'stopped') return 'stopped';
    return now - this.lastSeenAt > this.#staleAfterMs ? 'stale' : 'live';
  }

  /** Gone from the list: silent (or stopped) for `goneAfterMs`. */
  gone(now: number, goneAfterMs = GONE_AFTER_MS): boolean {
    return now - this.lastSeenAt > goneAfterMs;
  }

  heartbeat(status: NodeStatus, now: number): void {
    if (status.runId !== this.runId) this.#newRun(status.runId);
    const prev = this.status;
    if (prev && prev.runId === status.runId && status.updatedAt > prev.updatedAt) {
      this.eventsPerSec = ((status.lastSeq - prev.lastSeq) * 1000) / (status.updatedAt - prev.updatedAt);
    } else if (!prev || prev.runId !== status.runId) {
      this.eventsPerSec = 0;
    }
    this.status = status;
    this.lastSeenAt = now;
    this.series.push({ at: now, conns: status.stats.currConnections, eventsPerSec: this.eventsPerSec });
    if (this.series.length > SERIES_POINTS) this.series.splice(0, this.series.length - SERIES_POINTS);
    this.#advance(now);
  }

  /** One message from the stream. Returns false when it was not taken (invalid, or another run). */
  event(runId: string, seq: number, json: string, now: number): boolean {
    if (runId !== this.runId) {
      // A new run shows itself by its heartbeat or its first events, whichever comes first; the
      // events of a run the heartbeat has already left behind are old news.
      if (this.runId !== undefined && this.status?.runId !== runId) return false;
      this.#newRun(runId);
    }
    if (seq <= this.receivedSeq && this.#snapshot !== undefined) return false;
    const parsed = v.safeParse(WireEventSchema, safeJson(json));
    if (!parsed.success || parsed.output.seq !== seq) {
      this.invalid += 1;
      return false;
    }
    this.#pending.set(seq, { json, ev: parsed.output });
    if (this.#pending.size > MAX_PENDING_EVENTS) this.#pending.delete(Math.min(...this.#pending.keys()));
    this.#advance(now);
    return true;
  }

  /** A snapshot of this run as of `snapshot.seq` (from the node, or its KV entry): the base to fold onto. */
  baseline(runId: string, snapshot: Snapshot, lab: LabState | null, now: number): boolean {
    if (runId !== this.runId || this.#snapshot !== undefined) return false;
    // An older snapshot than what was already passed (a KV entry behind a reported drop) does not connect.
    if (snapshot.seq < this.receivedSeq) return false;
    this.#snapshot = structuredClone(snapshot);
    this.#unfolded = [];
    this.#lab = lab;
    const bridged = this.receivedSeq > 0;
    this.receivedSeq = snapshot.seq;
    this.ring.reset(snapshot.seq);
    for (const seq of this.#pending.keys()) if (seq <= snapshot.seq) this.#pending.delete(seq);
    this.#gapSince = undefined;
    this.#out.reset(bridged ? 'gap' : 'run');
    this.#advance(now);
    return true;
  }

  /** The node as `/api/nodes` and the `fleet` message list it. */
  view(now: number): FleetNode | undefined {
    const s = this.status;
    if (!s || this.runId === undefined) return undefined;
    return {
      node: this.name,
      health: this.health(now),
      runId: this.runId,
      runs: this.runs,
      startedAt: s.startedAt,
      lastSeenAt: this.lastSeenAt,
      lastSeq: s.lastSeq,
      receivedSeq: this.receivedSeq,
      lagEvents: Math.max(0, s.lastSeq - this.receivedSeq),
      lagMs: this.lagMs,
      lastEventAt: this.lastEventAt,
      missing: this.#missing(),
      droppedEvents: s.droppedEvents,
      buffered: s.buffered,
      control: s.control,
      hasLab: s.hasLab,
      ...(s.dashboardUrl === undefined ? {} : { dashboardUrl: s.dashboardUrl }),
      managerState: s.managerState,
      stats: this.#stats(s),
      eventsPerSec: this.eventsPerSec,
      series: this.series.map((p) => ({ ...p })),
    };
  }

  /**
   * The heartbeat's counters, with the current ones (what is connected now) taken from the folded
   * snapshot when it has seen events the heartbeat had not: the list then agrees with the node's
   * view at `receivedSeq` instead of lagging up to a heartbeat behind it. Totals and the counters
   * no event determines stay the heartbeat's (docs/fleet.md).
   */
  #stats(s: NodeStatus): ConnStats {
    const folded = s.runId === this.runId && this.receivedSeq > s.lastSeq ? this.snapshot()?.stats : undefined;
    if (!folded) return s.stats;
    return {
      ...s.stats,
      currByType: { ...folded.currByType },
      currByState: { ...folded.currByState },
      currConnections: folded.currConnections,
      persistentEntries: folded.persistentEntries,
      acceptingConns: folded.acceptingConns,
    };
  }

  /** What the node reported dropped in this run, and what this dashboard crossed (the same, once it has seen them). */
  #missing(): SeqRange[] {
    const out: SeqRange[] = this.missing.map(([a, b]) => [a, b]);
    const s = this.status;
    if (s && s.runId === this.runId) for (const [a, b] of s.dropped) addToRanges(out, a, b);
    return out;
  }

  #newRun(runId: string): void {
    this.runId = runId;
    this.runs += 1;
    this.receivedSeq = 0;
    this.missing.length = 0;
    this.#snapshot = undefined;
    this.#unfolded = [];
    this.#pending.clear();
    this.#gapSince = undefined;
    this.ring.reset(0);
    this.#out.reset('run');
  }

  /** Delivers what connects; bridges a reported drop; starts the grace clock of an unreported hole. */
  #advance(now: number): void {
    if (this.#snapshot === undefined) return;
    const delivered: string[] = [];
    for (;;) {
      const next = this.receivedSeq + 1;
      const item = this.#pending.get(next);
      if (item) {
        this.#pending.delete(next);
        this.#deliver(item.json, item.ev, now);
        delivered.push(item.json);
        continue;
      }
      const dropped = this.status?.runId === this.runId ? this.status?.dropped.find(([a, b]) => a <= next && next <= b) : undefined;
      if (dropped) {
        if (delivered.length > 0) this.#out.events(delivered.splice(0));
        addToRanges(this.missing, next, dropped[1]);
        this.receivedSeq = dropped[1];
        this.#snapshot = undefined; // the fold cannot cross a hole: a fresh baseline is needed
        return;
      }
      break;
    }
    if (delivered.length > 0) this.#out.events(delivered);
    const waitingFor =
      this.#pending.size > 0 ||
      (this.status !== undefined && this.status.publishedSeq > this.receivedSeq && this.status.runId === this.runId);
    if (!waitingFor) {
      this.#gapSince = undefined;
      return;
    }
    this.#gapSince ??= now;
    if (now - this.#gapSince > GAP_GRACE_MS && this.#pending.size > 0) {
      // Not reported dropped, not coming: bridged by a fresh baseline, not called missing.
      this.#snapshot = undefined;
      this.#gapSince = undefined;
    }
  }

  #deliver(json: string, ev: WireEvent, now: number): void {
    this.receivedSeq = ev.seq;
    this.ring.add(ev.seq, json);
    this.#unfolded.push(ev);
    if (this.#unfolded.length >= FOLD_EVERY) this.snapshot();
    if (ev.kind === 'lab:state') this.#lab = ev.state;
    this.lastEventAt = ev.at;
    this.lagMs = Math.max(0, now - ev.at);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
