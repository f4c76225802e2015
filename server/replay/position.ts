/**
 * Where a replay server is in its recording: the position (an event's `seq`; the recording's
 * start before any event), the manager's snapshot and the lab's state there (the snapshot fold,
 * server/protocol/snapshot-fold.ts), and the recording's events as the log that `history` and
 * `resume` read — as if the recording's manager had run exactly up to the position.
 */
import { labStateAt, seqRange, snapshotAt, type LabState, type Recording, type Snapshot, type WireEvent } from '../protocol/index.ts';
import type { EncodedEvents } from '../bridge/event-log.ts';
import type { ReplayableLog } from '../bridge/replay.ts';

export class ReplayPosition {
  readonly recording: Recording;
  /** The recording's start (the header snapshot's seq); its first event is `firstSeq + 1`. */
  readonly firstSeq: number;
  /** Its last event's seq (`firstSeq` when it has none). */
  readonly lastSeq: number;
  #seq: number;
  #snapshot: Snapshot | undefined;
  #lab: LabState | null | undefined;
  /** Events serialized on first use (history and resume send them as text). */
  readonly #json: (string | undefined)[] = [];
  readonly #bytes: number[] = [];
  /**
   * The events up to the position, as `history` and `resume` read them: all of the recording's
   * events are "kept", none after the position exists yet.
   */
  readonly log: ReplayableLog;

  constructor(recording: Recording) {
    this.recording = recording;
    const { first, last } = seqRange(recording);
    this.firstSeq = first;
    this.lastSeq = last;
    this.#seq = first;
    this.log = {
      firstSeq: first + 1,
      sinceEncoded: (fromSeq: number, toSeq = this.#seq): EncodedEvents | undefined => {
        if (toSeq > this.#seq || fromSeq > toSeq || fromSeq < first) return undefined;
        return this.#encoded(fromSeq + 1, toSeq);
      },
      beforeEncoded: (beforeSeq: number, limit: number): EncodedEvents => {
        const last = Math.min(beforeSeq - 1, this.#seq);
        return this.#encoded(Math.max(first + 1, last - limit + 1), last);
      },
    };
  }

  get seq(): number {
    return this.#seq;
  }

  /** Moves to `seq`, clamped to [firstSeq, lastSeq]; returns where it was and where it is. */
  seek(seq: number): { from: number; to: number } {
    const from = this.#seq;
    const to = Math.min(this.lastSeq, Math.max(this.firstSeq, Math.floor(seq)));
    if (to !== from) {
      this.#seq = to;
      this.#snapshot = undefined;
      this.#lab = undefined;
    }
    return { from, to };
  }

  /** The manager's snapshot at the position (shared: do not change it). */
  snapshot(): Snapshot {
    this.#snapshot ??= snapshotAt(this.recording, this.#seq);
    return this.#snapshot;
  }

  /** The lab's state at the position, or null for a recording without the lab. */
  lab(): LabState | null {
    if (this.#lab === undefined) this.#lab = labStateAt(this.recording, this.#seq);
    return this.#lab;
  }

  #encoded(first: number, last: number): EncodedEvents {
    const json: string[] = [];
    let bytes = 0;
    for (let seq = first; seq <= last; seq++) {
      const i = seq - this.firstSeq - 1;
      let text = this.#json[i];
      if (text === undefined) {
        text = JSON.stringify(this.recording.events[i] as WireEvent);
        this.#json[i] = text;
        this.#bytes[i] = Buffer.byteLength(text);
      }
      json.push(text);
      bytes += this.#bytes[i]!;
    }
    return { json, bytes };
  }
}
