/**
 * The WebSocket hub: turns the manager's (and the lab's) events into numbered wire events, fans
 * them out in shared batches, keeps slow clients from making the server buffer without bound, and
 * answers commands.
 *
 * Per client, the life is: `hello` (snapshot at seq N) → live `events` batches → possibly
 * *behind* (its socket buffer passed the high-water mark: deltas stop) → once drained, a `hello`
 * with `resync: true` → live again. Past the hard limit, or silent through a heartbeat, it is cut off;
 * a client that keeps sending more than its rate limit is closed with 1008 (see client-budget.ts).
 * On shutdown every client gets a close frame 1001 ("going away"), so a page can tell a restart from
 * a network fault.
 */
import { randomUUID } from 'node:crypto';
import { WebSocket, type RawData } from 'ws';
import type { ConnManager } from '../connmgr/index.ts';
import {
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  READ_ONLY_COMMANDS,
  parseClientMessage,
  peekClientMessage,
  type ApiSnapshot,
  type BridgeStats,
  type ClientMessage,
  type CommandOf,
  type HelloMessage,
  type LabApi,
  type ReplyMessage,
  type Snapshot,
  type StatsMessage,
  type UnnumberedEvent,
} from '../protocol/index.ts';
import { controlAccess, type ControlPolicy } from './access.ts';
import { SILENT_LOGGER, logSessionEnded, type StructuredLogger } from './access-log.ts';
import { ClientBudget, rateLimitedError } from './client-budget.ts';
import { errorReply, okReply, runCommand, type ActionCommand } from './commands.ts';
import { EventLog } from './event-log.ts';
import { RATE_LIMIT_CLOSE, SHUTDOWN_CLOSE, closeGracefully, frameBuffer, frameBytes } from './frames.ts';
import type { DropCause, HubCounters, ResyncCause } from './metrics.ts';
import type { RateLimit } from './rate-limit.ts';
import type { ClientOrigin } from './http-server.ts';
import { historyAnswer, resumeAnswer } from './replay.ts';
import type { RecordingTap } from './recorder.ts';
import { eventsMessage } from './wire-json.ts';

/** The hub's settings; `startBridge` validates them and documents their defaults. */
export interface HubOptions {
  readonly manager: ConnManager;
  readonly lab: LabApi | undefined;
  readonly control: ControlPolicy;
  readonly ringSize: number;
  readonly batchMs: number;
  readonly batchMax: number;
  /** 0 turns periodic stats off. */
  readonly statsMs: number;
  readonly highWaterBytes: number;
  readonly hardLimitBytes: number;
  /** 0 turns the heartbeat off. */
  readonly heartbeatMs: number;
  readonly drainCheckMs: number;
  readonly rateLimit: RateLimit;
  /** Parses a client's text message; injectable so that tests can count the parse work. */
  readonly parse?: typeof parseClientMessage;
  /** Clock of the per-client budgets and session durations (ms); injectable for tests. @default performance.now */
  readonly now?: () => number;
  /** Gets one `info` line per WebSocket session when it ends. @default none */
  readonly logger?: StructuredLogger;
}

/** `ws.send` options of a batch: a text frame, though its payload is a Buffer. */
const TEXT_FRAME = { binary: false } as const;

/** The kinds the manager emits (every kind but the lab's). */
type ManagerEventKind = Exclude<UnnumberedEvent['kind'], 'lab:state'>;

interface Client {
  readonly ws: WebSocket;
  readonly canControl: boolean;
  readonly readOnlyReason: string | undefined;
  readonly budget: ClientBudget;
  /** Deltas paused until its buffer drains. */
  behind: boolean;
  /** Answered the last ping. */
  alive: boolean;
  // For the access line when the session ends: plain counters, no allocation per message.
  readonly remote: string | undefined;
  readonly origin: string | undefined;
  readonly openedAt: number;
  framesReceived: number;
  messagesSent: number;
  /** Why the hub cut it off, if it did. */
  dropped: DropCause | undefined;
  /** Its access line is written (once: at close, or at shutdown). */
  ended: boolean;
}

