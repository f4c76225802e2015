/** Small pure formatters shared by the panels (durations, times, byte counts). */

/**
 * `850 ms`, `4.2 s`, `15 s`, then `2 min 5 s`, `1 h 3 min` — or, `compact` (narrow table cells),
 * `2m 05s`, `1h 03m`, `2d 5h`: at most two units. Negative durations read as 0.
 */
export function formatDuration(ms: number, { compact = false }: { compact?: boolean } = {}): string {
  if (!Number.isFinite(ms)) return '—';
  const v = Math.max(0, ms);
  if (v < 1000) return `${Math.round(v)} ms`;
  const s = v / 1000;
  if (s < 10) return `${(Math.floor(s * 10) / 10).toFixed(1)} s`;
  if (s < 60) return `${Math.floor(s)} s`;
  const totalS = Math.floor(s);
  const m = Math.floor(totalS / 60);
  const h = Math.floor(m / 60);
  if (compact) {
    if (m < 60) return `${m}m ${String(totalS % 60).padStart(2, '0')}s`;
    if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
    return `${Math.floor(h / 24)}d ${h % 24}h`;
  }
  if (m < 60) return totalS % 60 === 0 ? `${m} min` : `${m} min ${totalS % 60} s`;
  return m % 60 === 0 ? `${h} h` : `${h} h ${m % 60} min`;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local wall-clock `HH:MM:SS.mmm` of a ms-since-epoch time (`HH:MM:SS` with `ms: false`). */
export function formatClock(at: number, options: { ms?: boolean } = {}): string {
  const d = new Date(at);
  const hms = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return options.ms === false ? hms : `${hms}.${pad(d.getMilliseconds(), 3)}`;
}

/** `512 B`, `3.4 KiB`, `12 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u += 1;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}
