/**
 * Time window and linear time → pixel scale of the timeline. Pure: no DOM, no Svelte.
 *
 * The window is stored as its right edge and its span (not start/end) because the two things a
 * user does to it — follow live (move the right edge) and zoom (change the span) — then touch one
 * field each.
 */

/** Narrowest window the user can zoom to: 5 s. */
export const MIN_SPAN_MS = 5_000;
/** Widest window the user can zoom to: 24 h. */
export const MAX_SPAN_MS = 24 * 3_600_000;
/** Window shown when the timeline opens: 5 min. */
export const DEFAULT_SPAN_MS = 5 * 60_000;

/** The visible stretch of time: `[endMs - spanMs, endMs]` (server clock ms). */
export interface TimeWindow {
  readonly endMs: number;
  readonly spanMs: number;
}

/** A window mapped onto `widthPx` pixels starting at `x0` (CSS pixels). */
export interface TimeScale {
  readonly startMs: number;
  readonly spanMs: number;
  readonly x0: number;
  readonly widthPx: number;
}

/** `spanMs` limited to [MIN_SPAN_MS, MAX_SPAN_MS]; NaN becomes the default. */
export function clampSpan(spanMs: number): number {
  if (Number.isNaN(spanMs)) return DEFAULT_SPAN_MS;
  return Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, spanMs));
}

/**
 * Zoom by `factor` (> 1 widens the window, i.e. zooms out) keeping `anchorMs` at the same place on
 * screen — the time under the pointer stays under the pointer. The span is clamped, so zooming
 * past a limit only moves as far as the limit.
 */
export function zoomWindow(w: TimeWindow, factor: number, anchorMs: number): TimeWindow {
  const spanMs = clampSpan(w.spanMs * factor);
  const startMs = w.endMs - w.spanMs;
  const frac = w.spanMs > 0 ? (anchorMs - startMs) / w.spanMs : 1;
  const newStart = anchorMs - frac * spanMs;
  return { endMs: newStart + spanMs, spanMs };
}

/** Shift the window by `deltaMs` (positive = later). */
export function panWindow(w: TimeWindow, deltaMs: number): TimeWindow {
  return { endMs: w.endMs + deltaMs, spanMs: w.spanMs };
}

/**
 * Keep a paused window from drifting into nowhere: its right edge stays at most half a window
 * past `nowMs` (nothing to see there) and its left edge after 0.
 */
export function clampWindow(w: TimeWindow, nowMs: number): TimeWindow {
  const maxEnd = nowMs + w.spanMs / 2;
  const endMs = Math.max(w.spanMs, Math.min(maxEnd, w.endMs));
  return endMs === w.endMs ? w : { endMs, spanMs: w.spanMs };
}

/**
 * Right edge of a following window: `now` sits `padPx` pixels left of the edge, so the "now"
 * line and the newest transitions are never clipped.
 */
export function followEnd(nowMs: number, spanMs: number, widthPx: number, padPx: number): number {
  return widthPx > 0 ? nowMs + (padPx * spanMs) / widthPx : nowMs;
}

export function makeScale(w: TimeWindow, x0: number, widthPx: number): TimeScale {
  return { startMs: w.endMs - w.spanMs, spanMs: w.spanMs, x0, widthPx: Math.max(1, widthPx) };
}

export function xOfTime(s: TimeScale, tMs: number): number {
  return s.x0 + ((tMs - s.startMs) * s.widthPx) / s.spanMs;
}

export function timeOfX(s: TimeScale, x: number): number {
  return s.startMs + ((x - s.x0) * s.spanMs) / s.widthPx;
}

/** Milliseconds one CSS pixel stands for. */
export function msPerPx(s: TimeScale): number {
  return s.spanMs / s.widthPx;
}

/** Line-mode and page-mode wheel deltas in pixels (WheelEvent.deltaMode 1 and 2). */
export function wheelDeltaPx(delta: number, deltaMode: number, pagePx: number): number {
  if (deltaMode === 1) return delta * 16;
  if (deltaMode === 2) return delta * pagePx;
  return delta;
}

/**
 * Zoom factor for a ctrl/⌘+wheel of `deltaPx`: exponential, so a trackpad's many small deltas and
 * a mouse's few big ones zoom alike; one mouse notch (100 px) ≈ ×1.22. Capped per event so a
 * single flick cannot jump the whole 5 s…24 h range.
 */
export function wheelZoomFactor(deltaPx: number): number {
  const d = Math.max(-300, Math.min(300, deltaPx));
  return Math.exp(d * 0.002);
}
