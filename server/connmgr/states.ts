/**
 * Connection states and the only legal transitions between them (README, "States").
 *
 * The table is data so that the manager, the README, the tests and the page's legend all read
 * the same rules. `assertTransition` is the single gate every state change passes through.
 */
import { ConnMgrError } from './errors.ts';

/** Every state a connection can be in. `disconnected` and `canceled` are final. */
export const CONN_STATES = ['pending', 'established', 'failing', 'disconnected', 'canceled'] as const;
export type ConnState = (typeof CONN_STATES)[number];

/** States a connection can still leave. */
export type LiveConnState = Exclude<ConnState, 'disconnected' | 'canceled'>;
export const LIVE_CONN_STATES = ['pending', 'established', 'failing'] as const satisfies readonly LiveConnState[];

/** A row of the transition table: `from: null` is a connection's first state. */
export interface TransitionRule {
  readonly from: ConnState | null;
  readonly to: ConnState;
  readonly when: string;
}

/**
 * The state table of the README's "States" section, verbatim. Literal (`as const`) so that the
 * protocol's copy (`CONN_TRANSITIONS`, drawn by the page's state machine) is checked against it at
 * compile time (server/bridge/protocol-agreement.ts).
 */
export const TRANSITIONS = [
  { from: null, to: 'pending', when: 'a dial starts (new request, or a persistent retry)' },
  { from: null, to: 'established', when: 'an inbound connection is admitted' },
  { from: 'pending', to: 'established', when: 'dial succeeded and the request is still wanted' },
  { from: 'pending', to: 'failing', when: 'dial failed or timed out; a retry is scheduled (persistent)' },
  {
    from: 'pending',
    to: 'canceled',
    when: 'dial failed for a one-shot request, or it was removed/disconnected/aborted/shut down while pending',
  },
  { from: 'established', to: 'failing', when: 'closed (by either side), persistent, retry scheduled after backoff' },
  { from: 'established', to: 'pending', when: 'closed, persistent, redialed at once (stable-connection rule)' },
  { from: 'established', to: 'disconnected', when: 'closed for good' },
  { from: 'failing', to: 'pending', when: 'the retry timer fired' },
  { from: 'failing', to: 'canceled', when: 'removed while waiting, or shutdown' },
] as const satisfies readonly TransitionRule[];

export const FINAL_STATES: ReadonlySet<ConnState> = new Set(['disconnected', 'canceled']);

export function isFinal(state: ConnState): boolean {
  return FINAL_STATES.has(state);
}

/** For each state (null: a new record), the states it may go to; looked up without building a key. */
const legalFrom = new Map<ConnState | null, ReadonlySet<ConnState>>();
for (const t of TRANSITIONS) legalFrom.set(t.from, new Set([...(legalFrom.get(t.from) ?? []), t.to]));

export function isLegalTransition(from: ConnState | null, to: ConnState): boolean {
  return legalFrom.get(from)?.has(to) ?? false;
}

/** Throws `ERR_ILLEGAL_TRANSITION`: reaching it is a bug in the manager, never an operational error. */
export function assertTransition(from: ConnState | null, to: ConnState): void {
  if (!isLegalTransition(from, to)) {
    throw new ConnMgrError('ERR_ILLEGAL_TRANSITION', `illegal transition ${from ?? '(new)'} -> ${to}`);
  }
}
