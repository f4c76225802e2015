/**
 * The fleet dashboard's WebSocket clients (docs/fleet.md, "The fleet dashboard"): `/ws` gets the
 * `fleet` message now and every FLEET_UPDATE_MS; `/ws?node=NAME` is one node's full view in the
 * live protocol (node-view.ts). The live hub's rules apply to both, from the same modules: the
 * per-client rate limit (ClientBudget), the heartbeat, the high-water mark (a slow client gets no
 * deltas, then a fresh `hello` once drained) and the hard limit (cut off), 1001 on shutdown, one
 * access line per session. A slow page only ever costs its own socket: nothing here waits for it,
 * and the nodes never hear of it.
 */
import { WebSocket, type RawData } from 'ws';
import { FLEET_UPDATE_MS, MAX_MESSAGE_BYTES, type FleetMessage } from '../protocol/index.ts';
import { controlAccess, type ControlPolicy } from '../bridge/access.ts';
import { SILENT_LOGGER, logSessionEnded, type StructuredLogger } from '../bridge/access-log.ts';
import { ClientBudget, rateLimitedError } from '../bridge/client-budget.ts';
import { errorReply } from '../bridge/commands.ts';
import { RATE_LIMIT_CLOSE, SHUTDOWN_CLOSE, closeGracefully, frameBuffer, frameBytes } from '../bridge/frames.ts';
import type { ClientOrigin } from '../bridge/http-server.ts';
import type { DropCause, UpgradeRefusal } from '../bridge/metrics.ts';
import type { RateLimit } from '../bridge/rate-limit.ts';

export interface FleetHubOptions {
  readonly control: ControlPolicy;
  readonly rateLimit: RateLimit;
  readonly highWaterBytes: number;
  readonly hardLimitBytes: number;
  /** 0 = no heartbeat. */
  readonly heartbeatMs: number;
  /** Period of `fleet` messages (and of node views' `stats`). */
  readonly updateMs?: number;
  readonly logger?: StructuredLogger;
  /** The `fleet` message as of now. */
  readonly fleet: () => FleetMessage;
  /** Node views: a client of `/ws?node=`, its frames, its end. */
  readonly views: {
    open(c: FleetClient): void;
    message(c: FleetClient, text: string): void;
    closed(c: FleetClient): void;
    tick(): void;
  };
}

/** One WebSocket client of the fleet dashboard. */
export interface FleetClient {
  readonly ws: WebSocket;
  /** The node it views, or undefined for the fleet list. */
  readonly node: string | undefined;
  readonly token: string | null;
  readonly canControl: boolean;
  readonly readOnlyReason: string | undefined;
  readonly budget: ClientBudget;
  /** Deltas paused until drained (node views only). */
  behind: boolean;
  /** Waiting for the node's first snapshot before its `hello`. */
  awaitingHello: boolean;
  alive: boolean;
  readonly remote: string | undefined;
  readonly origin: string | undefined;
  readonly openedAt: number;
  framesReceived: number;
  messagesSent: number;
  dropped: DropCause | undefined;
  ended: boolean;
}

export class FleetHub {
  readonly #o: FleetHubOptions;
  readonly #logger: StructuredLogger;
  readonly clients = new Set<FleetClient>();
  readonly #intervals: NodeJS.Timeout[] = [];
  #closed = false;
  readonly counters = {
    dropped: { 'hard-limit': 0, heartbeat: 0, 'rate-limit': 0 } as Record<DropCause, number>,
    upgradesRefused: { origin: 0, host: 0, path: 0, 'max-clients': 0 } as Record<UpgradeRefusal, number>,
  };

