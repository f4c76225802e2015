/**
 * Public shapes of the connection manager: connection records, events, counters, the clock.
 * The wire protocol (server/protocol) mirrors these; the bridge checks at compile time that they agree.
 */
import type { Socket } from 'node:net';
import type { BackoffKind } from './backoff.ts';
import type { RuleId } from './rule-ids.ts';
import type { ConnState, LiveConnState } from './states.ts';

/** `inbound`: accepted; `outbound`: automatic; `manual`: `connect()` and persistent entries. */
export const CONN_TYPES = ['inbound', 'outbound', 'manual'] as const;
export type ConnType = (typeof CONN_TYPES)[number];

/** Why a transition happened. Every `conn:state` event carries one. */
export const CONN_REASONS = [
  'requested', // a new request starts its first dial
  'retry', // a persistent entry's retry timer fired
  'dial-succeeded',
  'accepted', // an inbound connection was admitted
  'dial-refused',
  'dial-timeout',
  'dial-error',
  'remote-closed',
  'remote-reset',
  'socket-error',
  'local-disconnect',
  'local-remove',
  'idle-timeout',
  'aborted',
  'shutdown',
  'app-closed', // the application ended or destroyed the socket `onConnection` gave it
  'app-error', // the `onConnection` handler threw (or its promise rejected): the manager closed it
  'banned', // its host was banned (a ban score past `banThreshold`, or `ban()`): closed, never retried
] as const;
export type ConnReason = (typeof CONN_REASONS)[number];

