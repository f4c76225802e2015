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
    const onAbort = (): void => {
      socket.destroy();
      cleanup();
      reject(abortError(signal));
    };
    const onError = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
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
