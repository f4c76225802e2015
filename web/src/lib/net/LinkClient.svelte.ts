/**
 * The page's WebSocket link to the server: connects, validates every message with the protocol's
 * `parseServerMessage`, feeds the store, keeps the event stream gap-free (`resume`), reconnects
 * by itself, and sends commands as Promises of their reply.
 */
import {
  MAX_HISTORY_EVENTS,
  PROTOCOL_VERSION,
  parseServerMessage,
  type ClientMessage,
  type CommandOf,
  type CommandResult,
  type CommandType,
  type ReplyMessage,
} from '$protocol';
import type { ConnectionsStore } from '../model/ConnectionsStore.svelte.ts';
import { lagMs, MAX_LAG_MS, ServerClock, shouldJump } from './lag-policy.ts';
import { DEFAULT_RECONNECT, reconnectDelayMs, type ReconnectPolicy } from './reconnect.ts';

/** `connecting`: first attempt; `connected`: a `hello` arrived; `reconnecting`: waiting to retry. */
export type LinkStatus = 'connecting' | 'connected' | 'reconnecting';

/** The fields a caller gives for a command (the link adds `v`, `id` and `type`). */
export type CommandFields<T extends CommandType> = Omit<CommandOf<T>, 'v' | 'id' | 'type' | 'token'>;

/** A command that failed: the server's error, or the link's own (`ERR_NO_REPLY`, `ERR_NOT_CONNECTED`, `ERR_LINK_LOST`). */
export class CommandFailure extends Error {
  readonly code: string;
  readonly field: string | undefined;
  constructor(code: string, message: string, field?: string) {
    super(message);
    this.name = 'CommandFailure';
    this.code = code;
    this.field = field;
  }
}

export interface LinkOptions {
  url: string;
  /** How long a command waits for its reply. @default 10000 */
  replyTimeoutMs?: number;
  reconnect?: ReconnectPolicy;
  /** With no message for this long, the socket is presumed dead and replaced. @default 20000 */
  staleAfterMs?: number;
  /** The lag policy's threshold (lag-policy.ts). @default MAX_LAG_MS */
  maxLagMs?: number;
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (err: CommandFailure) => void;
  timer: ReturnType<typeof setTimeout>;
}

export class LinkClient {
  status = $state<LinkStatus>('connecting');
  /** Reconnect attempts since the last good `hello`. */
  attempt = $state(0);
  /** Local time of the next reconnect try, while `reconnecting`. */
  nextTryAt = $state<number | null>(null);
  /** Server messages that failed validation (they are dropped, never applied). */
  invalidMessages = $state(0);
  lastInvalid = $state<string | null>(null);
  /** Why the link last dropped or a resume failed, for the diagnostics line. */
  lastProblem = $state<string | null>(null);
  resumes = $state(0);
  /** Jumps to a fresh snapshot because the page fell behind (lag-policy.ts). */
  jumps = $state(0);

  readonly #store: ConnectionsStore;
  readonly #opts: Required<LinkOptions>;
  readonly #clientId = Math.random().toString(36).slice(2, 8);
  #ws: WebSocket | null = null;
  #pending = new Map<string, Pending>();
  #nextId = 0;
  #resumeInFlight = false;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #watchdog: ReturnType<typeof setInterval> | null = null;
  #lastMessageAt = 0;
  #stopped = true;
  /** The server's clock as seen on the current socket (the lag policy's yardstick). */
  readonly #serverClock = new ServerClock();

  constructor(store: ConnectionsStore, options: LinkOptions) {
    this.#store = store;
    this.#opts = { replyTimeoutMs: 10_000, reconnect: DEFAULT_RECONNECT, staleAfterMs: 20_000, maxLagMs: MAX_LAG_MS, ...options };
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#open();
    this.#watchdog = setInterval(() => this.#checkStale(), 2000);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    if (this.#watchdog !== null) clearInterval(this.#watchdog);
    this.#retryTimer = null;
    this.#watchdog = null;
    this.#ws?.close(1000, 'page closed');
    this.#ws = null;
    this.#failAll('ERR_LINK_LOST', 'the page closed the connection');
  }

