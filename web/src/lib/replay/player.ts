/**
 * Replay controls over a `Replay` (replay.ts): play and pause at 0.1×–10× of the recording's own
 * pace, scrub to a time, step one event, jump to a connection's next or previous transition. Pure:
 * frames come from an injected FrameHost (the browser's, or virtual frames in tests), and every
 * move goes through `Replay.seek`, so the views always show the model at `replay.seq`.
 */
import type { FrameHost } from '../ui/frame-scheduler.ts';
import type { Replay } from './replay.ts';

export const PLAY_SPEEDS = [0.1, 0.25, 0.5, 1, 2, 5, 10] as const;

export class ReplayPlayer {
  readonly replay: Replay;
  readonly #host: FrameHost;
  readonly #onMove: () => void;
  #speed = 1;
  #frame = 0;
  /** Recording time at the position (between events while playing). */
  #time: number;
  #lastTick: number | null = null;

  /** `onMove` is called after every change of position or of playing (the views redraw then). */
  constructor(replay: Replay, host: FrameHost, onMove: () => void = () => undefined) {
    this.replay = replay;
    this.#host = host;
    this.#onMove = onMove;
    this.#time = replay.now;
  }

  get playing(): boolean {
    return this.#frame !== 0;
  }

  get speed(): number {
    return this.#speed;
  }

  /** Recording time at the cursor: the clock the views read while replaying. */
  get time(): number {
    return this.#time;
  }

  /** The recording's span in time: [start, end]. */
  get span(): [number, number] {
    return [this.replay.timeAt(this.replay.firstSeq), this.replay.timeAt(this.replay.lastSeq)];
  }

  setSpeed(speed: number): void {
    if (!Number.isFinite(speed) || speed < 0.1 || speed > 10) throw new RangeError(`replay speed must be from 0.1 to 10, got ${speed}`);
    this.#speed = speed;
    this.#onMove();
  }

  play(): void {
    if (this.playing) return;
    if (this.replay.seq >= this.replay.lastSeq) this.#seekSeq(this.replay.firstSeq); // at the end: from the start again
    this.#lastTick = null;
    this.#frame = this.#host.requestFrame((ts) => this.#tick(ts));
    this.#onMove();
  }

  pause(): void {
    if (!this.playing) return;
    this.#host.cancelFrame(this.#frame);
    this.#frame = 0;
    this.#onMove();
  }

  toggle(): void {
    if (this.playing) this.pause();
    else this.play();
  }

  /** Moves to recording time `t` (the last event at or before it). */
  seekTime(t: number): void {
    const [start, end] = this.span;
    this.#time = Math.min(end, Math.max(start, t));
    this.replay.seek(this.replay.seqAtTime(this.#time));
    this.#onMove();
  }

  /** Moves to event `seq`. */
  seekSeq(seq: number): void {
    this.#seekSeq(seq);
    this.#onMove();
  }

  /** One event forward (+1) or back (−1); pauses first. */
  step(delta: number): void {
    this.pause();
    this.#seekSeq(this.replay.seq + delta);
    this.#onMove();
  }

  /** To connection `id`'s next (+1) or previous (−1) transition from the cursor; false if there is none. */
  jumpTransition(id: number, direction: 1 | -1): boolean {
    const seqs = this.replay.transitionsOf(id);
    const here = this.replay.seq;
    const to = direction > 0 ? seqs.find((s) => s > here) : seqs.findLast((s) => s < here);
    if (to === undefined) return false;
    this.pause();
    this.#seekSeq(to);
    this.#onMove();
    return true;
  }

  dispose(): void {
    if (this.#frame !== 0) this.#host.cancelFrame(this.#frame);
    this.#frame = 0;
  }

  #seekSeq(seq: number): void {
    this.replay.seek(seq);
    this.#time = this.replay.now;
  }

  #tick(ts: number): void {
    this.#frame = 0;
    const dt = this.#lastTick === null ? 0 : ts - this.#lastTick;
    this.#lastTick = ts;
    const [, end] = this.span;
    this.#time = Math.min(end, this.#time + dt * this.#speed);
    this.replay.seek(this.replay.seqAtTime(this.#time));
    if (this.#time < end) this.#frame = this.#host.requestFrame((t) => this.#tick(t));
    this.#onMove();
  }
}
