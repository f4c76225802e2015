/**
 * How a record's request ends, as decisions the manager performs: which ending fits the state it
 * is in (rules 4, 8 and 11), `connect()`'s waiter, and whether a closed connection is retried.
 * None of it needs the manager's private state: what it touches is the record, or is passed in. The transitions themselves stay the manager's (`#transition`).
 */
import type { ConnRecord, Waiter } from './conn-record.ts';
import type { ConnReason } from './types.ts';

/** Why a persistent entry waiting to retry ends without a redial. */
export type RetryEnd = 'local-remove' | 'shutdown' | 'banned';

/** The three ways a live record ends; the manager's, since each transitions. */
export interface Enders {
  cancelPending(rec: ConnRecord, reason: ConnReason): void;
  closeSocket(rec: ConnRecord, reason: ConnReason): void;
  cancelRetry(rec: ConnRecord, reason: RetryEnd): void;
}

/**
 * Rule 8 (`shutdown`) and rule 11 (`banned`): every live record ends, whatever its state — a
 * pending dial is canceled, an open connection closed, a waiting retry dropped (a banned or
 * stopping entry is never retried).
 */
export function endLive(rec: ConnRecord, reason: 'shutdown' | 'banned', enders: Enders): void {
  if (rec.state === 'pending') enders.cancelPending(rec, reason);
  else if (rec.state === 'established') enders.closeSocket(rec, reason);
  else if (rec.state === 'failing') enders.cancelRetry(rec, reason);
}

/** Rule 4: disconnect or remove, whatever state the request is in. */
export function endRequest(rec: ConnRecord, reason: 'local-disconnect' | 'local-remove', enders: Enders): void {
  if (rec.state === 'pending') enders.cancelPending(rec, reason);
  else if (rec.state === 'established') enders.closeSocket(rec, reason);
  // disconnect of a peer already waiting to retry: nothing to close; it keeps its schedule.
  else if (rec.state === 'failing' && reason === 'local-remove') enders.cancelRetry(rec, reason);
}

/** `connect()`'s promise, once: resolved when established, rejected when the request ends. */
export function settleWaiter(rec: ConnRecord, settle: (waiter: Waiter) => void): void {
  const waiter = rec.waiter;
  if (!waiter) return;
  rec.waiter = undefined;
  settle(waiter);
}

/**
 * Rule 2 after an established connection closed: a persistent entry is retried unless it was
 * closed to end it (removed, banned, shut down) or the manager is stopping.
 */
export function retriesAfterClose(rec: ConnRecord, reason: ConnReason, stopping: boolean): boolean {
  return rec.persistent && reason !== 'local-remove' && reason !== 'shutdown' && reason !== 'banned' && !stopping;
}
