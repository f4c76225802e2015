/**
 * Where the page's replays come from (README "Record and replay"): importing a file, rewinding
 * the live view within what the page holds, a replay server's recording, and a reload with a
 * position in the URL. And what "Export" saves: the replay's own recording while one is open,
 * else what the page holds of the live stream.
 */
import { formatRecording, type Recording } from '$protocol';
import type { ConnectionsStore } from '../model/ConnectionsStore.svelte.ts';
import { exportName, parseNamed, readRecordingFile } from './recording-file.ts';
import type { ReplaySession } from './session.svelte.ts';

/** A replay server hears the cursor at most this often (its `/api/snapshot` answers there). */
export const POSITION_REPORT_MS = 250;

export interface RecordingHost {
  /** GET a path of this server as text (`/api/recording`). */
  fetchText(path: string): Promise<{ ok: boolean; status: number; text: string }>;
  /** Saves `text` as a download named `name`. */
  download(name: string, text: string): void;
  now(): number;
  setTimer(cb: () => void, ms: number): unknown;
}

export class Recordings {
  readonly #store: ConnectionsStore;
  readonly #session: ReplaySession;
  readonly #host: RecordingHost;
  /** The last import or export problem, said to the user (role="alert"); '' when none. */
  problem = $state('');
  /** What the last successful import or export did. */
  done = $state('');
  busy = $state(false);
  /** The position to tell the replay server, and whether a report is scheduled. */
  #toReport: number | null = null;
  #reportTimer: unknown = null;
  #report: ((seq: number) => Promise<unknown>) | null = null;

  constructor(store: ConnectionsStore, session: ReplaySession, host: RecordingHost) {
    this.#store = store;
    this.#session = session;
    this.#host = host;
  }

  /**
   * Tells a replay server where the cursor is (`replaySeek`), at most every POSITION_REPORT_MS
   * and always the latest position: scrubbing sends a few messages, not one per frame.
   */
  reportPosition(seq: number, send: (seq: number) => Promise<unknown>): void {
    this.#toReport = seq;
    this.#report = send;
    if (this.#reportTimer !== null) return;
    const flush = (): void => {
      this.#reportTimer = null;
      const s = this.#toReport;
      if (s === null || this.#report === null) return;
      this.#toReport = null;
      this.#report(s).catch((err: Error) => {
        this.problem = `the replay server did not take the position: ${err.message}`;
      });
      this.#reportTimer = this.#host.setTimer(flush, POSITION_REPORT_MS);
    };
    flush();
  }

  /** Replays a file the user chose or dropped; a bad file changes nothing but says why. */
  async importFile(file: { name: string; size: number; text(): Promise<string> }): Promise<boolean> {
    this.busy = true;
    try {
      const r = await readRecordingFile(file);
      if (!r.ok) {
        this.problem = r.message;
        return false;
      }
      this.problem = '';
      this.#session.open(r.recording, { kind: 'file', name: r.name }, r.recording.header.snapshot.seq);
      this.done = `Imported ${r.name}: ${r.recording.events.length} events`;
      return true;
    } finally {
      this.busy = false;
    }
  }

  /**
   * Replays a recording the server builds at `path` — a fleet node's history window
   * (`/api/node-recording?…`, docs/fleet.md "History windows") — as an import named `name`: from
   * its start, closable, with the same parser and the same words when it is not one.
   */
  async openFetched(path: string, name: string): Promise<boolean> {
    this.busy = true;
    try {
      const res = await this.#host.fetchText(path);
      if (!res.ok) {
        this.problem = `${name} is not available (HTTP ${res.status}): ${res.text.slice(0, 200)}`;
        return false;
      }
      const r = parseNamed(res.text, name);
      if (!r.ok) {
        this.problem = r.message;
        return false;
      }
      this.problem = '';
      this.#session.open(r.recording, { kind: 'file', name }, r.recording.header.snapshot.seq);
      this.done = `Opened ${name}: ${r.recording.events.length} events`;
      return true;
    } catch (err) {
      this.problem = `${name} could not be fetched: ${(err as Error).message}`;
      return false;
    } finally {
      this.busy = false;
    }
  }

  /** Saves the open replay's recording, or what the page holds of the live stream. */
  exportNow(): boolean {
    const rec: Recording | null = this.#session.player?.replay.recording ?? this.#store.recorder.recording();
    if (rec === null) {
      this.problem = 'nothing to export yet: the page has not received a snapshot';
      return false;
    }
    const name = exportName(rec, rec.header.startedAt);
    this.#host.download(name, formatRecording(rec));
    this.problem = '';
    this.done = `Exported ${rec.events.length} events as ${name}`;
    return true;
  }

  /** Pauses the live view at its newest event, to scrub back within what the page holds. */
  rewind(): boolean {
    const rec = this.#store.recorder.recording();
    if (rec === null) {
      this.problem = 'nothing to rewind yet: the page has not received a snapshot';
      return false;
    }
    this.problem = '';
    this.#session.open(rec, { kind: 'live' });
    return true;
  }

  /**
   * Opens the server's recording at `at`: a replay server's (its page always replays), or a live
   * server's session for a reload whose URL kept a rewound position.
   */
  async openServer(source: { kind: 'server'; name: string } | { kind: 'live' }, at: number | null): Promise<boolean> {
    this.busy = true;
    try {
      const res = await this.#host.fetchText('/api/recording');
      if (!res.ok) {
        this.problem = `the server's recording is not available (HTTP ${res.status}): ${res.text.slice(0, 200)}`;
        return false;
      }
      const r = parseNamed(res.text, source.kind === 'server' ? source.name : "the server's recording");
      if (!r.ok) {
        this.problem = r.message;
        return false;
      }
      const rec = r.recording;
      const inRange = at !== null && at >= rec.header.snapshot.seq && at <= (rec.events.at(-1)?.seq ?? rec.header.snapshot.seq);
      if (at !== null && !inRange) {
        this.problem = `event ${at} is no longer in the server's recording (it holds ${rec.header.snapshot.seq + 1}–${rec.events.at(-1)?.seq ?? rec.header.snapshot.seq})`;
        if (source.kind === 'live') return false;
      } else this.problem = '';
      this.#session.open(rec, source, inRange ? at : undefined);
      return true;
    } catch (err) {
      this.problem = `the server's recording could not be fetched: ${(err as Error).message}`;
      return false;
    } finally {
      this.busy = false;
    }
  }
}
