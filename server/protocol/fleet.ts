/**
 * The fleet's wire (README "Watching a fleet", docs/fleet.md): what a publishing node writes to
 * NATS JetStream and its KV bucket, what it answers on its command subject, and what a fleet
 * dashboard (`connscope fleet`) sends its page. Plain schemas and names, no NATS client: the page
 * imports this module too.
 *
 * Names (all built by the functions below, never by hand):
 *
 *   stream  CONNSCOPE          subjects connscope.*.events and connscope.*.keyframes
 *   events  connscope.<node>.events     one numbered wire event per message, msg id `<runId>:<seq>`
 *   frames  connscope.<node>.keyframes  a keyframe (snapshot) at the run's start and every KEYFRAME_EVENTS events
 *   cmd     connscope.<node>.cmd        request/reply: a ClientMessage in, a ReplyMessage out
 *   snap    connscope.<node>.snapshot   request/reply: anything in, an ApiSnapshot out
 *   KV      connscope-nodes             key `<node>`: the heartbeat (NodeStatus), key `<node>.snapshot`: the latest snapshot
 */
import * as v from 'valibot';
import { PROTOCOL_VERSION } from './commands.ts';
import { LabStateSchema } from './lab.ts';
import { ConnManagerConfigSchema, ConnStatsSchema, SnapshotSchema } from './snapshot.ts';

const version = v.literal(PROTOCOL_VERSION);
const count = v.pipe(v.number(), v.integer(), v.minValue(0));

// ---- names -----------------------------------------------------------------------------------

/**
 * A node's name: 1 to 64 letters, digits, `_` or `-`. It is one token of a NATS subject and part
 * of a KV key, so dots, wildcards (`*`, `>`) and spaces are out.
 */
export const NODE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const NodeNameSchema = v.pipe(
  v.string(),
  v.regex(NODE_NAME_PATTERN, 'a node name is 1 to 64 letters, digits, "_" or "-" (no dots, spaces or wildcards)'),
);

/** Why `name` is not a node name, or undefined when it is one. */
export function nodeNameProblem(name: string): string | undefined {
  if (NODE_NAME_PATTERN.test(name)) return undefined;
  const shown = JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
  if (name === '') return 'the node name is empty: give 1 to 64 letters, digits, "_" or "-"';
  if (name.length > 64) return `node name ${shown} is ${name.length} characters long: at most 64`;
  const bad = [...name].find((ch) => !/[A-Za-z0-9_-]/.test(ch)) ?? '';
  return `node name ${shown} has ${JSON.stringify(bad)}: use letters, digits, "_" or "-" only (it is a NATS subject token)`;
}

/** The JetStream stream that holds every node's events and keyframes. */
export const FLEET_STREAM = 'CONNSCOPE';
/** The KV bucket of node heartbeats and latest snapshots. */
export const FLEET_KV_BUCKET = 'connscope-nodes';
/** Subjects the stream captures. */
export const FLEET_STREAM_SUBJECTS = ['connscope.*.events', 'connscope.*.keyframes'] as const;

export const eventsSubject = (node: string): string => `connscope.${node}.events`;
export const keyframesSubject = (node: string): string => `connscope.${node}.keyframes`;
export const commandSubject = (node: string): string => `connscope.${node}.cmd`;
export const snapshotSubject = (node: string): string => `connscope.${node}.snapshot`;
/** KV key of a node's heartbeat. */
export const statusKey = (node: string): string => node;
/** KV key of a node's latest snapshot. */
export const snapshotKey = (node: string): string => `${node}.snapshot`;
/** JetStream message id of event `seq` of run `runId` (a retried publish is deduplicated by it). */
export const eventMsgId = (runId: string, seq: number): string => `${runId}:${seq}`;
/** Message id of the keyframe taken at `seq` (the last event it includes). */
export const keyframeMsgId = (runId: string, seq: number): string => `${runId}:k${seq}`;

/** The node name in a `connscope.<node>.<kind>` subject, or undefined. */
export function nodeOfSubject(subject: string): string | undefined {
  const parts = subject.split('.');
  return parts.length === 3 && parts[0] === 'connscope' && NODE_NAME_PATTERN.test(parts[1] as string) ? parts[1] : undefined;
}

/** `runId` and `seq` of an event message id, or undefined. */
export function parseEventMsgId(id: string): { runId: string; seq: number } | undefined {
  const at = id.lastIndexOf(':');
  if (at <= 0) return undefined;
  const seq = Number(id.slice(at + 1));
  return Number.isSafeInteger(seq) && seq >= 1 ? { runId: id.slice(0, at), seq } : undefined;
}

// ---- timing ----------------------------------------------------------------------------------

