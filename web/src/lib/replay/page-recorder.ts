/**
 * What the page holds of the live stream, as a recording (README "Record and replay"): the
 * snapshot of the last `hello` that replaced the model, then every event applied since and the
 * `stats` samples. It is what "Export" saves and what "Rewind" replays.
 *
 * Bounded: past `maxEvents` the oldest quarter is folded into the starting snapshot
 * (`foldEvents`, the protocol's own fold), so the window slides and memory stays flat. A `hello`
 * that replaces the model (first, restart, resync: events were skipped) starts the recording
 * over, since what came before it no longer connects to what comes after.
 */
import {
  type LabState,
  PROTOCOL_VERSION,
  RECORDING_FORMAT,
  RECORDING_VERSION,
  type Recording,
  type ServerMessage,
  type Snapshot,
  type StatsMessage,
  type WireEvent,
  applyStats,
  foldEvents,
} from '$protocol';
import type { Outcome } from '../model/reducer.ts';

/** Events the page keeps for export and rewind (about 30 MB of heap at most). */
export const PAGE_RECORDING_EVENTS = 100_000;

export class PageRecorder {
  readonly #maxEvents: number;
  readonly #app: string;
  readonly #clock: () => number;
  #runId: string | null = null;
  #startedAt = 0;
  #lab: LabState | null = null;
  #base: Snapshot | null = null;
  #events: WireEvent[] = [];
  #stats: StatsMessage[] = [];
  /** Events folded into the start to stay within the bound. */
  folded = 0;

  constructor(o: { maxEvents?: number; app?: string; clock?: () => number } = {}) {
    this.#maxEvents = o.maxEvents ?? PAGE_RECORDING_EVENTS;
    this.#app = o.app ?? 'connscope page';
    this.#clock = o.clock ?? Date.now;
  }

  /** The seq of the last event held (the start's before any); null before the first hello. */
  get lastSeq(): number | null {
    if (this.#base === null) return null;
    return this.#events.at(-1)?.seq ?? this.#base.seq;
  }

  get size(): number {
    return this.#events.length;
  }

  /** Takes one server message after the store applied it (`out` says what it did). */
  note(msg: ServerMessage, out: Outcome): void {
    switch (msg.type) {
      case 'hello':
        // A hello that the page resumes after (same run, nothing skipped) continues the recording.
        if (out.kind === 'hello' && out.mode === 'same-run' && this.lastSeq !== null && msg.snapshot.seq <= this.lastSeq) return;
        this.#runId = msg.runId;
        this.#startedAt = this.#clock();
        this.#lab = msg.lab;
        this.#base = structuredClone(msg.snapshot);
        this.#events = [];
        this.#stats = [];
        return;
      case 'events': {
        let last = this.lastSeq;
        if (last === null) return;
        for (const e of msg.events) {
          if (e.seq !== last + 1) continue; // a duplicate, or past a hole the resume refills in order
          this.#events.push(e);
          last = e.seq;
        }
        if (this.#events.length > this.#maxEvents) this.#trim();
        return;
      }
      case 'stats':
        if (this.#base !== null) this.#stats.push(msg);
        return;
      default:
        return;
    }
  }

  /** The recording held, or null before the first hello. */
  recording(): Recording | null {
    if (this.#base === null || this.#runId === null) return null;
    return {
      header: {
        type: 'recording',
        format: RECORDING_FORMAT,
        version: RECORDING_VERSION,
        protocol: PROTOCOL_VERSION,
        app: this.#app,
        runId: this.#runId,
        startedAt: this.#startedAt,
        config: this.#base.config,
        snapshot: this.#base,
        lab: this.#lab,
      },
      events: this.#events.slice(),
      stats: this.#stats.slice(),
      keyframes: [],
    };
  }

  #trim(): void {
    const gone = this.#events.splice(0, Math.ceil(this.#maxEvents / 4));
    const base = this.#base!;
    const end = gone.at(-1)!.seq;
    // Fold in recorded order: events up to each stats sample, then the sample (the manager's own
    // counters as of its seq), so the new start reads as the recording did at that point.
    let from = 0;
    let kept = 0;
    for (const m of this.#stats) {
      if (m.seq > end) break;
      const upTo = gone.findIndex((e, i) => i >= from && e.seq > m.seq);
      const stop = upTo < 0 ? gone.length : upTo;
      foldEvents(base, gone.slice(from, stop));
      from = stop;
      if (m.seq >= base.seq) applyStats(base, m);
      kept += 1;
    }
    foldEvents(base, gone.slice(from));
    this.#stats.splice(0, kept);
    this.folded += gone.length;
    // The lab state at the new start: the last lab:state folded away.
    for (let i = gone.length - 1; i >= 0; i--) {
      const e = gone[i]!;
      if (e.kind === 'lab:state') {
        this.#lab = e.state;
        break;
      }
    }
  }
}
