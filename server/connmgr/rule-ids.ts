/**
 * Rule ids: which of the README's manager rules chose where a connection went (README "Rule ids").
 * `reason` says what happened (the peer closed, the dial timed out); `rule` says why the connection
 * then went to the state it went to (back off, redial at once, end). Every `conn:state`,
 * `inbound:rejected` and `outbound:throttled` event carries one, and so does a `listener:state`
 * event that a rule caused; the page turns them into sentences that cite the rule.
 */
import type { ConnState } from './states.ts';
import type { ConnReason, ConnType } from './types.ts';

export const RULE_IDS = [
  'connect-request', // rule 5: `connect()` dials once
  'persistent-add', // rule 2: a persistent peer dials as soon as it is added
  'outbound-fill', // rule 1: an automatic dial towards `targetOutbound`
  'replace-failed-outbound', // rule 1: an automatic dial replacing one that failed or closed
  'outage-pause', // rule 1: past `maxFailedAttempts` failures, one automatic attempt per `retryDelayMs`
  'dial-succeeded', // rules 1, 2, 5: the dial connected and the request is still wanted
  'inbound-accept', // rule 6: an inbound connection under `maxInbound` is admitted
  'persistent-backoff', // rule 2: a failure is counted and the backoff waited
  'persistent-retry', // rule 2: the backoff is over: dial again
  'stable-connection', // rule 2: a long-lived connection dropped: count reset, redial at once
  'one-shot-dial-failed', // rules 1, 5: a one-shot dial failed: the request ends
  'dial-timeout', // a one-shot dial was still pending after `dialTimeoutMs`: the request ends
  'peer-closed', // the peer or the network ended a one-shot or inbound connection
  'idle-timeout', // rule 7: no byte either way for `idleTimeoutMs`
  'disconnect', // rule 4: `disconnect()`
  'remove', // rule 4: `remove()`
  'connect-aborted', // the `connect()` signal fired while the dial was pending
  'handoff-close', // rule 10: the application closed its socket, or its handler failed
  'shutdown', // rule 8: `stop()`
  'duplicate', // rule 3: one connection per address (an inbound duplicate is refused)
  'inbound-limit-shed', // rule 6, policy `shed`: the extra inbound connection is closed at once
  'inbound-limit-pause', // rule 6, policy `pause`: accepting stops until a slot frees
  'accept-exhausted', // rule 6: out of file descriptors: accepting pauses, retried later
  'inbound-per-host-limit', // rule 6: the host already has maxInboundPerHost inbound connections
  'inbound-rate-limit', // rule 6: the host's accept token bucket is empty (inboundRate)
  'banned', // rule 11: the host is banned: its connections close, its requests end, never retried
  'inbound-banned', // rule 11: an inbound connection from a banned host is refused
] as const;
export type RuleId = (typeof RULE_IDS)[number];

/** Why an automatic dial was started (rule 1): the three decision points of the filler. */
export type OutboundCause = 'outbound-fill' | 'replace-failed-outbound' | 'outage-pause';

export interface TransitionFacts {
  type: ConnType;
  persistent: boolean;
  to: ConnState;
  reason: ConnReason;
  /** For an automatic connection's first `pending`: why the filler dialed it. */
  outboundCause?: OutboundCause | undefined;
}

/**
 * The rule behind a transition, from its facts. The target state narrows it down (a persistent
 * close going to `failing` is the backoff, to `pending` the stable-connection rule); the reason
 * says which request, timer or event ended a connection.
 */
export function transitionRule(f: TransitionFacts): RuleId {
  switch (f.to) {
    case 'pending':
      if (f.reason === 'retry') return 'persistent-retry';
      if (f.reason !== 'requested') return 'stable-connection';
      if (f.type === 'outbound') return f.outboundCause ?? 'outbound-fill';
      return f.persistent ? 'persistent-add' : 'connect-request';
    case 'established':
      return f.reason === 'accepted' ? 'inbound-accept' : 'dial-succeeded';
    case 'failing':
      return 'persistent-backoff';
    case 'disconnected':
    case 'canceled':
      return endRule(f.reason);
  }
}

function endRule(reason: ConnReason): RuleId {
  switch (reason) {
    case 'dial-refused':
    case 'dial-error':
      return 'one-shot-dial-failed';
    case 'dial-timeout':
      return 'dial-timeout';
    case 'remote-closed':
    case 'remote-reset':
    case 'socket-error':
      return 'peer-closed';
    case 'idle-timeout':
      return 'idle-timeout';
    case 'local-disconnect':
      return 'disconnect';
    case 'local-remove':
      return 'remove';
    case 'aborted':
      return 'connect-aborted';
    case 'app-closed':
    case 'app-error':
      return 'handoff-close';
    case 'shutdown':
      return 'shutdown';
    case 'banned':
      return 'banned';
    // Reasons that start or establish a connection never end one; the table's guard throws first.
    case 'requested':
    case 'retry':
    case 'dial-succeeded':
    case 'accepted':
      throw new Error(`a connection does not end with reason '${reason}'`);
  }
}
