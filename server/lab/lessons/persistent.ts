/**
 * Lessons on persistent peers (README rule 2): the backoff growing to its cap, and the
 * stable-connection rule that resets it.
 */
import type { LessonDef, LessonScene } from './types.ts';

/** Adds the scene's peer `name` as a persistent entry and remembers its id as `entry`. */
function addEntry(scene: LessonScene, peer: string, entry: string): void {
  const { addr, peerId } = scene.peer(peer);
  const id = scene.manager.addPersistent(addr);
  scene.keep(entry, id);
  scene.note(`persistent entry #${id} → ${addr} (lab peer ${peerId})`);
}

export const persistentBackoff: LessonDef = {
  name: 'persistent-backoff',
  steps: [
    {
      title: 'A persistent peer that is down',
      narration:
        'The lesson adds a persistent peer whose node is down, so every dial is refused. Watch its one lane: after each ' +
        'failure it waits longer before the next try — linear backoff, attempt n waits n × 2 s: 2, 4, 6, 8 s — until the ' +
        'wait reaches the 10 s cap and stays there. The id never changes.',
      rules: ['persistent-backoff', 'persistent-retry'],
      async enter(scene) {
        scene.configure({ backoff: 'linear', retryDelayMs: 2_000, maxRetryDelayMs: 10_000 });
        await scene.addPeer('target', 'stable', { down: true });
        addEntry(scene, 'target', 'entry');
      },
      expect: [
        { kind: 'conn:state', to: 'failing', reason: 'dial-refused', rule: 'persistent-backoff', persistent: true },
        { kind: 'conn:state', to: 'pending', reason: 'retry', rule: 'persistent-retry', persistent: true },
      ],
      watchMs: 2_000 + 4_000 + 6_000 + 8_000 + 10_000 + 10_000,
    },
    {
      title: 'Exponential backoff, with jitter',
      narration:
        'The entry is removed (its count goes with it) and added again, now with exponential backoff and a 30 s cap. ' +
        'Each wait is drawn from [b/2, b) with b = 2 s × 2^(n−1): about 1–2 s, 2–4 s, 4–8 s, 8–16 s, then 15–30 s at the ' +
        'cap. The random half keeps many nodes that lost the same peer from retrying in step.',
      rules: ['remove', 'persistent-backoff'],
      enter(scene) {
        scene.configure({ backoff: 'exponential', maxRetryDelayMs: 30_000 });
        scene.manager.remove(scene.id('entry'));
        scene.note(`removed #${scene.id('entry')}`);
        addEntry(scene, 'target', 'entry');
      },
      expect: [
        { kind: 'conn:state', to: 'canceled', reason: 'local-remove', rule: 'remove', persistent: true },
        { kind: 'conn:state', to: 'failing', reason: 'dial-refused', rule: 'persistent-backoff', persistent: true },
      ],
      watchMs: 2_000 + 4_000 + 8_000,
    },
    {
      title: 'The peer comes back',
      narration:
        'The node listens again. Nothing happens until the wait the backoff chose is over — the manager does not ' +
        'notice a peer coming back — then the retry connects: failing → pending (persistent-retry) → established. ' +
        'A connection that stays up is what starts the count over.',
      rules: ['persistent-retry', 'dial-succeeded'],
      async enter(scene) {
        await scene.setDown('target', false);
        scene.note(`${scene.peer('target').peerId} listens again`);
      },
      expect: [
        { kind: 'conn:state', to: 'pending', reason: 'retry', rule: 'persistent-retry', persistent: true },
        { kind: 'conn:state', to: 'established', reason: 'dial-succeeded', rule: 'dial-succeeded', persistent: true },
      ],
      watchMs: 30_000,
    },
  ],
};

export const stableConnection: LessonDef = {
  name: 'stable-connection',
  steps: [
    {
      title: 'A peer that hangs up at once',
      narration:
        'This persistent peer accepts every connection and hangs up at once. The connection lived less than ' +
        'retryDelayMs (2 s) since its dial began, so rule 2 counts a failure and waits the backoff: established → ' +
        'failing, attempt 1, 2, 3 with waits of 2, 4, 6 s — although every dial succeeds.',
      rules: ['persistent-backoff'],
      async enter(scene) {
        await scene.addPeer('quick', 'stable', { hangUpAfterMs: 0 });
        addEntry(scene, 'quick', 'quick');
      },
      expect: [{ kind: 'conn:state', to: 'failing', reason: 'remote-closed', rule: 'persistent-backoff', peer: 'quick' }],
      watchMs: 2_000 + 4_000,
    },
    {
      title: 'A peer that hangs up after a minute',
      narration:
        'A second persistent peer keeps each connection for a minute, then hangs up. That connection lived longer than ' +
        'retryDelayMs, so it counts as stable: the failure count resets and the entry redials at once — established → ' +
        'pending, with no failing in between (rule stable-connection). Compare the two lanes.',
      rules: ['stable-connection'],
      async enter(scene) {
        await scene.addPeer('long', 'stable', { hangUpAfterMs: 60_000 });
        addEntry(scene, 'long', 'long');
      },
      expect: [{ kind: 'conn:state', to: 'pending', reason: 'remote-closed', rule: 'stable-connection', peer: 'long' }],
      watchMs: 62_000,
    },
    {
      title: 'The window is retryDelayMs',
      narration:
        'retryDelayMs is now 90 s, longer than the minute the second peer keeps its connection. From its next hang-up ' +
        'on, a minute no longer counts as stable: established → failing (persistent-backoff), and it waits the ' +
        'backoff like the quick one.',
      rules: ['persistent-backoff', 'stable-connection'],
      enter(scene) {
        scene.configure({ retryDelayMs: 90_000, maxRetryDelayMs: 300_000 });
      },
      expect: [{ kind: 'conn:state', to: 'failing', reason: 'remote-closed', rule: 'persistent-backoff', peer: 'long' }],
      watchMs: 62_000,
    },
  ],
};
