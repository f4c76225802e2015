/**
 * The fleet view's node list (docs/fleet.md "The fleet dashboard"): one row per node of a `fleet`
 * message, with the words and numbers the cards show — health and how long since the last
 * heartbeat, the run, connections by type and state, lag, missing seq ranges and dropped events.
 * Pure, so the wording is table-tested; the components only lay it out.
 */
import type { FleetMessage, FleetNode, NodeHealth, SeqRange } from '$protocol';
import { formatDuration } from '../format.ts';

/** Characters of a run id shown (enough to tell runs of one node apart). */
export const RUN_SHORT = 8;
/** Missing ranges listed by name; more are summarised as "+N more". */
export const MISSING_SHOWN = 3;

export interface NodeRow {
  node: string;
  health: NodeHealth;
  /** `live`, `stale` or `stopped`, with how long ago the node last spoke when that matters. */
  healthText: string;
  /** ms since the dashboard last heard the node's heartbeat (the dashboard's clock). */
  seenAgoMs: number;
  /** `last event 3.2 s ago`, or `no events yet`. */
  lastEventText: string;
  runShort: string;
  runs: number;
  /** Live connections (pending, established or failing), as the node's own page counts them. */
  conns: number;
  byType: { inbound: number; outbound: number; manual: number };
  byState: { pending: number; established: number; failing: number };
  /** `in step`, or `12 events behind`, with the delivery delay when known. */
  lagText: string;
  lagEvents: number;
  /** Seqs that will never arrive, as text (`12–40, 77`), and how many events that is. */
  missingText: string;
  missingEvents: number;
  droppedEvents: number;
  eventsPerSec: number;
  /** The connection counts of the last heartbeats, oldest first (the sparkline). */
  series: number[];
  readOnly: boolean;
}

/** `12–40, 77, 90–91 +2 more` (en dash; one seq alone). */
export function formatRanges(ranges: readonly SeqRange[], shown = MISSING_SHOWN): string {
  const parts = ranges.slice(0, shown).map(([a, b]) => (a === b ? String(a) : `${a}–${b}`));
  const more = ranges.length - shown;
  return more > 0 ? `${parts.join(', ')} +${more} more` : parts.join(', ');
}

/** Events in the ranges (inclusive). */
export function rangeEvents(ranges: readonly SeqRange[]): number {
  let n = 0;
  for (const [a, b] of ranges) n += b - a + 1;
  return n;
}

/** Health in words: `live`, `stale 12 s` (silent that long), `stopped 3 min ago`. */
export function healthText(health: NodeHealth, seenAgoMs: number): string {
  if (health === 'live') return 'live';
  if (health === 'stale') return `stale ${formatDuration(seenAgoMs)}`;
  return `stopped ${formatDuration(seenAgoMs)} ago`;
}

/** `in step`, `3 events behind`, with ` · delivered in 40 ms` when the delay is known. */
export function lagText(lagEvents: number, lagMs: number | null): string {
  const behind = lagEvents === 0 ? 'in step' : `${lagEvents} event${lagEvents === 1 ? '' : 's'} behind`;
  return lagMs === null ? behind : `${behind} · delivered in ${formatDuration(lagMs)}`;
}

/**
 * One row. `at` is the dashboard's clock (the message's `at`). The node's last event time is on
 * the node's manager clock, which is the wall clock outside lab slow motion; on one host or with
 * synced clocks the difference is the event's age.
 */
export function nodeRow(n: FleetNode, at: number): NodeRow {
  const seenAgoMs = Math.max(0, at - n.lastSeenAt);
  const s = n.stats;
  return {
    node: n.node,
    health: n.health,
    healthText: healthText(n.health, seenAgoMs),
    seenAgoMs,
    lastEventText: n.lastEventAt === null ? 'no events yet' : `last event ${formatDuration(Math.max(0, at - n.lastEventAt))} ago`,
    runShort: n.runId.slice(0, RUN_SHORT),
    runs: n.runs,
    conns: s.currByState.pending + s.currByState.established + s.currByState.failing,
    byType: { ...s.currByType },
    byState: { ...s.currByState },
    lagText: lagText(n.lagEvents, n.lagMs),
    lagEvents: n.lagEvents,
    missingText: formatRanges(n.missing),
    missingEvents: rangeEvents(n.missing),
    droppedEvents: n.droppedEvents,
    eventsPerSec: n.eventsPerSec,
    series: n.series.map((p) => p.conns),
    readOnly: n.control === 'read-only',
  };
}

/** The rows of a message, by node name (a stable order: cards do not jump as counts change). */
export function nodeRows(msg: Pick<FleetMessage, 'at' | 'nodes'>): NodeRow[] {
  return msg.nodes.map((n) => nodeRow(n, msg.at)).sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
}

/**
 * The one-line fleet summary: `3 nodes · 2 live · 1 stale · 42 live connections · 12 events/s`
 * (live connections: pending, established or failing — `totals.connections` counts established ones).
 */
export function totalsText(t: FleetMessage['totals']): string {
  const conns = t.byState.pending + t.byState.established + t.byState.failing;
  const parts = [`${t.nodes} node${t.nodes === 1 ? '' : 's'}`, `${t.live} live`];
  if (t.stale > 0) parts.push(`${t.stale} stale`);
  if (t.stopped > 0) parts.push(`${t.stopped} stopped`);
  parts.push(`${conns} live connection${conns === 1 ? '' : 's'}`, `${formatRate(t.eventsPerSec)} events/s`);
  if (t.droppedEvents > 0) parts.push(`${t.droppedEvents} dropped`);
  return parts.join(' · ');
}

/** Events per second with one decimal below 10, whole above. */
export function formatRate(perSec: number): string {
  return perSec < 10 ? (Math.round(perSec * 10) / 10).toFixed(1) : String(Math.round(perSec));
}

/** The sentence the card's mirror and its accessible name read. */
export function describeRow(r: NodeRow): string {
  const parts = [
    `node ${r.node}, ${r.healthText}`,
    `${r.conns} live connection${r.conns === 1 ? '' : 's'}: ${r.byState.established} established, ${r.byState.pending} pending, ${r.byState.failing} failing`,
    `${r.byType.inbound} inbound, ${r.byType.outbound} outbound, ${r.byType.manual} manual`,
    r.lagText,
  ];
  if (r.missingEvents > 0) parts.push(`missing ${r.missingText}`);
  if (r.droppedEvents > 0) parts.push(`${r.droppedEvents} dropped by the node`);
  return parts.join('; ');
}
