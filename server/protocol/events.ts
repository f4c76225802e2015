/**
 * Wire events: what the connection manager (and the lab) did, numbered by the bridge.
 *
 * Every event has `seq` (gap-free per server run, starting at 1), `at` (ms, the manager's clock)
 * and `kind`; the other fields are those of the manager's event of the same name
 * (server/connmgr/types.ts), with the same names. The literal lists below are copies of the
 * manager's; server/bridge/protocol-agreement.ts fails to compile if the two drift apart.
 */
import * as v from 'valibot';
import { LabStateSchema } from './lab.ts';
import { RuleIdSchema } from './rule-ids.ts';

// ---- vocabulary ------------------------------------------------------------------------------

/** Connection states; `disconnected` and `canceled` are final. */
export const CONN_STATES = ['pending', 'established', 'failing', 'disconnected', 'canceled'] as const;
export const ConnStateSchema = v.picklist(CONN_STATES);
export type ConnState = v.InferOutput<typeof ConnStateSchema>;

/** States a connection can still leave (those counted in `stats.currByState`). */
export const LIVE_CONN_STATES = ['pending', 'established', 'failing'] as const;
export type LiveConnState = (typeof LIVE_CONN_STATES)[number];

/**
 * The legal transitions (README "States"): a copy of the manager's `TRANSITIONS`, so that the
 * page can draw the state machine without importing the server; `from: null` is a connection's
 * first state. server/bridge/protocol-agreement.ts fails to compile if the two drift apart.
 */
export const CONN_TRANSITIONS = [
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
] as const satisfies readonly { from: ConnState | null; to: ConnState; when: string }[];
export type ConnTransition = (typeof CONN_TRANSITIONS)[number];

/** `inbound`: accepted; `outbound`: automatic; `manual`: `connect` and persistent entries. */
export const CONN_TYPES = ['inbound', 'outbound', 'manual'] as const;
export const ConnTypeSchema = v.picklist(CONN_TYPES);
export type ConnType = v.InferOutput<typeof ConnTypeSchema>;

/** Why a transition happened; every `conn:state` event carries one. */
export const CONN_REASONS = [
  'requested',
  'retry',
  'dial-succeeded',
  'accepted',
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
  'app-closed',
  'app-error',
  'banned',
] as const;
export const ConnReasonSchema = v.picklist(CONN_REASONS);
export type ConnReason = v.InferOutput<typeof ConnReasonSchema>;

// Rule ids live in their own module (lessons.ts needs them, and lab.ts imports lessons.ts).
export { RULE_IDS, RuleIdSchema, type RuleId } from './rule-ids.ts';

/** Why an inbound connection was refused. */
export const REJECT_REASONS = ['limit', 'duplicate', 'shutdown', 'per-host-limit', 'rate-limit', 'banned'] as const;
export const RejectReasonSchema = v.picklist(REJECT_REASONS);
export type RejectReason = v.InferOutput<typeof RejectReasonSchema>;

export const LISTENER_STATES = ['listening', 'paused', 'closed', 'error'] as const;
export const ListenerStateSchema = v.picklist(LISTENER_STATES);
export type ListenerState = v.InferOutput<typeof ListenerStateSchema>;

export const MANAGER_STATES = ['idle', 'running', 'stopping', 'stopped'] as const;
export const ManagerStateSchema = v.picklist(MANAGER_STATES);
export type ManagerState = v.InferOutput<typeof ManagerStateSchema>;

export const INBOUND_POLICIES = ['shed', 'pause'] as const;
export const InboundPolicySchema = v.picklist(INBOUND_POLICIES);
export type InboundPolicy = v.InferOutput<typeof InboundPolicySchema>;

export const BACKOFF_KINDS = ['linear', 'exponential'] as const;
export const BackoffKindSchema = v.picklist(BACKOFF_KINDS);
export type BackoffKind = v.InferOutput<typeof BackoffKindSchema>;

