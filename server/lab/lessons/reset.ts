/**
 * What a lesson's reset does to the attached manager (README "Lessons"): every connection removed,
 * and its automatic failures in a row back to 0, so each lesson starts from the same manager.
 */
import type { LessonManager } from './types.ts';
import { waitOnManager } from './scene.ts';

/**
 * Brings the manager's automatic failures in a row back to 0, so that every lesson starts from
 * the same count (a lab that ran out of addresses may be in its outage pause). Only a successful
 * automatic dial resets it (README rule 1), so: one live peer in the empty book, a target of 1
 * and a short retry step, until the count is 0 (at most the outage pause already scheduled);
 * then the peer and its connection go again.
 */
export async function clearOutage(
  manager: LessonManager,
  startPeer: () => Promise<{ stop(): Promise<void> }>,
  clearBook: () => void,
): Promise<void> {
  if (manager.stats().consecutiveFailedAttempts === 0) return;
  const peer = await startPeer();
  manager.configure({ retryDelayMs: 1, targetOutbound: 1 });
  await waitOnManager(manager, () => manager.stats().consecutiveFailedAttempts === 0, 10_000).done;
  removeAll(manager);
  await peer.stop();
  clearBook();
}

/** Every connection and persistent entry of the manager, removed (with a target of 0, none refills). */
export function removeAll(manager: LessonManager): void {
  manager.configure({ targetOutbound: 0 });
  for (const conn of manager.list()) {
    try {
      manager.remove(conn.id);
    } catch {
      // Gone meanwhile (its own close): nothing to remove.
    }
  }
}
