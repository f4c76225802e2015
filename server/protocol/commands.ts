/**
 * Page → server: commands. Every command carries `v` (the protocol version), a client-chosen `id`
 * echoed in its `reply`, and optionally the control `token`. What each command returns on success
 * is in `COMMAND_RESULT_SCHEMAS`; failures are `{ code, message, field? }` (see `ERROR_CODES`).
 */
import * as v from 'valibot';
import { FloodOptionsSchema, LabPeerSchema, PeerBehaviourSchema } from './lab.ts';
import { LessonNameSchema, LessonStateSchema } from './lessons.ts';
import { BackoffKindSchema, InboundPolicySchema, WireEventSchema } from './events.ts';
import { ConnInfoSchema, ConnManagerConfigSchema } from './snapshot.ts';

/** Version of this protocol; every message carries it as `v`. */
export const PROTOCOL_VERSION = 1;

/**
 * Largest client message (UTF-8 bytes) the server reads; a longer one gets `ERR_TOO_LARGE`.
 * Commands are small: this leaves room for long addresses and ids but not for abuse.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024;

/** Most automatic outbound connections `setTargetOutbound` accepts. */
export const MAX_TARGET_OUTBOUND = 1000;

/** A client-chosen command id, echoed in the reply: a short string or a finite number. */
export const CommandIdSchema = v.union([v.pipe(v.string(), v.minLength(1), v.maxLength(128)), v.pipe(v.number(), v.finite())]);
export type CommandId = v.InferOutput<typeof CommandIdSchema>;

const connId = v.pipe(v.number(), v.integer(), v.minValue(1));
const addr = v.pipe(v.string(), v.nonEmpty(), v.maxLength(300));

/** Fields every command has. */
const base = {
  v: v.literal(PROTOCOL_VERSION),
  id: CommandIdSchema,
  /** Control token, when the server requires one and the WebSocket URL did not carry it. */
  token: v.optional(v.pipe(v.string(), v.maxLength(512))),
} as const;

/** Dial `addr` once (resolves when established), or with `persistent` add it as a persistent peer. */
export const ConnectCommandSchema = v.object({
  ...base,
  type: v.literal('connect'),
  addr,
  persistent: v.optional(v.boolean()),
});

/** Add a persistent peer: dialed at once, retried forever with backoff. */
export const AddPersistentCommandSchema = v.object({ ...base, type: v.literal('addPersistent'), addr });

/** Close or cancel a connection; the rules may reconnect it. */
export const DisconnectCommandSchema = v.object({ ...base, type: v.literal('disconnect'), connId });

/** Close or cancel a connection and forget it (never retried). */
export const RemoveCommandSchema = v.object({ ...base, type: v.literal('remove'), connId });

export const SetTargetOutboundCommandSchema = v.object({
  ...base,
  type: v.literal('setTargetOutbound'),
  n: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_TARGET_OUTBOUND)),
});

/** Longest delay `configure` accepts (a day): longer is a typo, not a teaching choice. */
export const MAX_CONFIG_DELAY_MS = 24 * 60 * 60 * 1000;
const delayMs = (min: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(MAX_CONFIG_DELAY_MS));

/**
 * `configure`: change rules at run time (README "Changing the rules live"); give one or more.
 * The manager checks them together (e.g. `maxRetryDelayMs >= retryDelayMs` after the change).
 */
export const ConfigureCommandSchema = v.object({
  ...base,
  type: v.literal('configure'),
  targetOutbound: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_TARGET_OUTBOUND))),
  backoff: v.optional(BackoffKindSchema),
  retryDelayMs: v.optional(delayMs(1)),
  maxRetryDelayMs: v.optional(delayMs(1)),
  dialTimeoutMs: v.optional(delayMs(1)),
  idleTimeoutMs: v.optional(delayMs(0)),
  inboundPolicy: v.optional(InboundPolicySchema),
  maxInbound: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100_000))),
});

export const LabAddPeerCommandSchema = v.object({ ...base, type: v.literal('lab.addPeer'), behaviour: PeerBehaviourSchema });

/** Most peers `lab.addPeers` starts at once. */
export const MAX_BULK_PEERS = 50;

/** `lab.addPeers`: several peers of one behaviour at once (building a scene in one click). */
export const LabAddPeersCommandSchema = v.object({
  ...base,
  type: v.literal('lab.addPeers'),
  behaviour: PeerBehaviourSchema,
  count: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_BULK_PEERS)),
});

/** Speeds the page offers for the manager's clock in lab mode (0 = frozen). */
export const MANAGER_SPEEDS = [0, 0.1, 0.25, 0.5, 1] as const;

/** `lab.setSpeed`: slow motion (0.1–0.5), freeze (0) or real time (1) for the manager's timers. */
export const LabSetSpeedCommandSchema = v.object({ ...base, type: v.literal('lab.setSpeed'), speed: v.picklist(MANAGER_SPEEDS) });

