/**
 * The manager's record of one connection request, and what can be read off it without the
 * manager: its public copy (`ConnInfo`), the activity its socket's byte counters show, and why its
 * socket closed. Which fields are set *is* the record's state (see conn-manager.ts).
 */
import type { Socket } from 'node:net';
import { socketAddress } from './address.ts';
import type { Deadline } from './dial-deadlines.ts';
import type { ConnMgrError } from './errors.ts';
import type { OutboundCause, RuleId } from './rule-ids.ts';
import type { ConnState } from './states.ts';
import type { ConnInfo, ConnReason, ConnStateEvent, ConnType } from './types.ts';

/** A dial in flight; on the manager's list of dial deadlines (dial-deadlines.ts) until it settles. */
export interface PendingDial extends Deadline {
  readonly token: number;
  readonly rec: ConnRecord;
  /** How to give the attempt up: an `AbortController` whose signal the dialer got, or the built-in TCP attempt. */
  controller: { abort(reason?: unknown): void };
}

export interface Waiter {
  resolve(info: ConnInfo): void;
  reject(err: ConnMgrError): void;
}

export interface ConnRecord {
  readonly id: number;
  readonly type: ConnType;
  readonly persistent: boolean;
  readonly addr: string;
  state: ConnState | null;
  attempt: number;
  retryAt?: number;
  readonly createdAt: number;
  establishedAt?: number;
  endedAt?: number;
  reason?: ConnReason;
  /** Bytes of earlier sockets of the same (persistent) entry; the current one's are on it. */
  bytesInBefore: number;
  bytesOutBefore: number;
  lastActivityAt: number;
  /**
   * The socket's `bytesRead`/`bytesWritten` when activity was last noted. Bytes the manager does
   * not see one by one (its own writes, and everything the application moves) show up as a
   * change of these counters (rule 7).
   */
  seenRead: number;
  seenWritten: number;
  /**
   * The current socket's local address, read on first ask (`toInfo`), not at adoption: reading it
   * is a `getsockname` system call, and most connections are never looked at one by one.
   * Undefined: not read yet for this socket.
   */
  localAddr?: string | null;
  /** When the latest dial started: the stable-connection rule measures from here (rule 2). */
  lastAttemptAt: number;
  /** Automatic only: why the filler dialed it (its first transition's rule). */
  outboundCause?: OutboundCause;
  dial?: PendingDial;
  socket?: Socket;
  /** Why we are closing the socket ourselves; unset means the remote side (or the app) closed it. */
  closing?: ConnReason;
  /** The application ended or destroyed the current socket first (see handoff.ts). */
  appClosed?: boolean;
  socketError?: NodeJS.ErrnoException;
  retryTimer?: unknown;
  idleTimer?: unknown;
  /** `connect()`'s promise, for manual one-shot requests. */
  waiter?: Waiter;
}

export function newRecord(id: number, type: ConnType, persistent: boolean, addr: string, now: number): ConnRecord {
  // Every field from the start, even those still undefined: one shape for every record, its
  // fields in the object itself (added later, they would go to a separate, growing store).
  return {
    id,
    type,
    persistent,
    addr,
    state: null,
    attempt: 0,
    retryAt: undefined,
    createdAt: now,
    establishedAt: undefined,
    endedAt: undefined,
    reason: undefined,
    bytesInBefore: 0,
    bytesOutBefore: 0,
    lastActivityAt: now,
    seenRead: 0,
    seenWritten: 0,
    localAddr: undefined,
    lastAttemptAt: now,
    outboundCause: undefined,
    dial: undefined,
    socket: undefined,
    closing: undefined,
    appClosed: false,
    socketError: undefined,
    retryTimer: undefined,
    idleTimer: undefined,
    waiter: undefined,
  };
}

/** `connect()`'s promise, kept on the record until settled; `signal`'s abort calls `onAbort` meanwhile. */
export function addWaiter(rec: ConnRecord, signal: AbortSignal | undefined, onAbort: () => void): Promise<ConnInfo> {
  const result = new Promise<ConnInfo>((resolve, reject) => {
    rec.waiter = { resolve, reject };
  });
  if (signal) {
    signal.addEventListener('abort', onAbort, { once: true });
    const cleanup = (): void => signal.removeEventListener('abort', onAbort);
    result.then(cleanup, cleanup);
  }
  return result;
}

/**
 * Makes `socket` the record's current one: its addresses and counters start afresh. Who reads
 * it and where its errors and its 'close' go is sockets.ts's (`SocketWiring.adopt`).
 */
