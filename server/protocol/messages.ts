/**
 * Server → page messages (`hello`, `events`, `stats`, `reply`), and the two parsers: the server's
 * `parseClientMessage` and the page's `parseServerMessage`. Both name the offending field.
 *
 * The conversation: on connect the server sends `hello` (a snapshot at `seq` N), then `events`
 * batches numbered N+1, N+2, … and `stats` now and then. A client applies events with
 * `seq === lastSeq + 1`, ignores `seq <= lastSeq`, and on a gap (or after reconnecting, to keep
 * its history) sends `resume { fromSeq: lastSeq }`. A `hello` with `resync: true` replaces the
 * client's model: it arrives after a resume that came too late, or when the client fell behind.
 */
import * as v from 'valibot';
import {
  COMMAND_RESULT_SCHEMAS,
  COMMAND_TYPES,
  ClientMessageSchema,
  CommandErrorSchema,
  CommandIdSchema,
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  type ClientMessage,
  type CommandId,
  type CommandType,
} from './commands.ts';
import { WireEventSchema } from './events.ts';
import { LabStateSchema } from './lab.ts';
import { ConnManagerConfigSchema, ConnStatsSchema, SnapshotSchema } from './snapshot.ts';

const version = v.literal(PROTOCOL_VERSION);
const count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** First message on every connection, and the resync message. */
export const HelloMessageSchema = v.object({
  v: version,
  type: v.literal('hello'),
  /** Random id of this server run; `seq` restarts at 1 with a new one. */
  runId: v.string(),
  /** True when this replaces the client's model (it fell behind, or resumed too late). */
  resync: v.boolean(),
  /** The manager's configuration (also in `snapshot.config`). */
  config: ConnManagerConfigSchema,
  snapshot: SnapshotSchema,
  /** The lab's state, or null when the server runs without the lab. */
  lab: v.nullable(LabStateSchema),
  /** Whether this client's commands are obeyed; `resume` is always allowed. */
  canControl: v.boolean(),
  /** Why not, when `canControl` is false: something a person can act on. */
  readOnlyReason: v.optional(v.string()),
  /**
   * Only from `connscope replay FILE`: the server replays a recording (read-only; `replaySeek`
   * moves its position). `seq` is the position, the snapshot's seq; `file` the recording's name.
   */
  replay: v.optional(
    v.object({
      firstSeq: count,
      lastSeq: count,
      seq: count,
      file: v.string(),
    }),
  ),
  /**
   * Only from a fleet dashboard (`connscope fleet`), on `/ws?node=NAME`: the node this view shows.
   * Its events, stats and replies are that node's, relayed from NATS (docs/fleet.md).
   */
  fleet: v.optional(v.object({ node: v.string() })),
});

/** A batch of consecutive events, oldest first. */
export const EventsMessageSchema = v.object({
  v: version,
  type: v.literal('events'),
  /**
   * Only from a relay (a fleet dashboard's node view): the node's clock when this message was sent,
   * on the clock of the view's other `at`s. Its events may be much older than the message (a node
   * that buffered them while NATS was away), so the page measures its own backlog from this
   * (README "When the page falls behind"), not from the newest event.
   */
  sentAt: v.optional(v.number()),
  events: v.array(WireEventSchema),
});

/** The bridge's own counters. */
export const BridgeStatsSchema = v.object({
  /** Open WebSocket clients, and those of them currently behind (deltas paused). */
  clients: count,
  behindClients: count,
  /** Events numbered so far (= the latest `seq`). */
  eventsTotal: count,
  /** Events delivered, summed over clients. */
  eventsSent: count,
  /** Clients cut off (hard buffer limit or missed heartbeat). */
  droppedClients: count,
  /** Fresh snapshots sent in place of events (after falling behind, or a resume too late). */
  resyncs: count,
});
export type BridgeStats = v.InferOutput<typeof BridgeStatsSchema>;