/** A publishing node writes its heartbeat this often. */
export const HEARTBEAT_MS = 1000;
/** Without a heartbeat for this long a node is shown stale. */
export const STALE_AFTER_MS = 5000;
/** Without a heartbeat for this long (or this long after it said it stopped) a node leaves the list. */
export const GONE_AFTER_MS = 60_000;
/** A keyframe every this many events, so a history window starts near a snapshot. */
export const KEYFRAME_EVENTS = 5000;

// ---- what a node writes ------------------------------------------------------------------------

/** An inclusive range of event seqs, `[from, to]`. */
export const SeqRangeSchema = v.tuple([count, count]);
export type SeqRange = v.InferOutput<typeof SeqRangeSchema>;

/**
 * Who may command a node over NATS: `open` (NATS on loopback, no token), `token` (its `--token`
 * is required in each command's `token`), `read-only` (NATS not on loopback and no token).
 */
export const NODE_CONTROL = ['open', 'token', 'read-only'] as const;
export const NodeControlSchema = v.picklist(NODE_CONTROL);
export type NodeControl = v.InferOutput<typeof NodeControlSchema>;

/** The node's heartbeat: KV key `<node>`, rewritten every HEARTBEAT_MS and once more on stop. */
export const NodeStatusSchema = v.object({
  v: version,
  node: NodeNameSchema,
  /** This run's id (the bridge's `runId`); a restart is a new run, its seq starts at 1 again. */
  runId: v.string(),
  /** What publishes, e.g. `connscope 0.2.0`. */
  app: v.string(),
  /** `running` while it publishes; `stopped` is its last word (a clean stop). */
  state: v.picklist(['running', 'stopped']),
  /** Wall-clock ms (the node's clock): when the run started, and when this was written. */
  startedAt: v.number(),
  updatedAt: v.number(),
  /** The manager's clock when this was written (as events' `at`; behind the wall clock in lab slow motion). */
  at: v.number(),
  /** The latest event numbered (whether published or not). */
  lastSeq: count,
  /** Every event up to this seq is in the stream or was dropped (see `dropped`). */
  publishedSeq: count,
  /** `at` of the latest event (the manager's clock), or null before the first. */
  lastEventAt: v.nullable(v.number()),
  /** Events waiting to be published (NATS slow or away), and the most it keeps. */
  buffered: count,
  bufferMax: count,
  /** Events it had to drop because the buffer was full: how many, and exactly which (merged ranges, oldest first, at most 100). */
  droppedEvents: count,
  dropped: v.array(SeqRangeSchema),
  /** Times the node lost its NATS connection in this run. */
  disconnects: count,
  control: NodeControlSchema,
  /** The node's own dashboard, if it serves one. */
  dashboardUrl: v.optional(v.string()),
  hasLab: v.boolean(),
  managerState: v.picklist(['idle', 'running', 'stopping', 'stopped']),
  /** The manager's counters (one sample per heartbeat). */
  stats: ConnStatsSchema,
});
export type NodeStatus = v.InferOutput<typeof NodeStatusSchema>;

/** KV key `<node>.snapshot`: the latest snapshot (at most every few seconds, when something changed). */
export const NodeSnapshotSchema = v.object({
  v: version,
  node: NodeNameSchema,
  runId: v.string(),
  snapshot: SnapshotSchema,
  lab: v.nullable(LabStateSchema),
});
export type NodeSnapshot = v.InferOutput<typeof NodeSnapshotSchema>;

/**
 * A keyframe in the stream (`connscope.<node>.keyframes`): enough to start a recording at its
 * `snapshot.seq` — the fleet dashboard builds history windows from it and the events after it.
 */
export const NodeKeyframeSchema = v.object({
  v: version,
  node: NodeNameSchema,
  runId: v.string(),
  app: v.string(),
  startedAt: v.number(),
  config: ConnManagerConfigSchema,
  snapshot: SnapshotSchema,
  lab: v.nullable(LabStateSchema),
});
export type NodeKeyframe = v.InferOutput<typeof NodeKeyframeSchema>;

// ---- what the fleet dashboard says -------------------------------------------------------------

/**
 * `live`: heartbeats arrive; `stale`: none for STALE_AFTER_MS (the node may be stuck, or cut off
 * from NATS); `stopped`: it said so. A node past GONE_AFTER_MS without a word leaves the list.
 */
export const NODE_HEALTH = ['live', 'stale', 'stopped'] as const;
export const NodeHealthSchema = v.picklist(NODE_HEALTH);
export type NodeHealth = v.InferOutput<typeof NodeHealthSchema>;

