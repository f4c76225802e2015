/**
 * Time axis: adaptive tick steps (ms … h), local-time alignment and labels; plus the duration
 * and clock formats the tooltips use. Pure: no DOM. Time-zone offsets are parameters
 * (`tzOffsetMs`: add to UTC ms to get local wall-clock ms) so tests are deterministic.
 */

const S = 1_000;
const M = 60_000;
const H = 3_600_000;

/** Candidate tick steps, finest first: 1-2-5 below a second, clock-friendly above. */
export const TICK_STEPS_MS: readonly number[] = [
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  S,
  2 * S,
  5 * S,
  10 * S,
  15 * S,
  30 * S,
  M,
  2 * M,
  5 * M,
  10 * M,
  15 * M,
  30 * M,
  H,
  2 * H,
  3 * H,
  6 * H,
  12 * H,
  24 * H,
];

/** Characters in a tick label at this step: "12:03:04.500", "12:03:04" or "12:03". */
export function tickLabelChars(stepMs: number): number {
  if (stepMs < S) return 12;
  if (stepMs < M) return 8;
  return 5;
}

/**
 * The finest step whose labels fit: ticks at least one label plus `gapPx` apart.
 * `charPx` is the width of one digit in the axis font (measure it; 7 px fits 12 px fonts).
 */
export function chooseTickStep(spanMs: number, widthPx: number, charPx = 7, gapPx = 28): number {
  const pxPerMs = widthPx / Math.max(1, spanMs);
  for (const step of TICK_STEPS_MS) {
    if (step * pxPerMs >= tickLabelChars(step) * charPx + gapPx) return step;
  }
  return TICK_STEPS_MS[TICK_STEPS_MS.length - 1]!;
}

/** Local-time offset of the runtime at `atMs` (what `tzOffsetMs` should be outside tests). */
export function localTzOffsetMs(atMs: number): number {
  return -new Date(atMs).getTimezoneOffset() * M;
}

/** Tick times in `[startMs, endMs]`, on multiples of `stepMs` in local wall-clock time. */
export function tickTimes(startMs: number, endMs: number, stepMs: number, tzOffsetMs: number): number[] {
  const out: number[] = [];
  if (!(stepMs > 0) || endMs < startMs) return out;
  let t = Math.ceil((startMs + tzOffsetMs) / stepMs) * stepMs - tzOffsetMs;
  // A runaway count means a bad step for this span; refuse rather than allocate millions.
  for (let n = 0; t <= endMs && n < 10_000; n++, t += stepMs) out.push(t);
  return out;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Wall clock "HH:MM:SS" (or "HH:MM:SS.mmm" with `withMs`) of `tMs`. */
export function formatClock(tMs: number, tzOffsetMs: number, withMs = false): string {
  const day = 24 * H;
  const local = (((Math.floor(tMs) + tzOffsetMs) % day) + day) % day;
  const h = Math.floor(local / H);
  const m = Math.floor((local % H) / M);
  const s = Math.floor((local % M) / S);
  const base = `${pad(h)}:${pad(m)}:${pad(s)}`;
  return withMs ? `${base}.${pad(local % S, 3)}` : base;
}

/** A tick label with as much precision as the step needs. */
export function formatTick(tMs: number, stepMs: number, tzOffsetMs: number): string {
  if (stepMs < S) return formatClock(tMs, tzOffsetMs, true);
  if (stepMs < M) return formatClock(tMs, tzOffsetMs);
  return formatClock(tMs, tzOffsetMs).slice(0, 5);
}

/**
 * A human duration, two units at most: "800 ms", "1.5 s", "15 s", "2 min 30 s", "1 h 5 min".
 * Negative durations read as zero (a retry time already in the past).
 */
export function formatDuration(ms: number): string {
  const d = Math.max(0, ms);
  if (d < 999.5) return `${Math.round(d)} ms`;
  if (d < 9_950) return `${(Math.round(d / 100) / 10).toString()} s`;
  const secs = Math.round(d / S);
  if (secs < 60) return `${secs} s`;
  if (secs < 3_600) {
    const m = Math.floor(secs / 60);
    const s = secs % 60;
    return s ? `${m} min ${s} s` : `${m} min`;
  }
  const mins = Math.round(d / M);
  const h = Math.floor(mins / 60);
  const m = mins % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}
