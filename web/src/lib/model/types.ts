/**
 * The page's view model: what the graph, timeline, log and panels read. The store
 * (ConnectionsStore.svelte.ts) builds it from protocol messages only, through one reducer.
 *
 * Performance contract: `conns` is a plain Map that the store mutates in place; the store bumps
 * `version` (reactive) once per applied batch. Canvas views watch `version` and redraw on the next
 * animation frame, so thousands of connections and a fast event stream cost one redraw per frame.
 */

export type ConnState = 'pending' | 'established' | 'failing' | 'disconnected' | 'canceled';
export type ConnType = 'inbound' | 'outbound' | 'manual';

/** One state change of a connection, as it arrived (seq is the server's event number). */
export interface Transition {
  seq: number;
  /** Server clock time (ms since epoch). */
  at: number;
  from: ConnState | null;
  to: ConnState;
  reason: string;
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

export interface ConnView {
  id: number;
  type: ConnType;
  persistent: boolean;
  addr: string;
  localAddr: string | null;
  state: ConnState;
  attempt: number;
  retryAt?: number;
  createdAt: number;
  establishedAt?: number;
  endedAt?: number;
  reason?: string;
  bytesIn: number;
  bytesOut: number;
  lastActivityAt: number;
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
  /** The server's clock now, estimated from message times (for countdowns and "now" lines). */
  serverNow(): number;
}

/** Colours per state, shared by graph, timeline, log and legend (CSS custom properties). */
export const STATE_COLOR_VARS: Record<ConnState, string> = {
  pending: 'var(--state-pending)',
  established: 'var(--state-established)',
  failing: 'var(--state-failing)',
  disconnected: 'var(--state-disconnected)',
  canceled: 'var(--state-canceled)',
};
