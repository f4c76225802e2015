/**
 * The timeline's time window and its follow / pause state: what the user does to the horizontal
 * axis (pause, follow, zoom, pan, drag) and the rules that tie it to the model. Pure: no DOM, no
 * Svelte. Time comes only from the `now` it is given (the model's clock, which stands still while
 * the link is down; replay gives a recorded position) — never from the wall clock.
 *
 * Rules:
 * - Following, the right edge tracks now (`followEnd`, a little room right of now) and zooming
 *   keeps following, anchored at now.
 * - Paused, the picture is frozen at the pause: transitions with seq > `maxSeq` are hidden (and
 *   counted as `newCount`), open segments end at `nowMs`, and the window can be zoomed about a
 *   point and panned, never more than half a window past the pause (`clampWindow`).
 * - Panning (keys, wheel, a horizontal drag) pauses first: looking back in time is a pause.
 * - seq going backwards means the server restarted (a new run numbers from 1): a paused view
 *   re-anchors on the new run, or everything of it would count as "before the pause".
 */
import { DRAG_PX } from '../ui/drag.ts';
import { followIntervalMs } from './frame-loop.ts';
import { clampSpan, clampWindow, DEFAULT_SPAN_MS, followEnd, makeScale, type TimeScale, timeOfX, zoomWindow } from './time-scale.ts';

/** Room (CSS px) right of "now" while following, so the newest marks are never clipped. */
export const FOLLOW_PAD_PX = 48;
/** Zoom buttons and +/- keys halve or double the window. */
export const ZOOM_STEP = 2;

/**
 * What the DOM shows of the window. The component passes a `$state` object, so these fields are
 * reactive there; tests pass a plain one. Frame-only values (the right edge, the pause's seq) are
 * plain fields of FollowWindow, so a frame does not write reactive state.
 */
export interface WindowState {
  following: boolean;
  spanMs: number;
  /** Transitions after the pause among the lanes that pass the filter (0 while following). */
  newCount: number;
  /** The model time of the (last) pause. */
  pausedAt: number;
}

export function initialWindowState(): WindowState {
  return { following: true, spanMs: DEFAULT_SPAN_MS, newCount: 0, pausedAt: 0 };
}

export interface WindowSources {
  /** The picture's clock: the model's `now()`. */
  now(): number;
  /** The last applied event's seq. */
  lastSeq(): number;
}

export class FollowWindow {
  readonly state: WindowState;
  /** The window's right edge (model ms); moved by every frame while following. */
  endMs = 0;
  readonly #src: WindowSources;
  #pausedSeq = Infinity;
  #x0 = 0;
  /** 0 until the view has a size. */
  #widthPx = 0;
  /** The right edge when the current drag started panning. */
  #dragEndMs = 0;

  constructor(src: WindowSources, state: WindowState = initialWindowState()) {
    this.#src = src;
    this.state = state;
  }

  get following(): boolean {
    return this.state.following;
  }

  get spanMs(): number {
    return this.state.spanMs;
  }

  /** Transitions with a larger seq are not drawn (Infinity while following). */
  get maxSeq(): number {
    return this.state.following ? Infinity : this.#pausedSeq;
  }

  /** Where open segments end: now while following, the pause otherwise. */
  get nowMs(): number {
    return this.state.following ? this.#src.now() : this.state.pausedAt;
  }

  /** The plot: its left edge `x0` and width (CSS px). */
  setPlot(x0: number, widthPx: number): void {
    this.#x0 = x0;
    this.#widthPx = Math.max(0, widthPx);
  }

  /** The scale to draw and hit-test with. */
  get scale(): TimeScale {
    return makeScale({ endMs: this.endMs, spanMs: this.state.spanMs }, this.#x0, this.#widthPx);
  }

  get msPerPx(): number {
    return this.state.spanMs / Math.max(1, this.#widthPx);
  }

  /** Time until the next follow tick (frame-loop.ts), or null while paused: the picture stands still. */
  tickIntervalMs(): number | null {
    return this.state.following ? followIntervalMs(this.msPerPx) : null;
  }

  /** Start of a frame: while following, the right edge moves to now. Returns the frame's `nowMs`. */
  tick(): number {
    if (!this.state.following) return this.state.pausedAt;
    const now = this.#src.now();
    this.endMs = followEnd(now, this.state.spanMs, this.#widthPx, FOLLOW_PAD_PX);
    return now;
  }

  /** Freeze the picture now. False when already paused. */
  pause(): boolean {
    if (!this.state.following) return false;
    // The picture stops where it is this instant, not at the last frame's edge.
    this.state.pausedAt = this.tick();
    this.#pausedSeq = this.#src.lastSeq();
    this.state.following = false;
    return true;
  }

  /** Back to live. False when already following. */
  follow(): boolean {
    if (this.state.following) return false;
    this.state.following = true;
    this.#pausedSeq = Infinity;
    this.state.newCount = 0;
    return true;
  }

  toggle(): void {
    if (this.state.following) this.pause();
    else this.follow();
  }

  /**
   * Zoom by `factor` (> 1 = out). Following: around now (the right edge follows). Paused: keeping
   * the time at plot x `x` in place, or the window's middle when `x` is null.
   */
  zoom(factor: number, x: number | null): void {
    if (this.state.following) {
      this.state.spanMs = clampSpan(this.state.spanMs * factor);
      return;
    }
    const anchor = x === null ? this.endMs - this.state.spanMs / 2 : timeOfX(this.scale, x);
    const w = clampWindow(zoomWindow({ endMs: this.endMs, spanMs: this.state.spanMs }, factor, anchor), this.state.pausedAt);
    this.endMs = w.endMs;
    this.state.spanMs = w.spanMs;
  }

  /** Shift the window by `dx` CSS px (negative = back in time); pauses. */
  panPx(dx: number): void {
    if (dx === 0) return;
    this.pause();
    this.#moveEnd(this.endMs + dx * this.msPerPx);
  }

  /** A press on the plot: a drag from here pans from the window as it is now. */
  dragStart(): void {
    this.#dragEndMs = this.endMs;
  }

  /**
   * The drag has moved `dx` px horizontally in all. Dragging right shows the past (the content
   * moves with the pointer). While following, a drag that is mostly vertical (under DRAG_PX
   * sideways) only scrolls lanes and keeps following; once it goes sideways it pauses.
   */
  dragTo(dx: number): void {
    if (this.state.following) {
      if (Math.abs(dx) < DRAG_PX) return;
      this.pause();
      this.#dragEndMs = this.endMs;
    }
    this.#moveEnd(this.#dragEndMs - dx * this.msPerPx);
  }

  /**
   * A batch was applied. When seq went backwards while paused (the server restarted), re-anchor
   * the pause on the new run; returns whether it did.
   */
  applied(): boolean {
    const last = this.#src.lastSeq();
    if (this.state.following || last >= this.#pausedSeq) return false;
    this.#pausedSeq = last;
    this.state.newCount = 0;
    return true;
  }

  #moveEnd(endMs: number): void {
    this.endMs = clampWindow({ endMs, spanMs: this.state.spanMs }, this.state.pausedAt).endMs;
  }
}
