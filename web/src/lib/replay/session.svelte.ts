/**
 * The page's replay (README "Record and replay"): a thin rune wrapper around `Replay` and
 * `ReplayPlayer` that shows the model at the cursor through the one store every view reads
 * (`ConnectionsStore.showReplay`), so graph, timeline, log, table, counters and details are drawn
 * by the same code as live. Three sources open one: an imported file, the page's own recording of
 * the live stream (rewind), and a `connscope replay FILE` server.
 */
import type { Recording } from '$protocol';
import type { ConnectionsStore } from '../model/ConnectionsStore.svelte.ts';
import type { FrameHost } from '../ui/frame-scheduler.ts';
import { ReplayPlayer } from './player.ts';
import { Replay } from './replay.ts';

export type ReplaySource =
  /** A file imported into the page (button or drag and drop). */
  | { kind: 'file'; name: string }
  /** The live stream, rewound within what the page holds. */
  | { kind: 'live' }
  /** A server that replays a recording (`connscope replay FILE`). */
  | { kind: 'server'; name: string };

export class ReplaySession {
  readonly #store: ConnectionsStore;
  readonly #host: FrameHost;
  readonly #onPosition: (seq: number | null, source: ReplaySource | null) => void;
  #player: ReplayPlayer | null = null;

  source = $state.raw<ReplaySource | null>(null);
  seq = $state(0);
  firstSeq = $state(0);
  lastSeq = $state(0);
  /** Recording time at the cursor, and the recording's span. */
  time = $state(0);
  start = $state(0);
  end = $state(0);
  playing = $state(false);
  speed = $state(1);
  /** Seqs the scrubber marks as errors, and their times. */
  errorTimes = $state.raw<number[]>([]);

  /**
   * `onPosition` hears every move (null when the replay closes): the page keeps the position in
   * its URL, and a replay server is told where the cursor is (its `/api/snapshot` answers there).
   */
  constructor(
    store: ConnectionsStore,
    host: FrameHost,
    onPosition: (seq: number | null, source: ReplaySource | null) => void = () => undefined,
  ) {
    this.#store = store;
    this.#host = host;
    this.#onPosition = onPosition;
  }

  get active(): boolean {
    return this.source !== null;
  }

  /** The player (for tests and the jump buttons); null while no replay is open. */
  get player(): ReplayPlayer | null {
    return this.#player;
  }

  /** Opens `recording` at `at` (its last event when absent), paused. */
  open(recording: Recording, source: ReplaySource, at?: number): void {
    this.#player?.dispose();
    const replay = new Replay(recording);
    const player = new ReplayPlayer(replay, this.#host, () => this.#moved());
    this.#player = player;
    this.source = source;
    this.firstSeq = replay.firstSeq;
    this.lastSeq = replay.lastSeq;
    [this.start, this.end] = player.span;
    this.errorTimes = replay.errorSeqs().map((s) => replay.timeAt(s));
    player.seekSeq(at ?? replay.lastSeq);
  }

  /** Closes the replay: the views show the live model again. */
  close(): void {
    this.#player?.dispose();
    this.#player = null;
    this.source = null;
    this.playing = false;
    this.#store.showLive();
    this.#onPosition(null, null);
  }

  toggle(): void {
    this.#player?.toggle();
  }
  pause(): void {
    this.#player?.pause();
  }
  setSpeed(speed: number): void {
    this.#player?.setSpeed(speed);
  }
  seekTime(t: number): void {
    this.#player?.seekTime(t);
  }
  seekSeq(seq: number): void {
    this.#player?.seekSeq(seq);
  }
  step(delta: number): void {
    this.#player?.step(delta);
  }
  /** To connection `id`'s next or previous transition; false when there is none that way. */
  jumpTransition(id: number, direction: 1 | -1): boolean {
    return this.#player?.jumpTransition(id, direction) ?? false;
  }

  #moved(): void {
    const p = this.#player;
    if (!p) return;
    const seqChanged = p.replay.seq !== this.seq;
    this.seq = p.replay.seq;
    this.time = p.time;
    this.playing = p.playing;
    this.speed = p.speed;
    this.#store.showReplay(p.replay.state, p.time);
    if (seqChanged || !this.playing) this.#onPosition(this.seq, this.source);
  }
}
