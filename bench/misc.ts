/**
 * `npm run bench -- misc`: the older printed figures (not ratios), kept for comparison across runs
 * on one machine. Not a test: nothing here fails on a slow machine.
 *
 *   1. manager: N real loopback connections dialed and established, then stop()
 *   2. bridge: the same burst streamed to K WebSocket clients — messages per event (batching)
 *   3. page reducer: M events applied to the page's model (no DOM)
 *   4. lab: memory per peer — L `blackhole` peers (a gate each) against L `stable` ones (Linux: reads /proc)
 *   5. package: the compiled CLI's start against the sources through tsx, and the page's bytes on
 *      the wire (brotli and gzip against raw) — needs `node scripts/build.mjs` first
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';
import { startBridge } from '../server/bridge/index.ts';
import { ConnManager } from '../server/connmgr/index.ts';
import { Lab } from '../server/lab/index.ts';
import { childPids, pssBytes, threadCount } from '../server/lab/testing.ts';
import { packageRoot } from '../server/package-info.ts';
import type { PeerBehaviour } from '../server/protocol/lab.ts';
import { PROTOCOL_VERSION, type ServerMessage, type WireEvent } from '../server/protocol/index.ts';
import { createModelState, reduce } from '../web/src/lib/model/reducer.ts';
import { config, stats } from '../web/src/lib/model/test-fixtures.ts';

const N = Number(process.env.BENCH_CONNS ?? 1000);
const K = Number(process.env.BENCH_CLIENTS ?? 5);
const M = Number(process.env.BENCH_EVENTS ?? 200_000);
const L = Number(process.env.BENCH_LAB_PEERS ?? 25);
/** The budget for one black-hole peer (parent and children together). */
const LAB_PEER_TARGET_BYTES = 1024 * 1024;

function mb(bytes: number, digits = 1): string {
  return `${(bytes / 1024 / 1024).toFixed(digits)} MiB`;
}

function row(name: string, value: string, note = ''): void {
  console.log(`${name.padEnd(44)} ${value.padStart(16)}  ${note}`);
}

async function sinkServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.once('close', () => sockets.delete(s));
  });
  server.maxConnections = 100_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Each connection needs its own address (duplicates are refused): one sink server per connection. */
async function benchManager(withClients: number): Promise<{ eventsPerMsg: number; ms: number }> {
  const sinks = await Promise.all(Array.from({ length: N }, () => sinkServer()));
  const addrs = sinks.map((s) => `127.0.0.1:${s.port}`);
  const cm = new ConnManager({ targetOutbound: 0, maxPersistent: 0, logger: { warn: () => undefined } });
  await cm.start();
  const bridge =
    withClients > 0
      ? await startBridge({ manager: cm, port: 0, staticDir: '/nonexistent', statsMs: 0, maxClients: Math.max(64, K) })
      : undefined;
  const clients: Array<{ ws: WebSocket; messages: number; events: number }> = [];
  for (let i = 0; i < withClients; i += 1) {
    const ws = new WebSocket(bridge!.wsUrl);
    const c = { ws, messages: 0, events: 0 };
    ws.on('message', (data) => {
      const msg = JSON.parse(String(data)) as ServerMessage;
      if (msg.type === 'events') {
        c.messages += 1;
        c.events += msg.events.length;
      }
    });
    await new Promise((r) => ws.once('open', r));
    clients.push(c);
  }
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const results = await Promise.allSettled(addrs.map((a) => cm.connect(a)));
  const t1 = performance.now();
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) console.log(`  (first failure: ${String(failed.reason)})`);
  const heapAfter = process.memoryUsage().heapUsed;
  // conn:state pending + established per connection
  const expectedEvents = ok * 2;
  const deadline = Date.now() + 10_000;
  while (clients.some((c) => c.events < expectedEvents) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const t2 = performance.now();
  await cm.stop();
  const t3 = performance.now();
  if (withClients === 0) {
    row('manager: connections established', `${ok} / ${N}`);
    row('manager: establish rate', `${Math.round((ok / (t1 - t0)) * 1000)} /s`, `(${(t1 - t0).toFixed(0)} ms for ${N})`);
    row(
      'manager: heap per live connection',
      `${((heapAfter - heapBefore) / Math.max(1, ok) / 1024).toFixed(1)} KiB`,
      '(sockets included; rough)',
    );
    row('manager: stop() with all open', `${(t3 - t2).toFixed(0)} ms`);
    const open = cm.openResources();
    row('manager: left open after stop()', `${open.sockets + open.timers + open.dials + open.conns}`, '(must be 0)');
  }
  const messages = clients.reduce((n, c) => n + c.messages, 0);
  const events = clients.reduce((n, c) => n + c.events, 0);
  for (const c of clients) c.ws.close();
  await bridge?.close();
  await Promise.all(sinks.map((s) => s.close()));
  return { eventsPerMsg: messages === 0 ? 0 : events / messages, ms: t2 - t0 };
}

