/**
 * Lessons on what the operator asks for: one connection per address (README rule 3), and
 * `disconnect` against `remove` (rule 4).
 */
import type { LessonDef, LessonScene } from './types.ts';

const established = (scene: LessonScene, id: number) => (): boolean => scene.manager.get(id)?.state === 'established';

export const duplicates: LessonDef = {
  name: 'duplicates',
  steps: [
    {
      title: 'Connect twice to the same address',
      narration:
        'One connection per exact host:port, whatever its type. The lesson connects to a node, and once that is ' +
        'established it connects again and tries to add the address as a persistent peer: both are refused with ' +
        'ERR_ALREADY_CONNECTED (see the lesson log) and no second connection appears — no event either, as the ' +
        'request never started.',
      rules: ['duplicate'],
      async enter(scene) {
        const { addr } = await scene.addPeer('peer', 'stable');
        await scene.attempt(`connect ${addr}`, () => scene.manager.connect(addr));
        await scene.attempt(`connect ${addr} again`, () => scene.manager.connect(addr));
        await scene.attempt(`addPersistent ${addr}`, () => scene.manager.addPersistent(addr));
      },
      expect: [{ kind: 'log', includes: 'again: ERR_ALREADY_CONNECTED' }],
      watchMs: 1_000,
    },
    {
      title: 'A pending dial owns its address too',
      narration:
        'A dial that is still pending holds its address as well. The lesson dials a black hole (its dial stays ' +
        'pending for the 30 s dial timeout) and then dials it again: the second connect gets ERR_ALREADY_PENDING.',
      rules: ['duplicate'],
      async enter(scene) {
        scene.configure({ dialTimeoutMs: 30_000 });
        const { addr } = await scene.addPeer('hole', 'blackhole');
        void scene.attempt(`connect ${addr}`, () => scene.manager.connect(addr)).catch(() => undefined);
        await scene.attempt(`connect ${addr} again`, () => scene.manager.connect(addr));
      },
      expect: [{ kind: 'log', includes: 'again: ERR_ALREADY_PENDING' }],
      watchMs: 1_000,
    },
    {
      title: 'A persistent entry owns its address, even while failing',
      narration:
        'A persistent entry keeps its address while it fails and waits to retry. A connect to it gets ' +
        "ERR_DUPLICATE_PERSISTENT, and an inbound connection from that very address (the lab dials the manager's " +
        'listener from that port) is closed at once: inbound:rejected, reason duplicate (rule duplicate).',
      rules: ['duplicate', 'persistent-backoff'],
      async enter(scene) {
        const { addr, port } = await scene.addPeer('gone', 'refuse');
        const id = scene.manager.addPersistent(addr);
        scene.note(`persistent entry #${id} → ${addr} (nothing listens there)`);
        await scene.attempt(`connect ${addr}`, () => scene.manager.connect(addr));
        scene.dialFrom(port);
        scene.note(`inbound connection from ${addr}`);
      },
      expect: [
        { kind: 'log', includes: 'ERR_DUPLICATE_PERSISTENT' },
        { kind: 'inbound:rejected', reason: 'duplicate', rule: 'duplicate' },
      ],
      watchMs: 1_000,
    },
  ],
};

export const disconnectRemove: LessonDef = {
  name: 'disconnect-remove',
  steps: [
    {
      title: 'Three kinds of connection',
      narration:
        'Three connections to live nodes: a persistent entry, a one-shot manual connection, and one automatic ' +
        'outbound connection (target 1). Each lane is labelled with its type. Next, the lesson disconnects all three.',
      rules: ['persistent-add', 'connect-request', 'outbound-fill'],
      async enter(scene) {
        const persistent = await scene.addPeer('persistent', 'stable');
        const manual = await scene.addPeer('manual', 'stable');
        await scene.addPeer('auto1', 'stable', { inBook: true });
        await scene.addPeer('auto2', 'stable', { inBook: true });
        const id = scene.manager.addPersistent(persistent.addr);
        scene.keep('persistent', id);
        scene.note(`persistent entry #${id} → ${persistent.addr}`);
        const info = await scene.attempt(`connect ${manual.addr}`, () => scene.manager.connect(manual.addr));
        if (info) scene.keep('manual', info.id);
        scene.configure({ targetOutbound: 1 });
        await scene.until('the three connections established', () => {
          const conns = scene.manager.list().filter((c) => c.state === 'established');
          return conns.length >= 3 && conns.some((c) => c.type === 'outbound');
        });
      },
      expect: [
        { kind: 'conn:state', to: 'pending', reason: 'requested', rule: 'persistent-add', persistent: true },
        { kind: 'conn:state', to: 'pending', reason: 'requested', rule: 'connect-request', peer: 'manual' },
        { kind: 'conn:state', to: 'pending', reason: 'requested', rule: 'outbound-fill', type: 'outbound' },
      ],
      watchMs: 1_000,
    },
    {
      title: 'disconnect()',
      narration:
        'disconnect() closes all three (reason local-disconnect) and the rules decide what comes next. The persistent ' +
        'entry keeps its id and goes to failing (persistent-backoff: an operator\u2019s disconnect always waits the ' +
        'backoff), then comes back. The manual one is gone (rule disconnect). The automatic one is gone too, and the ' +
        'filler dials a replacement with a new id (replace-failed-outbound).',
      rules: ['disconnect', 'persistent-backoff', 'replace-failed-outbound'],
      enter(scene) {
        const auto = scene.manager.list().find((c) => c.type === 'outbound' && c.state === 'established');
        const targets: Array<[string, number | undefined]> = [
          ['persistent', scene.id('persistent')],
          ['manual', scene.manager.list().find((c) => c.addr === scene.peer('manual').addr)?.id],
          ['automatic', auto?.id],
        ];
        for (const [what, id] of targets) {
          if (id === undefined) scene.note(`no ${what} connection to disconnect`);
          else void scene.attempt(`disconnect #${id} (${what})`, () => scene.manager.disconnect(id));
        }
      },
      expect: [
        { kind: 'conn:state', to: 'failing', reason: 'local-disconnect', rule: 'persistent-backoff', persistent: true },
        { kind: 'conn:state', to: 'disconnected', reason: 'local-disconnect', rule: 'disconnect', peer: 'manual' },
        { kind: 'conn:state', to: 'disconnected', reason: 'local-disconnect', rule: 'disconnect', type: 'outbound' },
        { kind: 'conn:state', to: 'pending', reason: 'requested', rule: 'replace-failed-outbound', type: 'outbound' },
        { kind: 'conn:state', to: 'pending', reason: 'retry', rule: 'persistent-retry', persistent: true },
      ],
      watchMs: 3_000,
    },
    {
      title: 'remove()',
      narration:
        'Once the persistent entry is back, remove() closes it and forgets it: reason local-remove, rule remove. It is ' +
        'never retried, and its persistent slot is free again — in step 2 the same entry came back.',
      rules: ['remove'],
      async enter(scene) {
        const id = scene.id('persistent');
        await scene.until(`#${id} established again`, established(scene, id));
        await scene.attempt(`remove #${id} (persistent)`, () => scene.manager.remove(id));
      },
      expect: [{ kind: 'conn:state', to: 'disconnected', reason: 'local-remove', rule: 'remove', persistent: true }],
      watchMs: 3_000,
    },
  ],
};
