/**
 * The page's one model: a thin rune wrapper around the pure reducer (reducer.ts). Every server
 * message goes through `apply`; views read the reactive fields below, and canvas views read
 * `conns` (a plain Map mutated in place) whenever `version` changes. Live counts are derived here
 * once (`counts`), and the model's clock (`now()`) stops while the link is down (`linkLost`).
 */
import type {
  BridgeStats,
  ConnManagerConfig,
  ConnStats,
  HelloMessage,
  LabState,
  ListenerInfo,
  ManagerState,
  ServerMessage,
} from '$protocol';
import type { AddrStats } from './addr-stats.ts';
import type { BanBook } from './bans.ts';
import { countLive, type LiveCounts } from './counts.ts';
import { LIVE, linkBack, linkLost, modelNow, type Freshness } from './freshness.ts';
import { emptyShedTrack, limitSignals, type FailureCount, type LimitSignals, type ShedTrack } from './limits.ts';
import {
  type ConfigMark,
  estimateServerNow,
  createModelState,
  reduce,
  wantJump,
  type LagJump,
  type LogEntry,
  type ModelCaps,
  type ModelState,
  type Outcome,
  type StatsSample,
  type ThrottleInfo,
} from './reducer.ts';
import { PageRecorder } from '../replay/page-recorder.ts';
import type { Ring } from './ring.ts';
import type { ConnModel, ConnView, SlotLimits } from './types.ts';

export class ConnectionsStore implements ConnModel {
  /** The model of the server's stream: every message goes here, shown or not. */
  readonly #live: ModelState;
  /** The model the views show: the live one, or a replay's model at its cursor. */
  #s: ModelState;
  /** Recording time at the replay's cursor; null while the live model is shown. */
  #replayNow: number | null = null;

  /** Bumps once per message that may have changed `conns`. */
  version = $state(0);
  /** Bumps once per message that appended to `log`. */
  logVersion = $state(0);
  /** Bumps once per `stats` message (and on snapshots). */
  statsVersion = $state(0);

  lastSeq = $state(0);
  /** Highest seq the server is known to have numbered. */
  serverSeq = $state(0);
  runId = $state<string | null>(null);
  limits = $state.raw<SlotLimits>({ targetOutbound: 0, maxInbound: 0, maxPersistent: 0 });
  config = $state.raw<ConnManagerConfig | null>(null);
  listeners = $state.raw<ListenerInfo[]>([]);
  managerState = $state<ManagerState | null>(null);
  stats = $state.raw<ConnStats | null>(null);
  bridge = $state.raw<BridgeStats | null>(null);
  lab = $state.raw<LabState | null>(null);
  throttle = $state.raw<ThrottleInfo | null>(null);
  /** Consecutive automatic failures (the newest reading of events and stats). */
  failures = $state.raw<FailureCount | null>(null);
  /** Inbound connections shed at the limit, seen live. */
  shed = $state.raw<ShedTrack>(emptyShedTrack());
  canControl = $state(false);
  readOnlyReason = $state<string | null>(null);
  /** Delivery delay of the last event batch (ms). */
  lagMs = $state(0);
  /** Local time of the last snapshot that replaced the model (resync or server restart). */
  resyncedAt = $state<number | null>(null);
  /** What the last snapshot was: first load, resync or server restart. */
  lastSnapshotMode = $state<'first' | 'restart' | 'resync' | null>(null);
  feed = $state.raw<ModelState['feed']>({ snapshots: 0, resyncs: 0, restarts: 0, gaps: 0, duplicates: 0 });
  /** `lab:state` events applied (shown in the Lab panel, not as log rows). */
  labUpdates = $state(0);
  /** Live, or stale since the link was lost (and the last return from it). */
  freshness = $state.raw<Freshness>(LIVE);
  /** Jumps to a fresh snapshot because the page fell too far behind (lag policy), and the events they skipped. */
  lagJumps = $state.raw<{ count: number; skipped: number }>({ count: 0, skipped: 0 });
  /** The last such jump (the page's notice says it). */
  lastJump = $state.raw<LagJump | null>(null);

