/**
 * A manager and bridge whose `conn:state` stream the bench can feed directly: the bridge bench
 * (bridge.ts, on the compiled package) and the fleet bench (../fleet.ts, on the sources) build
 * one from the modules they are given. Types only from the sources, so that the bench child
 * bundle (runner.ts) carries no copy of the server.
 */
import type { Bridge, startBridge } from '../../server/bridge/index.ts';
import type { ConnManager, ConnManagerEvents } from '../../server/connmgr/index.ts';
import { closedPort } from './outbound.ts';

type ConnState = ConnManagerEvents['conn:state'];
/** Events fed per turn of the event loop (the bridge's batch size). */
export const CHUNK = 500;

export interface InjectableNode {
  bridge: Bridge;
  manager: ConnManager;
  /** Feeds `n` more `conn:state` events to the bridge, `CHUNK` per turn of the event loop. */
  inject(n: number): Promise<void>;
  close(): Promise<void>;
}

export async function injectableNode(modules: {
  ConnManager: typeof ConnManager;
  startBridge: typeof startBridge;
}): Promise<InjectableNode> {
  const manager = new modules.ConnManager({ targetOutbound: 0, logger: { warn: () => undefined } });
  await manager.start();
  // One real failed dial gives the two real events the bench repeats.
  const real: ConnState[] = [];
  const off = manager.on('conn:state', (e) => real.push(e));
  await manager.connect(`127.0.0.1:${await closedPort()}`).catch(() => undefined);
  off();
  const listeners: ((e: ConnState) => void)[] = [];
  const on = manager.on.bind(manager);
  manager.on = ((name: keyof ConnManagerEvents, fn: (e: never) => void) => {
    if (name === 'conn:state') listeners.push(fn as (e: ConnState) => void);
    return on(name, fn as never);
  }) as typeof manager.on;
  const bridge = await modules.startBridge({ manager, port: 0, staticDir: '/nonexistent', statsMs: 0, ringSize: 1000 });
  let id = 1000;
  return {
    bridge,
    manager,
    // In chunks of one batch, yielding between them as a busy manager's event loop would: a
    // client (or the publisher) gets its turn, so what is measured is delivery, not a resync.
    async inject(n) {
      for (let i = 0; i < n; i += 1) {
        const e = real[i % real.length] as ConnState;
        if (i % 2 === 0) id += 1;
        for (const fn of listeners) fn({ ...e, id, at: Date.now() });
        if (i % CHUNK === CHUNK - 1) await new Promise((r) => setImmediate(r));
      }
    },
    async close() {
      await bridge.close();
      await manager.stop();
    },
  };
}
