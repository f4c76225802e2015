/** Cell text of the connections table: short enough for narrow columns. Pure. */
import { formatDuration } from '../format.ts';

/** `850 ms`, `4.2 s`, `15 s`, `1m 26s`, `2h 05m`: the page's one duration format, compact. */
export function shortDuration(ms: number): string {
  return formatDuration(ms, { compact: true });
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
