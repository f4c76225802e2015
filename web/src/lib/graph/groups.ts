/**
 * Grouping rules of the graph view: which sector a connection sits in, what counts as live, how a
 * peer is named for assistive technology, and the one-line caption. Pure: no Svelte, no DOM.
 */
import { isLiveState } from '../model/counts.ts';
import type { ConnState, ConnType, ConnView, SlotLimits } from '../model/types.ts';

/**
 * The graph's sectors. Automatic outbound and inbound are what the manager does by itself; manual
 * (one-shot `connect` and persistent peers) is what an operator asked for, so it gets its own place.
 */
export type GroupKey = 'outbound' | 'inbound' | 'manual';

/** Drawing and list order of the groups (the DOM mirror walks them in this order). */
export const GROUP_ORDER: readonly GroupKey[] = ['outbound', 'manual', 'inbound'];

/**
 * Where a group sits around the centre node. Angles in radians, canvas convention (0 = right,
 * positive = clockwise, because y grows downwards). Why these places: inbound peers come *in*
 * from the left, the node's own dials go *out* to the right — automatic above, manual below — so
 * a projector audience reads direction without a legend.
 */
export interface SectorSpec {
  /** Centre angle of the sector. */
  center: number;
  /** Full angular width of the sector. */
  span: number;
}

const DEG = Math.PI / 180;

/** The three sectors; together they leave small gaps so the groups never touch. */
export const SECTORS: Readonly<Record<GroupKey, SectorSpec>> = {
  outbound: { center: -48 * DEG, span: 92 * DEG },
  manual: { center: 52 * DEG, span: 88 * DEG },
  inbound: { center: 180 * DEG, span: 156 * DEG },
};

/** A connection the graph shows at full strength (ended ones only fade out). */
export function isLive(state: ConnState): boolean {
  return isLiveState(state);
}

/** The sector a connection belongs to. `manual` covers one-shot connects and persistent peers. */
export function groupOf(c: Pick<ConnView, 'type'>): GroupKey {
  return c.type;
}

/**
 * Live counts per group (persistent ones also counted on their own). The model's `LiveCounts`
 * is one of these; the layout keeps its own tally for sizing the sectors it draws.
 */
export interface GroupCounts {
  outbound: number;
  inbound: number;
  manual: number;
  persistent: number;
  total: number;
}

/** An empty tally. */
export function emptyCounts(): GroupCounts {
  return { outbound: 0, inbound: 0, manual: 0, persistent: 0, total: 0 };
}

/** Adds one live connection to a tally. */
export function countInto(counts: GroupCounts, c: Pick<ConnView, 'type' | 'persistent'>): void {
  counts[groupOf(c)]++;
  if (c.persistent) counts.persistent++;
  counts.total++;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The short caption announced politely: "32 peers: 8 outbound, 20 inbound, 4 manual (3 persistent)". */
export function captionText(counts: GroupCounts): string {
  if (counts.total === 0) return 'No peers';
  const manual = counts.persistent > 0 ? `${counts.manual} manual (${counts.persistent} persistent)` : `${counts.manual} manual`;
  return `${plural(counts.total, 'peer')}: ${counts.outbound} outbound, ${counts.inbound} inbound, ${manual}`;
}

/** One slot gauge per sector: how many are used of how many allowed. */
export interface Gauge {
  group: GroupKey;
  used: number;
  /** The limit the gauge fills towards (0 = no limit configured). */
  limit: number;
  /** Short text drawn at the gauge, e.g. "6/8 outbound". */
  label: string;
}

/**
 * Slot gauges from live counts and limits. Outbound fills towards `targetOutbound` (pending dials
 * count, as in the manager's rule); inbound towards `maxInbound`; the manual sector's gauge is the
 * persistent limit, since one-shot connects have none (they are mentioned in the label).
 */
export function gauges(counts: GroupCounts, limits: SlotLimits): Record<GroupKey, Gauge> {
  const oneShot = counts.manual - counts.persistent;
  return {
    outbound: {
      group: 'outbound',
      used: counts.outbound,
      limit: limits.targetOutbound,
      label: `${counts.outbound}/${limits.targetOutbound} outbound`,
    },
    inbound: {
      group: 'inbound',
      used: counts.inbound,
      limit: limits.maxInbound,
      label: `${counts.inbound}/${limits.maxInbound} inbound`,
    },
    manual: {
      group: 'manual',
      used: counts.persistent,
      limit: limits.maxPersistent,
      label: `${counts.persistent}/${limits.maxPersistent} persistent${oneShot > 0 ? ` + ${oneShot} manual` : ''}`,
    },
  };
}

/** Whole seconds left before a retry, rounded up; 0 once it is due. */
export function retrySeconds(retryAt: number, now: number): number {
  return Math.max(0, Math.ceil((retryAt - now) / 1000));
}

/** "retry in 4 s" / "retrying" (spaced form for speech; the canvas uses the compact form). */
export function retryText(retryAt: number, now: number, compact = false): string {
  const s = retrySeconds(retryAt, now);
  if (s <= 0) return 'retrying';
  return compact ? `retry in ${s}s` : `retry in ${s} s`;
}

/** Type words as read out: "outbound", "inbound", "manual, persistent". */
export function typeWords(type: ConnType, persistent: boolean): string {
  return persistent ? `${type}, persistent` : type;
}

/**
 * The accessible name of a peer in the DOM mirror, e.g. "127.0.0.1:9001, outbound, established" or
 * "127.0.0.1:9002, manual, persistent, failing, retry in 4 s". Comma-separated fields in a fixed
 * order, so screen readers pause between them and tests can match on any one.
 */
export function accessibleName(c: Pick<ConnView, 'addr' | 'type' | 'persistent' | 'state' | 'retryAt'>, now: number): string {
  let name = `${c.addr}, ${typeWords(c.type, c.persistent)}, ${c.state}`;
  if (c.state === 'failing' && c.retryAt !== undefined) name += `, ${retryText(c.retryAt, now)}`;
  return name;
}

/** Order of the mirror list: by group (GROUP_ORDER), then by id (oldest first). */
export function compareForList(a: Pick<ConnView, 'type' | 'id'>, b: Pick<ConnView, 'type' | 'id'>): number {
  const ga = GROUP_ORDER.indexOf(groupOf(a));
  const gb = GROUP_ORDER.indexOf(groupOf(b));
  return ga !== gb ? ga - gb : a.id - b.id;
}

/** The hover tooltip's lines under the address: type and state, countdown, reason, id. */
export function tipLines(
  c: Pick<ConnView, 'id' | 'type' | 'persistent' | 'state' | 'retryAt' | 'attempt' | 'reason'>,
  now: number,
): string[] {
  const lines = [`${c.type}${c.persistent ? ' · persistent' : ''} · ${c.state}`];
  if (c.state === 'failing' && c.retryAt !== undefined)
    lines.push(`${retryText(c.retryAt, now)}${c.attempt ? ` (attempt ${c.attempt})` : ''}`);
  if (c.reason) lines.push(`reason: ${c.reason}`);
  lines.push(`id ${c.id}`);
  return lines;
}