function benchReducer(): void {
  const s = createModelState();
  reduce(
    s,
    {
      v: PROTOCOL_VERSION,
      type: 'hello',
      runId: 'bench',
      resync: false,
      config,
      snapshot: {
        seq: 0,
        state: 'running',
        at: 0,
        config,
        conns: [],
        listeners: [],
        stats: stats(),
      },
      lab: null,
      canControl: true,
    },
    0,
  );
  // 2,000 persistent peers cycling pending → established → failing → pending …
  const cycle = ['pending', 'established', 'failing'] as const;
  const batches: ServerMessage[] = [];
  let batch: WireEvent[] = [];
  for (let seq = 1; seq <= M; seq += 1) {
    const id = 1 + (seq % 2000);
    const round = Math.floor(seq / 2000);
    const to = cycle[round % 3]!;
    const from = round === 0 ? null : cycle[(round + 2) % 3]!;
    batch.push({
      seq,
      at: seq,
      kind: 'conn:state',
      id,
      type: 'manual',
      persistent: true,
      addr: `127.0.0.1:${20000 + id}`,
      from,
      to,
      reason: to === 'failing' ? 'remote-closed' : to === 'pending' ? 'retry' : 'dial-succeeded',
      rule: to === 'failing' ? 'persistent-backoff' : to === 'pending' ? 'persistent-retry' : 'dial-succeeded',
      ...(to === 'failing' ? { attempt: 1, retryAt: seq + 5000 } : {}),
    });
    if (batch.length === 500) {
      batches.push({ v: PROTOCOL_VERSION, type: 'events', events: batch });
      batch = [];
    }
  }
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  for (const b of batches) reduce(s, b, 0);
  const t1 = performance.now();
  row('page reducer: events applied', `${s.lastSeq}`, `(2,000 connections, history cap ${s.caps.historyPerConn})`);
  row('page reducer: apply rate', `${Math.round((M / (t1 - t0)) * 1000)} ev/s`, `(${(t1 - t0).toFixed(0)} ms)`);
  row('page reducer: heap growth', mb(process.memoryUsage().heapUsed - heapBefore), `(log ring ${s.log.size}, bounded)`);
}

/**
 * Memory one lab peer costs: (this process's RSS growth + the PSS of every child process) / count,
 * with `count` peers of one behaviour running and idle. RSS is coarse (the heap grows in chunks),
 * hence many peers at once; kernel memory (socket buffers, a process's page tables and stack) is
 * in neither number.
 */
async function labPeerMemory(behaviour: PeerBehaviour, count: number) {
  await new Promise((r) => setTimeout(r, 50));
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const threads0 = threadCount();
  const children0 = new Set(childPids());
  const t0 = performance.now();
  const lab = await Lab.start({ seed: 1, peers: [{ behaviour, count }], trickle: false });
  const startMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 300)); // let gates settle (armed, fillers done)
  global.gc?.();
  const rssDelta = process.memoryUsage().rss - rss0;
  const children = childPids().filter((pid) => !children0.has(pid));
  const childPss = children.reduce((sum, pid) => sum + pssBytes(pid), 0);
  const threads = threadCount() - threads0;
  await lab.stop();
  const childrenLeft = childPids().filter((pid) => !children0.has(pid)).length;
  return { perPeer: (rssDelta + childPss) / count, rssDelta, childPss, children: children.length, threads, startMs, childrenLeft };
}

