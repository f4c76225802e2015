/**
 * Replay of a recording (README "Record and replay"): the page's model at any position, built by
 * the same reducer as live — a replayed view cannot disagree with the live one about what an event
 * means. Pure: no DOM, no clock; the position is an event's `seq`, and "now" at a position is that
 * event's time, so countdowns and ages read as they did then.
 *
 * Moving forward applies the events in between to the current model. Moving back rebuilds: from the
 * recording's start while that is at most REBUILD_FROM_START events away (the views keep the full
 * history), else from the nearest keyframe at or before the position (its connections' earlier
 * transitions are then unknown, as for a page that connects to a running server).
 */
import { PROTOCOL_VERSION, type Recording, type ServerMessage, type Snapshot, type WireEvent } from '$protocol';
import { cloneModelState } from '../model/clone.ts';
import { createModelState, reduce, type ModelCaps, type ModelState } from '../model/reducer.ts';

/** Past this many events, a rebuild starts at a keyframe rather than at the recording's start. */
export const REBUILD_FROM_START = 50_000;

/**
 * A rebuild (a move back) copies the model at the last few multiples of this many events before
 * its target (checkpoints): the next steps back rebuild from there — at most this many events —
 * instead of from the start (at 100,000 events that took a second a step). Moving forward takes
 * one only every 10 × CHECKPOINT_EVERY (a copy costs tens of ms at thousands of connections).
 * CHECKPOINTS_KEPT bounds the memory: the ones farthest from the cursor go first.
 */
export const CHECKPOINT_EVERY = 2000;
/** Moving forward takes a checkpoint every SPARSE × CHECKPOINT_EVERY events, so a first move back is never a rebuild from the start. */
const SPARSE = 10;
/** A rebuild copies the model at the multiples within this many × CHECKPOINT_EVERY before its target: the next steps back find one each. */
const NEAR = 5;
export const CHECKPOINTS_KEPT = 24;

interface Checkpoint {
  seq: number;
  state: ModelState;
  statsNext: number;
}

/** Event kinds and reasons the scrubber marks as errors. */
const ERROR_REASONS: ReadonlySet<string> = new Set([
  'dial-refused',
  'dial-timeout',
  'dial-error',
  'remote-reset',
  'socket-error',
  'app-error',
]);

export class Replay {
  readonly recording: Recording;
  /** The state the recording starts from is as of this seq; events follow from `firstSeq + 1`. */
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly #caps: Partial<ModelCaps>;
  readonly #rebuildFromStart: number;
  readonly #checkpointEvery: number;
  #state: ModelState;
  #seq: number;
  /** Index of the first stats message not applied to `#state` yet. */
  #statsNext = 0;
  /** Events applied to build models so far (for tests: a seek must not replay everything). */
  applied = 0;
  readonly #checkpoints = new Map<number, Checkpoint>();

  constructor(recording: Recording, options: { caps?: Partial<ModelCaps>; rebuildFromStart?: number; checkpointEvery?: number } = {}) {
    this.recording = recording;
    this.#caps = options.caps ?? {};
    this.#rebuildFromStart = options.rebuildFromStart ?? REBUILD_FROM_START;
    this.#checkpointEvery = options.checkpointEvery ?? CHECKPOINT_EVERY;
    this.firstSeq = recording.header.snapshot.seq;
    this.lastSeq = recording.events.at(-1)?.seq ?? this.firstSeq;
    this.#state = this.#start(recording.header.snapshot);
    this.#seq = this.firstSeq;
    this.#applyStatsUpTo(this.#seq);
  }

  /** The position: the seq of the last event applied (`firstSeq` before any). */
  get seq(): number {
    return this.#seq;
  }

  /** The model at the current position (mutated in place by the next move: read, do not keep). */
  get state(): ModelState {
    return this.#state;
  }

