/**
 * The default dialer: a plain TCP connect that honours an `AbortSignal`. The dial timeout is not
 * here but in the manager, on its injectable clock, so it also applies to injected dialers.
 *
 * `tcpConnect` is the same connect without a signal or a promise, aborted through what it returns:
 * the manager uses it for its own default dialer, which spares every dial an `AbortController`, its
 * `AbortSignal` (an EventTarget) and a listener on it, and a promise with its callbacks — a good
 * part of the cost of outbound churn.
 */
import { connect, type Socket } from 'node:net';
import { parseAddress, type HostPort } from './address.ts';

/** How to give a dial up: the socket is destroyed, and the dial fails (once the socket has closed). */
export interface DialAbort {
  abort(reason?: unknown): void;
}

export function tcpDialer(addr: string, signal: AbortSignal): Promise<Socket> {
  if (signal.aborted) return Promise.reject(abortError(signal.reason));
  return new Promise<Socket>((resolve, reject) => {
    const onAbort = (): void => attempt.abort(signal.reason);
    const attempt = tcpConnect(parseAddress(addr), (socket, err) => {
      signal.removeEventListener('abort', onAbort);
      if (socket) resolve(socket);
      else reject(err);
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * One TCP dial to `host:port`. `done` is called once: with the socket when it connects, or with
 * the error once the socket has closed — the manager's stop() waits for dials to settle, and must
 * not resolve while a socket of ours is still open (README, Rules: rule 8). Called from the
 * socket's own event, with no promise in between: the manager's dials use this directly.
 */
export function tcpConnect({ host, port }: HostPort, done: (socket: Socket | undefined, err?: Error) => void): DialAbort {
  const socket = connect({ host, port });
  let settled = false;
  const fail = (err: Error): void => {
    if (settled) return;
    settled = true;
    socket.off('error', fail);
    socket.off('connect', onConnect);
    socket.on('error', () => undefined); // nothing more to report
    if (socket.closed) done(undefined, err);
    else socket.once('close', () => done(undefined, err));
    socket.destroy();
  };
  const onConnect = (): void => {
    if (settled) return;
    settled = true;
    socket.off('error', fail);
    done(socket);
  };
  socket.once('error', fail);
  socket.once('connect', onConnect);
  return { abort: (reason) => fail(abortError(reason)) };
}

function abortError(reason: unknown): Error {
  const err = new Error('dial aborted', { cause: reason });
  (err as NodeJS.ErrnoException).code = 'ABORT_ERR';
  return err;
}
