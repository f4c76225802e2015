/**
 * The manager's inbound listeners. They accept while allowed and can be paused and resumed
 * together (memcached's `accept_new_conns`), in one of two ways:
 *
 * - `hold` (the inbound limit): the listening socket stays open, only the state says `paused`;
 *   the inbound gate decides what becomes of what is accepted meanwhile. Closing it instead
 *   would reset, silently, every connection already completed in the kernel's backlog — the
 *   clients saw a successful connect, then ECONNRESET, and nobody counted them.
 * - `close` (out of file descriptors): nothing can be accepted anyway, so the socket is closed
 *   (new SYNs are refused by the kernel) and a resume listens again on the very port it had.
 *   Node has no API to stop calling accept() on a listening socket; `server.listen()` may be
 *   called again after `server.close()`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { formatAddress } from './address.ts';
import { ConnMgrError } from './errors.ts';
import type { ListenAddress, ListenerInfo, ListenerState } from './types.ts';

export interface ListenerSetHooks {
  onConnection(socket: Socket, listenerAddress: string): void;
  onState(address: string, state: ListenerState, reason?: string): void;
  /** accept() failed for lack of file descriptors: the owner should pause and retry later. */
  onAcceptExhausted(address: string, code: string): void;
}

interface Listener {
  readonly requested: ListenAddress;
  readonly server: Server;
  /** Bound `host:port` once listening (the requested one before that). */
  address: string;
  port: number;
  state: ListenerState;
  reason?: string;
  /** A listen() in progress: awaited by `close()`. */
  opening?: Promise<void>;
}

/** Node's own default for `server.listen()`. */
export const DEFAULT_BACKLOG = 511;

export class ListenerSet {
  readonly #listeners: Listener[];
  readonly #hooks: ListenerSetHooks;
  readonly #backlog: number;
  #closed = false;

  /** `backlog`: the kernel's queue of completed connections not yet accepted, per listener (`listen(2)`). */
  constructor(addresses: readonly ListenAddress[], hooks: ListenerSetHooks, backlog: number = DEFAULT_BACKLOG) {
    this.#hooks = hooks;
    this.#backlog = backlog;
    this.#listeners = addresses.map((requested) => {
      const server = createServer({ allowHalfOpen: false });
      const listener: Listener = {
        requested,
        server,
        address: formatAddress(requested.host, requested.port),
        port: requested.port,
        state: 'closed',
      };
      server.on('connection', (socket) => hooks.onConnection(socket, listener.address));
      server.on('error', (err: NodeJS.ErrnoException) => this.#onServerError(listener, err));
      return listener;
    });
  }

  get size(): number {
    return this.#listeners.length;
  }

  /** Binds every listener; on failure closes those already bound and throws `ERR_LISTEN_FAILED`. */
  async start(): Promise<void> {
    try {
      await Promise.all(this.#listeners.map((l) => this.#open(l, l.requested.port)));
    } catch (err) {
      await this.close();
      const e = err as NodeJS.ErrnoException;
      throw new ConnMgrError('ERR_LISTEN_FAILED', `cannot listen: ${e.message}`, { sysCode: e.code, cause: err });
    }
  }

  /** Pauses every listening listener: `hold` keeps its socket open, `close` closes it (see above). */
  pause(reason: string, how: 'hold' | 'close'): void {
    for (const l of this.#listeners) {
      if (l.state !== 'listening' && l.state !== 'paused') continue;
      if (how === 'close' && l.server.listening) l.server.close();
      if (l.state === 'listening') this.#set(l, 'paused', reason);
    }
  }

  /** Every paused listener accepts again: held ones at once, closed ones listen on the port they had. */
  resume(): void {
    if (this.#closed) return;
    for (const l of this.#listeners) {
      if (l.state !== 'paused' || l.opening) continue;
      if (l.server.listening) {
        this.#set(l, 'listening');
        continue;
      }
      this.#open(l, l.port).catch((err: NodeJS.ErrnoException) => {
        this.#set(l, 'error', `cannot listen again: ${err.code ?? err.message}`);
      });
    }
  }

  /** Closes every listener for good; resolves once each server has let go of its port. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(
      this.#listeners.map(async (l) => {
        if (l.opening) await l.opening.catch(() => undefined);
        if (l.server.listening) {
          await new Promise<void>((resolve) => {
            // The callback waits for every accepted socket to close; the manager destroys them.
            l.server.close(() => resolve());
          });
        }
        if (l.state !== 'closed') this.#set(l, 'closed', 'shutdown');
      }),
    );
  }

  info(): ListenerInfo[] {
    return this.#listeners.map((l) => ({
      address: l.address,
      state: l.state,
      ...(l.reason === undefined ? {} : { reason: l.reason }),
    }));
  }

  /** Servers currently holding a port. */
  openCount(): number {
    return this.#listeners.filter((l) => l.server.listening).length;
  }

  #open(l: Listener, port: number): Promise<void> {
    const opening = new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        l.server.off('listening', onListening);
        reject(err);
      };
      const onListening = (): void => {
        l.server.off('error', onError);
        resolve();
      };
      l.server.once('error', onError);
      l.server.once('listening', onListening);
      l.server.listen({ host: l.requested.host, port, exclusive: true, backlog: this.#backlog });
    }).then(
      () => {
        l.opening = undefined;
        const bound = l.server.address();
        if (bound && typeof bound === 'object') {
          l.port = bound.port;
          l.address = formatAddress(bound.address, bound.port);
        }
        // A close() that ran while we were opening wins.
        if (this.#closed) {
          l.server.close();
          return;
        }
        this.#set(l, 'listening');
      },
      (err: unknown) => {
        l.opening = undefined;
        throw err;
      },
    );
    l.opening = opening;
    return opening;
  }

  #onServerError(l: Listener, err: NodeJS.ErrnoException): void {
    if (l.opening) return; // reported by #open's own handler
    if (err.code === 'EMFILE' || err.code === 'ENFILE') {
      this.#hooks.onAcceptExhausted(l.address, err.code);
      return;
    }
    this.#set(l, 'error', err.code ?? err.message);
  }

  #set(l: Listener, state: ListenerState, reason?: string): void {
    l.state = state;
    l.reason = reason;
    this.#hooks.onState(l.address, state, reason);
  }
}
