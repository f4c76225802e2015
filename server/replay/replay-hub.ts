/**
 * The WebSocket side of `connscope replay FILE`: the live protocol, with the manager replaced by a
 * recording at a position (position.ts). A client gets `hello` with the snapshot at the position
 * (and `replay { firstSeq, lastSeq, seq, file }`), `stats` now and then (the counters at the
 * position: they keep a page's link from going stale), and answers to its commands:
 *
 *   replaySeek   moves the position (needs control, by the live rule: loopback without a token, or
 *                the token); the reply is `{ seq }`. The other clients follow: the events in
 *                between when the position moved forward by at most FORWARD_EVENTS, else a `hello`
 *                with `resync: true`. The client that seeks gets only its reply (a page that
 *                replays the file itself has what it needs; a script can send `resume` to follow).
 *   resume       the events from `fromSeq` up to the position, or a resync — as live
 *   history      the recording's events before `beforeSeq` (up to the position) — as live
 *   inspect      the connection in the snapshot at the position
 *   anything else is refused with ERR_READ_ONLY: a recording cannot be commanded.
 *
 * Rate limits, the replay budget, the heartbeat, the hard buffer limit, 1001 on shutdown and the
 * access line per session are the live hub's rules (server/bridge), from the same modules.
 */
import { WebSocket, type RawData } from 'ws';
import {
  MAX_MESSAGE_BYTES,
  PROTOCOL_VERSION,
  parseClientMessage,
  peekClientMessage,
  type ClientMessage,
  type CommandError,
  type HelloMessage,
  type ReplyMessage,
  type StatsMessage,
} from '../protocol/index.ts';
import { controlAccess, type ControlPolicy } from '../bridge/access.ts';
import { SILENT_LOGGER, logSessionEnded, type StructuredLogger } from '../bridge/access-log.ts';
import { ClientBudget, rateLimitedError } from '../bridge/client-budget.ts';
import { errorReply, okReply } from '../bridge/commands.ts';
import { RATE_LIMIT_CLOSE, SHUTDOWN_CLOSE, closeGracefully, frameBuffer, frameBytes } from '../bridge/frames.ts';
import type { ClientOrigin } from '../bridge/http-server.ts';
import type { UpgradeRefusal } from '../bridge/metrics.ts';
import type { RateLimit } from '../bridge/rate-limit.ts';
import { historyAnswer, resumeAnswer } from '../bridge/replay.ts';
import { eventsMessage } from '../bridge/wire-json.ts';
import type { ReplayPosition } from './position.ts';

/** Past this many events forward, the other clients get a fresh snapshot instead of the events. */
export const FORWARD_EVENTS = 2000;

export interface ReplayHubOptions {
  readonly position: ReplayPosition;
  /** The recording's file name, for `hello.replay.file` and the read-only message. */
  readonly file: string;
  readonly control: ControlPolicy;
  /** 0 = no periodic `stats`. */
  readonly statsMs: number;
  /** 0 = no heartbeat. */
  readonly heartbeatMs: number;
  readonly highWaterBytes: number;
  readonly hardLimitBytes: number;
  readonly batchMax: number;
  readonly rateLimit: RateLimit;
  readonly logger?: StructuredLogger;
}

interface Client {
  readonly ws: WebSocket;
  readonly canControl: boolean;
  readonly readOnlyReason: string | undefined;
  readonly budget: ClientBudget;
  alive: boolean;
  readonly remote: string | undefined;
  readonly origin: string | undefined;
  readonly openedAt: number;
  framesReceived: number;
  messagesSent: number;
  dropped: 'hard-limit' | 'heartbeat' | 'rate-limit' | undefined;
  ended: boolean;
}

export class ReplayHub {
  /** The recording's run: a client that resumes with another run's seq is resynced. */
  readonly runId: string;
  readonly #o: ReplayHubOptions;
  readonly #logger: StructuredLogger;
  readonly #clients = new Set<Client>();
  readonly #intervals: NodeJS.Timeout[] = [];
  #eventsSent = 0;
  #dropped = 0;
  #resyncs = 0;
  #closed = false;
  readonly upgradesRefused: Record<UpgradeRefusal, number> = { origin: 0, host: 0, path: 0, 'max-clients': 0 };

