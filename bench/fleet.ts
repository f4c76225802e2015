/**
 * `npm run bench -- fleet` (and part of the full `npm run bench`): the fleet through a real
 * nats-server (Debian's; skipped with a note when absent).
 *
 *   1. per node: E events published to JetStream (until every one is acknowledged) against the
 *      same events over the node's own WebSocket bridge (until one client has the last one);
 *   2. aggregate: 10 nodes publishing E events each at once, into one fleet dashboard, until its
 *      tracks hold every node's last seq and a page viewing one node has its last event.
 *
 * The events are real `conn:state` events of a real manager, fed to the bridge as fast as the
 * process can (the manager's listener, captured): the point is what the publishing path costs, not
 * how fast sockets fail.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { WebSocket } from 'ws';
import { startBridge } from '../server/bridge/index.ts';
import { ConnManager } from '../server/connmgr/index.ts';
import { startFleetServer } from '../server/fleet/fleet-server.ts';
import { NATS_SERVER, startNats } from '../server/fleet/nats-testing.ts';
import { PUBLISH_WINDOW, publishToNats } from '../server/fleet/publisher.ts';
import { eventsSubject } from '../server/protocol/index.ts';
import { waitFor } from '../server/test-support.ts';
import { injectableNode as injectable } from './core/injectable.ts';

const E = Number(process.env.BENCH_FLEET_EVENTS ?? 20_000);
const NODES = Number(process.env.BENCH_FLEET_NODES ?? 10);

/** A node on the sources (the fleet's figures are not ratios against raw Node). */
const injectableNode = () => injectable({ ConnManager, startBridge });

function row(name: string, value: string, note = ''): void {
  console.log(`${name.padEnd(44)} ${value.padStart(16)}  ${note}`);
}

const rate = (n: number, ms: number): string => `${Math.round((n * 1000) / ms).toLocaleString('en')} ev/s`;

export async function benchFleet(): Promise<void> {
  if (!existsSync(NATS_SERVER)) {
    row('fleet', 'skipped', `(no ${NATS_SERVER}: apt-get install nats-server)`);
    return;
  }
  const nats = await startNats();
  try {
    // 1a. The direct WebSocket bridge: one client, until it has the last seq.
    const ws = await injectableNode();
    const client = new WebSocket(ws.bridge.wsUrl);
    let lastSeq = 0;
    let resyncs = 0;
    client.on('message', (d) => {
      const m = JSON.parse(String(d)) as { type: string; events?: { seq: number }[]; snapshot?: { seq: number } };
      if (m.type === 'events') lastSeq = m.events?.at(-1)?.seq ?? lastSeq;
      if (m.type === 'hello' && m.snapshot && lastSeq > 0) resyncs += 1;
    });
    await new Promise((r) => client.once('message', r));
    const base = ws.bridge.stats().eventsTotal;
    let t0 = performance.now();
    await ws.inject(E);
    await waitFor(() => lastSeq >= base + E, 'the client has every event', 120_000);
    const wsMs = performance.now() - t0;
    client.terminate();
    await ws.close();

    // 1b. The same events published to JetStream, until every one is acknowledged.
    const pubNode = await injectableNode();
    const pub = await publishToNats(pubNode.manager, {
      servers: nats.url,
      node: 'bench-1',
      bufferEvents: E * 2,
      dashboard: pubNode.bridge,
    });
    await waitFor(() => pub.connected, 'connected', 10_000);
    await pub.flushed();
    t0 = performance.now();
    await pubNode.inject(E);
    await pub.flushed();
    const natsMs = performance.now() - t0;
    await pub.close();
    await pubNode.close();

    // 1c. The NATS client's own ceiling: the same texts, acked publishes with msg ids, the same window.
    const nc = await connect({ servers: nats.url });
    const js = jetstream(nc);
    const sample = JSON.stringify({ seq: 1, at: Date.now(), kind: 'manager:state', state: 'running' });
    t0 = performance.now();
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < E; i += 1) {
      inFlight.push(js.publish(eventsSubject('bench-raw'), sample, { msgID: `raw:${i}` }));
      if (inFlight.length >= PUBLISH_WINDOW) await inFlight.shift();
    }
    await Promise.all(inFlight);
    const rawMs = performance.now() - t0;
    await nc.close();
    row('fleet: events to one WebSocket client', rate(E, wsMs), `(${E} events, ${wsMs.toFixed(0)} ms; ${resyncs} resyncs)`);
    row(
      'fleet: events published to JetStream (acked)',
      rate(E, natsMs),
      `(${natsMs.toFixed(0)} ms; ${(natsMs / wsMs).toFixed(1)}× the WebSocket's time)`,
    );
    row('fleet: bare JetStream publishes (the client)', rate(E, rawMs), `(the ceiling: acked, with msg ids, ${PUBLISH_WINDOW} in flight)`);

    // 2. Aggregate: NODES nodes at once into one fleet dashboard and one node view.
    const fleet = await startFleetServer({ servers: nats.url, port: 0, staticDir: '/nonexistent' });
    const nodes = await Promise.all(
      Array.from({ length: NODES }, async (_, i) => {
        const n = await injectableNode();
        const p = await publishToNats(n.manager, { servers: nats.url, node: `agg-${i}`, bufferEvents: E * 2, dashboard: n.bridge });
        return { n, p };
      }),
    );
    await waitFor(() => fleet.nodes().nodes.filter((x) => x.lagEvents === 0 && x.health === 'live').length === NODES, 'all listed', 30_000);
    const view = new WebSocket(`${fleet.wsUrl}?node=agg-0`);
    let viewSeq = 0;
    view.on('message', (d) => {
      const m = JSON.parse(String(d)) as { type: string; events?: { seq: number }[] };
      if (m.type === 'events') viewSeq = m.events?.at(-1)?.seq ?? viewSeq;
    });
    await new Promise((r) => view.once('message', r));
    const targets = nodes.map(({ p }) => p.status().lastSeq + E);
    t0 = performance.now();
    await Promise.all(nodes.map(({ n }) => n.inject(E)));
    await waitFor(
      () => fleet.nodes().nodes.every((x, i) => x.receivedSeq >= (targets[Number(x.node.slice(4))] ?? i)),
      'the dashboard holds every node’s last event',
      300_000,
    );
    const aggMs = performance.now() - t0;
    await waitFor(() => viewSeq >= (targets[0] ?? 0), 'the node view has its last event', 60_000);
    const viewMs = performance.now() - t0;
    row(
      `fleet: ${NODES} nodes into one dashboard`,
      rate(NODES * E, aggMs),
      `(${NODES} × ${E} events in ${aggMs.toFixed(0)} ms; a page viewing one node had its last after ${viewMs.toFixed(0)} ms)`,
    );
    view.terminate();
    await fleet.close();
    for (const { n, p } of nodes) {
      await p.close();
      await n.close();
    }
  } finally {
    await nats.stop();
  }
}