/** Fan-out of numbered events to WebSocket clients, and the command endpoint. See the file comment. */
export class Hub {
  /** Random id of this server run: a client that resumes with another run's seq is resynced. */
  readonly runId = randomUUID();
  readonly #o: HubOptions;
  readonly #parse: typeof parseClientMessage;
  readonly #now: () => number;
  readonly #logger: StructuredLogger;
  readonly #log: EventLog;
  readonly #clients = new Set<Client>();
  /** Numbered, not yet sent (their JSON texts). */
  #pending: string[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #labDirty = false;
  readonly #intervals: NodeJS.Timeout[] = [];
  #drainTimer: NodeJS.Timeout | undefined;
  readonly #unsubscribe: (() => void)[] = [];
  /** Recorders (recorder.ts): every numbered event and stats message, and batch ends. */
  readonly #taps = new Set<RecordingTap>();
  #closed = false;
  readonly #counters = {
    eventsSent: 0,
    fellBehind: 0,
    droppedByCause: { 'hard-limit': 0, heartbeat: 0, 'rate-limit': 0 } as Record<DropCause, number>,
    resyncsByCause: { behind: 0, resume: 0 } as Record<ResyncCause, number>,
    commandsOk: 0,
    commandsFailed: 0,
    commandsRateLimited: 0,
    upgradesRefused: { origin: 0, host: 0, path: 0, 'max-clients': 0 },
  };

  constructor(options: HubOptions) {
    this.#o = options;
    this.#parse = options.parse ?? parseClientMessage;
    this.#now = options.now ?? (() => performance.now());
    this.#logger = options.logger ?? SILENT_LOGGER;
    this.#log = new EventLog(options.ringSize);
    const m = options.manager;
    this.#unsubscribe.push(
      m.on('conn:state', (e) => this.#record('conn:state', e)),
      m.on('inbound:rejected', (e) => this.#record('inbound:rejected', e)),
      m.on('listener:state', (e) => this.#record('listener:state', e)),
      m.on('outbound:throttled', (e) => this.#record('outbound:throttled', e)),
      m.on('manager:state', (e) => this.#record('manager:state', e)),
      m.on('config:changed', (e) => this.#record('config:changed', e)),
      m.on('peer:penalized', (e) => this.#record('peer:penalized', e)),
      m.on('peer:banned', (e) => this.#record('peer:banned', e)),
      m.on('peer:unbanned', (e) => this.#record('peer:unbanned', e)),
    );
    if (options.lab) {
      // The lab reports whole states, often many per second during a flood: only the latest
      // matters, so changes are coalesced into one `lab:state` event per batch.
      this.#unsubscribe.push(
        options.lab.onChange(() => {
          this.#labDirty = true;
          this.#scheduleFlush();
        }),
      );
    }
    if (options.heartbeatMs > 0) this.#every(options.heartbeatMs, () => this.#heartbeat());
    if (options.statsMs > 0) this.#every(options.statsMs, () => this.#broadcastStats());
  }

  /**
   * Feeds a recorder from now on (call it before the first event it should see, e.g. right after
   * construction with `apiSnapshot().snapshot` as its start). Returns the function that stops it.
   */
  tap(t: RecordingTap): () => void {
    this.#taps.add(t);
    return () => this.#taps.delete(t);
  }

  /** Counters for `/metrics` and the `stats` message. */
  counters(): HubCounters {
    let behind = 0;
    for (const c of this.#clients) if (c.behind) behind += 1;
    const dropped = this.#counters.droppedByCause;
    const resyncs = this.#counters.resyncsByCause;
    return {
      clients: this.#clients.size,
      behindClients: behind,
      eventsTotal: this.#log.lastSeq,
      eventsSent: this.#counters.eventsSent,
      droppedClients: dropped['hard-limit'] + dropped.heartbeat + dropped['rate-limit'],
      resyncs: resyncs.behind + resyncs.resume,
      fellBehind: this.#counters.fellBehind,
      droppedByCause: { ...dropped },
      resyncsByCause: { ...resyncs },
      commandsOk: this.#counters.commandsOk,
      commandsFailed: this.#counters.commandsFailed,
      commandsRateLimited: this.#counters.commandsRateLimited,
      upgradesRefused: { ...this.#counters.upgradesRefused },
    };
  }

  /** Counts an upgrade refused before it reached the hub. */
  countRefusedUpgrade(cause: keyof HubCounters['upgradesRefused']): void {
    this.#counters.upgradesRefused[cause] += 1;
  }

  /**
   * The body of `GET /api/snapshot`. It does not flush the pending batch (polling it must not cut
   * the viewers' batching short): pending events are numbered already and the manager updates its
   * state before it emits, so the snapshot at `lastSeq` covers them.
   */
  apiSnapshot(): ApiSnapshot {
    return { v: PROTOCOL_VERSION, runId: this.runId, snapshot: this.#snapshot(), lab: this.#o.lab?.state() ?? null };
  }

  /** Takes over an upgraded WebSocket: checks control rights, sends `hello`, serves commands. */
  attach(ws: WebSocket, presentedToken: string | null, from: ClientOrigin = {}): void {
    if (this.#closed) {
      ws.terminate();
      return;
    }
    const access = controlAccess(this.#o.control, presentedToken);
    const client: Client = {
      ws,
      canControl: access.canControl,
      readOnlyReason: access.canControl ? undefined : access.reason,
      budget: new ClientBudget(this.#o.rateLimit, this.#o.now),
      behind: false,
      alive: true,
      remote: from.remote,
      origin: from.origin,
      openedAt: this.#now(),
      framesReceived: 0,
      messagesSent: 0,
      dropped: undefined,
      ended: false,
    };
    this.#clients.add(client);
    ws.on('pong', () => {
      client.alive = true;
    });
    ws.on('message', (data, isBinary) => this.#onMessage(client, data, isBinary));
    ws.on('error', () => undefined); // 'close' follows; nothing to add
    ws.on('close', (code: number, reason: Buffer | undefined) => {
      this.#clients.delete(client);
      this.#endSession(client, code, reason?.toString('utf8') ?? '');
    });
    this.#sendHello(client, false);
  }

  /**
   * Stops timers and subscriptions and closes every client with 1001 ("going away"); one that has
   * not finished the close handshake after CLOSE_GRACE_MS is terminated. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe.splice(0)) off();
    for (const t of this.#intervals.splice(0)) clearInterval(t);
    clearInterval(this.#drainTimer);
    clearTimeout(this.#flushTimer);
    this.#drainTimer = undefined;
    this.#flushTimer = undefined;
    this.#pending = [];
    for (const c of this.#clients) {
      closeGracefully(c.ws, SHUTDOWN_CLOSE);
      // Logged now, with the close frame sent: shutdown does not wait for the clients to answer it.
      this.#endSession(c, SHUTDOWN_CLOSE.code, SHUTDOWN_CLOSE.reason);
    }
    this.#clients.clear();
  }

  /** The access line of a session, once. */
  #endSession(c: Client, code: number | undefined, reason: string): void {
    if (c.ended) return;
    c.ended = true;
    logSessionEnded(this.#logger, {
      remote: c.remote,
      origin: c.origin,
      canControl: c.canControl,
      durationMs: this.#now() - c.openedAt,
      framesReceived: c.framesReceived,
      messagesSent: c.messagesSent,
      code,
      reason,
      dropped: c.dropped,
    });
  }

  // ---- events and batches ----------------------------------------------------------------------

  /** Numbers a manager event (its wire object built once, by `EventLog.appendOf`) and queues it. */
  #record<K extends ManagerEventKind>(kind: K, fields: Omit<Extract<UnnumberedEvent, { kind: K }>, 'kind'>): void {
    if (this.#closed) return;
    this.#log.appendOf(kind, fields);
    this.#queueLast();
    if (this.#pending.length >= this.#o.batchMax) this.#flush();
    else this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushTimer !== undefined || this.#closed) return;
    this.#flushTimer = setTimeout(() => {
      this.#flushTimer = undefined;
      this.#flush();
    }, this.#o.batchMs);
    this.#flushTimer.unref();
  }

  /**
   * Sends everything pending to every live client: serialized once, shared by all. `except` is a
   * client about to get a snapshot or resumed events that already include these.
   */
  #flush(except?: Client): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#closed) return;
    if (this.#labDirty && this.#o.lab) {
      this.#labDirty = false;
      // On the manager's clock like every other event (it may run slow in the lab).
      this.#append({ at: this.#o.manager.now(), kind: 'lab:state', state: this.#o.lab.state() });
    }
    if (this.#pending.length === 0) return;
    const events = this.#pending;
    this.#pending = [];
    // Encoded to UTF-8 once, here: `ws` sends a Buffer as it is (a string it would encode again
    // for every client). `binary: false` keeps it a text frame.
    const data = Buffer.from(eventsMessage(events).text());
    for (const c of this.#clients) {
      if (c === except || c.behind || !this.#mayTakeDelta(c)) continue;
      c.ws.send(data, TEXT_FRAME);
      c.messagesSent += 1;
      this.#counters.eventsSent += events.length;
    }
    for (const t of this.#taps) t.batchEnd(() => this.#snapshot());
  }

  /** Numbers an event and queues its text for the next batch. */
  #append(event: UnnumberedEvent): void {
    this.#log.append(event);
    this.#queueLast();
  }

  /** Queues the text of the event the log just numbered for the next batch. */
  #queueLast(): void {
    const json = this.#log.lastJson as string;
    this.#pending.push(json);
    for (const t of this.#taps) t.event(json);
  }

  /**
   * Backpressure: `bufferedAmount` is what `ws` and the socket hold for this client. Past the
   * high-water mark it gets no more deltas (they would only pile up): it is marked behind and
   * resynced with a snapshot once drained, which costs one message however much it missed.
   */
  #mayTakeDelta(c: Client): boolean {
    if (c.ws.readyState !== WebSocket.OPEN) return false;
    const buffered = c.ws.bufferedAmount;
    if (buffered > this.#o.hardLimitBytes) {
      this.#drop(c, 'hard-limit');
      return false;
    }
    if (buffered > this.#o.highWaterBytes) {
      c.behind = true;
      this.#counters.fellBehind += 1;
      this.#watchDrain();
      return false;
    }
    return true;
  }

  #watchDrain(): void {
    if (this.#drainTimer !== undefined) return;
    this.#drainTimer = setInterval(() => {
      let stillBehind = 0;
      for (const c of this.#clients) {
        if (!c.behind) continue;
        if (c.ws.bufferedAmount === 0) this.#resync(c, 'behind');
        else stillBehind += 1;
      }
      if (stillBehind === 0) {
        clearInterval(this.#drainTimer);
        this.#drainTimer = undefined;
      }
    }, this.#o.drainCheckMs);
    this.#drainTimer.unref();
  }

  #resync(c: Client, cause: ResyncCause): void {
    c.behind = false;
    this.#counters.resyncsByCause[cause] += 1;
    this.#sendHello(c, true);
  }

  #snapshot(): Snapshot {
    // Everything numbered so far is reflected in the manager's state (it updates state before it
    // emits), so the snapshot is exactly "as of lastSeq".
    return { seq: this.#log.lastSeq, ...this.#o.manager.snapshot() };
  }

  #sendHello(c: Client, resync: boolean): void {
    // Flush (to the others) first, so that the hello's seq is the last event every other client
    // has been sent too, and this client's next event is exactly seq + 1.
    this.#flush(c);
    const snapshot = this.#snapshot();
    const hello: HelloMessage = {
      v: PROTOCOL_VERSION,
      type: 'hello',
      runId: this.runId,
      resync,
      config: snapshot.config,
      snapshot,
      lab: this.#o.lab?.state() ?? null,
      canControl: c.canControl,
      ...(c.readOnlyReason === undefined ? {} : { readOnlyReason: c.readOnlyReason }),
    };
    this.#send(c, JSON.stringify(hello));
  }

  /** Sends a message that is not a delta (hello, reply, resumed events); only the hard limit applies. */
  #send(c: Client, data: string): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    if (c.ws.bufferedAmount + Buffer.byteLength(data) > this.#o.hardLimitBytes) {
      this.#drop(c, 'hard-limit');
      return;
    }
    c.ws.send(data);
    c.messagesSent += 1;
  }

  #drop(c: Client, cause: DropCause): void {
    if (!this.#clients.delete(c)) return;
    this.#counters.droppedByCause[cause] += 1;
    c.dropped = cause;
    // An abuser is told why (1008); a client that cannot keep up would not read a close frame.
    if (cause === 'rate-limit') closeGracefully(c.ws, RATE_LIMIT_CLOSE);
    else c.ws.terminate();
  }

  // ---- timers ----------------------------------------------------------------------------------

  #every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.#intervals.push(t);
  }

  /** A client that has not answered the previous ping is gone (or not reading): cut it off. */
  #heartbeat(): void {
    for (const c of [...this.#clients]) {
      if (!c.alive) {
        this.#drop(c, 'heartbeat');
        continue;
      }
      c.alive = false;
      if (c.ws.readyState === WebSocket.OPEN) c.ws.ping();
    }
  }

  #broadcastStats(): void {
    this.#flush();
    const { clients, behindClients, eventsTotal, eventsSent, droppedClients, resyncs } = this.counters();
    const bridge: BridgeStats = { clients, behindClients, eventsTotal, eventsSent, droppedClients, resyncs };
    const message: StatsMessage = {
      v: PROTOCOL_VERSION,
      type: 'stats',
      at: this.#o.manager.now(),
      seq: this.#log.lastSeq,
      stats: this.#o.manager.stats(),
      bridge,
    };
    const data = JSON.stringify(message);
    for (const t of this.#taps) t.stats(data);
    for (const c of this.#clients) {
      // Counters are replaced by the next ones: never worth buffering for a slow client.
      if (c.behind || c.ws.readyState !== WebSocket.OPEN || c.ws.bufferedAmount > this.#o.highWaterBytes) continue;
      c.ws.send(data);
      c.messagesSent += 1;
    }
  }

  // ---- commands ----------------------------------------------------------------------------------

  #onMessage(c: Client, data: RawData, isBinary: boolean): void {
    c.framesReceived += 1;
    if (!this.#clients.has(c)) return;
    // The rate limit comes first, for every kind of frame: a refused frame is never decoded.
    const verdict = c.budget.onFrame(frameBytes(data));
    if (verdict !== 'admit') {
      this.#refuse(c, data, isBinary, verdict);
      return;
    }
    const bytes = frameBuffer(data);
    if (isBinary || bytes.length > MAX_MESSAGE_BYTES) {
      // Refused before decoding: the text of an oversized message is never looked at.
      this.#counters.commandsFailed += 1;
      this.#reply(
        c,
        errorReply(null, undefined, {
          code: isBinary ? 'ERR_BAD_MESSAGE' : 'ERR_TOO_LARGE',
          message: isBinary ? 'binary frames are not supported: send JSON text' : `message is larger than ${MAX_MESSAGE_BYTES} bytes`,
        }),
      );
      return;
    }
    const parsed = this.#parse(bytes.toString('utf8'));
    if (!parsed.ok) {
      this.#counters.commandsFailed += 1;
      this.#reply(c, errorReply(parsed.id ?? null, parsed.command, parsed.error));
      return;
    }
    const msg: ClientMessage = parsed.msg;
    if (!READ_ONLY_COMMANDS.includes(msg.type) && !this.#mayControl(c, msg.token)) {
      this.#counters.commandsFailed += 1;
      this.#reply(
        c,
        errorReply(msg.id, msg.type, {
          code: 'ERR_READ_ONLY',
          message: c.readOnlyReason ?? 'this client may not control the server',
          ...(msg.token === undefined ? {} : { field: 'token' }),
        }),
      );
      return;
    }
    if (msg.type === 'resume') {
      this.#resume(c, msg);
      return;
    }
    if (msg.type === 'history') {
      this.#history(c, msg);
      return;
    }
    // Not awaited: `connect` may take up to the dial timeout, and the client's other commands
    // must not wait behind it. Replies may therefore arrive out of order; ids match them up.
    void runCommand(msg as ActionCommand, { manager: this.#o.manager, lab: this.#o.lab }).then((reply) => {
      if (reply.ok) this.#counters.commandsOk += 1;
      else this.#counters.commandsFailed += 1;
      this.#reply(c, reply);
    });
  }

  /** A frame over the client's rate limit: a reply only within the reply budget; closed once the allowance is spent. */
  #refuse(c: Client, data: RawData, isBinary: boolean, verdict: 'refuse-with-reply' | 'refuse-silently' | 'close'): void {
    this.#counters.commandsRateLimited += 1;
    if (verdict === 'close') {
      this.#drop(c, 'rate-limit');
      return;
    }
    if (verdict === 'refuse-silently') return;
    // Only these few (REFUSAL_REPLIES) are read, just for their id, so the reply matches its command.
    const peek = isBinary || frameBytes(data) > MAX_MESSAGE_BYTES ? {} : peekClientMessage(frameBuffer(data).toString('utf8'));
    this.#reply(c, errorReply(peek.id ?? null, peek.command, rateLimitedError(this.#o.rateLimit)));
  }

  #mayControl(c: Client, token: string | undefined): boolean {
    return c.canControl || (token !== undefined && controlAccess(this.#o.control, token).canControl);
  }

  /** Sends a reply (or its text) to a client still served. */
  #reply(c: Client, reply: ReplyMessage | string): void {
    if (this.#closed || !this.#clients.has(c)) return;
    this.#send(c, typeof reply === 'string' ? reply : JSON.stringify(reply));
  }

  /** `history`: the kept events before `beforeSeq`, within the client's replay budget. */
  #history(c: Client, msg: CommandOf<'history'>): void {
    const answer = historyAnswer(this.#log, c.budget.replay, msg);
    if (answer.ok) this.#counters.commandsOk += 1;
    else this.#counters.commandsRateLimited += 1;
    this.#reply(c, answer.ok ? answer.text : errorReply(msg.id, 'history', answer.error));
  }

  /**
   * `resume`: exactly the events after `fromSeq`, or a resync (one `hello`) when they are gone —
   * or when streaming them is over the client's replay budget.
   */
  #resume(c: Client, msg: CommandOf<'resume'>): void {
    this.#flush(c); // what is pending goes to `c` with the resumed events, once
    const sameRun = msg.runId === undefined || msg.runId === this.runId;
    const answer = sameRun ? resumeAnswer(this.#log, c.budget.replay, msg.fromSeq, this.#o.batchMax) : undefined;
    this.#counters.commandsOk += 1;
    if (answer === undefined) {
      this.#resync(c, 'resume');
      this.#reply(c, okReply(msg.id, 'resume', { mode: 'resynced', seq: this.#log.lastSeq }));
      return;
    }
    for (const text of answer.messages) this.#send(c, text);
    this.#counters.eventsSent += answer.events;
    this.#reply(c, okReply(msg.id, 'resume', { mode: 'resumed', seq: this.#log.lastSeq }));
  }
}