  /**
   * Live connections by type and state: the one source of every live count on the page, so all
   * views show the same numbers in the same frame (the `stats` message is for totals only).
   */
  readonly counts: LiveCounts = $derived.by(() => {
    void this.version;
    return countLive(this.#s.conns.values());
  });

  /** What the limits' marks and words are drawn from (limits.ts), derived once per change. */
  readonly limitSignals: LimitSignals = $derived.by(() =>
    limitSignals(
      {
        managerState: this.managerState,
        shed: this.shed,
        listeners: this.listeners,
        limits: this.limits,
        throttle: this.throttle,
        failures: this.failures,
        config: this.config,
      },
      this.counts,
    ),
  );

  /** What the page holds of the live stream, as a recording (Export, Rewind). */
  readonly recorder: PageRecorder;

  /** From a `connscope replay FILE` server's hello: the recording it replays, and its position. */
  serverReplay = $state.raw<HelloMessage['replay'] | null>(null);

  /** True while the views show a replay instead of the live model (the live one keeps updating). */
  replaying = $state(false);

  constructor(caps: Partial<ModelCaps> = {}, recorder: PageRecorder = new PageRecorder()) {
    this.recorder = recorder;
    this.#live = createModelState(caps);
    this.#s = this.#live;
  }

  /**
   * Shows a replay's model at its cursor (replay/session.svelte.ts calls this after every move):
   * every view reads the same fields as live, so a replayed view is drawn by the same code. The
   * model is the replay's own and is read, not kept: the next call brings its new state.
   */
  showReplay(state: ModelState, now: number): void {
    this.#s = state;
    this.#replayNow = now;
    this.replaying = true;
    this.#syncAll();
    this.statsVersion += 1;
  }

  /** Back to the live model, which went on taking the server's messages meanwhile. */
  showLive(): void {
    if (!this.replaying) return;
    this.#s = this.#live;
    this.#replayNow = null;
    this.replaying = false;
    this.#syncAll();
    this.statsVersion += 1;
    this.feed = { ...this.#s.feed };
  }

  /** Live changes of the rules, oldest first (read on `version`). */
  get configMarks(): Iterable<ConfigMark> {
    // The ring itself: the timeline reads this every frame, so no copy per read.
    return this.#s.configMarks;
  }

  /** Live connections and the most recent ended ones, by id (plain Map, mutated in place). */
  get conns(): ReadonlyMap<number, ConnView> {
    return this.#s.conns;
  }

  /**
   * Per address: every id seen there, failures, drops, last reason (bounded; read it when
   * `version` changes). It keeps what the model forgets about ended connections.
   */
  get addrs(): ReadonlyMap<string, AddrStats> {
    return this.#s.addrs.byAddr;
  }

  /** Bans in force and ban scores (README "Ban score"); read it when `version` changes. */
  get bans(): BanBook {
    return this.#s.bans;
  }

  /** The event log (bounded, oldest first); read it when `logVersion` changes. */
  get log(): Ring<LogEntry> {
    return this.#s.log;
  }

  /** One sample per `stats` message (bounded); read it when `statsVersion` changes. */
  get samples(): Ring<StatsSample> {
    return this.#s.samples;
  }

  /** The live stream's run and lab (the link's bookkeeping: not a replay's). */
  get liveRunId(): string | null {
    return this.#live.runId;
  }
  get liveCanControl(): boolean {
    return this.#live.canControl;
  }
  get liveLab(): LabState | null {
    return this.#live.lab;
  }

  /** Events the server has numbered that are not applied here yet. */
  get pendingEvents(): number {
    return Math.max(0, this.serverSeq - this.lastSeq);
  }

  /** The server's clock now, from message times (and the manager clock's speed in lab slow motion). */
  serverNow(): number {
    return estimateServerNow(this.#live, Date.now());
  }

  /** Model-clock time the link was lost at; null while live. */
  get staleSince(): number | null {
    return this.freshness.staleSince;
  }

  /**
   * The model's "now", which views draw and count down against: the server's clock while live,
   * the moment of the loss while stale (a replay would move it itself).
   */
  now(): number {
    if (this.#replayNow !== null) return this.#replayNow;
    return modelNow(this.freshness, this.serverNow());
  }

  /**
   * The link dropped: from now on the model is the last known state, not the present. Nothing is
   * stale before the first snapshot (there is nothing to show).
   */
  linkLost(): void {
    if (this.#live.runId === null) return;
    this.freshness = linkLost(this.freshness, this.serverNow());
  }

  /**
   * The page fell `lagMs` behind and the link is fetching a fresh snapshot: the next `hello`
   * replaces the model and records the jump (lag-policy.ts).
   */
  wantJump(lagMs: number): void {
    wantJump(this.#live, lagMs);
  }

  /**
   * Applies one validated server message to the live model; returns what the link should do
   * next. While a replay is shown the live model still takes every message (the link's seq
   * bookkeeping depends on it), and the views catch up at once on `showLive`.
   */
  apply(msg: ServerMessage, receivedAt: number = Date.now()): Outcome {
    const out = reduce(this.#live, msg, receivedAt);
    this.recorder.note(msg, out);
    if (msg.type === 'hello') this.serverReplay = msg.replay ?? null;
    if (this.#s === this.#live) this.#sync(out);
    return out;
  }

  #sync(out: Outcome): void {
    const s = this.#s;
    switch (out.kind) {
      case 'reply':
        return;
      case 'backfill':
        if (out.applied > 0) this.#syncAll();
        return;
      case 'stats':
        this.stats = s.stats;
        this.bridge = s.bridge;
        this.limits = s.limits;
        this.failures = s.failures;
        this.serverSeq = s.serverSeq;
        this.statsVersion += 1;
        return;
      case 'events':
        if (out.applied > 0) this.#syncAll();
        else this.serverSeq = s.serverSeq;
        this.feed = { ...s.feed };
        return;
      case 'hello':
        this.freshness = linkBack(this.freshness, this.serverNow());
        if (out.mode !== 'same-run') {
          this.lastSnapshotMode = out.mode;
          if (out.mode !== 'first') this.resyncedAt = Date.now();
        }
        this.#syncAll();
        this.statsVersion += 1;
        this.feed = { ...s.feed };
        return;
    }
  }

  #syncAll(): void {
    const s = this.#s;
    this.runId = s.runId;
    this.lastSeq = s.lastSeq;
    this.serverSeq = s.serverSeq;
    this.limits = s.limits;
    this.config = s.config;
    this.listeners = [...s.listeners.values()];
    this.managerState = s.managerState;
    this.stats = s.stats;
    this.bridge = s.bridge;
    this.lab = s.lab;
    this.throttle = s.throttle;
    this.failures = s.failures;
    // The reducer counts sheds in place: a copy, so that readers see the change.
    if (s.shed.seen !== this.shed.seen || s.shed.lastAt !== this.shed.lastAt) this.shed = { ...s.shed };
    this.canControl = s.canControl;
    this.readOnlyReason = s.readOnlyReason;
    if (s.jumps.count !== this.lagJumps.count) {
      this.lagJumps = { count: s.jumps.count, skipped: s.jumps.skipped };
      this.lastJump = s.jumps.last;
    }
    this.lagMs = s.lagMs;
    this.labUpdates = s.labUpdates;
    this.version += 1;
    this.logVersion += 1;
  }
}