/** `lab.stopPeers`: every running peer of one behaviour. */
export const LabStopPeersCommandSchema = v.object({ ...base, type: v.literal('lab.stopPeers'), behaviour: PeerBehaviourSchema });

export const LabStopPeerCommandSchema = v.object({
  ...base,
  type: v.literal('lab.stopPeer'),
  peerId: v.pipe(v.string(), v.nonEmpty(), v.maxLength(64)),
});

export const LabStartFloodCommandSchema = v.object({
  ...base,
  type: v.literal('lab.startFlood'),
  ...FloodOptionsSchema.entries,
});

export const LabStopFloodCommandSchema = v.object({ ...base, type: v.literal('lab.stopFlood') });

/** `lab.startLesson`: reset the lab to a lesson's scene and enter its first step (README "Lessons"). */
export const LabStartLessonCommandSchema = v.object({ ...base, type: v.literal('lab.startLesson'), name: LessonNameSchema });

/** `lab.stepLesson`: the running lesson's next or previous step. */
export const LabStepLessonCommandSchema = v.object({
  ...base,
  type: v.literal('lab.stepLesson'),
  direction: v.picklist(['next', 'prev'], 'direction must be "next" or "prev"'),
});

/** `lab.stopLesson`: end the running lesson (a no-op without one). */
export const LabStopLessonCommandSchema = v.object({ ...base, type: v.literal('lab.stopLesson') });

/**
 * Ask for the events after `fromSeq` (the last one the client applied). The server answers with
 * one `events` message holding exactly seq > fromSeq, or — when those are gone from its ring
 * buffer, or `runId` names another server run — a `hello` with `resync: true`; then the reply.
 * Allowed for read-only viewers too.
 */
export const ResumeCommandSchema = v.object({
  ...base,
  type: v.literal('resume'),
  fromSeq: v.pipe(v.number(), v.integer(), v.minValue(0)),
  runId: v.optional(v.pipe(v.string(), v.maxLength(64))),
});

/** Any client message, discriminated by `type`. */
/** Largest `limit` of a `history` command: one reply stays well under a megabyte. */
export const MAX_HISTORY_EVENTS = 5000;

/**
 * `history`: events numbered before `beforeSeq` that the bridge still keeps (newest `limit` of
 * them, oldest first) — a page that just got a snapshot backfills its log and timeline with it.
 */
export const HistoryCommandSchema = v.object({
  ...base,
  type: v.literal('history'),
  beforeSeq: v.pipe(v.number(), v.integer(), v.minValue(1)),
  limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_HISTORY_EVENTS))),
});

/** `inspect`: one connection as the manager sees it now (bytes, local address, …). */
export const InspectCommandSchema = v.object({ ...base, type: v.literal('inspect'), connId });

/**
 * `replaySeek`: moves the replay position of a `connscope replay FILE` server to event `seq`
 * (clamped to the recording); `/api/snapshot` and later `hello`s answer for it. Needs control, like
 * any command that changes what the server shows; a live server answers `ERR_NOT_REPLAY`.
 */
export const ReplaySeekCommandSchema = v.object({
  ...base,
  type: v.literal('replaySeek'),
  seq: v.pipe(v.number(), v.integer(), v.minValue(0)),
});

export const ClientMessageSchema = v.variant('type', [
  ConnectCommandSchema,
  AddPersistentCommandSchema,
  DisconnectCommandSchema,
  RemoveCommandSchema,
  SetTargetOutboundCommandSchema,
  ConfigureCommandSchema,
  LabAddPeerCommandSchema,
  LabAddPeersCommandSchema,
  LabStopPeerCommandSchema,
  LabStopPeersCommandSchema,
  LabSetSpeedCommandSchema,
  LabStartFloodCommandSchema,
  LabStopFloodCommandSchema,
  LabStartLessonCommandSchema,
  LabStepLessonCommandSchema,
  LabStopLessonCommandSchema,
  ResumeCommandSchema,
  HistoryCommandSchema,
  InspectCommandSchema,
  ReplaySeekCommandSchema,
]);
export type ClientMessage = v.InferOutput<typeof ClientMessageSchema>;
export type CommandType = ClientMessage['type'];
export type CommandOf<T extends CommandType> = Extract<ClientMessage, { type: T }>;

