/** Cell text of the connections table: short enough for narrow columns. Pure. */

/** `850 ms`, `4.2 s`, `15 s`, `1m 26s`, `2h 5m`: a duration in at most two units. */
export function shortDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  const v = Math.max(0, ms);
  if (v < 1000) return `${Math.round(v)} ms`;
  const s = v / 1000;
  if (s < 10) return `${(Math.floor(s * 10) / 10).toFixed(1)} s`;
  if (s < 60) return `${Math.floor(s)} s`;
  const totalS = Math.floor(s);
  const m = Math.floor(totalS / 60);
  if (m < 60) return `${m}m ${String(totalS % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** The Type cell: a persistent peer (always manual) says so. */
export function typeText(r: { type: string; persistent: boolean }): string {
  return r.persistent ? 'persistent' : r.type;
}

/** The Next try cell: a countdown, `now` once due, `—` when no retry is planned. */
export function nextTryText(ms: number | null): string {
  if (ms === null) return '—';
  return ms > 0 ? shortDuration(ms) : 'now';
}

/** "#9 #5 #3 …": an address's newest ids, and an ellipsis when there are more. */
export function recentIdsText(recent: readonly number[], total: number): string {
  return `${recent.map((x) => `#${x}`).join(' ')}${total > recent.length ? ' …' : ''}`;
}