  /** Skips the wait and reconnects now (no-op while an attempt is already under way). */
  reconnectNow(): void {
    // Without a pending retry timer a socket is already opening: a second one would replace it in
    // `#ws` while the first stayed open, unwatched, taking the server's whole stream for nothing.
    if (this.status !== 'reconnecting' || this.#stopped || this.#retryTimer === null) return;
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#open();
  }

  /**
   * Sends a command and resolves with its result; rejects with a `CommandFailure` carrying the
   * server's error, `ERR_NO_REPLY` ("no reply from server") after the timeout, or
   * `ERR_NOT_CONNECTED` when the link is down. `timeoutMs` overrides the reply timeout (a
   * one-shot `connect` answers only once the dial ends, which may take `dialTimeoutMs`).
   */
  send<T extends CommandType>(type: T, fields: CommandFields<T>, options: { timeoutMs?: number } = {}): Promise<CommandResult<T>> {
    const ws = this.#ws;
    if (ws === null || ws.readyState !== WebSocket.OPEN || this.status !== 'connected') {
      return Promise.reject(new CommandFailure('ERR_NOT_CONNECTED', 'not connected to the server; reconnecting, try again in a moment'));
    }
    this.#nextId += 1;
    const id = `${this.#clientId}-${this.#nextId}`;
    const msg = { v: PROTOCOL_VERSION, id, type, ...fields } as unknown as ClientMessage;
    return new Promise<CommandResult<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new CommandFailure('ERR_NO_REPLY', 'no reply from server'));
      }, options.timeoutMs ?? this.#opts.replyTimeoutMs);
      this.#pending.set(id, { resolve: resolve as (r: unknown) => void, reject, timer });
      try {
        ws.send(JSON.stringify(msg));
      } catch (err) {
        clearTimeout(timer);
        this.#pending.delete(id);
        reject(new CommandFailure('ERR_NOT_CONNECTED', `could not send: ${(err as Error).message}`));
      }
    });
  }

  #open(): void {
    this.#retryTimer = null;
    this.nextTryAt = null;
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.#opts.url);
    } catch (err) {
      this.lastProblem = `cannot open ${this.#opts.url}: ${(err as Error).message}`;
      this.#scheduleReconnect();
      return;
    }
    this.#ws = ws;
    this.#serverClock.reset();
    this.#lastMessageAt = Date.now();
    ws.onmessage = (e: MessageEvent) => {
      if (this.#ws === ws) this.#onMessage(e.data);
    };
    ws.onclose = (e: CloseEvent) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.lastProblem = `connection closed${e.code ? ` (code ${e.code}${e.reason ? `: ${e.reason}` : ''})` : ''}`;
      this.#failAll('ERR_LINK_LOST', 'the connection to the server was lost before the reply');
      this.#scheduleReconnect();
    };
    // An error is always followed by close, which does the work.
    ws.onerror = () => undefined;
  }

  #scheduleReconnect(): void {
    if (this.#stopped) return;
    // The whole view, not only the header, must say from now on that it shows the past.
    this.#store.linkLost();
    this.status = 'reconnecting';
    this.attempt += 1;
    const delay = reconnectDelayMs(this.attempt, Math.random, this.#opts.reconnect);
    this.nextTryAt = Date.now() + delay;
    this.#retryTimer = setTimeout(() => this.#open(), delay);
  }

  #checkStale(): void {
    const ws = this.#ws;
    // CONNECTING counts too: a server that accepts TCP but never answers the upgrade would
    // otherwise leave the link "reconnecting" forever.
    if (ws === null || (ws.readyState !== WebSocket.OPEN && ws.readyState !== WebSocket.CONNECTING)) return;
    if (Date.now() - this.#lastMessageAt > this.#opts.staleAfterMs) {
      // No stats for a long while: the server or the path is gone without a FIN. Start over.
      this.lastProblem = `no message for ${Math.round(this.#opts.staleAfterMs / 1000)} s`;
      ws.close(4000, 'stale');
      this.#ws = null;
      this.#failAll('ERR_LINK_LOST', 'the connection to the server went silent');
      this.#scheduleReconnect();
    }
  }

  #onMessage(data: unknown): void {
    this.#lastMessageAt = Date.now();
    if (typeof data !== 'string') {
      this.#invalid('binary message (expected JSON text)');
      return;
    }
    const parsed = parseServerMessage(data);
    if (!parsed.ok) {
      this.#invalid(parsed.error.message);
      return;
    }
    const msg = parsed.msg;
    const now = Date.now();
    // The manager clock's speed (lab slow motion): the hello says it; later, the model knows it.
    const speed = (msg.type === 'hello' ? msg.lab?.speed : this.#store.liveLab?.speed) ?? 1;
    if (msg.type === 'hello') this.#serverClock.observe(msg.snapshot.at, now, speed);
    else if (msg.type === 'stats') this.#serverClock.observe(msg.at, now, speed);
    else if (msg.type === 'events' && msg.events.length > 0) {
      // A relay says when it sent the batch: its events may be old for reasons upstream of it.
      const newestAt = msg.sentAt ?? msg.events[msg.events.length - 1]!.at;
      const lag = { newestAt, serverNow: this.#serverClock.now(now), replaying: this.#resumeInFlight };
      if (shouldJump(lag, this.#opts.maxLagMs)) {
        this.#jump(lagMs(lag) ?? 0);
        return;
      }
      this.#serverClock.observe(newestAt, now, speed);
    }
    if (msg.type === 'reply') this.#settle(msg);
    let out: ReturnType<ConnectionsStore['apply']>;
    try {
      out = this.#store.apply(msg);
    } catch (err) {
      // A valid message the model cannot take is a bug; count it rather than break the page.
      this.#invalid(`could not apply ${msg.type}: ${(err as Error).message}`);
      return;
    }
    if (msg.type === 'hello') {
      this.status = 'connected';
      this.attempt = 0;
      this.nextTryAt = null;
    }
    if ((out.kind === 'hello' || out.kind === 'events' || out.kind === 'stats') && out.resumeFrom !== undefined) {
      this.#resume(out.resumeFrom);
    }
    if (out.kind === 'hello' && out.backfillBefore !== undefined) this.#backfill(out.backfillBefore);
  }

  /**
   * The page fell too far behind: drop the backlog and start over from a fresh snapshot. Closing
   * the socket makes the browser discard the messages it still holds for it (a closed socket
   * delivers no more); the new socket's `hello` replaces the model as a resync (not a resume of
   * the backlog) and the model records the jump. No stale banner: the link is not lost.
   */
  #jump(lag: number): void {
    const ws = this.#ws;
    this.#ws = null;
    this.jumps += 1;
    this.lastProblem = `fell ${(lag / 1000).toFixed(1)} s behind; jumped to a fresh snapshot`;
    this.#store.wantJump(lag);
    ws?.close(4001, 'fell behind');
    this.#failAll('ERR_LINK_LOST', 'the page fell behind and fetched a fresh snapshot before the reply; try again');
    this.#open();
  }

  /** Asks for the events kept before the snapshot; the reply goes through the reducer like any message. */
  #backfill(beforeSeq: number): void {
    this.send('history', { beforeSeq, limit: MAX_HISTORY_EVENTS }).catch((err: CommandFailure) => {
      this.lastProblem = `history before ${beforeSeq} failed: ${err.message}`;
    });
  }

  #invalid(message: string): void {
    this.invalidMessages += 1;
    this.lastInvalid = message;
  }

  #resume(fromSeq: number): void {
    if (this.#resumeInFlight) return;
    this.#resumeInFlight = true;
    this.resumes += 1;
    const runId = this.#store.liveRunId ?? undefined;
    this.send('resume', runId === undefined ? { fromSeq } : { fromSeq, runId })
      .catch((err: CommandFailure) => {
        this.lastProblem = `resume from ${fromSeq} failed: ${err.message}`;
      })
      .finally(() => {
        this.#resumeInFlight = false;
      });
  }

  #settle(reply: ReplyMessage): void {
    if (reply.id === null) {
      if (!reply.ok) this.lastProblem = `server refused a message: ${reply.error.message}`;
      return;
    }
    const key = String(reply.id);
    const p = this.#pending.get(key);
    if (p === undefined) return;
    this.#pending.delete(key);
    clearTimeout(p.timer);
    if (reply.ok) p.resolve(reply.result);
    else p.reject(new CommandFailure(reply.error.code, reply.error.message, reply.error.field));
  }

  #failAll(code: string, message: string): void {
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(new CommandFailure(code, message));
      this.#pending.delete(id);
    }
  }
}