export const REJECT_REASONS = ['limit', 'duplicate', 'shutdown', 'per-host-limit', 'rate-limit', 'banned'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export const LISTENER_STATES = ['listening', 'paused', 'closed', 'error'] as const;
export type ListenerState = (typeof LISTENER_STATES)[number];

export const MANAGER_STATES = ['idle', 'running', 'stopping', 'stopped'] as const;
export type ManagerState = (typeof MANAGER_STATES)[number];

export const INBOUND_POLICIES = ['shed', 'pause'] as const;
export type InboundPolicy = (typeof INBOUND_POLICIES)[number];

/** Injectable time source; all of the manager's delays go through it. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * The application's side of a connection (btcd's `OnConnection`/`OnAccept`): called once each
 * time a connection becomes `established`, with its record and the socket, which the application
 * then reads and writes freely. See README "Use it in your own service".
 */
export type ConnectionHandler = (conn: ConnInfo, socket: Socket) => void | Promise<void>;

/** Opens a TCP connection to `addr`; must reject promptly once `signal` aborts. */
export type Dialer = (addr: string, signal: AbortSignal) => Promise<Socket>;

export interface ListenAddress {
  readonly host: string;
  /** 0 picks a free port; `listeners()` reports the bound one. */
  readonly port: number;
}

/** A connection as `get`/`list` return it: a plain, serializable copy. */
export interface ConnInfo {
  id: number;
  type: ConnType;
  persistent: boolean;
  /** The peer's `host:port` (for inbound, where it came from). */
  addr: string;
  /** Our side's `host:port` while a socket exists, else null. */
  localAddr: string | null;
  state: ConnState;
  /** Consecutive failed attempts (persistent) — the `n` of the backoff. */
  attempt: number;
  /** Clock time of the next try while `failing`. */
  retryAt?: number;
  createdAt: number;
  establishedAt?: number;
  endedAt?: number;
  /** Reason of the last transition. */
  reason?: ConnReason;
  bytesIn: number;
  bytesOut: number;
  lastActivityAt: number;
}

export interface ListenerInfo {
  /** `host:port` actually bound (or requested, before binding). */
  address: string;
  state: ListenerState;
  reason?: string;
}

// ---- events (noun:verb) -------------------------------------------------------------------

export interface ConnStateEvent {
  id: number;
  type: ConnType;
  persistent: boolean;
  addr: string;
  from: ConnState | null;
  to: ConnState;
  reason: ConnReason;
  /** Attempt number (consecutive failures) with `failing`, and on redials. */
  attempt?: number;
  /** Clock time of the next try, with `failing`. */
  retryAt?: number;
  /** System error code (`ECONNREFUSED`, …) where there is one. */
  code?: string;
  /** The README rule that chose `to` (rule-ids.ts). */
  rule: RuleId;
  at: number;
}

export interface InboundRejectedEvent {
  remote: string;
  listener: string;
  reason: RejectReason;
  rule: RuleId;
  at: number;
}

export interface ListenerStateEvent {
  address: string;
  state: ListenerState;
  reason?: string;
  /** With a pause or resume a rule caused (`inbound-limit-pause`, `accept-exhausted`). */
  rule?: RuleId;
  at: number;
}

export interface OutboundThrottledEvent {
  failedAttempts: number;
  delayMs: number;
  rule: RuleId;
  at: number;
}

export interface ManagerStateEvent {
  state: ManagerState;
  at: number;
}

/** What `configure()` (or `setTargetOutbound`) changed: only the options whose value changed. */
export interface ConfigChangedEvent {
  targetOutbound?: number;
  backoff?: BackoffKind;
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  dialTimeoutMs?: number;
  idleTimeoutMs?: number;
  inboundPolicy?: InboundPolicy;
  maxInbound?: number;
  at: number;
}

/** `penalize()` added to a host's ban score (README "Ban score"). */
export interface PeerPenalizedEvent {
  host: string;
  /** The connection whose behaviour was penalized. */
  id: number;
  persistent: number;
  transient: number;
  /** The host's score after this penalty. */
  score: number;
  reason: string;
  /** This penalty took the score past `banWarnThreshold`. */
  warned: boolean;
  at: number;
}

/** A host was banned: its connections close (`banned`), its inbound is refused, dials to it too. */
export interface PeerBannedEvent {
  host: string;
  /** Clock time the ban ends. */
  until: number;
  reason: string;
  /** The score that earned it; absent for a ban by `ban()`. */
  score?: number;
  at: number;
}

/** A ban ended: lifted by `unban()` (`unbanned`) or run out (`expired`). */
export interface PeerUnbannedEvent {
  host: string;
  reason: 'unbanned' | 'expired';
  at: number;
}

/** The typed event map: `cm.on(name, listener)`. */
export interface ConnManagerEvents {
  'conn:state': ConnStateEvent;
  'inbound:rejected': InboundRejectedEvent;
  'listener:state': ListenerStateEvent;
  'outbound:throttled': OutboundThrottledEvent;
  'manager:state': ManagerStateEvent;
  'config:changed': ConfigChangedEvent;
  'peer:penalized': PeerPenalizedEvent;
  'peer:banned': PeerBannedEvent;
  'peer:unbanned': PeerUnbannedEvent;
}
export type ConnManagerEventName = keyof ConnManagerEvents;

// ---- counters ----------------------------------------------------------------------------

/** memcached-style counters; see README "Counters". */
export interface ConnStats {
  /** Live connections by type (pending, established and failing all count). */
  currByType: Record<ConnType, number>;
  /** Live connections by state. */
  currByState: Record<LiveConnState, number>;
  /** Established connections (memcached `curr_connections`). */
  currConnections: number;
  persistentEntries: number;
  targetOutbound: number;
  maxInbound: number;
  maxPersistent: number;
  totalDials: number;
  totalEstablished: number;
  totalFailedDials: number;
  /** Inbound connections admitted (memcached `total_connections`). */
  totalAccepted: number;
  rejected: Record<RejectReason, number>;
  /** Closes of established connections, by reason (a persistent drop counts too). */
  disconnects: Partial<Record<ConnReason, number>>;
  retries: number;
  idleKicks: number;
  acceptingConns: boolean;
  /** Times the listeners were paused at the inbound limit (or on EMFILE). */
  listenDisabledNum: number;
  /** Total time spent paused, including a pause still going on. */
  timeInListenDisabledMs: number;
  consecutiveFailedAttempts: number;
  throttledAttempts: number;
  /** Hosts banned now. */
  bannedHosts: number;
  /** Bans ever made (by score or by `ban()`). */
  totalBans: number;
}

/** Serializable configuration (the options minus functions). */
export interface ConnManagerConfig {
  listen: ListenAddress[];
  targetOutbound: number;
  hasAddressSource: boolean;
  dialTimeoutMs: number;
  retryDelayMs: number;
  maxRetryDelayMs: number;
  backoff: BackoffKind;
  maxFailedAttempts: number;
  maxPersistent: number;
  maxInbound: number;
  inboundPolicy: InboundPolicy;
  idleTimeoutMs: number;
  banWarnThreshold: number;
  banThreshold: number;
  banDurationMs: number;
}

/** A ban in force (`cm.bans()`). */
export interface BanInfo {
  host: string;
  /** Clock time the ban ends. */
  until: number;
  reason: string;
}

/** A host's ban score now (`cm.scores()`): only hosts above 0. */
export interface HostScore {
  host: string;
  score: number;
}

export interface ConnSnapshot {
  state: ManagerState;
  at: number;
  config: ConnManagerConfig;
  conns: ConnInfo[];
  listeners: ListenerInfo[];
  stats: ConnStats;
  bans: BanInfo[];
  scores: HostScore[];
}

/** What `openResources()` reports; all zero after `stop()` resolves. */
export interface OpenResources {
  conns: number;
  sockets: number;
  dials: number;
  timers: number;
  listeners: number;
}