  constructor(o: FleetHubOptions) {
    this.#o = o;
    this.#logger = o.logger ?? SILENT_LOGGER;
    if (o.heartbeatMs > 0) this.#every(o.heartbeatMs, () => this.#heartbeat());
    this.#every(o.updateMs ?? FLEET_UPDATE_MS, () => {
      this.#broadcastFleet();
      o.views.tick();
    });
  }

  countRefusedUpgrade(cause: UpgradeRefusal): void {
    this.counters.upgradesRefused[cause] += 1;
  }

  attach(ws: WebSocket, token: string | null, from: ClientOrigin & { node?: string | undefined }): void {
    if (this.#closed) {
      ws.terminate();
      return;
    }
    const access = controlAccess(this.#o.control, token);
    const c: FleetClient = {
      ws,
      node: from.node,
      token,
      canControl: access.canControl,
      readOnlyReason: access.canControl ? undefined : access.reason,
      budget: new ClientBudget(this.#o.rateLimit),
      behind: false,
      awaitingHello: false,
      alive: true,
      remote: from.remote,
      origin: from.origin,
      openedAt: performance.now(),
      framesReceived: 0,
      messagesSent: 0,
      dropped: undefined,
      ended: false,
    };
    this.clients.add(c);
    ws.on('pong', () => {
      c.alive = true;
    });
    ws.on('message', (data, isBinary) => this.#onMessage(c, data, isBinary));
    ws.on('error', () => undefined);
    ws.on('close', (code: number, reason: Buffer | undefined) => {
      this.clients.delete(c);
      if (c.node !== undefined) this.#o.views.closed(c);
      this.#endSession(c, code, reason?.toString('utf8') ?? '');
    });
    if (c.node === undefined) this.send(c, JSON.stringify(this.#o.fleet()));
    else this.#o.views.open(c);
  }

  /** Sends a message that is not a delta (hello, reply, fleet); only the hard limit applies. */
  send(c: FleetClient, data: string): void {
    if (c.ws.readyState !== WebSocket.OPEN) return;
    if (c.ws.bufferedAmount + Buffer.byteLength(data) > this.#o.hardLimitBytes) {
      this.drop(c, 'hard-limit');
      return;
    }
    c.ws.send(data);
    c.messagesSent += 1;
  }

  /**
   * A delta (events): not to a client behind; past the high-water mark the client is marked
   * behind (it gets a fresh `hello` once drained), past the hard limit it is cut off.
   */
  sendDelta(c: FleetClient, data: string): boolean {
    if (c.behind || c.awaitingHello || c.ws.readyState !== WebSocket.OPEN) return false;
    const buffered = c.ws.bufferedAmount;
    if (buffered > this.#o.hardLimitBytes) {
      this.drop(c, 'hard-limit');
      return false;
    }
    if (buffered > this.#o.highWaterBytes) {
      c.behind = true;
      return false;
    }
    c.ws.send(data);
    c.messagesSent += 1;
    return true;
  }

  /** Whether a behind client has drained (then the caller resyncs it). */
  drained(c: FleetClient): boolean {
    return c.behind && c.ws.bufferedAmount === 0;
  }

  /** Closes a client with a code of ours (e.g. 4404 unknown node). */
  closeWith(c: FleetClient, code: number, reason: string): void {
    closeGracefully(c.ws, { code, reason: reason.slice(0, 120) });
  }

  drop(c: FleetClient, cause: DropCause): void {
    if (!this.clients.delete(c)) return;
    this.counters.dropped[cause] += 1;
    c.dropped = cause;
    if (c.node !== undefined) this.#o.views.closed(c);
    if (cause === 'rate-limit') closeGracefully(c.ws, RATE_LIMIT_CLOSE);
    else c.ws.terminate();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#intervals.splice(0)) clearInterval(t);
    for (const c of this.clients) {
      closeGracefully(c.ws, SHUTDOWN_CLOSE);
      this.#endSession(c, SHUTDOWN_CLOSE.code, SHUTDOWN_CLOSE.reason);
    }
    this.clients.clear();
  }

  #broadcastFleet(): void {
    let data: string | undefined;
    for (const c of this.clients) {
      if (c.node !== undefined) continue;
      // Replaced by the next one a second later: never worth buffering for a slow client.
      if (c.ws.readyState !== WebSocket.OPEN || c.ws.bufferedAmount > this.#o.highWaterBytes) continue;
      data ??= JSON.stringify(this.#o.fleet());
      c.ws.send(data);
      c.messagesSent += 1;
    }
  }

  #onMessage(c: FleetClient, data: RawData, isBinary: boolean): void {
    c.framesReceived += 1;
    if (!this.clients.has(c)) return;
    const verdict = c.budget.onFrame(frameBytes(data));
    if (verdict === 'close') {
      this.drop(c, 'rate-limit');
      return;
    }
    if (verdict === 'refuse-silently') return;
    if (verdict === 'refuse-with-reply') {
      this.send(c, JSON.stringify(errorReply(null, undefined, rateLimitedError(this.#o.rateLimit))));
      return;
    }
    const bytes = frameBuffer(data);
    if (isBinary || bytes.length > MAX_MESSAGE_BYTES) {
      this.send(
        c,
        JSON.stringify(
          errorReply(null, undefined, {
            code: isBinary ? 'ERR_BAD_MESSAGE' : 'ERR_TOO_LARGE',
            message: isBinary ? 'binary frames are not supported: send JSON text' : `message is larger than ${MAX_MESSAGE_BYTES} bytes`,
          }),
        ),
      );
      return;
    }
    if (c.node === undefined) {
      this.send(
        c,
        JSON.stringify(
          errorReply(null, undefined, {
            code: 'ERR_BAD_MESSAGE',
            message: 'the fleet list takes no commands: open /ws?node=NAME for a node, or use /api/node-runs and /api/node-recording',
          }),
        ),
      );
      return;
    }
    this.#o.views.message(c, bytes.toString('utf8'));
  }

  #heartbeat(): void {
    for (const c of [...this.clients]) {
      if (!c.alive) {
        this.drop(c, 'heartbeat');
        continue;
      }
      c.alive = false;
      if (c.ws.readyState === WebSocket.OPEN) c.ws.ping();
    }
  }

  #every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.#intervals.push(t);
  }

  #endSession(c: FleetClient, code: number | undefined, reason: string): void {
    if (c.ended) return;
    c.ended = true;
    logSessionEnded(this.#logger, {
      remote: c.remote,
      origin: c.origin,
      canControl: c.canControl,
      durationMs: performance.now() - c.openedAt,
      framesReceived: c.framesReceived,
      messagesSent: c.messagesSent,
      code,
      reason,
      dropped: c.dropped,
    });
  }
}