  constructor(o: ReplayHubOptions) {
    this.#o = o;
    this.#logger = o.logger ?? SILENT_LOGGER;
    this.runId = o.position.recording.header.runId;
    if (o.heartbeatMs > 0) this.#every(o.heartbeatMs, () => this.#heartbeat());
    if (o.statsMs > 0) this.#every(o.statsMs, () => this.#broadcastStats());
  }

  get clients(): number {
    return this.#clients.size;
  }

  countRefusedUpgrade(cause: UpgradeRefusal): void {
    this.upgradesRefused[cause] += 1;
  }

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
      budget: new ClientBudget(this.#o.rateLimit),
      alive: true,
      remote: from.remote,
      origin: from.origin,
      openedAt: performance.now(),
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
    ws.on('error', () => undefined);
    ws.on('close', (code: number, reason: Buffer | undefined) => {
      this.#clients.delete(client);
      this.#endSession(client, code, reason?.toString('utf8') ?? '');
    });
    this.#sendHello(client, false);
  }

  /** Stops the timers and closes every client with 1001. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#intervals.splice(0)) clearInterval(t);
    for (const c of this.#clients) {
      closeGracefully(c.ws, SHUTDOWN_CLOSE);
      this.#endSession(c, SHUTDOWN_CLOSE.code, SHUTDOWN_CLOSE.reason);
    }
    this.#clients.clear();
  }

  #endSession(c: Client, code: number | undefined, reason: string): void {
    if (c.ended) return;
    c.ended = true;
    logSessionEnded(this.#logger, { ...c, durationMs: performance.now() - c.openedAt, code, reason });
  }

  #hello(c: Client, resync: boolean): string {
    const p = this.#o.position;
    const snapshot = p.snapshot();
    const hello: HelloMessage = {
      v: PROTOCOL_VERSION,
      type: 'hello',
      runId: this.runId,
      resync,
      config: snapshot.config,
      snapshot,
      lab: p.lab(),
      canControl: c.canControl,
      ...(c.readOnlyReason === undefined ? {} : { readOnlyReason: c.readOnlyReason }),
      replay: { firstSeq: p.firstSeq, lastSeq: p.lastSeq, seq: p.seq, file: this.#o.file },
    };
    return JSON.stringify(hello);
  }

  #sendHello(c: Client, resync: boolean): void {
    if (resync) this.#resyncs += 1;
    this.#send(c, this.#hello(c, resync));
  }

  /** Sends one message within the hard buffer limit (past it the client is cut off). */
  #send(c: Client, data: string): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    if (c.ws.bufferedAmount + Buffer.byteLength(data) > this.#o.hardLimitBytes) {
      this.#drop(c, 'hard-limit');
      return;
    }
    c.ws.send(data);
    c.messagesSent += 1;
  }

  #drop(c: Client, cause: NonNullable<Client['dropped']>): void {
    if (!this.#clients.delete(c)) return;
    this.#dropped += 1;
    c.dropped = cause;
    if (cause === 'rate-limit') closeGracefully(c.ws, RATE_LIMIT_CLOSE);
    else c.ws.terminate();
  }

  #every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.#intervals.push(t);
  }

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
    const p = this.#o.position;
    const snapshot = p.snapshot();
    const message: StatsMessage = {
      v: PROTOCOL_VERSION,
      type: 'stats',
      at: snapshot.at,
      seq: p.seq,
      stats: snapshot.stats,
      bridge: {
        clients: this.#clients.size,
        behindClients: 0,
        eventsTotal: p.seq,
        eventsSent: this.#eventsSent,
        droppedClients: this.#dropped,
        resyncs: this.#resyncs,
      },
    };
    const data = JSON.stringify(message);
    for (const c of this.#clients) {
      if (c.ws.readyState !== WebSocket.OPEN || c.ws.bufferedAmount > this.#o.highWaterBytes) continue;
      c.ws.send(data);
      c.messagesSent += 1;
    }
  }

  // ---- commands ----------------------------------------------------------------------------------

  #onMessage(c: Client, data: RawData, isBinary: boolean): void {
    c.framesReceived += 1;
    if (!this.#clients.has(c)) return;
    const verdict = c.budget.onFrame(frameBytes(data));
    if (verdict === 'close') {
      this.#drop(c, 'rate-limit');
      return;
    }
    if (verdict === 'refuse-silently') return;
    if (verdict === 'refuse-with-reply') {
      const peek = isBinary || frameBytes(data) > MAX_MESSAGE_BYTES ? {} : peekClientMessage(frameBuffer(data).toString('utf8'));
      this.#reply(c, errorReply(peek.id ?? null, peek.command, rateLimitedError(this.#o.rateLimit)));
      return;
    }
    const bytes = frameBuffer(data);
    if (isBinary || bytes.length > MAX_MESSAGE_BYTES) {
      this.#reply(
        c,
        errorReply(null, undefined, {
          code: isBinary ? 'ERR_BAD_MESSAGE' : 'ERR_TOO_LARGE',
          message: isBinary ? 'binary frames are not supported: send JSON text' : `message is larger than ${MAX_MESSAGE_BYTES} bytes`,
        }),
      );
      return;
    }
    const parsed = parseClientMessage(bytes.toString('utf8'));
    if (!parsed.ok) {
      this.#reply(c, errorReply(parsed.id ?? null, parsed.command, parsed.error));
      return;
    }
    this.#handle(c, parsed.msg);
  }

  #handle(c: Client, msg: ClientMessage): void {
    const fail = (error: CommandError): void => this.#reply(c, errorReply(msg.id, msg.type, error));
    switch (msg.type) {
      case 'replaySeek': {
        const token = msg.token;
        if (!c.canControl && !(token !== undefined && controlAccess(this.#o.control, token).canControl)) {
          fail({
            code: 'ERR_READ_ONLY',
            message: c.readOnlyReason ?? 'this client may not move the replay',
            ...(token === undefined ? {} : { field: 'token' }),
          });
          return;
        }
        const { from, to } = this.#o.position.seek(msg.seq);
        this.#reply(c, okReply(msg.id, 'replaySeek', { seq: to }));
        if (to !== from) this.#follow(c, from, to);
        return;
      }
      case 'resume': {
        const p = this.#o.position;
        const sameRun = msg.runId === undefined || msg.runId === this.runId;
        const answer = sameRun ? resumeAnswer(p.log, c.budget.replay, msg.fromSeq, this.#o.batchMax) : undefined;
        if (answer === undefined) {
          this.#sendHello(c, true);
          this.#reply(c, okReply(msg.id, 'resume', { mode: 'resynced', seq: p.seq }));
          return;
        }
        for (const text of answer.messages) this.#send(c, text);
        this.#eventsSent += answer.events;
        this.#reply(c, okReply(msg.id, 'resume', { mode: 'resumed', seq: p.seq }));
        return;
      }
      case 'history': {
        const answer = historyAnswer(this.#o.position.log, c.budget.replay, msg);
        this.#reply(c, answer.ok ? answer.text : errorReply(msg.id, 'history', answer.error));
        return;
      }
      case 'inspect': {
        const p = this.#o.position;
        const info = p.snapshot().conns.find((x) => x.id === msg.connId);
        if (info) {
          this.#reply(c, okReply(msg.id, 'inspect', info));
          return;
        }
        fail({
          code: 'ERR_NOT_FOUND',
          message: `no connection with id ${msg.connId} at this replay position (seq ${p.seq})`,
          field: 'connId',
        });
        return;
      }
      default:
        fail({
          code: 'ERR_READ_ONLY',
          message: `this server replays a recording (${this.#o.file}): it is read-only — ${msg.type} needs a live server`,
        });
        return;
    }
  }

  /** The other clients follow a move of the position: the events in between, or a fresh snapshot. */
  #follow(seeker: Client, from: number, to: number): void {
    const p = this.#o.position;
    const forward = to > from && to - from <= FORWARD_EVENTS ? p.log.sinceEncoded(from, to) : undefined;
    const batches: string[] = [];
    if (forward) {
      for (let i = 0; i < forward.json.length; i += this.#o.batchMax) {
        batches.push(eventsMessage(forward.json.slice(i, i + this.#o.batchMax)).text());
      }
    }
    for (const c of [...this.#clients]) {
      if (c === seeker) continue;
      if (forward && c.ws.bufferedAmount <= this.#o.highWaterBytes) {
        for (const text of batches) this.#send(c, text);
        this.#eventsSent += forward.json.length;
      } else this.#sendHello(c, true);
    }
  }

  #reply(c: Client, reply: ReplyMessage | string): void {
    if (this.#closed || !this.#clients.has(c)) return;
    this.#send(c, typeof reply === 'string' ? reply : JSON.stringify(reply));
  }
}
