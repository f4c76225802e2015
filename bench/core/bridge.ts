/**
 * Bridge scenario (one child per side): E `conn:state` events fed in chunks of one batch (500,
 * yielding between chunks as a busy manager's loop would) to K WebSocket clients, until every
 * client has the last one. Project = `startBridge` over a manager whose events are injected
 * (injectable.ts, on the compiled package: compiled.ts); raw = a `ws` WebSocketServer sending the same JSON event
 * batches (one JSON.stringify per batch, sent to each client). Clients live in the same process
 * on both sides.
 */
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer } from 'ws';
import { PROTOCOL_VERSION } from '../../server/protocol/index.ts';
import { bridgeModule, connmgr } from './compiled.ts';
import { CHUNK, injectableNode } from './injectable.ts';
import type { Side } from './outbound.ts';

interface Client {
  ws: WebSocket;
  lastSeq: number;
  resyncs: number;
  doneAt: number;
}

async function connectClients(url: string, k: number): Promise<Client[]> {
  return Promise.all(
    Array.from({ length: k }, async () => {
      const c: Client = { ws: new WebSocket(url), lastSeq: 0, resyncs: 0, doneAt: 0 };
      let hellos = 0;
      c.ws.on('message', (d) => {
        const m = JSON.parse(String(d)) as { type: string; events?: { seq: number }[]; snapshot?: { seq: number } };
        if (m.type === 'events') c.lastSeq = m.events?.at(-1)?.seq ?? c.lastSeq;
        if (m.type === 'hello') {
          hellos += 1;
          if (hellos > 1) c.resyncs += 1;
          c.lastSeq = Math.max(c.lastSeq, m.snapshot?.seq ?? 0);
        }
      });
      await new Promise((r) => c.ws.once('message', r));
      return c;
    }),
  );
}

async function rawServer(): Promise<{ url: string; inject(n: number): Promise<void>; close(): Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const hello = JSON.stringify({ v: PROTOCOL_VERSION, type: 'hello', resync: false, snapshot: { seq: 0 } });
  wss.on('connection', (ws) => ws.send(hello));
  let seq = 0;
  let id = 1000;
  return {
    url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}`,
    async inject(n) {
      for (let done = 0; done < n; ) {
        const events = [];
        for (let i = 0; i < CHUNK && done < n; i += 1, done += 1) {
          seq += 1;
          if (seq % 2 === 1) id += 1;
          const first = seq % 2 === 1;
          events.push({
            seq,
            at: Date.now(),
            kind: 'conn:state',
            id,
            type: 'manual',
            persistent: false,
            addr: '127.0.0.1:40000',
            from: first ? null : 'pending',
            to: first ? 'pending' : 'closed',
            reason: first ? 'requested' : 'dial-failed',
            rule: first ? 'manual-connect' : 'dial-failed',
            ...(first ? {} : { sysCode: 'ECONNREFUSED' }),
          });
        }
        const text = JSON.stringify({ v: PROTOCOL_VERSION, type: 'events', events });
        for (const ws of wss.clients) ws.send(text);
        await new Promise((r) => setImmediate(r));
      }
    },
    close: () => new Promise<void>((r) => wss.close(() => r())),
  };
}

export async function bridge(side: Side, k: number, e: number) {
  const server: { url: string; inject(n: number): Promise<void>; close(): Promise<void>; seq?: () => number } =
    side === 'raw'
      ? await rawServer()
      : await (async () => {
          const [{ ConnManager }, { startBridge }] = await Promise.all([connmgr(), bridgeModule()]);
          const node = await injectableNode({ ConnManager, startBridge });
          return { url: node.bridge.wsUrl, inject: node.inject, close: node.close, seq: () => node.bridge.stats().eventsTotal };
        })();
  const clients = await connectClients(server.url, k);
  const base = server.seq?.() ?? 0;
  const t0 = performance.now();
  const pending = new Set(clients);
  const watch = setInterval(() => {
    for (const c of pending) {
      if (c.lastSeq >= base + e) {
        c.doneAt = performance.now();
        pending.delete(c);
      }
    }
  }, 1);
  await server.inject(e);
  const deadline = performance.now() + 60_000;
  while (pending.size > 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  clearInterval(watch);
  const allMs = performance.now() - t0;
  const perClient = clients.map((c) => (c.doneAt > 0 ? (e / (c.doneAt - t0)) * 1000 : 0));
  for (const c of clients) c.ws.terminate();
  await server.close();
  return {
    eventsPerSec: (e / allMs) * 1000,
    perClientMin: Math.min(...perClient),
    perClientMedian: perClient.sort((a, b) => a - b)[Math.floor(perClient.length / 2)]!,
    resyncs: clients.reduce((n, c) => n + c.resyncs, 0),
    incomplete: clients.filter((c) => c.doneAt === 0).length,
  };
}
