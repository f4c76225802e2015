/**
 * Recorders of a session (README "Record and replay"; the format is server/protocol/recording.ts).
 * The hub hands every numbered event's JSON text and every `stats` message to its taps as it makes
 * them — no second serialization — and, at each batch end, lets them take a keyframe: a snapshot
 * as of the last event (between batches the manager is not inside an event, so the snapshot is
 * exactly "as of lastSeq").
 *
 *   SessionRecording  in memory, bounded: what `GET /api/recording` downloads. Kept as segments
 *                     that each start at a keyframe; past `maxBytes` the oldest segments go, and the
 *                     download starts at the oldest keyframe kept.
 *   FileRecording     `--record FILE`: everything, streamed to a file as it happens.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { RecordingHeader, Snapshot } from '../protocol/index.ts';

/** What the hub feeds a recorder. */
export interface RecordingTap {
  /** One numbered event, as the JSON text the clients get. */
  event(json: string): void;
  /** One `stats` message, as sent. */
  stats(json: string): void;
  /** A batch was flushed: a keyframe may be taken now. */
  batchEnd(snapshot: () => Snapshot): void;
}

/** Events between keyframes: a seek applies at most this many events after the nearest keyframe. */
export const KEYFRAME_EVERY = 5000;

/** The header's fields apart from the snapshot the recording starts at. */
export type HeaderFields = Omit<RecordingHeader, 'snapshot'>;

interface Segment {
  /** The snapshot this segment starts from, as JSON. */
  keyframe: string;
  /**
   * Its lines, one string per batch (joined with newlines at the batch's end; a JSON line has
   * none of its own). Kept per line, every event's text would live on for minutes in the old
   * generation, one object each: measured at about a sixth of the bridge's time at 200k events/s
   * (garbage collection); joined, the texts die young and a batch is one object.
   */
  chunks: string[];
  /** The lines of the batch not ended yet. */
  open: string[];
  bytes: number;
}

export class SessionRecording implements RecordingTap {
  readonly #header: HeaderFields;
  readonly #maxBytes: number;
  readonly #keyframeEvery: number;
  readonly #segments: Segment[] = [];
  #bytes = 0;
  #sinceKeyframe = 0;
  /** Segments dropped to stay within `maxBytes`. */
  #dropped = 0;

  constructor(o: { header: HeaderFields; start: Snapshot; maxBytes: number; keyframeEvery?: number }) {
    this.#header = o.header;
    this.#maxBytes = o.maxBytes;
    this.#keyframeEvery = o.keyframeEvery ?? KEYFRAME_EVERY;
    this.#open(JSON.stringify(o.start));
  }

  event(json: string): void {
    this.#push(json);
    this.#sinceKeyframe += 1;
  }

  stats(json: string): void {
    this.#push(json);
  }

  batchEnd(snapshot: () => Snapshot): void {
    this.#seal(this.#segments.at(-1)!);
    if (this.#sinceKeyframe < this.#keyframeEvery) return;
    this.#open(JSON.stringify(snapshot()));
    // Keep at least the newest segment, however large: a download must have a start.
    while (this.#bytes > this.#maxBytes && this.#segments.length > 1) {
      const old = this.#segments.shift()!;
      this.#bytes -= old.bytes;
      this.#dropped += 1;
    }
  }

  /** The recording as NDJSON lines (without newlines), from the oldest keyframe kept. */
  *lines(): Generator<string> {
    const [first, ...rest] = this.#segments;
    if (!first) return;
    // The header object with the keyframe's JSON spliced in as `snapshot` (not parsed again).
    yield `${JSON.stringify(this.#header).slice(0, -1)},"snapshot":${first.keyframe}}`;
    yield* segmentLines(first);
    for (const seg of rest) {
      yield `{"type":"keyframe","snapshot":${seg.keyframe}}`;
      yield* segmentLines(seg);
    }
  }

  /** Bytes held, and whether older parts were let go. */
  info(): { bytes: number; segments: number; dropped: number } {
    return { bytes: this.#bytes, segments: this.#segments.length, dropped: this.#dropped };
  }

  #open(keyframe: string): void {
    this.#segments.push({ keyframe, chunks: [], open: [], bytes: keyframe.length });
    this.#bytes += keyframe.length;
    this.#sinceKeyframe = 0;
  }

  /** The batch ended: its lines become one string. */
  #seal(seg: Segment): void {
    if (seg.open.length === 0) return;
    seg.chunks.push(seg.open.join('\n'));
    seg.open = [];
  }

  #push(line: string): void {
    const seg = this.#segments.at(-1)!;
    seg.open.push(line);
    seg.bytes += line.length + 1;
    this.#bytes += line.length + 1;
  }
}

/** A segment's lines after its keyframe, one by one. */
function* segmentLines(seg: Segment): Generator<string> {
  for (const chunk of seg.chunks) yield* chunk.split('\n');
  yield* seg.open;
}

export class FileRecording implements RecordingTap {
  readonly path: string;
  readonly #out: WriteStream;
  readonly #keyframeEvery: number;
  #sinceKeyframe = 0;
  #error: Error | undefined;
  readonly #onError: (err: Error) => void;

  /**
   * Opens (truncates) `path` and writes the header. A write error stops the recording — the server
   * goes on — and is reported once through `onError`.
   */
  constructor(o: { path: string; header: RecordingHeader; keyframeEvery?: number; onError: (err: Error) => void }) {
    this.path = o.path;
    this.#keyframeEvery = o.keyframeEvery ?? KEYFRAME_EVERY;
    this.#onError = o.onError;
    this.#out = createWriteStream(o.path, { flags: 'w' });
    this.#out.on('error', (err) => {
      if (this.#error) return;
      this.#error = err;
      this.#onError(err);
    });
    this.#write(JSON.stringify(o.header));
  }

  /** Resolves once the file exists and the header is written, or rejects with why it cannot be. */
  async ready(): Promise<void> {
    if (this.#error) throw this.#error;
    await Promise.race([
      once(this.#out, 'ready'),
      once(this.#out, 'error').then(([err]) => {
        throw err;
      }),
    ]);
  }

  event(json: string): void {
    this.#write(json);
    this.#sinceKeyframe += 1;
  }

  stats(json: string): void {
    this.#write(json);
  }

  batchEnd(snapshot: () => Snapshot): void {
    if (this.#sinceKeyframe < this.#keyframeEvery) return;
    this.#sinceKeyframe = 0;
    this.#write(`{"type":"keyframe","snapshot":${JSON.stringify(snapshot())}}`);
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    if (this.#out.closed || this.#out.destroyed) return;
    const closed = once(this.#out, 'close').catch(() => undefined);
    this.#out.end();
    await closed;
  }

  #write(line: string): void {
    if (this.#error || this.#out.writableEnded) return;
    this.#out.write(`${line}\n`);
  }
}
