/**
 * Lessons on the manager's two timeouts: a dial that never completes (`dialTimeoutMs`) and a
 * connection that says nothing (`idleTimeoutMs`, README rule 7).
 */
import type { LessonDef, LessonScene } from './types.ts';

/** `connect()` to a scene peer without waiting for it (a black hole's dial takes the whole timeout). */
function connectInBackground(scene: LessonScene, peer: string): void {
  const { addr, peerId } = scene.peer(peer);
  void scene.attempt(`connect ${addr} (${peerId})`, () => scene.manager.connect(addr)).catch(() => undefined);
}

export const dialTimeout: LessonDef = {
  name: 'dial-timeout',
  steps: [
    {
      title: 'A dial into a black hole',
      narration:
        'The lesson dials a node that never answers the handshake: the kernel drops its SYNs, so there is no refusal ' +
        'either. connect() stays pending for dialTimeoutMs (5 s) and is then canceled with reason dial-timeout (rule ' +
        'dial-timeout): a one-shot request ends there.',
      rules: ['connect-request', 'dial-timeout'],
      async enter(scene) {
        scene.configure({ dialTimeoutMs: 5_000 });
        await scene.addPeer('hole', 'blackhole');
        connectInBackground(scene, 'hole');
      },
      expect: [
        { kind: 'conn:state', to: 'pending', reason: 'requested', rule: 'connect-request', peer: 'hole' },
        { kind: 'conn:state', to: 'canceled', reason: 'dial-timeout', rule: 'dial-timeout', peer: 'hole' },
      ],
      watchMs: 6_000,
    },
    {
      title: 'A persistent peer in a black hole',
      narration:
        'Another black hole, now as a persistent peer. Each dial still times out after 5 s, but a persistent entry ' +
        'counts the failure and waits the backoff: failing with reason dial-timeout, attempt 1 (2 s), attempt 2 (4 s)… ' +
        'A dial that timed out never counts as a long-lived connection, so the count never resets.',
      rules: ['persistent-backoff', 'persistent-retry'],
      async enter(scene) {
        const { addr, peerId } = await scene.addPeer('hole2', 'blackhole');
        const id = scene.manager.addPersistent(addr);
        scene.note(`persistent entry #${id} → ${addr} (lab peer ${peerId})`);
      },
      expect: [{ kind: 'conn:state', to: 'failing', reason: 'dial-timeout', rule: 'persistent-backoff', peer: 'hole2' }],
      watchMs: 6_000,
    },
  ],
};

export const idleTimeout: LessonDef = {
  name: 'idle-timeout',
  steps: [
    {
      title: 'Silence gets kicked',
      narration:
        'Two one-shot connections: one node (hang) never sends a byte, the other (stable) sends a heartbeat every 2 s. ' +
        'After 10 s without a byte either way the manager kicks the silent one: established → disconnected, reason ' +
        'idle-timeout. Every heartbeat re-arms the other one\u2019s timer, so it stays.',
      rules: ['idle-timeout'],
      async enter(scene) {
        scene.configure({ idleTimeoutMs: 10_000 });
        await scene.addPeer('silent', 'hang');
        await scene.addPeer('chatty', 'stable');
        connectInBackground(scene, 'silent');
        connectInBackground(scene, 'chatty');
      },
      expect: [{ kind: 'conn:state', to: 'disconnected', reason: 'idle-timeout', rule: 'idle-timeout', peer: 'silent' }],
      watchMs: 11_000,
    },
    {
      title: 'A silent persistent peer',
      narration:
        'The same silence on a persistent peer: kicked after 10 s with reason idle-timeout — but the connection lived ' +
        'longer than retryDelayMs, so the rule is stable-connection: it redials at once, and is kicked again 10 s ' +
        'later. The reason says what happened, the rule what the manager chose.',
      rules: ['idle-timeout', 'stable-connection'],
      async enter(scene) {
        const { addr, peerId } = await scene.addPeer('silent2', 'hang');
        const id = scene.manager.addPersistent(addr);
        scene.note(`persistent entry #${id} → ${addr} (lab peer ${peerId})`);
      },
      expect: [{ kind: 'conn:state', to: 'pending', reason: 'idle-timeout', rule: 'stable-connection', peer: 'silent2' }],
      watchMs: 11_000,
    },
  ],
};
