/**
 * `publishToNats(manager, { servers, node })` (`connscope/fleet`, and `connscope --nats URL --node
 * NAME`): a node puts its numbered events into JetStream, its heartbeat and latest snapshot into
 * the KV bucket, and answers commands over request/reply (docs/fleet.md, "The node").
 *
 * It never holds the manager up: events go into a bounded outbox (publish-queue.ts) from the
 * bridge's tap, NATS may be away at start or later, and the node's own dashboard does not notice.
 */
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import * as v from 'valibot';
import { ConnManager } from '../connmgr/index.ts';
import {
  HEARTBEAT_MS,
  KEYFRAME_EVENTS,
  PROTOCOL_VERSION,
  commandSubject,
  eventMsgId,
  eventsSubject,
  keyframeMsgId,
  keyframesSubject,
  nodeNameProblem,
  snapshotKey,
  snapshotSubject,
  statusKey,
  type LabApi,
  type NodeKeyframe,
  type NodeSnapshot,
  type NodeStatus,
  type Snapshot,
} from '../protocol/index.ts';
import { SILENT_LOGGER, type StructuredLogger } from '../bridge/access-log.ts';
import type { EventFeed } from '../bridge/bridge.ts';
import { Hub } from '../bridge/hub.ts';
import type { RecordingTap } from '../bridge/recorder.ts';
import type { RateLimit } from '../bridge/rate-limit.ts';
import { packageVersion } from '../package-info.ts';
import { DEFAULT_STREAM_MAX_AGE_MS, DEFAULT_STREAM_MAX_BYTES, ensureStream, openBucket } from './jetstream-setup.ts';
import { NatsLink } from './nats-link.ts';
import { DEFAULT_RATE_LIMIT, NodeCommands, natsHost, snapshotReply } from './node-commands.ts';
import { PublishQueue } from './publish-queue.ts';

/** Events the outbox holds while NATS is slow or away. */
export const DEFAULT_BUFFER_EVENTS = 10_000;
/** Publishes in flight at once. */
export const PUBLISH_WINDOW = 256;
/** How long a publish waits for its ack before it counts as failed (and is retried). */
export const ACK_TIMEOUT_MS = 5000;
/** Pause after a failed publish. */
export const RETRY_MS = 500;
/** The latest snapshot goes to KV at most this often (and only when the seq moved). */
export const SNAPSHOT_MS = 2000;
/** On close, what is still in the outbox gets this long to reach NATS. */
export const CLOSE_FLUSH_MS = 2000;

const int = (min: number) => v.pipe(v.number(), v.integer(), v.minValue(min));

export const PublishSettingsSchema = v.object({
  /** `nats://host:port` (or several). */
  servers: v.union([v.pipe(v.string(), v.nonEmpty()), v.pipe(v.array(v.pipe(v.string(), v.nonEmpty())), v.minLength(1))]),
  /** This node's name (NODE_NAME_PATTERN). */
  node: v.string(),
  /** Commands over NATS need it in their `token` when set (see docs/fleet.md). @default none */
  token: v.optional(v.pipe(v.string(), v.nonEmpty())),
  /** Events the outbox holds. @default 10000 */
  bufferEvents: v.optional(int(1), DEFAULT_BUFFER_EVENTS),
  /** Limits of the stream when this node creates it. @default 24 h, 1 GiB */
  streamMaxAgeMs: v.optional(int(1000), DEFAULT_STREAM_MAX_AGE_MS),
  streamMaxBytes: v.optional(int(1024 * 1024), DEFAULT_STREAM_MAX_BYTES),
  /** Heartbeat period. @default 1000 */
  heartbeatMs: v.optional(int(10), HEARTBEAT_MS),
  /** Pause between tries while NATS is unreachable. @default 500 */
  reconnectMs: v.optional(int(10), 500),
});
export type PublishSettings = v.InferInput<typeof PublishSettingsSchema>;

