/**
 * The page's view model: what the graph, timeline, log and panels read. The store
 * (ConnectionsStore.svelte.ts) builds it from protocol messages only, through one reducer.
 *
 * Performance contract: `conns` is a plain Map that the store mutates in place; the store bumps
 * `version` (reactive) once per applied batch. Canvas views watch `version` and redraw on the next
 * animation frame, so thousands of connections and a fast event stream cost one redraw per frame.
 */

import type { ConnInfo, ConnManagerConfig, ConnState, RuleId } from '$protocol';
import type { LiveCounts } from './counts.ts';
import type { LimitSignals } from './limits.ts';

// The vocabulary is the protocol's (one definition, checked against the manager's).
export type { ConnState, ConnType } from '$protocol';

/** One state change of a connection, as it arrived (seq is the server's event number). */
export interface Transition {
  seq: number;
  /** Server clock time (ms since epoch). */
  at: number;
  from: ConnState | null;
  to: ConnState;
  reason: string;
  /** The manager rule that chose `to` (README "Rule ids"); absent on a snapshot stand-in. */
  rule?: RuleId;
  attempt?: number;
  retryAt?: number;
  code?: string;
  /**
   * Not an event: the state a snapshot reported for a connection whose earlier events the page
   * has not seen (yet), so that the timeline can draw it from when it started. Replaced by the
   * real transitions when a backfill brings them.
   */
  synthetic?: boolean;
}

/**
 * A connection as the protocol describes it (`ConnInfo`), plus its history. `reason` is a plain
 * string here so that a snapshot stand-in can say where its state came from.
 */
export interface ConnView extends Omit<ConnInfo, 'reason'> {
  reason?: string;
  /** Its transitions, oldest first (bounded: the oldest are dropped past a cap). */
  history: Transition[];
}

/** Limits the graph draws as free slots. */
export interface SlotLimits {
  targetOutbound: number;
  maxInbound: number;
  maxPersistent: number;
}

/** What a canvas view needs from the store. */
export interface ConnModel {
  /** Bumps once per applied batch; read it in an $effect to schedule a redraw. */
  readonly version: number;
  /** Live connections and recently ended ones (bounded), by id. */
  readonly conns: ReadonlyMap<number, ConnView>;
  readonly limits: SlotLimits;
  /** Highest event seq applied so far (a paused view counts what arrived after it). */
  readonly lastSeq: number;
  /** Live counts by type and state, derived once from `conns` (every view shows these). */
  readonly counts: LiveCounts;
  /** Model-clock time the link to the server was lost at; null while the model is live. */
  readonly staleSince: number | null;
  /**
   * The model's "now" (for countdowns, ages and "now" lines): the server's clock while live, the
   * loss time while stale. Views read this, never the wall clock, so a frozen or replayed model
   * freezes or replays them too.
   */
  now(): number;
  /** Live changes of the rules, oldest first (the timeline marks them); absent in dev fakes. */
  readonly configMarks?: Iterable<{ seq: number; at: number; text: string }>;
  /** The manager's configuration (the rule sentences' numbers); null before the first hello. */
  readonly config?: ConnManagerConfig | null;
  /** The manager's limits (shed, paused, throttled), for the graph's marks; absent in dev fakes. */
  readonly limitSignals?: LimitSignals;
}

/** Colours per state, shared by graph, timeline, log and legend (CSS custom properties). */
export const STATE_COLOR_VARS: Record<ConnState, string> = {
  pending: 'var(--state-pending)',
  established: 'var(--state-established)',
  failing: 'var(--state-failing)',
  disconnected: 'var(--state-disconnected)',
  canceled: 'var(--state-canceled)',
};
