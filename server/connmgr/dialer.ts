/**
 * The default dialer: a plain TCP connect that honours an `AbortSignal`. The dial timeout is not
 * here but in the manager, on its injectable clock, so it also applies to injected dialers.
 */
import { connect, type Socket } from 'node:net';
import { parseAddress } from './address.ts';

export function tcpDialer(addr: string, signal: AbortSignal): Promise<Socket> {
  const { host, port } = parseAddress(addr);
  return new Promise<Socket>((resolve, reject) => {
    if (signal.aborted) {
      reject(abortError(signal));
      return;
    }
    const socket = connect({ host, port });
    // Settle only once the socket has closed: the manager's stop() waits for dials to settle, and
    // must not resolve while a socket of ours is still open (README, Rules: rule 8).
    const settleOnClose = (err: Error): void => {
      cleanup();
      socket.on('error', () => undefined); // nothing more to report
      if (socket.closed) reject(err);
      else socket.once('close', () => reject(err));
      socket.destroy();
    };
    const onAbort = (): void => settleOnClose(abortError(signal));
    const onError = (err: Error): void => settleOnClose(err);
    const onConnect = (): void => {
      cleanup();
      resolve(socket);
    };
    function cleanup(): void {
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('connect', onConnect);
    }
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('connect', onConnect);
  });
}

function abortError(signal: AbortSignal): Error {
  const err = new Error('dial aborted', { cause: signal.reason });
  (err as NodeJS.ErrnoException).code = 'ABORT_ERR';
  return err;
}