export interface PublishOptions extends PublishSettings {
  /** The lab, if the node has one: its commands go there. */
  lab?: LabApi;
  /**
   * A dashboard (or bridge) already serving this manager: NATS then gets its run and seqs, so the
   * node's own page and the fleet agree. Without one the publisher numbers the events itself.
   */
  dashboard?: { readonly feed: EventFeed; readonly url?: string };
  /** Commands' rate limit per requester. @default the bridge's (20/s, bursts of 40) */
  rateLimit?: RateLimit;
  /** `info` on connect and loss, `warn` on drops and failures. @default none */
  logger?: StructuredLogger;
}

export interface Publisher {
  readonly node: string;
  readonly runId: string;
  /** Whether NATS is reachable now. */
  readonly connected: boolean;
  /** The heartbeat as it would be written now. */
  status(): NodeStatus;
  /** Publishes, sends, acks and failures so far. */
  counters(): {
    published: number;
    failures: number;
    inFlight: number;
    commandsOk: number;
    commandsFailed: number;
    commandsRateLimited: number;
  };
  /** Resolves once every event numbered so far has been acknowledged or dropped. */
  flushed(): Promise<void>;
  /**
   * Publishes what it can within CLOSE_FLUSH_MS, writes the last heartbeat (`stopped`), stops
   * answering commands and closes the connection. The manager keeps running. Idempotent.
   */
  close(): Promise<void>;
}

/**
 * Starts publishing `manager` to NATS as `node`. Resolves at once, whether NATS is reachable or
 * not (it keeps trying).
 * @throws TypeError for a bad option — a bad node name says what is wrong with it.
 */
export async function publishToNats(manager: ConnManager, options: PublishOptions): Promise<Publisher> {
  if (!(manager instanceof ConnManager)) throw new TypeError('publishToNats: the first argument must be a ConnManager');
  const parsed = v.safeParse(PublishSettingsSchema, options);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    throw new TypeError(`option ${v.getDotPath(issue) ?? ''}: ${issue.message}`);
  }
  const o = parsed.output;
  const problem = nodeNameProblem(o.node);
  if (problem !== undefined) throw new TypeError(`option node: ${problem}`);
  const logger = options.logger ?? SILENT_LOGGER;
  const lab = options.lab;
  // Without a dashboard, a hub with no clients numbers the events (the bridge's own numbering).
  const ownHub = options.dashboard
    ? undefined
    : new Hub({
        manager,
        lab,
        control: { host: '127.0.0.1', token: undefined },
        ringSize: 1,
        batchMs: 50,
        batchMax: 500,
        statsMs: 0,
        highWaterBytes: 1,
        hardLimitBytes: 1,
        heartbeatMs: 0,
        drainCheckMs: 100,
        rateLimit: DEFAULT_RATE_LIMIT,
      });
  const feed: EventFeed = options.dashboard?.feed ?? {
    runId: (ownHub as Hub).runId,
    tap: (t) => (ownHub as Hub).tap(t),
    apiSnapshot: () => (ownHub as Hub).apiSnapshot(),
  };
  return new NodePublisher(manager, lab, feed, o, options, logger, ownHub);
}

class NodePublisher implements Publisher {
  readonly node: string;
  readonly runId: string;
  readonly #manager: ConnManager;
  readonly #lab: LabApi | undefined;
  readonly #feed: EventFeed;
  readonly #o: v.InferOutput<typeof PublishSettingsSchema>;
  readonly #logger: StructuredLogger;
  readonly #ownHub: Hub | undefined;
  readonly #dashboardUrl: string | undefined;
  readonly #startedAt = Date.now();
  readonly #queue: PublishQueue;
  readonly #commands: NodeCommands;
  readonly #link: NatsLink;
  readonly #untap: () => void;
  #js: JetStreamClient | undefined;
  #kv: KV | undefined;
  #subs: Subscription[] = [];
  #lastSeq = 0;
  #lastEventAt: number | null = null;
  #keyframeSeq = -1;
  #droppedAtKeyframe = 0;
  #snapshotSeq = -1;
  #lastSnapshotPut = 0;
  #heartbeat: NodeJS.Timeout;
  #closing: Promise<void> | undefined;
  #stopped = false;

