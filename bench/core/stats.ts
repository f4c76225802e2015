/** The bench's one statistics helper: medians and spreads of paired (raw, project) rounds. */

export function median(xs: readonly number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(xs: readonly number[]): Spread {
  const s = xs.filter(Number.isFinite);
  return { median: median(s), min: s.length ? Math.min(...s) : Number.NaN, max: s.length ? Math.max(...s) : Number.NaN, n: s.length };
}

/** project / raw per round (rounds paired: raw then project in the same round), then their spread. */
export function ratios(project: readonly number[], raw: readonly number[]): Spread {
  const r: number[] = [];
  for (let i = 0; i < Math.min(project.length, raw.length); i += 1) {
    const p = project[i]!;
    const q = raw[i]!;
    if (Number.isFinite(p) && Number.isFinite(q) && q !== 0) r.push(p / q);
  }
  return spread(r);
}

/** 99th percentile of a sample (nearest rank). */
export function p99(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)]!;
}
