/**
 * The sockets of established connections: adopting one (tracked for shutdown, wired by
 * conn-record.ts `attachSocket`, its 'close' handled, its idle timer armed), handing it to the
 * application (`onConnection`), closing it ourselves, and folding a closed one back into its
 * record. What a close *means* — retry, disconnected, a slot freed — is the manager's
 * (`SocketHost.closed`), since it transitions.
 */
import type { Socket } from 'node:net';
import { attachSocket, closeReason, infoNow, noteActivity, type ConnRecord } from './conn-record.ts';
import { callHandler, watchLocalClose } from './handoff.ts';
import type { IdleTimer } from './idle.ts';
import type { ResolvedOptions } from './options.ts';
import type { ResourceTracker } from './resources.ts';
import type { ConnReason } from './types.ts';

export interface SocketHost {
  now(): number;
  /** The socket of `rec` closed while it was established (by anyone): the manager ends or retries it. */
  closed(rec: ConnRecord, reason: ConnReason, code: string | undefined): void;
}

/** The record a socket of ours belongs to, kept on the socket for the shared listeners below. */
const RECORD = Symbol('connmgr.record');
type OwnedSocket = Socket & { [RECORD]?: ConnRecord };

export class SocketWiring {
  readonly #opts: Pick<ResolvedOptions, 'onConnection' | 'logger'>;
  readonly #resources: ResourceTracker;
  readonly #idle: IdleTimer;
  readonly #host: SocketHost;
  // One listener of each kind for every socket, finding the record on the socket (`this`): a
  // held connection costs no closure, no `once` wrapper and no context of its own.
  readonly #onData: (this: OwnedSocket) => void;
  readonly #onError: (this: OwnedSocket, err: NodeJS.ErrnoException) => void;
  readonly #onClose: (this: OwnedSocket) => void;

  constructor(opts: Pick<ResolvedOptions, 'onConnection' | 'logger'>, resources: ResourceTracker, idle: IdleTimer, host: SocketHost) {
    this.#opts = opts;
    this.#resources = resources;
    this.#idle = idle;
    this.#host = host;
    const wiring = this;
    // No application: read and discard, so that a peer's greetings and heartbeats cannot fill the
    // buffers, and note the activity at the very moment it happens.
    this.#onData = function (this: OwnedSocket): void {
      const rec = this[RECORD];
      if (rec === undefined || rec.socket !== this) return;
      rec.seenRead = this.bytesRead ?? rec.seenRead;
      rec.lastActivityAt = host.now();
    };
    // Always ours, even when the application has its own: an 'error' nobody listens to would
    // crash the process, and the reason of the close comes from it.
    this.#onError = function (this: OwnedSocket, err: NodeJS.ErrnoException): void {
      const rec = this[RECORD];
      if (rec !== undefined && rec.socket === this) rec.socketError ??= err; // not a later socket's of the same entry
    };
    this.#onClose = function (this: OwnedSocket): void {
      const rec = this[RECORD];
      if (rec !== undefined) wiring.#onClosed(rec, this);
    };
  }

  /** Makes `socket` the record's current one, before its `established` transition. */
  adopt(rec: ConnRecord, socket: Socket): void {
    this.#resources.track(socket);
    attachSocket(rec, socket, this.#host.now());
    const owned = socket as OwnedSocket;
    owned[RECORD] = rec;
    if (this.#opts.onConnection === undefined) {
      socket.on('data', this.#onData);
    } else {
      // The application reads: we must not. A 'data' listener (or resume()) here would switch the
      // socket to flowing mode and pour what the peer already sent to nobody before the handler
      // attached its own reader. Byte counts and idle activity come from the socket's counters.
      watchLocalClose(socket, () => {
        if (rec.socket === socket && rec.closing === undefined) rec.appClosed = true;
      });
    }
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose); // once per socket: 'close' is its last event
    this.#idle.arm(rec);
  }

  /**
   * Gives an established connection's socket to the application (`onConnection`).
   *
   * Order: the transition first (state updated, then `established` emitted — rule 9), then the
   * handler, in the same synchronous run. So the handler sees the connection as `get()` and every
   * listener do, may call `disconnect`/`remove` on it like on any established one, and the events
   * show it established before the application's first byte. Nothing can be lost in between: no
   * I/O callback runs inside a synchronous run, and the manager never reads a handed-off socket
   * (`adopt`), so the peer's first bytes wait in the socket until the application reads.
   * If a listener of that `established` event already closed the connection, there is no socket
   * left to give: the handler is not called.
   */
  handOff(rec: ConnRecord, socket: Socket): void {
    const handler = this.#opts.onConnection;
    if (!handler || rec.state !== 'established' || rec.socket !== socket) return;
    callHandler(handler, infoNow(rec, this.#host.now()), socket, (message, err) => {
      this.#opts.logger.warn(`connmgr: onConnection failed for #${rec.id} ${rec.addr}: ${message}; closing it (app-error)`, err);
      // Only this connection, and only if it is still the one the handler got.
      if (rec.socket === socket && rec.state === 'established') this.close(rec, 'app-error');
    });
  }

  /**
   * Closes the socket ourselves and ends the connection now, not at the socket's later 'close':
   * once `remove()` returns the entry is forgotten (slot and address free), and a `remove()` right
   * after a `disconnect()` is not lost in between (rule 4). The socket stays tracked until closed.
   */
  close(rec: ConnRecord, reason: ConnReason): void {
    const socket = rec.socket;
    if (!socket || rec.closing) return;
    rec.closing = reason;
    socket.destroy();
    this.#onClosed(rec, socket);
  }

  /** Once per socket (ours first, or its 'close'): its counts go to the record, then the manager decides. */
  #onClosed(rec: ConnRecord, socket: Socket): void {
    if (rec.socket !== socket) return; // a close we already handled, or an earlier socket of the entry
    noteActivity(rec, this.#host.now());
    rec.socket = undefined;
    rec.bytesInBefore += socket.bytesRead ?? 0;
    rec.bytesOutBefore += socket.bytesWritten ?? 0;
    this.#idle.disarm(rec);
    const { reason, code } = closeReason(rec);
    rec.closing = undefined;
    rec.appClosed = false;
    if (rec.state === 'established') this.#host.closed(rec, reason, code);
  }
}
