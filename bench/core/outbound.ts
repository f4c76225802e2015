/**
 * Outbound scenarios, each side in its own child (bench/core/child.ts): churn (connect then
 * remove), refused dials, and holding N connections (opening rate, loop delay, memory per
 * connection). Raw = `net.connect` / `destroy`; project = `ConnManager.connect` / `remove`.
 * The sink (accepting, holding) is the load process, not the measured one. The project side is
 * the compiled package (compiled.ts).
 */
import { connect, createServer } from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { ConnManager } from '../../server/connmgr/index.ts';
import { connmgr } from './compiled.ts';
import { Loader } from './loader-client.ts';

export type Side = 'raw' | 'project';

/** A distinct loopback host per index (127.0.0.0/8 all reaches 0.0.0.0 listeners): the manager refuses duplicate addresses. */
export function loopHost(i: number): string {
  const n = i + 2;
  return `127.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** A manager of the compiled package (compiled.ts) with nothing automatic. */
async function manager(): Promise<ConnManager> {
  const { ConnManager } = await connmgr();
  return new ConnManager({ targetOutbound: 0, maxPersistent: 0, dialTimeoutMs: 10_000, logger: { warn: () => undefined } });
}

function rawDial(addr: { host: string; port: number }): Promise<import('node:net').Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(addr);
    s.once('connect', () => resolve(s));
    s.once('error', (e) => {
      s.destroy();
      reject(e);
    });
  });
}

/**
 * `c` workers repeating `op(worker)` for `seconds`, after `warmup` seconds of the same: a user's
 * process runs warm (optimized code, pools grown), so only the steady state is counted. Ops/s and
 * CPU µs per op.
 */
async function loop(c: number, warmup: number, seconds: number, op: (w: number) => Promise<void>) {
  let stopAt = performance.now() + warmup * 1000;
  let counting = false;
  let ops = 0;
  let errors = 0;
  const worker = async (w: number) => {
    while (performance.now() < stopAt) {
      try {
        await op(w);
        if (counting) ops += 1;
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: c }, (_, w) => worker(w))); // warm-up
  counting = true;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  stopAt = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: c }, (_, w) => worker(w)));
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { opsPerSec: (ops / ms) * 1000, cpuUsPerOp: (cpu.user + cpu.system) / Math.max(1, ops), ops, errors };
}

export async function churn(side: Side, c: number, warmup: number, seconds: number) {
  const loader = new Loader();
  const { port } = await loader.ask({ op: 'sink' });
  try {
    if (side === 'raw') {
      return await loop(c, warmup, seconds, async (w) => {
        (await rawDial({ host: loopHost(w), port: port! })).destroy();
      });
    }
    const cm = await manager();
    await cm.start();
    const r = await loop(c, warmup, seconds, async (w) => {
      const info = await cm.connect(`${loopHost(w)}:${port}`);
      cm.remove(info.id);
    });
    await cm.stop();
    return r;
  } finally {
    loader.stop();
  }
}

/** A loopback port with nothing listening (bound, then closed): refused dials, or a port to start a server on. */
export async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

export async function refused(side: Side, c: number, warmup: number, seconds: number) {
  const port = await closedPort();
  if (side === 'raw') {
    return loop(c, warmup, seconds, (w) =>
      rawDial({ host: loopHost(w), port }).then(
        (s) => {
          s.destroy();
        },
        () => undefined,
      ),
    );
  }
  const cm = await manager();
  await cm.start();
  const r = await loop(c, warmup, seconds, (w) =>
    cm.connect(`${loopHost(w)}:${port}`).then(
      () => undefined,
      () => undefined,
    ),
  );
  await cm.stop();
  return r;
}

async function settle(): Promise<{ rss: number; heap: number }> {
  for (let i = 0; i < 3; i += 1) {
    await new Promise((r) => setTimeout(r, 50));
    global.gc?.();
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

/** Opens `n` connections (`conc` dials in flight), holds them: rate, loop delay p99, RSS and heap per connection after gc. */
export async function held(side: Side, n: number, conc: number) {
  const loader = new Loader();
  const { port } = await loader.ask({ op: 'sink' });
  const cm = side === 'project' ? await manager() : undefined;
  await cm?.start();
  const sockets: import('node:net').Socket[] = [];
  const open =
    cm === undefined
      ? async (i: number) => {
          const s = await rawDial({ host: loopHost(i), port: port! });
          s.on('error', () => undefined);
          s.on('data', () => undefined); // as the manager does: read and discard
          sockets.push(s);
        }
      : async (i: number) => {
          await cm.connect(`${loopHost(i)}:${port}`);
        };
  await Promise.all(Array.from({ length: 20 }, (_, i) => open(n + i))); // warm-up: the first dials pay for lazy init
  const before = await settle();
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const t0 = performance.now();
  let next = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < n) await open(next++).catch(() => (failed += 1));
    }),
  );
  const ms = performance.now() - t0;
  delay.disable();
  const after = await settle();
  const ok = n - failed;
  const result = {
    openPerSec: (ok / ms) * 1000,
    loopP99Ms: delay.percentile(99) / 1e6,
    rssPerConn: (after.rss - before.rss) / ok,
    heapPerConn: (after.heap - before.heap) / ok,
    opened: ok,
    failed,
  };
  if (cm) await cm.stop();
  for (const s of sockets) s.destroy();
  loader.stop();
  return result;
}
