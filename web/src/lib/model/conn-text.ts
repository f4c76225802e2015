/**
 * What the details panel and the Connect form say about one connection, from the model alone:
 * its age, whether a retry schedule applies, the rule behind its state, and the live line under
 * the Connect button. Pure, and every time is the model's (`now` stands still while stale).
 */
import { formatDuration } from '../format.ts';
import { isFinalState } from './reducer.ts';
import type { ConnView } from './types.ts';

type Facts = Pick<ConnView, 'id' | 'addr' | 'type' | 'persistent' | 'state' | 'attempt' | 'reason' | 'retryAt' | 'createdAt' | 'endedAt'>;

/** How long it has existed: up to `now` while live, up to its end once ended (it stops there). */
export function ageMs(c: Pick<ConnView, 'createdAt' | 'endedAt'>, now: number): number {
  return Math.max(0, (c.endedAt ?? now) - c.createdAt);
}

/** Time left before the next retry of a failing connection (≤ 0: due); null when none is planned. */
export function retryInMs(c: Pick<ConnView, 'state' | 'retryAt'>, now: number): number | null {
  return c.state === 'failing' && c.retryAt !== undefined ? c.retryAt - now : null;
}

/**
 * Whether the backoff schedule ("Wait before the next retries") applies: only to a connection that
 * can still be retried — a live persistent peer, or one failing now. A removed persistent peer
 * (canceled or disconnected for good) has no next retry.
 */
export function showsSchedule(c: Pick<ConnView, 'state' | 'persistent'>): boolean {
  return !isFinalState(c.state) && (c.persistent || c.state === 'failing');
}

/** "a persistent peer", "an automatic outbound connection", … */
export function whoIs(c: Pick<ConnView, 'type' | 'persistent'>): string {
  if (c.persistent) return 'a persistent peer';
  if (c.type === 'outbound') return 'an automatic outbound connection';
  if (c.type === 'inbound') return 'an inbound connection';
  return 'a one-shot manual connection';
}

/** "in 3.2 s" or "now". */
function nextTry(retryIn: number | null): string {
  return retryIn !== null && retryIn > 0 ? `in ${formatDuration(retryIn)}` : 'now';
}

/** The rule behind the present state, in words (for teaching). */
export function explainState(c: Facts, now: number): string {
  const who = whoIs(c);
  switch (c.state) {
    case 'pending':
      return c.attempt > 0 ? `Dialing ${who} again (after ${c.attempt} failed attempt${c.attempt === 1 ? '' : 's'}).` : `Dialing ${who}.`;
    case 'established':
      return `Connected: ${who}. ${c.persistent ? 'If it drops, it is redialed (at once if it lived longer than the retry delay, else after backoff).' : c.type === 'outbound' ? 'If it drops, a new address is dialed to keep the target.' : 'If it drops, it is gone.'}`;
    case 'failing':
      return `Retry ${c.attempt} of ${who}: next try ${nextTry(retryInMs(c, now))} (${c.reason ?? 'failed'}).`;
    case 'disconnected':
      return `Closed for good (${c.reason ?? 'unknown reason'}).${c.type === 'outbound' ? ' The manager dials a replacement to keep the target.' : ''}`;
    case 'canceled':
      return `Canceled before it connected (${c.reason ?? 'unknown reason'}).`;
  }
}

/**
 * The Connect form's line after the server accepted the request: what was asked, then where the
 * connection is now — so "pending" turns into "failing, retry 2 in 3 s (dial-refused)" as it
 * happens, instead of staying the state of the moment of the reply. `c` is the model's record
 * (undefined once forgotten).
 */
export function connectResultText(asked: { id: number; addr: string; persistent: boolean }, c: Facts | undefined, now: number): string {
  const head = asked.persistent ? `Added persistent peer #${asked.id} (${asked.addr})` : `Connected #${asked.id} to ${asked.addr}`;
  if (c === undefined) return `${head}: no longer tracked`;
  switch (c.state) {
    case 'pending':
      return `${head}: pending${c.attempt > 0 ? ` (attempt ${c.attempt + 1})` : ''}`;
    case 'established':
      return `${head}: established`;
    case 'failing':
      return `${head}: failing (${c.reason ?? 'failed'}), retry ${c.attempt} ${nextTry(retryInMs(c, now))}`;
    case 'disconnected':
    case 'canceled':
      return `${head}: ${c.state} (${c.reason ?? 'unknown reason'})`;
  }
}
