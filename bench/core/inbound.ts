/**
 * Inbound scenario (one child per side): `held` connections opened by the load process and held
 * (warm), then `extra` more admitted — admitted/s and CPU per admitted connection, counted on the
 * server side — then the limit set to what is held and `shed` more refused with the shed message
 * (shed/s). Raw = a `net.createServer` doing the same by hand; project = `ConnManager` with
 * `listen` (rules 3/6: admitted connections become `inbound` records, refused ones `inbound:rejected`).
 */
import { createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { connmgr } from './compiled.ts';
import { Loader } from './loader-client.ts';
import type { Side } from './outbound.ts';

interface Target {
  port: number;
  admitted(): number;
  shed(): number;
  setLimit(n: number): void;
  stop(): Promise<void>;
}

async function rawTarget(limit: number): Promise<Target> {
  const { shedMessage } = (await connmgr()).DEFAULTS; // the same line the manager sends
  let admitted = 0;
  let shed = 0;
  let max = limit;
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    s.on('error', () => undefined);
    if (sockets.size >= max) {
      shed += 1;
      s.end(shedMessage);
      return;
    }
    admitted += 1;
    sockets.add(s);
    s.on('data', () => undefined);
    s.once('close', () => sockets.delete(s));
  });
  server.maxConnections = 1_000_000;
  await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0, backlog: 511 }, r));
  return {
    port: (server.address() as { port: number }).port,
    admitted: () => admitted,
    shed: () => shed,
    setLimit: (n) => {
      max = n;
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

async function projectTarget(limit: number): Promise<Target> {
  const { ConnManager } = await connmgr(); // the compiled package (compiled.ts)
  const cm = new ConnManager({
    targetOutbound: 0,
    listen: [{ host: '127.0.0.1', port: 0 }],
    maxInbound: limit,
    logger: { warn: () => undefined },
  });
  let admitted = 0;
  let shed = 0;
  cm.on('conn:state', (e) => {
    if (e.type === 'inbound' && e.to === 'established') admitted += 1;
  });
  cm.on('inbound:rejected', () => {
    shed += 1;
  });
  await cm.start();
  const address = cm.listeners()[0]!.address;
  return {
    port: Number(address.slice(address.lastIndexOf(':') + 1)),
    admitted: () => admitted,
    shed: () => shed,
    setLimit: (n) => cm.configure({ maxInbound: n }),
    stop: () => cm.stop(),
  };
}

async function until(check: () => boolean, ms = 60_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
}

export async function inbound(side: Side, held: number, extra: number, shedN: number, conc: number) {
  const target = side === 'raw' ? await rawTarget(held + extra + 100) : await projectTarget(held + extra + 100);
  const loader = new Loader();
  try {
    await loader.ask({ op: 'open', port: target.port, n: held, conc });
    await until(() => target.admitted() >= held);
    // admitted per second, warm, with `held` already held
    const a0 = target.admitted();
    let cpu0 = process.cpuUsage();
    let t0 = performance.now();
    const opening = loader.ask({ op: 'open', port: target.port, n: extra, conc });
    await until(() => target.admitted() >= a0 + extra);
    const admitMs = performance.now() - t0;
    const admitCpu = process.cpuUsage(cpu0);
    await opening;
    // shed per second: the limit is what is held
    target.setLimit(target.admitted());
    const s0 = target.shed();
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    const shedding = loader.ask({ op: 'shed', port: target.port, n: shedN, conc });
    await until(() => target.shed() >= s0 + shedN);
    const shedMs = performance.now() - t0;
    const shedCpu = process.cpuUsage(cpu0);
    await shedding;
    const admittedN = target.admitted() - a0;
    const shedDone = target.shed() - s0;
    return {
      admitPerSec: (admittedN / admitMs) * 1000,
      admitCpuUs: (admitCpu.user + admitCpu.system) / Math.max(1, admittedN),
      shedPerSec: (shedDone / shedMs) * 1000,
      shedCpuUs: (shedCpu.user + shedCpu.system) / Math.max(1, shedDone),
      admitted: admittedN,
      shed: shedDone,
    };
  } finally {
    await loader.ask({ op: 'closeAll' });
    loader.stop();
    await target.stop();
  }
}