/** Periodic counters. */
export const StatsMessageSchema = v.object({
  v: version,
  type: v.literal('stats'),
  /** The manager's clock (ms), as events' `at`: to line charts up, and to estimate the server's time. */
  at: v.number(),
  /** Latest `seq` sent when these counters were read. */
  seq: count,
  stats: ConnStatsSchema,
  bridge: BridgeStatsSchema,
});

function okReply<const T extends CommandType>(command: T) {
  return v.object({
    v: version,
    type: v.literal('reply'),
    id: CommandIdSchema,
    ok: v.literal(true),
    command: v.literal(command),
    result: COMMAND_RESULT_SCHEMAS[command],
  });
}

const OkReplySchema = v.variant('command', [
  okReply('connect'),
  okReply('addPersistent'),
  okReply('disconnect'),
  okReply('remove'),
  okReply('setTargetOutbound'),
  okReply('configure'),
  okReply('lab.addPeer'),
  okReply('lab.addPeers'),
  okReply('lab.stopPeer'),
  okReply('lab.stopPeers'),
  okReply('lab.setSpeed'),
  okReply('lab.startFlood'),
  okReply('lab.stopFlood'),
  okReply('lab.startLesson'),
  okReply('lab.stepLesson'),
  okReply('lab.stopLesson'),
  okReply('resume'),
  okReply('history'),
  okReply('inspect'),
  okReply('replaySeek'),
  okReply('penalize'),
  okReply('ban'),
  okReply('unban'),
]);

/** Compile-time: every command has its success reply above (a new command fails to build until it does). */
const everyCommandReplies: [CommandType] extends [v.InferOutput<typeof OkReplySchema>['command']] ? true : never = true;
void everyCommandReplies;

const ErrorReplySchema = v.object({
  v: version,
  type: v.literal('reply'),
  /** The command's id, or null when the message had no usable one. */
  id: v.nullable(CommandIdSchema),
  ok: v.literal(false),
  /** The command's type, when it was recognised. */
  command: v.optional(v.picklist(COMMAND_TYPES)),
  error: CommandErrorSchema,
});

/** The answer to one command: `ok: true` with its `result`, or `ok: false` with an `error`. */
export const ReplyMessageSchema = v.variant('ok', [OkReplySchema, ErrorReplySchema]);

/** Any server message, discriminated by `type`. */
export const ServerMessageSchema = v.variant('type', [HelloMessageSchema, EventsMessageSchema, StatsMessageSchema, ReplyMessageSchema]);

export type HelloMessage = v.InferOutput<typeof HelloMessageSchema>;
export type EventsMessage = v.InferOutput<typeof EventsMessageSchema>;
export type StatsMessage = v.InferOutput<typeof StatsMessageSchema>;
export type ReplyMessage = v.InferOutput<typeof ReplyMessageSchema>;
export type OkReply<T extends CommandType = CommandType> = Extract<v.InferOutput<typeof OkReplySchema>, { command: T }>;
export type ErrorReply = v.InferOutput<typeof ErrorReplySchema>;
export type ServerMessage = v.InferOutput<typeof ServerMessageSchema>;

/** Body of `GET /api/snapshot`: what a `hello` carries, for scripts and curl. */
export const ApiSnapshotSchema = v.object({
  v: version,
  runId: v.string(),
  snapshot: SnapshotSchema,
  lab: v.nullable(LabStateSchema),
  /** Only from `connscope replay FILE`: the replay position (the snapshot's seq) and the recording's range. */
  replay: v.optional(v.object({ seq: count, firstSeq: count, lastSeq: count })),
});
export type ApiSnapshot = v.InferOutput<typeof ApiSnapshotSchema>;

// ---- parsing ---------------------------------------------------------------------------------

/** Why a message was refused; `field` is the dotted path of the offending input (`addr`, `events.3.seq`). */
export interface ParseError {
  code: 'ERR_BAD_MESSAGE' | 'ERR_TOO_LARGE';
  message: string;
  field?: string;
}

