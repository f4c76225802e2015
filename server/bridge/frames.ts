/** Small helpers for the frames `ws` hands over and for closing a client with a close frame. */
import { WebSocket, type RawData } from 'ws';

/** The close frame every client gets on shutdown: 1001 "going away", so a page can tell a restart from a network fault. */
export const SHUTDOWN_CLOSE = { code: 1001, reason: 'server shutting down' } as const;
/** The close frame of a client that kept sending more than its rate limit: 1008 "policy violation". */
export const RATE_LIMIT_CLOSE = { code: 1008, reason: 'rate limit exceeded: too many messages refused' } as const;
/** How long a closed client has to answer the close frame before its socket is destroyed. */
export const CLOSE_GRACE_MS = 1000;

/** The payload size of a frame, without copying it. */
export function frameBytes(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, b) => sum + b.length, 0);
  return data instanceof ArrayBuffer ? data.byteLength : data.length;
}

/** The payload as one Buffer (`ws` may hand over fragments or an ArrayBuffer). */
export function frameBuffer(data: RawData): Buffer {
  return Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/**
 * Sends a close frame, and destroys the socket if the handshake has not finished after
 * CLOSE_GRACE_MS (a client that does not read would otherwise hold it for ws's own 30 s).
 */
export function closeGracefully(ws: WebSocket, { code, reason }: { code: number; reason: string }): void {
  if (ws.readyState === WebSocket.CLOSED) return;
  const timer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
  ws.once('close', () => clearTimeout(timer));
  ws.close(code, reason);
}
