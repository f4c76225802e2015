/**
 * The manager's state as a whole: connection records, listeners, counters, configuration — the
 * shape of connmgr's `ConnSnapshot`, plus the `seq` of the last event it includes.
 */
import * as v from 'valibot';
import {
  BackoffKindSchema,
  CONN_REASONS,
  CONN_TYPES,
  ConnReasonSchema,
  ConnStateSchema,
  ConnTypeSchema,
  InboundPolicySchema,
  LIVE_CONN_STATES,
  ListenerStateSchema,
  ManagerStateSchema,
  REJECT_REASONS,
} from './events.ts';

const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** An object with one count per key of `keys`, all required (e.g. `{ inbound, outbound, manual }`). */
function countsBy<const K extends readonly string[]>(keys: K) {
  // Built from the literal list so the key set is written once; the cast only restores the key types.
  const entries = Object.fromEntries(keys.map((k) => [k, count])) as { [P in K[number]]: typeof count };
  return v.object(entries);
}

/** One connection, as `ConnManager.get()` returns it. */
export const ConnInfoSchema = v.object({
  id: v.pipe(v.number(), v.integer(), v.minValue(1)),
  type: ConnTypeSchema,
  persistent: v.boolean(),
  addr: v.string(),
  /** Our side's `host:port` while a socket exists. */
  localAddr: v.nullable(v.string()),
  state: ConnStateSchema,
  /** Consecutive failed attempts (the backoff's `n`). */
  attempt: count,
  retryAt: v.optional(v.number()),
  createdAt: v.number(),
  establishedAt: v.optional(v.number()),
  endedAt: v.optional(v.number()),
  /** Reason of the last transition. */
  reason: v.optional(ConnReasonSchema),
  bytesIn: count,
  bytesOut: count,
  lastActivityAt: v.number(),
});
export type ConnInfo = v.InferOutput<typeof ConnInfoSchema>;

export const ListenerInfoSchema = v.object({
  address: v.string(),
  state: ListenerStateSchema,
  reason: v.optional(v.string()),
});
export type ListenerInfo = v.InferOutput<typeof ListenerInfoSchema>;

/** memcached-style counters (`ConnManager.stats()`). */
export const ConnStatsSchema = v.object({
  currByType: countsBy(CONN_TYPES),
  currByState: countsBy(LIVE_CONN_STATES),
  currConnections: count,
  persistentEntries: count,
  targetOutbound: count,
  maxInbound: count,
  maxPersistent: count,
  totalDials: count,
  totalEstablished: count,
  totalFailedDials: count,
  totalAccepted: count,
  rejected: countsBy(REJECT_REASONS),
  /** Closed connections by the reason of their end; reasons never seen are absent. */
  disconnects: v.record(v.picklist(CONN_REASONS), count),
  retries: count,
  idleKicks: count,
  acceptingConns: v.boolean(),
  listenDisabledNum: count,
  timeInListenDisabledMs: v.pipe(v.number(), v.minValue(0)),
  consecutiveFailedAttempts: count,
  throttledAttempts: count,
  /** Hosts banned now. (Recordings made before bans existed lack it: 0.) */
  bannedHosts: v.optional(count, 0),
  /** Bans ever made. */
  totalBans: v.optional(count, 0),
});
export type ConnStats = v.InferOutput<typeof ConnStatsSchema>;

/** A ban in force. */
export const BanInfoSchema = v.object({ host: v.string(), until: v.number(), reason: v.string() });
export type BanInfo = v.InferOutput<typeof BanInfoSchema>;

/** A host's ban score. */
export const HostScoreSchema = v.object({ host: v.string(), score: count });
export type HostScore = v.InferOutput<typeof HostScoreSchema>;

/** The manager's options minus functions. */
export const ConnManagerConfigSchema = v.object({
  listen: v.array(v.object({ host: v.string(), port: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)) })),
  targetOutbound: count,
  hasAddressSource: v.boolean(),
  dialTimeoutMs: count,
  retryDelayMs: count,
  maxRetryDelayMs: count,
  backoff: BackoffKindSchema,
  maxFailedAttempts: count,
  maxPersistent: count,
  maxInbound: count,
  inboundPolicy: InboundPolicySchema,
  idleTimeoutMs: count,
  // Optional with the manager's defaults: recordings made before bans existed lack them.
  banWarnThreshold: v.optional(count, 50),
  banThreshold: v.optional(count, 100),
  banDurationMs: v.optional(count, 86_400_000),
});
export type ConnManagerConfig = v.InferOutput<typeof ConnManagerConfigSchema>;

/**
 * Everything the page needs to draw the present: connmgr's `ConnSnapshot` plus `seq`, the number
 * of the last event already reflected in it (the next event the client gets is `seq + 1`).
 */
export const SnapshotSchema = v.object({
  seq: count,
  state: ManagerStateSchema,
  /** Manager clock time of the snapshot. */
  at: v.number(),
  config: ConnManagerConfigSchema,
  conns: v.array(ConnInfoSchema),
  listeners: v.array(ListenerInfoSchema),
  stats: ConnStatsSchema,
  /** Bans in force, soonest to end first. (Optional: recordings made before bans existed lack it.) */
  bans: v.optional(v.array(BanInfoSchema)),
  /** Hosts with a ban score above 0, highest first (as of the snapshot). */
  scores: v.optional(v.array(HostScoreSchema)),
});
export type Snapshot = v.InferOutput<typeof SnapshotSchema>;