export type ParseResult<T> =
  | { ok: true; msg: T }
  /** `id` and `command` are filled in when they could be read, so the reply can echo them. */
  | { ok: false; error: ParseError; id?: CommandId; command?: CommandType };

/**
 * Validates one client message (the server side). Never throws.
 * Refuses text over `MAX_MESSAGE_BYTES` (`ERR_TOO_LARGE`), non-JSON and schema failures (`ERR_BAD_MESSAGE`).
 */
export function parseClientMessage(raw: string): ParseResult<ClientMessage> {
  if (utf8ExceedsLimit(raw, MAX_MESSAGE_BYTES)) {
    return {
      ok: false,
      error: { code: 'ERR_TOO_LARGE', message: `message is larger than ${MAX_MESSAGE_BYTES} bytes` },
    };
  }
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const result = v.safeParse(ClientMessageSchema, parsed.value, { abortEarly: true });
  if (result.success) return { ok: true, msg: result.output };
  // Best effort, so the error reply can still be matched to its command.
  return { ok: false, error: describeIssue(result.issues[0]), ...idAndCommand(parsed.value) };
}

/**
 * Only the `id` and `type` of a client message, where they can be read (JSON, nothing else
 * checked): for answering a message the server refuses without handling it (rate limit), so the
 * reply still matches its command. Never throws.
 */
export function peekClientMessage(raw: string): { id?: CommandId; command?: CommandType } {
  const parsed = parseJson(raw);
  return parsed.ok ? idAndCommand(parsed.value) : {};
}

function idAndCommand(value: unknown): { id?: CommandId; command?: CommandType } {
  const out: { id?: CommandId; command?: CommandType } = {};
  const id = v.safeParse(CommandIdSchema, pick(value, 'id'));
  if (id.success) out.id = id.output;
  const type = v.safeParse(v.picklist(COMMAND_TYPES), pick(value, 'type'));
  if (type.success) out.command = type.output;
  return out;
}

/** Validates one server message (the page side). Never throws. */
export function parseServerMessage(raw: string): ParseResult<ServerMessage> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const result = v.safeParse(ServerMessageSchema, parsed.value, { abortEarly: true });
  return result.success ? { ok: true, msg: result.output } : { ok: false, error: describeIssue(result.issues[0]) };
}

function parseJson(raw: string): { ok: true; value: unknown } | { ok: false; error: ParseError } {
  if (typeof raw !== 'string') return { ok: false, error: { code: 'ERR_BAD_MESSAGE', message: 'message must be text' } };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return {
      ok: false,
      error: { code: 'ERR_BAD_MESSAGE', message: `message is not valid JSON: ${(err as Error).message}` },
    };
  }
  // Schemas see arrays as objects; say plainly what is wrong instead of "missing type".
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: { code: 'ERR_BAD_MESSAGE', message: 'message must be a JSON object with a "type"' } };
  }
  return { ok: true, value };
}

function describeIssue(issue: v.BaseIssue<unknown>): ParseError {
  const field = v.getDotPath(issue) ?? undefined;
  if (field === undefined) return { code: 'ERR_BAD_MESSAGE', message: `message: ${issue.message}` };
  // A missing key shows up as an object-schema issue whose input is undefined.
  const missing = issue.kind === 'schema' && issue.received === 'undefined';
  return {
    code: 'ERR_BAD_MESSAGE',
    message: missing ? `missing field "${field}"` : `invalid field "${field}": ${issue.message}`,
    field,
  };
}

function pick(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** True when `text` encodes to more than `limit` UTF-8 bytes; encodes only when the length leaves doubt. */
function utf8ExceedsLimit(text: string, limit: number): boolean {
  // Each UTF-16 unit is 1 to 3 UTF-8 bytes (a surrogate pair: 4 bytes for 2 units).
  if (text.length > limit) return true;
  if (text.length * 3 <= limit) return false;
  return new TextEncoder().encode(text).length > limit;
}