  /** Manager-clock time at the current position: the event's own time (the start's before any). */
  get now(): number {
    return this.timeAt(this.#seq);
  }

  /** Moves to `seq` (clamped to the recording) and returns the model there. */
  seek(seq: number): ModelState {
    const to = Math.min(this.lastSeq, Math.max(this.firstSeq, Math.round(seq)));
    if (to < this.#seq) this.#rebuild(to);
    else this.#forward(to);
    return this.#state;
  }

  /** One event forward or back (`delta` ±1), or more. */
  step(delta: number): ModelState {
    return this.seek(this.#seq + delta);
  }

  /** Time of the event `seq` (the start's time for `firstSeq`). */
  timeAt(seq: number): number {
    if (seq <= this.firstSeq) return this.recording.header.snapshot.at;
    return this.#event(Math.min(seq, this.lastSeq))?.at ?? this.recording.header.snapshot.at;
  }

  /** The last event at or before time `t` (for a scrubber in time units). */
  seqAtTime(t: number): number {
    const evs = this.recording.events;
    let lo = 0;
    let hi = evs.length - 1;
    let best = this.firstSeq;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (evs[mid]!.at <= t) {
        best = evs[mid]!.seq;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  /** Seqs of a connection's transitions, in order (jump to its next / previous one). */
  transitionsOf(id: number): number[] {
    const out: number[] = [];
    for (const e of this.recording.events) if (e.kind === 'conn:state' && e.id === id) out.push(e.seq);
    return out;
  }

  /** Seqs of the events a scrubber marks as errors: failed dials, resets, refused inbound, throttles. */
  errorSeqs(): number[] {
    const out: number[] = [];
    for (const e of this.recording.events) {
      if ((e.kind === 'conn:state' && ERROR_REASONS.has(e.reason)) || e.kind === 'inbound:rejected' || e.kind === 'outbound:throttled') {
        out.push(e.seq);
      }
    }
    return out;
  }

  #event(seq: number): WireEvent | undefined {
    return this.recording.events[seq - this.firstSeq - 1];
  }

  #start(snapshot: Snapshot): ModelState {
    const s = createModelState(this.#caps);
    const h = this.recording.header;
    const hello: ServerMessage = {
      v: PROTOCOL_VERSION,
      type: 'hello',
      runId: h.runId,
      resync: false,
      config: snapshot.config,
      snapshot,
      lab: h.lab,
      canControl: false,
      readOnlyReason: 'this is a recording',
    };
    // The model's clock runs on the recording's own times: received "at" the snapshot's time.
    reduce(s, hello, snapshot.at);
    return s;
  }

  #rebuild(to: number): void {
    const cp = this.#checkpointAtOrBefore(to);
    if (cp !== undefined) {
      this.#state = cloneModelState(cp.state);
      this.#seq = cp.seq;
      this.#statsNext = cp.statsNext;
      this.#forward(to, true);
      return;
    }
    const fromStart = to - this.firstSeq <= this.#rebuildFromStart;
    const keyframe = fromStart ? undefined : this.#keyframeAtOrBefore(to);
    const start = keyframe ?? this.recording.header.snapshot;
    this.#state = this.#start(start);
    this.#seq = start.seq;
    // A stats message's seq is the last event sent before it: those up to the start are older.
    this.#statsNext = this.recording.stats.findIndex((m) => m.seq >= start.seq);
    if (this.#statsNext < 0) this.#statsNext = this.recording.stats.length;
    this.#applyStatsUpTo(start.seq);
    this.#forward(to, true);
  }

  /** The nearest checkpoint at or before `seq` that is nearer than a keyframe or the start would be. */
  #checkpointAtOrBefore(seq: number): Checkpoint | undefined {
    let best: Checkpoint | undefined;
    for (const cp of this.#checkpoints.values()) if (cp.seq <= seq && (best === undefined || cp.seq > best.seq)) best = cp;
    return best;
  }

  #checkpoint(): void {
    if (this.#checkpoints.has(this.#seq)) return;
    this.#checkpoints.set(this.#seq, { seq: this.#seq, state: cloneModelState(this.#state), statsNext: this.#statsNext });
    while (this.#checkpoints.size > CHECKPOINTS_KEPT) {
      let far: Checkpoint | undefined;
      for (const cp of this.#checkpoints.values())
        if (far === undefined || Math.abs(cp.seq - this.#seq) > Math.abs(far.seq - this.#seq)) far = cp;
      this.#checkpoints.delete(far!.seq);
    }
  }

  #keyframeAtOrBefore(seq: number): Snapshot | undefined {
    let best: Snapshot | undefined;
    for (const k of this.recording.keyframes) {
      if (k.seq <= seq) best = k;
      else break;
    }
    return best;
  }

  /** Applies the events up to `to`; `checkpoints`: copy the model at the last NEAR multiples of the checkpoint interval up to `to`. */
  #forward(to: number, checkpoints = false): void {
    if (to <= this.#seq) return;
    const events = this.recording.events.slice(this.#seq - this.firstSeq, to - this.firstSeq);
    // Stats samples are applied where they were sent (after the event their seq names), so the
    // counters read as they did then.
    let batch: WireEvent[] = [];
    const flush = (): void => {
      if (batch.length === 0) return;
      reduce(this.#state, { v: PROTOCOL_VERSION, type: 'events', events: batch }, batch.at(-1)!.at);
      this.applied += batch.length;
      batch = [];
    };
    const stats = this.recording.stats;
    for (const e of events) {
      if (this.#statsNext < stats.length && stats[this.#statsNext]!.seq < e.seq) {
        flush();
        this.#applyStatsUpTo(e.seq - 1);
      }
      batch.push(e);
      const every = this.#checkpointEvery;
      const near = checkpoints && e.seq % every === 0 && to - e.seq < NEAR * every;
      if (near || e.seq % (SPARSE * every) === 0) {
        flush();
        this.#seq = e.seq;
        this.#applyStatsUpTo(e.seq);
        this.#checkpoint();
      }
    }
    flush();
    this.#seq = to;
    this.#applyStatsUpTo(to);
  }

  #applyStatsUpTo(seq: number): void {
    const stats = this.recording.stats;
    while (this.#statsNext < stats.length && stats[this.#statsNext]!.seq <= seq) {
      const m = stats[this.#statsNext]!;
      reduce(this.#state, m, m.at);
      this.#statsNext++;
    }
  }
}