export const ResumeResultSchema = v.object({
  /** `resumed`: the missing events were sent; `resynced`: a fresh `hello` was sent instead. */
  mode: v.picklist(['resumed', 'resynced']),
  /** The `seq` the client now has (the last event sent, or the new snapshot's `seq`). */
  seq: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type ResumeResult = v.InferOutput<typeof ResumeResultSchema>;

/** What a successful reply carries as `result`, per command. */
export const COMMAND_RESULT_SCHEMAS = {
  /** The connection once established; with `persistent`, the new entry as it is now (pending). */
  connect: ConnInfoSchema,
  /** The new persistent entry as it is now (pending). */
  addPersistent: ConnInfoSchema,
  disconnect: v.null(),
  remove: v.null(),
  setTargetOutbound: v.object({ targetOutbound: v.number() }),
  /** What changed (only options whose value differs), and the whole configuration after. */
  configure: v.object({
    changed: v.object({
      targetOutbound: v.optional(v.number()),
      backoff: v.optional(BackoffKindSchema),
      retryDelayMs: v.optional(v.number()),
      maxRetryDelayMs: v.optional(v.number()),
      dialTimeoutMs: v.optional(v.number()),
      idleTimeoutMs: v.optional(v.number()),
      inboundPolicy: v.optional(InboundPolicySchema),
      maxInbound: v.optional(v.number()),
    }),
    config: ConnManagerConfigSchema,
  }),
  'lab.addPeer': LabPeerSchema,
  'lab.addPeers': v.object({ peers: v.array(LabPeerSchema) }),
  'lab.stopPeer': v.null(),
  'lab.stopPeers': v.object({ stopped: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
  'lab.setSpeed': v.object({ speed: v.number() }),
  'lab.startFlood': v.null(),
  'lab.stopFlood': v.null(),
  /** The lesson at its first step. */
  'lab.startLesson': LessonStateSchema,
  /** The lesson at the step it moved to. */
  'lab.stepLesson': LessonStateSchema,
  'lab.stopLesson': v.null(),
  resume: ResumeResultSchema,
  history: v.object({
    events: v.array(WireEventSchema),
    /** Oldest seq the bridge still keeps: nothing before it can be backfilled. */
    firstSeq: v.pipe(v.number(), v.integer(), v.minValue(0)),
  }),
  inspect: ConnInfoSchema,
  /** The position now (the requested seq clamped to the recording). */
  replaySeek: v.object({ seq: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
} as const satisfies Record<CommandType, v.GenericSchema>;
export type CommandResult<T extends CommandType> = v.InferOutput<(typeof COMMAND_RESULT_SCHEMAS)[T]>;

/** Every command type (the keys of the results table, which the compiler keeps complete). */
export const COMMAND_TYPES = Object.keys(COMMAND_RESULT_SCHEMAS) as CommandType[];

/** Commands a read-only viewer may send. */
export const READ_ONLY_COMMANDS: readonly CommandType[] = ['resume', 'history', 'inspect'];

// ---- errors ------------------------------------------------------------------------------------

/** Error codes the bridge itself produces. */
export const BRIDGE_ERROR_CODES = [
  'ERR_BAD_MESSAGE', // not JSON, or fails the schema; `field` names the path
  'ERR_TOO_LARGE', // over MAX_MESSAGE_BYTES
  'ERR_RATE_LIMITED', // too many messages from this client, or a history reply over its replay budget; try again shortly
  'ERR_READ_ONLY', // this client may watch but not control (see hello.readOnlyReason)
  'ERR_NO_LAB', // a lab command, but the server runs without the lab
  'ERR_NOT_REPLAY', // replaySeek to a live server (it is for `connscope replay FILE`)
  'ERR_NODE_UNREACHABLE', // fleet dashboard: the node did not answer over NATS in time (stopped, stale, or NATS is away)
  'ERR_INTERNAL', // an unexpected failure (a bug); the message says what
] as const;
export type BridgeErrorCode = (typeof BRIDGE_ERROR_CODES)[number];

/** Error codes of the connection manager (a copy of connmgr's `ERROR_CODES`, checked at compile time). */
export const MANAGER_ERROR_CODES = [
  'ERR_INVALID_ADDRESS',
  'ERR_INVALID_ARGUMENT',
  'ERR_DUPLICATE_PERSISTENT',
  'ERR_ALREADY_PENDING',
  'ERR_ALREADY_CONNECTED',
  'ERR_MAX_PERSISTENT',
  'ERR_NOT_FOUND',
  'ERR_DIAL_FAILED',
  'ERR_DIAL_TIMEOUT',
  'ERR_ABORTED',
  'ERR_SHUTDOWN',
  'ERR_LISTEN_FAILED',
  'ERR_ILLEGAL_TRANSITION',
  'ERR_NO_ADDRESS',
] as const;
export type ManagerErrorCode = (typeof MANAGER_ERROR_CODES)[number];

/**
 * A failed command. `code` is one of `BRIDGE_ERROR_CODES`, `MANAGER_ERROR_CODES` or a lab code
 * (`ERR_LAB_…`); `field` names the offending input path (`addr`, `connId`, `n`, …) when there is one.
 */
export const CommandErrorSchema = v.object({
  code: v.pipe(v.string(), v.nonEmpty()),
  message: v.string(),
  field: v.optional(v.string()),
});
export type CommandError = v.InferOutput<typeof CommandErrorSchema>;