/** One node as the fleet dashboard sees it. */
export const FleetNodeSchema = v.object({
  node: NodeNameSchema,
  health: NodeHealthSchema,
  runId: v.string(),
  /** Runs of this node the dashboard has seen since it started (a restart adds one). */
  runs: count,
  startedAt: v.number(),
  /** The dashboard's clock (ms) when the latest heartbeat arrived. */
  lastSeenAt: v.number(),
  /** The node's latest seq (its heartbeat), and the highest seq the dashboard holds with none missing below it except `missing`. */
  lastSeq: count,
  receivedSeq: count,
  /** Events the node numbered that the dashboard has not got yet (`lastSeq - receivedSeq`, ≥ 0). */
  lagEvents: count,
  /** ms from the node's latest event (`at`) to the dashboard receiving it; null before any. */
  lagMs: v.nullable(v.number()),
  lastEventAt: v.nullable(v.number()),
  /** Seq ranges of this run that will never arrive (the node dropped them), merged, oldest first. */
  missing: v.array(SeqRangeSchema),
  droppedEvents: count,
  buffered: count,
  control: NodeControlSchema,
  hasLab: v.boolean(),
  dashboardUrl: v.optional(v.string()),
  managerState: v.picklist(['idle', 'running', 'stopping', 'stopped']),
  stats: ConnStatsSchema,
  /** Events per second over the last heartbeat interval. */
  eventsPerSec: v.number(),
  /** The last SERIES_POINTS heartbeats (oldest first): for the small multiples. */
  series: v.array(v.object({ at: v.number(), conns: count, eventsPerSec: v.number() })),
});
export type FleetNode = v.InferOutput<typeof FleetNodeSchema>;

/** Points per node in `FleetNode.series`. */
export const SERIES_POINTS = 60;

export const FleetTotalsSchema = v.object({
  nodes: count,
  live: count,
  stale: count,
  stopped: count,
  /** Sums over the listed nodes. */
  connections: count,
  byType: v.object({ inbound: count, outbound: count, manual: count }),
  byState: v.object({ pending: count, established: count, failing: count }),
  eventsPerSec: v.number(),
  droppedEvents: count,
});
export type FleetTotals = v.InferOutput<typeof FleetTotalsSchema>;

/** The fleet dashboard's message on `/ws` (no `?node=`): on connect and every FLEET_UPDATE_MS. */
export const FleetMessageSchema = v.object({
  v: version,
  type: v.literal('fleet'),
  /** The dashboard's clock (ms). */
  at: v.number(),
  /** Whether the dashboard reaches NATS now (when false, everything shown is as of the loss). */
  nats: v.object({ connected: v.boolean(), server: v.string() }),
  nodes: v.array(FleetNodeSchema),
  totals: FleetTotalsSchema,
});
export type FleetMessage = v.InferOutput<typeof FleetMessageSchema>;

/** Period of `fleet` messages. */
export const FLEET_UPDATE_MS = 1000;

/** `GET /api/nodes`. */
export const ApiNodesSchema = v.object({
  v: version,
  at: v.number(),
  nodes: v.array(FleetNodeSchema),
  totals: FleetTotalsSchema,
});
export type ApiNodes = v.InferOutput<typeof ApiNodesSchema>;

/** One run of a node that the stream still holds (`GET /api/node-runs?node=`). */
export const NodeRunSchema = v.object({
  runId: v.string(),
  /** Seqs of its first and last event in the stream, and their stream times (ms). */
  firstSeq: count,
  lastSeq: count,
  firstAt: v.number(),
  lastAt: v.number(),
  events: count,
  keyframes: count,
});
export type NodeRun = v.InferOutput<typeof NodeRunSchema>;

export const ApiNodeRunsSchema = v.object({
  v: version,
  node: NodeNameSchema,
  runs: v.array(NodeRunSchema),
});
export type ApiNodeRuns = v.InferOutput<typeof ApiNodeRunsSchema>;

/** Validates a `fleet` message (the page side). */
export function parseFleetMessage(raw: string): { ok: true; msg: FleetMessage } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { ok: false, message: `not JSON: ${(err as Error).message}` };
  }
  const r = v.safeParse(FleetMessageSchema, value, { abortEarly: true });
  if (r.success) return { ok: true, msg: r.output };
  const issue = r.issues[0];
  return { ok: false, message: `${v.getDotPath(issue) ?? 'message'}: ${issue.message}` };
}

/** Merges `seq` into sorted, disjoint, non-adjacent ranges (in place); returns the array. */
export function addToRanges(ranges: SeqRange[], from: number, to = from): SeqRange[] {
  let lo = from;
  let hi = to;
  const out: SeqRange[] = [];
  let placed = false;
  for (const [a, b] of ranges) {
    if (b + 1 < lo) out.push([a, b]);
    else if (hi + 1 < a) {
      if (!placed) {
        out.push([lo, hi]);
        placed = true;
      }
      out.push([a, b]);
    } else {
      lo = Math.min(lo, a);
      hi = Math.max(hi, b);
    }
  }
  if (!placed) out.push([lo, hi]);
  ranges.splice(0, ranges.length, ...out);
  return ranges;
}
