/**
 * The page benchmark's server and load, in a child process of its own (bench/page.ts spawns it),
 * so the bench's own event loop and the browser's driver never share the server's: a real
 * connscope server (manager + bridge serving the built page, no lab) and real loopback TCP
 * clients that connect to the manager's inbound listener and close again.
 *
 * Every connect is one `conn:state` event (`established`, `accepted`) and every close one more
 * (`disconnected`, `remote-closed`), so N events/s is N/2 connects and N/2 closes a second.
 * Commands arrive over IPC (`DriverCommand`); each is answered with one `DriverReply`.
 */
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startBridge } from '../server/bridge/index.ts';
import { ConnManager } from '../server/connmgr/index.ts';
import { packageRoot } from '../server/package-info.ts';

export type DriverCommand =
  | { op: 'start'; allowedOrigins: string[] }
  /** Churn at `rate` events/s for `ms`; answers with the events the manager actually emitted. */
  | { op: 'churn'; rate: number; ms: number }
  /** Opens `n` connections at `rate` a second and holds them; answers once all are established. */
  | { op: 'open'; n: number; rate: number }
  /** Closes every held connection at once; answers once the manager has reported them closed. */
  | { op: 'release' }
  /** The newest seq the bridge has numbered. */
  | { op: 'seq' }
  | { op: 'stop' };

export type DriverReply =
  | { op: 'start'; url: string; wsUrl: string }
  | { op: 'churn'; events: number; ms: number }
  | { op: 'open'; events: number; ms: number }
  | { op: 'release'; events: number; ms: number }
  | { op: 'seq'; seq: number }
  | { op: 'stop' }
  | { op: 'error'; message: string };

/** Connections churned at once: each is closed soon after it opened (the oldest first). */
const CHURN_POOL = 20;
const TICK_MS = 5;

let manager: ConnManager | undefined;
let bridge: Awaited<ReturnType<typeof startBridge>> | undefined;
let listenPort = 0;
/** `conn:state` events the manager emitted so far (the load's own count, not the page's). */
let connEvents = 0;
let live = 0;
const held: Socket[] = [];

function reply(msg: DriverReply): void {
  process.send?.(msg);
}

async function start(allowedOrigins: string[]): Promise<DriverReply> {
  manager = new ConnManager({
    listen: [{ host: '127.0.0.1', port: 0 }],
    targetOutbound: 0,
    // Bursts hold 2,000 at once; nothing may be shed (a shed is an event of another kind).
    maxInbound: 5000,
    logger: { warn: () => undefined },
  });
  manager.on('conn:state', (e) => {
    connEvents += 1;
    if (e.to === 'established') live += 1;
    else if (e.from === 'established') live -= 1;
  });
  await manager.start();
  listenPort = Number(manager.listeners()[0]!.address.split(':').pop());
  bridge = await startBridge({
    manager,
    port: 0,
    staticDir: process.env.BENCH_STATIC_DIR ?? join(packageRoot(), 'dist', 'web'),
    allowedOrigins,
    maxClients: 8,
  });
  return { op: 'start', url: bridge.url, wsUrl: bridge.wsUrl };
}

function dial(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: listenPort });
    s.on('error', reject);
    s.once('connect', () => {
      s.removeListener('error', reject);
      // A late reset (the manager shutting down) must not crash the driver.
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}

function until(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve) => {
    const check = (): void => {
      if (cond() || Date.now() > deadline) resolve();
      else setTimeout(check, 5);
    };
    check();
  });
}

/** Paced by the clock, not by ticks: a late tick catches up, so the rate holds on a loaded machine. */
async function churn(rate: number, ms: number): Promise<DriverReply> {
  const perSec = rate / 2; // connects a second (each followed by one close)
  const pool: Socket[] = [];
  const events0 = connEvents;
  let opened = 0;
  let inFlight = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = performance.now() - t0;
      if (elapsed >= ms) {
        resolve();
        return;
      }
      const due = Math.floor((perSec * elapsed) / 1000) - opened;
      // Never more dials in flight than a second's worth: an overloaded server shows as a lower achieved rate.
      for (let i = 0; i < due && inFlight < Math.max(50, perSec); i += 1) {
        opened += 1;
        inFlight += 1;
        dial().then(
          (s) => {
            inFlight -= 1;
            pool.push(s);
            while (pool.length > CHURN_POOL) pool.shift()!.destroy();
          },
          () => {
            inFlight -= 1;
          },
        );
      }
      setTimeout(tick, TICK_MS);
    };
    tick();
  });
  const elapsed = performance.now() - t0;
  const events = connEvents - events0;
  await until(() => inFlight === 0, 5000);
  for (const s of pool.splice(0)) s.destroy();
  await until(() => live === 0, 5000);
  return { op: 'churn', events, ms: elapsed };
}

async function open(n: number, rate: number): Promise<DriverReply> {
  const events0 = connEvents;
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    dial().then(
      (s) => held.push(s),
      () => undefined,
    );
  }
  await until(() => live >= n, 10_000);
  return { op: 'open', events: connEvents - events0, ms: performance.now() - t0 };
}

async function release(): Promise<DriverReply> {
  const events0 = connEvents;
  const t0 = performance.now();
  for (const s of held.splice(0)) s.destroy();
  await until(() => live === 0, 10_000);
  return { op: 'release', events: connEvents - events0, ms: performance.now() - t0 };
}

async function handle(cmd: DriverCommand): Promise<DriverReply> {
  switch (cmd.op) {
    case 'start':
      return start(cmd.allowedOrigins);
    case 'churn':
      return churn(cmd.rate, cmd.ms);
    case 'open':
      return open(cmd.n, cmd.rate);
    case 'release':
      return release();
    case 'seq':
      return { op: 'seq', seq: bridge?.stats().eventsTotal ?? 0 };
    case 'stop':
      for (const s of held.splice(0)) s.destroy();
      await bridge?.close();
      await manager?.stop();
      return { op: 'stop' };
  }
}

process.on('message', (cmd: DriverCommand) => {
  handle(cmd).then(
    (r) => {
      reply(r);
      if (cmd.op === 'stop') process.disconnect();
    },
    (err: Error) => reply({ op: 'error', message: err.stack ?? String(err) }),
  );
});
// The bench died: do not linger with sockets open.
process.on('disconnect', () => {
  void manager?.stop().finally(() => process.exit(0));
});
