/**
 * server/connmgr — a TCP connection manager usable as a library on its own (no HTTP, WebSocket or lab).
 * See the README, "Connection manager" (options, states, rules).
 */
export { ConnManager } from './conn-manager.ts';
export { ConnMgrError, ERROR_CODES, isConnMgrError, type ConnMgrErrorCode } from './errors.ts';
export {
  DEFAULTS,
  LIVE_OPTIONS,
  resolveOptions,
  type ConnManagerOptions,
  type LiveOptionName,
  type LiveOptions,
  type Logger,
} from './options.ts';
export {
  CONN_STATES,
  LIVE_CONN_STATES,
  TRANSITIONS,
  assertTransition,
  isFinal,
  isLegalTransition,
  type ConnState,
  type LiveConnState,
  type TransitionRule,
} from './states.ts';
export { BACKOFF_KINDS, backoffDelayMs, type BackoffKind, type BackoffParams } from './backoff.ts';
export { formatAddress, normalizeAddress, parseAddress, type HostPort } from './address.ts';
export { realClock } from './clock.ts';
export { RULE_IDS, transitionRule, type OutboundCause, type RuleId, type TransitionFacts } from './rule-ids.ts';
export { tcpDialer } from './dialer.ts';
export * from './types.ts';
