/**
 * Words for what the timeline shows: tooltips, lane names for the accessible mirror, the
 * canvas summary. Pure: no DOM.
 */
import type { ConnView, Transition } from '../model/types.ts';
import type { Segment } from './segments.ts';
import { formatClock, formatDuration } from './ticks.ts';

/**
 * "12:03:04.123 pending → failing: dial-refused (ECONNREFUSED), retry 3 in 15 s".
 * A first transition reads "new → pending".
 */
export function describeTransition(t: Transition, tzOffsetMs: number): string {
  let s = `${formatClock(t.at, tzOffsetMs, true)} ${t.from ?? 'new'} → ${t.to}: ${t.reason}`;
  if (t.code) s += ` (${t.code})`;
  if (t.retryAt !== undefined) {
    s += `, retry${t.attempt !== undefined ? ` ${t.attempt}` : ''} in ${formatDuration(t.retryAt - t.at)}`;
  } else if (t.attempt !== undefined && t.attempt > 0) {
    s += `, attempt ${t.attempt}`;
  }
  return s;
}

/** "established for 2 min 3 s, since 12:03:04.123" (ongoing: up to `nowMs`). */
export function describeSegment(seg: Segment, nowMs: number, tzOffsetMs: number): string {
  const since = formatClock(seg.startMs, tzOffsetMs, true);
  if (seg.endMs === seg.startMs) return `${seg.state} at ${since}`;
  const ongoing = seg.endMs === Infinity;
  const end = ongoing ? nowMs : seg.endMs;
  return `${seg.state} ${ongoing ? 'for' : 'lasted'} ${formatDuration(end - seg.startMs)}, since ${since}${ongoing ? ' (now)' : ''}`;
}

/** "outbound", "inbound", "manual" or "persistent". */
export function connKind(c: Pick<ConnView, 'type' | 'persistent'>): string {
  return c.persistent ? 'persistent' : c.type;
}

/** "#12 persistent 127.0.0.1:9001" (tooltip title). */
export function connTitle(c: Pick<ConnView, 'id' | 'type' | 'persistent' | 'addr'>): string {
  return `#${c.id} ${connKind(c)} ${c.addr}`;
}

/** The lane's accessible name: "#12 persistent 127.0.0.1:9001, failing". */
export function laneName(c: Pick<ConnView, 'id' | 'type' | 'persistent' | 'addr' | 'state'>): string {
  return `${connTitle(c)}, ${c.state}`;
}

/** What the timeline is showing: the present, a paused moment, or the last known state. */
export interface TimelineMode {
  following: boolean;
  /** Model-clock time the link was lost at (the picture is frozen there); null while live. */
  staleSince: number | null;
  /** Where a pause froze the picture (model clock). */
  pausedAt: number;
}

/**
 * The status beside the controls: "Live" only when following a live model; "Stale since 12:03:04"
 * when the link is down (whatever the pause button says, nothing new can arrive); else "Paused at …".
 */
export function timelineStatus(mode: TimelineMode, tzOffsetMs: number): { live: boolean; text: string } {
  if (mode.staleSince !== null) return { live: false, text: `Stale since ${formatClock(mode.staleSince, tzOffsetMs)}` };
  if (mode.following) return { live: true, text: 'Live' };
  return { live: false, text: `Paused at ${formatClock(mode.pausedAt, tzOffsetMs)}` };
}

/** The canvas summary: "Timeline of 42 connections, following live" / "…, paused, 17 new events". */
export function timelineSummary(lanes: number, following: boolean, newCount: number, stale = false): string {
  const what = `Timeline of ${lanes} connection${lanes === 1 ? '' : 's'}`;
  if (stale) return `${what}, frozen where the link to the server was lost`;
  return following ? `${what}, following live` : `${what}, paused, ${newCount} new event${newCount === 1 ? '' : 's'}`;
}