export function attachSocket(rec: ConnRecord, socket: Socket, now: number): void {
  rec.socket = socket;
  rec.closing = undefined;
  rec.socketError = undefined;
  rec.localAddr = undefined; // read on first ask (toInfo)
  rec.lastActivityAt = now;
  rec.appClosed = false;
  rec.seenRead = socket.bytesRead ?? 0;
  rec.seenWritten = socket.bytesWritten ?? 0;
}

/**
 * Bytes either way count as activity ("no bytes either way", rule 7). Those not observed one by
 * one — every write, and reads when the application reads — show up as a change of the socket's
 * counters since the last look, which counts as activity now: a kick can only come later than
 * the exact one (at most `idleTimeoutMs` later), never earlier.
 */
export function noteActivity(rec: ConnRecord, now: number): void {
  const socket = rec.socket;
  if (!socket) return;
  const read = socket.bytesRead ?? 0;
  const written = socket.bytesWritten ?? 0;
  if (read === rec.seenRead && written === rec.seenWritten) return;
  rec.seenRead = read;
  rec.seenWritten = written;
  rec.lastActivityAt = now;
}

/** The public copy; call `noteActivity` first so that `lastActivityAt` is never older than the byte counts. */
export function toInfo(rec: ConnRecord): ConnInfo {
  if (rec.socket && rec.localAddr === undefined) rec.localAddr = localOf(rec.socket);
  // Built field by field, in the order of the type, the optional ones only when set: the same
  // object as spreading `{}` or `{ retryAt }` in between, without those short-lived objects.
  const info: Mutable<ConnInfo> = {
    id: rec.id,
    type: rec.type,
    persistent: rec.persistent,
    addr: rec.addr,
    localAddr: rec.socket ? (rec.localAddr ?? null) : null,
    state: rec.state ?? 'pending',
    attempt: rec.attempt,
  } as Mutable<ConnInfo>;
  if (rec.retryAt !== undefined) info.retryAt = rec.retryAt;
  info.createdAt = rec.createdAt;
  if (rec.establishedAt !== undefined) info.establishedAt = rec.establishedAt;
  if (rec.endedAt !== undefined) info.endedAt = rec.endedAt;
  if (rec.reason !== undefined) info.reason = rec.reason;
  // `bytesRead` counts what arrived, read by the application (or by us) or not yet.
  info.bytesIn = rec.bytesInBefore + (rec.socket?.bytesRead ?? 0);
  info.bytesOut = rec.bytesOutBefore + (rec.socket?.bytesWritten ?? 0);
  info.lastActivityAt = rec.lastActivityAt;
  return info;
}

/** `T` with its read-only fields writable: for building one field by field. */
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The public copy now: activity noted first, so that `lastActivityAt` is never older than the byte counts. */
export function infoNow(rec: ConnRecord, now: number): ConnInfo {
  noteActivity(rec, now);
  return toInfo(rec);
}

function localOf(socket: Socket): string | null {
  return socketAddress(socket.localAddress, socket.localPort);
}

/** The `conn:state` event of the transition just made (`rec` already in its new state); built like `toInfo`. */
export function stateEvent(rec: ConnRecord, from: ConnState | null, rule: RuleId, code: string | undefined, at: number): ConnStateEvent {
  const to = rec.state as ConnState;
  const event: Mutable<ConnStateEvent> = {
    id: rec.id,
    type: rec.type,
    persistent: rec.persistent,
    addr: rec.addr,
    from,
    to,
    reason: rec.reason as ConnReason,
    rule,
  } as Mutable<ConnStateEvent>;
  if (to === 'failing' || to === 'pending') event.attempt = rec.attempt;
  if (to === 'failing' && rec.retryAt !== undefined) event.retryAt = rec.retryAt;
  if (code !== undefined) event.code = code;
  event.at = at;
  return event;
}

/**
 * Why the current socket closed, and the system code to report. Whoever started closing first
 * names it: the manager (its own reason), else the application (`app-closed`, even if the peer
 * then reset), else the peer or the network.
 */
export function closeReason(rec: ConnRecord): { reason: ConnReason; code: string | undefined } {
  const err = rec.socketError;
  if (rec.closing !== undefined) return { reason: rec.closing, code: undefined };
  if (rec.appClosed) return { reason: 'app-closed', code: undefined };
  if (err === undefined) return { reason: 'remote-closed', code: undefined };
  const reason: ConnReason = err.code === 'ECONNRESET' || err.code === 'EPIPE' ? 'remote-reset' : 'socket-error';
  return { reason, code: err.code };
}