/** Every wire event kind, in the order the page's legend lists them. */
export const EVENT_KINDS = [
  'conn:state',
  'inbound:rejected',
  'listener:state',
  'outbound:throttled',
  'manager:state',
  'config:changed',
  'peer:penalized',
  'peer:banned',
  'peer:unbanned',
  'lab:state',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

// ---- events ----------------------------------------------------------------------------------

const seq = v.pipe(v.number(), v.integer(), v.minValue(1));
const time = v.number();
const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** A connection changed state (the manager's `conn:state`). */
export const ConnStateEventSchema = v.object({
  seq,
  at: time,
  kind: v.literal('conn:state'),
  id: v.pipe(v.number(), v.integer(), v.minValue(1)),
  type: ConnTypeSchema,
  persistent: v.boolean(),
  /** The peer's `host:port` (for inbound, where it came from). */
  addr: v.string(),
  /** `null` on a connection's first transition. */
  from: v.nullable(ConnStateSchema),
  to: ConnStateSchema,
  reason: ConnReasonSchema,
  /** Consecutive failed attempts, with `failing` and `pending`. */
  attempt: v.optional(count),
  /** Manager clock time of the next try, with `failing`. */
  retryAt: v.optional(time),
  /** System error code (`ECONNREFUSED`, …) where there is one. */
  code: v.optional(v.string()),
  /** The rule that chose `to`. */
  rule: RuleIdSchema,
});

/** An inbound connection was refused (at the limit, a duplicate, or during shutdown). */
export const InboundRejectedEventSchema = v.object({
  seq,
  at: time,
  kind: v.literal('inbound:rejected'),
  remote: v.string(),
  listener: v.string(),
  reason: RejectReasonSchema,
  rule: RuleIdSchema,
});

/** A listener started, paused (inbound limit or EMFILE), resumed, closed or failed. */
export const ListenerStateEventSchema = v.object({
  seq,
  at: time,
  kind: v.literal('listener:state'),
  address: v.string(),
  state: ListenerStateSchema,
  reason: v.optional(v.string()),
  /** With a pause of accepting, and the listening again after it: the rule that paused. */
  rule: v.optional(RuleIdSchema),
});

/** Automatic outbound paused after `failedAttempts` failures in a row; next try in `delayMs`. */
export const OutboundThrottledEventSchema = v.object({
  seq,
  at: time,
  kind: v.literal('outbound:throttled'),
  failedAttempts: count,
  delayMs: count,
  rule: RuleIdSchema,
});

export const ManagerStateEventSchema = v.object({
  seq,
  at: time,
  kind: v.literal('manager:state'),
  state: ManagerStateSchema,
});

/** Options changed at run time (only the changed ones are present). */
export const ConfigChangedEventSchema = v.object({
  seq,
  at: time,
  kind: v.literal('config:changed'),
  targetOutbound: v.optional(count),
  backoff: v.optional(BackoffKindSchema),
  retryDelayMs: v.optional(count),
  maxRetryDelayMs: v.optional(count),
  dialTimeoutMs: v.optional(count),
  idleTimeoutMs: v.optional(count),
  inboundPolicy: v.optional(InboundPolicySchema),
  maxInbound: v.optional(count),
});

const host = v.pipe(v.string(), v.nonEmpty(), v.maxLength(300));
const reasonText = v.pipe(v.string(), v.maxLength(200));

/** `penalize()` added to a host's ban score (README "Ban score"). */
export const PeerPenalizedEventSchema = v.object({
  seq,
  at: time,
  kind: v.literal('peer:penalized'),
  host,
  /** The connection whose behaviour was penalized. */
  id: v.pipe(v.number(), v.integer(), v.minValue(1)),
  persistent: count,
  transient: count,
  /** The host's score after this penalty. */
  score: count,
  reason: reasonText,
  /** This penalty took the score past `banWarnThreshold`. */
  warned: v.boolean(),
});

/** A host was banned (its score reached `banThreshold`, or `ban`): its connections close next. */
export const PeerBannedEventSchema = v.object({
  seq,
  at: time,
  kind: v.literal('peer:banned'),
  host,
  /** Manager clock time the ban ends. */
  until: time,
  reason: reasonText,
  /** The score that earned it; absent for a ban by command. */
  score: v.optional(count),
});

/** A ban ended: lifted (`unbanned`) or run out (`expired`). */
export const PeerUnbannedEventSchema = v.object({
  seq,
  at: time,
  kind: v.literal('peer:unbanned'),
  host,
  reason: v.picklist(['unbanned', 'expired']),
});

/**
 * The lab's whole state after a change. The bridge coalesces bursts of lab changes into at most
 * one of these per batch, so `at` is the bridge's wall-clock time of that batch.
 */
export const LabStateEventSchema = v.object({
  seq,
  at: time,
  kind: v.literal('lab:state'),
  state: LabStateSchema,
});

/** Any wire event, discriminated by `kind`. */
export const WireEventSchema = v.variant('kind', [
  ConnStateEventSchema,
  InboundRejectedEventSchema,
  ListenerStateEventSchema,
  OutboundThrottledEventSchema,
  ManagerStateEventSchema,
  ConfigChangedEventSchema,
  PeerPenalizedEventSchema,
  PeerBannedEventSchema,
  PeerUnbannedEventSchema,
  LabStateEventSchema,
]);
export type WireEvent = v.InferOutput<typeof WireEventSchema>;

/** The wire event of one kind, e.g. `WireEventOf<'conn:state'>`. */
export type WireEventOf<K extends EventKind> = Extract<WireEvent, { kind: K }>;

/** An event before the bridge numbers it. */
export type UnnumberedEvent<K extends EventKind = EventKind> = K extends EventKind ? Omit<WireEventOf<K>, 'seq'> : never;