async function benchLabMemory(): Promise<void> {
  // Warm-up: the first lab pays for lazily initialized parts of Node (not per peer).
  await (
    await Lab.start({
      seed: 1,
      peers: [
        { behaviour: 'blackhole', count: 1 },
        { behaviour: 'stable', count: 1 },
      ],
      trickle: false,
    })
  ).stop();
  // Stable first: a stopped lab's memory is reused by the next one, which would flatter the second.
  const stable = await labPeerMemory('stable', L);
  const hole = await labPeerMemory('blackhole', L);
  const pass = hole.perPeer < LAB_PEER_TARGET_BYTES ? 'PASS' : 'FAIL';
  row('lab: memory per blackhole peer', mb(hole.perPeer, 2), `target < ${mb(LAB_PEER_TARGET_BYTES)}: ${pass}`);
  row(
    '  parent RSS growth + children PSS',
    `${mb(hole.rssDelta, 2)} + ${mb(hole.childPss, 2)}`,
    `(${L} peers; ${hole.children} child processes, ${hole.threads} new threads, started in ${hole.startMs.toFixed(0)} ms)`,
  );
  row('lab: child processes left after stop()', `${hole.childrenLeft + stable.childrenLeft}`, '(must be 0)');
  row('lab: memory per stable peer', `${(stable.perPeer / 1024).toFixed(0)} KiB`, `(${L} peers, idle; for comparison)`);
}

/** Milliseconds from spawning the CLI to its "is running" line (lab off, free port), best of 3. */
async function startMs(args: string[]): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i += 1) {
    const t0 = performance.now();
    const child = spawn(process.execPath, [...args, '--no-lab', '--port', '0'], {
      cwd: packageRoot(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('is running')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`the CLI exited (${code}) before it ran: ${out}`)));
    });
    best = Math.min(best, performance.now() - t0);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
  return best;
}

async function benchPackage(): Promise<void> {
  const root = packageRoot();
  const cli = join(root, 'dist', 'lib', 'server', 'cli.js');
  const web = join(root, 'dist', 'web');
  if (!existsSync(cli) || !existsSync(web)) {
    row('package', 'skipped', '(run node scripts/build.mjs first)');
    return;
  }
  const compiled = await startMs([cli]);
  const sources = await startMs(['--import', 'tsx', 'server/cli.ts']);
  row(
    'package: CLI start, compiled',
    `${compiled.toFixed(0)} ms`,
    `(tsx from sources: ${sources.toFixed(0)} ms; ratio ${(sources / compiled).toFixed(2)}×)`,
  );
  // What a first visit downloads: index.html and every asset (not the JSON Schema, which the page never loads).
  const files = [
    'index.html',
    ...readdirSync(join(web, 'assets'))
      .filter((f) => !/\.(br|gz)$/.test(f))
      .map((f) => join('assets', f)),
  ];
  const size = (f: string): number => (existsSync(join(web, f)) ? statSync(join(web, f)).size : Number.NaN);
  const sum = (suffix: string): number =>
    files.reduce((t, f) => t + (suffix && existsSync(join(web, f + suffix)) ? size(f + suffix) : size(f)), 0);
  const raw = sum('');
  row(
    'package: page on the wire, brotli',
    `${(sum('.br') / 1024).toFixed(1)} KiB`,
    `(gzip ${(sum('.gz') / 1024).toFixed(1)} KiB, raw ${(raw / 1024).toFixed(1)} KiB; ${files.length} files)`,
  );
}

/** The older figures, printed: lab memory per peer, manager burst, bridge batching, reducer, package. */
export async function benchMisc(): Promise<void> {
  console.log(`connscope bench misc — node ${process.version}, ${N} connections, ${K} clients, ${M} events, ${L} lab peers\n`);
  // First, on a fresh heap: RSS growth is only meaningful before the big benches have grown and freed it.
  await benchLabMemory();
  await benchManager(0);
  const streamed = await benchManager(K);
  row('bridge: events per WebSocket message', streamed.eventsPerMsg.toFixed(1), `(batching ratio; ${K} clients)`);
  row('bridge: burst delivered to every client in', `${streamed.ms.toFixed(0)} ms`);
  benchReducer();
  await benchPackage();
}
