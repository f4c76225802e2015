/**
 * Compile-time proof that the wire protocol (server/protocol) and the connection manager's public
 * types (server/connmgr) describe the same shapes. The protocol copies the manager's literal lists
 * and field names so that the page need not import the server; if either side changes alone,
 * `tsc` fails here. Nothing in this file runs.
 */
import type * as cm from '../connmgr/index.ts';
import type * as p from '../protocol/index.ts';

/** Same key set, and each side assignable to the other. */
type Same<A, B> = [keyof A] extends [keyof B]
  ? [keyof B] extends [keyof A]
    ? [A] extends [B]
      ? [B] extends [A]
        ? true
        : false
      : false
    : false
  : false;
type Assert<T extends true> = T;
/** A wire event's own fields: the manager's event of the same name. */
type Fields<K extends p.EventKind> = Omit<p.WireEventOf<K>, 'seq' | 'kind'>;

export type Agreement = [
  // literal lists
  Assert<Same<p.ConnState, cm.ConnState>>,
  Assert<Same<p.LiveConnState, cm.LiveConnState>>,
  Assert<Same<p.ConnType, cm.ConnType>>,
  Assert<Same<p.ConnReason, cm.ConnReason>>,
  Assert<Same<p.RejectReason, cm.RejectReason>>,
  Assert<Same<p.RuleId, cm.RuleId>>,
  Assert<Same<p.ListenerState, cm.ListenerState>>,
  Assert<Same<p.ManagerState, cm.ManagerState>>,
  Assert<Same<p.InboundPolicy, cm.InboundPolicy>>,
  Assert<Same<p.BackoffKind, cm.BackoffKind>>,
  Assert<Same<p.ManagerErrorCode, cm.ConnMgrErrorCode>>,
  // the state table, row by row (the page draws the protocol's copy)
  Assert<Same<typeof p.CONN_TRANSITIONS, typeof cm.TRANSITIONS>>,
  // events: every manager event has a wire kind with the same fields, and nothing else does
  Assert<Same<Exclude<p.EventKind, 'lab:state'>, cm.ConnManagerEventName>>,
  Assert<Same<Fields<'conn:state'>, cm.ConnStateEvent>>,
  Assert<Same<Fields<'inbound:rejected'>, cm.InboundRejectedEvent>>,
  Assert<Same<Fields<'listener:state'>, cm.ListenerStateEvent>>,
  Assert<Same<Fields<'outbound:throttled'>, cm.OutboundThrottledEvent>>,
  Assert<Same<Fields<'manager:state'>, cm.ManagerStateEvent>>,
  Assert<Same<Fields<'config:changed'>, cm.ConfigChangedEvent>>,
  Assert<Same<Fields<'peer:penalized'>, cm.PeerPenalizedEvent>>,
  Assert<Same<Fields<'peer:banned'>, cm.PeerBannedEvent>>,
  Assert<Same<Fields<'peer:unbanned'>, cm.PeerUnbannedEvent>>,
  Assert<Same<p.BanInfo, cm.BanInfo>>,
  Assert<Same<p.HostScore, cm.HostScore>>,
  // snapshot
  Assert<Same<p.ConnInfo, cm.ConnInfo>>,
  Assert<Same<p.ListenerInfo, cm.ListenerInfo>>,
  Assert<Same<p.ConnStats, cm.ConnStats>>,
  Assert<Same<p.ConnStats['currByType'], cm.ConnStats['currByType']>>,
  Assert<Same<p.ConnStats['currByState'], cm.ConnStats['currByState']>>,
  Assert<Same<p.ConnStats['rejected'], cm.ConnStats['rejected']>>,
  Assert<Same<p.ConnStats['disconnects'], cm.ConnStats['disconnects']>>,
  Assert<Same<p.ConnManagerConfig, cm.ConnManagerConfig>>,
  Assert<Same<p.ConnManagerConfig['listen'][number], cm.ListenAddress>>,
  // `bans` and `scores` are optional on the wire (older recordings), always there from the manager
  Assert<Same<Required<Omit<p.Snapshot, 'seq'>>, cm.ConnSnapshot>>,
];
