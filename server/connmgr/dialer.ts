/**
 * The default dialer: a plain TCP connect that honours an `AbortSignal`. The dial timeout is not
 * here but in the manager, on its injectable clock, so it also applies to injected dialers.
 *
 * `tcpAttempt` is the same connect without a signal, aborted through the attempt itself: the
 * manager uses it for its own default dialer, which spares every dial an `AbortController`, its
 * `AbortSignal` (an EventTarget) and a listener on it — a good part of the cost of outbound churn.
 */
import { connect, type Socket } from 'node:net';
import { parseAddress, type HostPort } from './address.ts';

/** One dial in flight: its outcome, and how to give it up. */
export interface DialAttempt {
  readonly socket: Promise<Socket>;
  /** Gives up: the socket is destroyed and `socket` rejects (once it has closed). */
  abort(reason?: unknown): void;
}

export function tcpDialer(addr: string, signal: AbortSignal): Promise<Socket> {
  if (signal.aborted) return Promise.reject(abortError(signal.reason));
  const attempt = tcpAttempt(parseAddress(addr));
  const onAbort = (): void => attempt.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  const cleanup = (): void => signal.removeEventListener('abort', onAbort);
  attempt.socket.then(cleanup, cleanup);
  return attempt.socket;
}

export function tcpAttempt({ host, port }: HostPort): DialAttempt {
  let abort: (reason?: unknown) => void = () => undefined;
  const promise = new Promise<Socket>((resolve, reject) => {
    const socket = connect({ host, port });
    let settled = false;
    // Settle only once the socket has closed: the manager's stop() waits for dials to settle, and
    // must not resolve while a socket of ours is still open (README, Rules: rule 8).
    const settleOnClose = (err: Error): void => {
      if (settled) return;
      settled = true;
      socket.off('error', onError);
      socket.off('connect', onConnect);
      socket.on('error', () => undefined); // nothing more to report
      if (socket.closed) reject(err);
      else socket.once('close', () => reject(err));
      socket.destroy();
    };
    const onError = (err: Error): void => settleOnClose(err);
    const onConnect = (): void => {
      if (settled) return;
      settled = true;
      socket.off('error', onError);
      resolve(socket);
    };
    abort = (reason) => settleOnClose(abortError(reason));
    socket.once('error', onError);
    socket.once('connect', onConnect);
  });
  return { socket: promise, abort: (reason) => abort(reason) };
}

function abortError(reason: unknown): Error {
  const err = new Error('dial aborted', { cause: reason });
  (err as NodeJS.ErrnoException).code = 'ABORT_ERR';
  return err;
}