  constructor(
    manager: ConnManager,
    lab: LabApi | undefined,
    feed: EventFeed,
    o: v.InferOutput<typeof PublishSettingsSchema>,
    options: PublishOptions,
    logger: StructuredLogger,
    ownHub: Hub | undefined,
  ) {
    this.#manager = manager;
    this.#lab = lab;
    this.#feed = feed;
    this.#o = o;
    this.#logger = logger;
    this.#ownHub = ownHub;
    this.#dashboardUrl = options.dashboard?.url;
    this.node = o.node;
    this.runId = feed.runId;
    this.#queue = new PublishQueue({
      maxEvents: o.bufferEvents,
      window: PUBLISH_WINDOW,
      retryMs: RETRY_MS,
      canSend: () => this.#js !== undefined && this.#link.connected,
      send: async (item) => {
        const js = this.#js;
        if (!js) throw new Error('not connected');
        await js.publish(item.subject, item.data, { msgID: item.msgId, timeout: ACK_TIMEOUT_MS });
      },
    });
    this.#commands = new NodeCommands({
      manager,
      lab,
      control: { host: natsHost(o.servers), token: o.token },
      ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    });
    const start = feed.apiSnapshot();
    this.#lastSeq = start.snapshot.seq;
    this.#pushKeyframe(start.snapshot, start.lab);
    const tap: RecordingTap = {
      event: (json) => this.#onEvent(json),
      stats: () => undefined,
      batchEnd: (snapshot) => this.#onBatchEnd(snapshot),
    };
    this.#untap = feed.tap(tap);
    this.#link = new NatsLink({
      servers: o.servers,
      name: `connscope node ${o.node}`,
      reconnectMs: o.reconnectMs,
      onUp: (nc) => this.#onUp(nc),
      onDown: () => logger.warn({ node: this.node, buffered: this.#queue.bufferedEvents }, 'NATS connection lost: buffering events'),
      onError: (err) => logger.warn({ err: err.message, node: this.node }, 'NATS: cannot set up the stream or bucket'),
    });
    this.#heartbeat = setInterval(() => void this.#beat(), o.heartbeatMs);
    this.#heartbeat.unref();
  }

  get connected(): boolean {
    return this.#link.connected;
  }

  status(): NodeStatus {
    const state = this.#manager.state;
    return {
      v: PROTOCOL_VERSION,
      node: this.node,
      runId: this.runId,
      app: `connscope ${packageVersion()}`,
      state: this.#stopped ? 'stopped' : 'running',
      startedAt: this.#startedAt,
      updatedAt: Date.now(),
      at: this.#manager.now(),
      lastSeq: this.#lastSeq,
      publishedSeq: Math.min(this.#lastSeq, this.#queue.bufferedEvents === 0 ? this.#lastSeq : this.#queue.publishedSeq),
      lastEventAt: this.#lastEventAt,
      buffered: this.#queue.bufferedEvents,
      bufferMax: this.#o.bufferEvents,
      droppedEvents: this.#queue.droppedEvents,
      dropped: this.#queue.dropped.map(([a, b]) => [a, b]),
      disconnects: this.#link.disconnects,
      control: this.#commands.control,
      ...(this.#dashboardUrl === undefined ? {} : { dashboardUrl: this.#dashboardUrl }),
      hasLab: this.#lab !== undefined,
      managerState: state,
      stats: this.#manager.stats(),
    };
  }

  counters() {
    const c = this.#commands.counters;
    return { ...this.#queue.counters(), commandsOk: c.ok, commandsFailed: c.failed, commandsRateLimited: c.rateLimited };
  }

  flushed(): Promise<void> {
    return this.#queue.idle();
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#untap();
      this.#ownHub?.close();
      clearInterval(this.#heartbeat);
      for (const s of this.#subs.splice(0)) s.unsubscribe();
      if (this.#link.connected) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([this.#queue.idle(), new Promise<void>((r) => (timer = setTimeout(r, CLOSE_FLUSH_MS)))]);
        clearTimeout(timer);
        this.#stopped = true;
        await this.#kv?.put(statusKey(this.node), JSON.stringify(this.status())).catch(() => undefined);
      }
      this.#stopped = true;
      this.#queue.close();
      await this.#link.close();
    })();
    return this.#closing;
  }

  // ---- events ----------------------------------------------------------------------------------

  #onEvent(json: string): void {
    // The hub writes `seq` first (event-log.ts), so it is read without parsing the whole event.
    const seq = Number(/^\{"seq":(\d+)/.exec(json)?.[1]);
    if (!Number.isSafeInteger(seq)) return;
    this.#lastSeq = seq;
    this.#lastEventAt = this.#manager.now();
    this.#queue.push({ subject: eventsSubject(this.node), msgId: eventMsgId(this.runId, seq), data: json, seq });
  }

  /** Between batches the snapshot is exactly "as of lastSeq": the moment for a keyframe. */
  #onBatchEnd(snapshot: () => Snapshot): void {
    if (this.#queue.full) return;
    const afterDrops = this.#queue.droppedEvents > this.#droppedAtKeyframe;
    if (afterDrops || this.#lastSeq - this.#keyframeSeq >= KEYFRAME_EVENTS) this.#pushKeyframe(snapshot(), this.#lab?.state() ?? null);
  }

  #pushKeyframe(snapshot: Snapshot, lab: NodeKeyframe['lab']): void {
    this.#keyframeSeq = snapshot.seq;
    this.#droppedAtKeyframe = this.#queue.droppedEvents;
    const frame: NodeKeyframe = {
      v: PROTOCOL_VERSION,
      node: this.node,
      runId: this.runId,
      app: `connscope ${packageVersion()}`,
      startedAt: this.#startedAt,
      config: snapshot.config,
      snapshot,
      lab,
    };
    this.#queue.push({
      subject: keyframesSubject(this.node),
      msgId: keyframeMsgId(this.runId, snapshot.seq),
      data: JSON.stringify(frame),
      seq: undefined,
    });
  }

  // ---- NATS --------------------------------------------------------------------------------------

  async #onUp(nc: NatsConnection): Promise<void> {
    this.#logger.info({ node: this.node, server: nc.getServer(), buffered: this.#queue.bufferedEvents }, 'NATS connected: publishing');
    await ensureStream(nc, { maxAgeMs: this.#o.streamMaxAgeMs, maxBytes: this.#o.streamMaxBytes });
    this.#kv = await openBucket(nc);
    this.#js = jetstream(nc, { timeout: ACK_TIMEOUT_MS });
    if (this.#subs.length === 0 && !this.#closing) this.#subscribe(nc);
    this.#queue.pump();
    await this.#beat();
  }

  #subscribe(nc: NatsConnection): void {
    // Subscriptions survive reconnects (the client renews them), so this runs once.
    this.#subs.push(
      nc.subscribe(commandSubject(this.node), {
        callback: (err, msg) => {
          if (err || !msg.reply) return;
          const reply = msg.reply;
          void this.#commands.handle(msg.data, reply).then((text) => {
            if (text !== undefined) msg.respond(text);
          });
        },
      }),
      nc.subscribe(snapshotSubject(this.node), {
        callback: (err, msg) => {
          if (err || !msg.reply) return;
          if (this.#commands.admitSnapshot(msg.reply, msg.data.byteLength)) msg.respond(snapshotReply(this.#feed.apiSnapshot()));
        },
      }),
    );
  }

  /** The heartbeat, and the snapshot when it is due. Failures wait for the next beat. */
  async #beat(): Promise<void> {
    const kv = this.#kv;
    if (!kv || !this.#link.connected || this.#stopped) return;
    try {
      await kv.put(statusKey(this.node), JSON.stringify(this.status()));
      const now = Date.now();
      if (this.#lastSeq !== this.#snapshotSeq && now - this.#lastSnapshotPut >= SNAPSHOT_MS) {
        const api = this.#feed.apiSnapshot();
        const entry: NodeSnapshot = { v: PROTOCOL_VERSION, node: this.node, runId: this.runId, snapshot: api.snapshot, lab: api.lab };
        this.#snapshotSeq = api.snapshot.seq;
        this.#lastSnapshotPut = now;
        await kv.put(snapshotKey(this.node), JSON.stringify(entry));
      }
    } catch (err) {
      if (this.#link.connected) this.#logger.warn({ err: (err as Error).message, node: this.node }, 'NATS: heartbeat not written');
    }
  }
}
