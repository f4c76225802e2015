/**
 * Handing a socket to the application (`onConnection`), and telling afterwards who closed it.
 *
 * Once the application holds a socket, a close can come from three sides: the manager itself
 * (disconnect, remove, idle, stop — it knows, it sets its own reason first), the remote peer or
 * the network (`remote-closed`, `remote-reset`, `socket-error`), or the application
 * (`app-closed`). Node reports every one of them the same way — a 'close' event — and its own
 * stream machinery closes a socket through the very same public `end()`/`destroy()` methods the
 * application would call. So we watch those two methods on the socket itself and keep only the
 * calls that start a close here while the socket is still healthy:
 *
 * - Node ends the writable side only after the remote's end of stream was delivered ('end'
 *   emitted, `readableEnded`), and destroys an ended socket only then too: a call made after
 *   `readableEnded` is an answer to the remote's close, not a close of ours.
 * - Node destroys a socket on a failed read or write with a libuv errno error (numeric `errno`,
 *   a `syscall`): such a call is the network's failure, whoever passed it on.
 * - Any call on an already destroyed socket changes nothing.
 *
 * Everything else — `end()`, `destroy()`, `destroy(new Error(...))`, `resetAndDestroy()`,
 * `destroySoon()` — is the application's choice. The verdict is kept until the socket's 'close',
 * when the manager records the close: the first side to start closing names the reason.
 */
import type { Socket } from 'node:net';
import type { ConnectionHandler, ConnInfo } from './types.ts';

/**
 * Calls the application's handler with an established connection; a throw or a rejected promise
 * goes to `failed` (with its message), which closes only that connection (`app-error`, rule 10).
 */
export function callHandler(
  handler: ConnectionHandler,
  info: ConnInfo,
  socket: Socket,
  failed: (message: string, err: unknown) => void,
): void {
  const fail = (err: unknown): void => failed(err instanceof Error ? err.message : String(err), err);
  try {
    const result = handler(info, socket);
    if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') (result as PromiseLike<unknown>).then(undefined, fail);
  } catch (err) {
    fail(err);
  }
}

/**
 * Calls `onLocalClose` (at most once) when `end()` or `destroy()` is called on `socket` by
 * someone other than Node's own stream machinery reacting to the peer or the network.
 */
export function watchLocalClose(socket: Socket, onLocalClose: () => void): void {
  let seen = false;
  const note = (err?: unknown): void => {
    if (seen || socket.destroyed || socket.readableEnded || isNetworkError(err)) return;
    seen = true;
    onLocalClose();
  };
  const end = socket.end;
  const destroy = socket.destroy;
  // Own properties shadow the prototype's methods; Node's internals call them as `stream.end()` /
  // `stream.destroy(err)`, so they pass here too, and are filtered out by `note`.
  Object.assign(socket, {
    end(this: Socket, ...args: unknown[]): Socket {
      note();
      return (end as (...a: unknown[]) => Socket).apply(this, args);
    },
    destroy(this: Socket, err?: Error): Socket {
      note(err);
      return destroy.call(this, err);
    },
  });
}

/** An error from a failed system call on the socket (read ECONNRESET, write EPIPE, …). */
export function isNetworkError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { errno?: unknown; syscall?: unknown };
  return typeof e.errno === 'number' && typeof e.syscall === 'string';
}
