/**
 * The fleet dashboard against a real nats-server and real publishing nodes (docs/fleet.md): the
 * list with counts, a node's full view in the live protocol, a command routed to the right node,
 * stale then gone, a restart as a new run, /metrics per node, NATS lost and back with nothing
 * missing, and a drop shown as exactly the seqs that will never come.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import * as v from 'valibot';
import { Ajv } from 'ajv';
import { WebSocket } from 'ws';
import { protocolJsonSchema } from '../../scripts/build-schema.ts';
import {
  ApiNodeRunsSchema,
  ApiNodesSchema,
  parseFleetMessage,
  parseRecording,
  type FleetMessage,
  type HelloMessage,
} from '../protocol/index.ts';
import { TestClient, parsePrometheus, startTcpPeer } from '../bridge/testing.ts';
import { waitFor } from '../test-support.ts';
import { startFleetServer, type FleetServer } from './fleet-server.ts';
import { churn, readStream, startNats, startPublishingNode, type TestNats, type TestNode } from './nats-testing.ts';
import { eventsSubject } from '../protocol/index.ts';

let nats: TestNats;

before(async () => {
  nats = await startNats();
});

after(async () => {
  await nats.stop();
});

async function startFleet(extra: Partial<Parameters<typeof startFleetServer>[0]> = {}): Promise<FleetServer> {
  return startFleetServer({ servers: nats.url, port: 0, staticDir: '/nonexistent', updateMs: 100, ...extra });
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return res.json();
}

/** The node as the fleet lists it, once `probe` holds for it. */
async function listedWhen(fleet: FleetServer, node: string, probe: (n: ApiNodes['nodes'][number]) => boolean, what: string) {
  return waitFor(() => fleet.nodes().nodes.find((n) => n.node === node && probe(n)), what, 15_000);
}
type ApiNodes = ReturnType<FleetServer['nodes']>;

test('nodes are listed with their counts; /api/nodes, /metrics and the fleet socket agree', async () => {
  const a = await startPublishingNode(nats.url, 'list-a');
  const b = await startPublishingNode(nats.url, 'list-b');
  const fleet = await startFleet();
  const ws = new WebSocket(`${fleet.wsUrl}`);
  const fleetMessages: FleetMessage[] = [];
  ws.on('message', (d) => {
    const p = parseFleetMessage(String(d));
    assert.ok(p.ok, p.ok ? '' : p.message);
    fleetMessages.push(p.msg);
  });
  try {
    await a.manager.connect(b.manager.listeners()[0]?.address as string); // a: 1 manual, b: 1 inbound
    await churn(b.manager, 2);
    const la = await listedWhen(
      fleet,
      'list-a',
      (n) => n.stats.currByType.manual === 1 && n.lagEvents === 0,
      'list-a with its manual connection',
    );
    const lb = await listedWhen(
      fleet,
      'list-b',
      (n) => n.stats.currByType.inbound === 1 && n.lagEvents === 0 && n.stats.totalDials === 2,
      'list-b',
    );
    assert.equal(la.health, 'live');
    assert.equal(la.runId, a.bridge.runId);
    assert.equal(lb.receivedSeq, b.publisher.status().lastSeq);
    assert.deepEqual(lb.missing, []);
    const api = v.parse(ApiNodesSchema, await getJson(`${fleet.url}/api/nodes`));
    assert.deepEqual(
      api.nodes.map((n) => n.node),
      ['list-a', 'list-b'],
    );
    assert.equal(api.totals.live, 2);
    assert.equal(api.totals.connections, 2);
    const scrape = await (await fetch(`${fleet.url}/metrics`)).text();
    const metrics = parsePrometheus(scrape);
    const check = spawnSync('promtool', ['check', 'metrics'], { input: scrape, encoding: 'utf8' });
    assert.equal(check.error, undefined, 'promtool runs (.ci/run installs prometheus)');
    assert.equal(`${check.stdout}${check.stderr}`, '', 'promtool check metrics: no complaint');
    assert.equal(check.status, 0);
    assert.ok(metrics.has('process_resident_memory_bytes'), 'and the process’s own');
    assert.equal(metrics.get('connscope_fleet_node_up{node="list-a"}'), 1);
    assert.equal(metrics.get('connscope_fleet_node_connections{node="list-b",type="inbound"}'), 1);
    assert.equal(metrics.get('connscope_fleet_node_last_seq{node="list-b"}'), lb.lastSeq);
    assert.equal(metrics.get('connscope_fleet_nodes{health="live"}'), 2);
    await waitFor(() => fleetMessages.some((m) => m.nodes.length === 2 && m.totals.connections === 2), 'a fleet message with both');
    assert.equal(fleetMessages.at(-1)?.nats.connected, true);
    // The published JSON Schema holds for what the dashboard sends (as for the live server's messages).
    const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
    ajv.addSchema(protocolJsonSchema(), 'protocol');
    for (const [def, value] of [
      ['FleetMessage', fleetMessages.at(-1)],
      ['ApiNodes', api],
      ['NodeStatus', a.publisher.status()],
    ] as const) {
      const check = ajv.getSchema(`protocol#/$defs/${def}`);
      assert.ok(check?.(JSON.parse(JSON.stringify(value))), `${def}: ${ajv.errorsText(check?.errors)}`);
    }
  } finally {
    ws.terminate();
    await fleet.close();
    await a.stop();
    await b.stop();
  }
});

test('a node view speaks the live protocol: hello at the node’s seq, its events in order, commands reach that node only', async () => {
  const a = await startPublishingNode(nats.url, 'view-a');
  const b = await startPublishingNode(nats.url, 'view-b');
  const fleet = await startFleet();
  let client: TestClient | undefined;
  try {
    await listedWhen(fleet, 'view-a', () => true, 'view-a listed');
    await listedWhen(fleet, 'view-b', () => true, 'view-b listed');
    client = await TestClient.connect(`${fleet.wsUrl}?node=view-a`);
    const hello = await client.hello();
    assert.equal(hello.runId, a.bridge.runId);
    assert.deepEqual(hello.fleet, { node: 'view-a' });
    assert.equal(hello.canControl, true);
    const from = hello.snapshot.seq;
    await churn(a.manager, 3);
    const last = a.publisher.status().lastSeq;
    await client.waitForSeq(last, 10_000);
    assert.deepEqual(
      client.events().map((e) => e.seq),
      Array.from({ length: last - from }, (_, i) => from + i + 1),
      'gap-free from the hello',
    );
    // Each batch says when it was sent, on the node's clock (the page's lag check reads it).
    const batches = client.messages.filter((m) => m.type === 'events');
    assert.ok(batches.length > 0);
    for (const m of batches) {
      assert.equal(typeof m.sentAt, 'number');
      assert.ok((m.sentAt as number) >= (m.events.at(-1)?.at as number), 'sent after its newest event was numbered');
    }
    const reply = await client.request({ type: 'setTargetOutbound', n: 5 });
    assert.equal(reply.ok, true);
    assert.equal(a.manager.config().targetOutbound, 5);
    assert.equal(b.manager.config().targetOutbound, 0, 'the other node is untouched');
    const bad = await client.request({ type: 'setTargetOutbound', n: 'x' });
    assert.equal(!bad.ok && bad.error.code, 'ERR_BAD_MESSAGE');
    assert.deepEqual(client.invalid, []);
    // An unknown node: closed with 4404.
    const unknown = new WebSocket(`${fleet.wsUrl}?node=nope`);
    const code = await new Promise<number>((resolve) => unknown.once('close', (c: number) => resolve(c)));
    assert.equal(code, 4404);
  } finally {
    await client?.close();
    await fleet.close();
    await a.stop();
    await b.stop();
  }
});

test('a node with a token: the fleet passes the page’s token on, a wrong one is refused by the node', async () => {
  const a = await startPublishingNode(nats.url, 'tok-a', { token: 'node-secret' });
  const fleet = await startFleet();
  const clients: TestClient[] = [];
  try {
    await listedWhen(fleet, 'tok-a', (n) => n.control === 'token', 'tok-a listed');
    const without = await TestClient.connect(`${fleet.wsUrl}?node=tok-a`);
    clients.push(without);
    await without.hello();
    const refused = await without.request({ type: 'setTargetOutbound', n: 2 });
    assert.equal(!refused.ok && refused.error.code, 'ERR_READ_ONLY');
    const withToken = await TestClient.connect(`${fleet.wsUrl}?node=tok-a&token=node-secret`);
    clients.push(withToken);
    await withToken.hello();
    const ok = await withToken.request({ type: 'setTargetOutbound', n: 2 });
    assert.equal(ok.ok, true);
    assert.equal(a.manager.config().targetOutbound, 2);
  } finally {
    for (const c of clients) await c.close();
    await fleet.close();
    await a.stop();
  }
});

test('a node that stops is shown stopped and its views closed, then gone; a restart is a new run', async () => {
  const fleet = await startFleet({ staleAfterMs: 400, goneAfterMs: 1500 });
  let a: TestNode | undefined = await startPublishingNode(nats.url, 'life');
  let client: TestClient | undefined;
  try {
    const first = await listedWhen(fleet, 'life', (n) => n.health === 'live', 'live');
    assert.equal(first.runs, 1);
    client = await TestClient.connect(`${fleet.wsUrl}?node=life`);
    await client.hello();
    await a.publisher.close();
    await listedWhen(fleet, 'life', (n) => n.health === 'stopped', 'stopped after a clean close');
    await a.stop();
    a = undefined;
    const closedWith = await waitFor(() => client?.closed, 'the view closed when the node stopped');
    assert.ok(closedWith);
    await waitFor(() => !fleet.nodes().nodes.some((n) => n.node === 'life'), 'gone', 10_000);

    a = await startPublishingNode(nats.url, 'life');
    const again = await listedWhen(fleet, 'life', (n) => n.health === 'live', 'back');
    assert.equal(again.runId, a.bridge.runId);
    assert.notEqual(again.runId, first.runId);
  } finally {
    await client?.close();
    await fleet.close();
    await a?.stop();
  }
});

test('a silent node is shown stale (a node process that hangs or loses NATS)', async () => {
  const own = await startNats();
  const a = await startPublishingNode(own.url, 'hang');
  const fleetOwn = await startFleetServer({ servers: own.url, port: 0, staticDir: '/nonexistent', updateMs: 100, staleAfterMs: 400 });
  try {
    await listedWhen(fleetOwn, 'hang', (n) => n.health === 'live', 'live');
    // NATS away for the node but the dashboard keeps its list: the node goes stale there.
    await own.halt();
    await waitFor(() => fleetOwn.nodes().nodes.find((n) => n.node === 'hang')?.health === 'stale', 'stale', 10_000);
    assert.equal(fleetOwn.connected, false);
  } finally {
    await fleetOwn.close();
    await a.stop();
    await own.stop();
  }
});

test('NATS restarts: nodes resume and a view sees every seq, none missing', async () => {
  const own = await startNats();
  const a = await startPublishingNode(own.url, 'resume-a');
  const fleet = await startFleetServer({ servers: own.url, port: 0, staticDir: '/nonexistent', updateMs: 100 });
  let client: TestClient | undefined;
  try {
    await listedWhen(fleet, 'resume-a', (n) => n.lagEvents === 0, 'listed');
    client = await TestClient.connect(`${fleet.wsUrl}?node=resume-a`);
    const hello = await client.hello();
    await churn(a.manager, 2);
    await own.halt();
    await waitFor(() => !a.publisher.connected, 'the node noticed');
    await churn(a.manager, 3);
    await own.restart();
    await waitFor(() => a.publisher.connected && fleet.connected, 'both back', 15_000);
    await churn(a.manager, 2);
    const last = a.publisher.status().lastSeq;
    await client.waitForSeq(last, 20_000);
    const seqs = client.events().map((e) => e.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: last - hello.snapshot.seq }, (_, i) => hello.snapshot.seq + i + 1),
      'no gap in the view',
    );
    const listed = await listedWhen(fleet, 'resume-a', (n) => n.receivedSeq === last, 'caught up');
    assert.deepEqual(listed.missing, []);
    assert.equal(client.messages.filter((m): m is HelloMessage => m.type === 'hello').length, 1, 'never resynced');
  } finally {
    await client?.close();
    await fleet.close();
    await a.stop();
    await own.stop();
  }
});

test('events a node had to drop are shown as exactly those seqs; the view resyncs past them', async () => {
  const own = await startNats();
  const a = await startPublishingNode(own.url, 'drops', { bufferEvents: 4 });
  const fleet = await startFleetServer({ servers: own.url, port: 0, staticDir: '/nonexistent', updateMs: 100 });
  let client: TestClient | undefined;
  try {
    await listedWhen(fleet, 'drops', (n) => n.lagEvents === 0, 'listed');
    client = await TestClient.connect(`${fleet.wsUrl}?node=drops`);
    await client.hello();
    await own.halt();
    await waitFor(() => !a.publisher.connected, 'the node noticed');
    const before = a.publisher.status().lastSeq;
    await churn(a.manager, 4); // 8 events: 4 kept, 4 dropped
    const dropped = a.publisher.status().dropped;
    assert.deepEqual(dropped, [[before + 5, before + 8]]);
    await own.restart();
    await waitFor(() => a.publisher.connected && fleet.connected, 'both back', 15_000);
    await churn(a.manager, 1);
    const last = a.publisher.status().lastSeq;
    const listed = await listedWhen(fleet, 'drops', (n) => n.receivedSeq >= last, 'caught up past the drop');
    assert.deepEqual(listed.missing, dropped);
    // The view: events up to the drop, then a resync hello past it, then on.
    const resync = await client.waitFor((m): m is HelloMessage => m.type === 'hello' && m.resync, { timeoutMs: 10_000 });
    assert.ok(resync.snapshot.seq >= before + 8);
    const seqs = client.events().map((e) => e.seq);
    assert.ok(!seqs.some((s) => s >= before + 5 && s <= before + 8), 'no dropped seq was relayed');
    const stored = (await readStream(own.url, eventsSubject('drops'))).map((m) => (JSON.parse(m.data) as { seq: number }).seq);
    assert.deepEqual(
      stored.filter((s) => s > before),
      [1, 2, 3, 4, ...Array.from({ length: last - before - 8 }, (_, i) => 9 + i)].map((k) => before + k),
      'the stream holds all but the dropped ones',
    );
  } finally {
    await client?.close();
    await fleet.close();
    await a.stop();
    await own.stop();
  }
});

test('/api/snapshot?node= relays a live node’s own snapshot (its byte counts); a stopped node’s is the fold', async () => {
  // The node's application reads what its connections send (the manager counts what is read).
  const a = await startPublishingNode(nats.url, 'bytes', {}, { onConnection: (_c, socket) => void socket.resume() });
  const fleet = await startFleet();
  const peer = await startTcpPeer();
  try {
    await listedWhen(fleet, 'bytes', () => true, 'listed');
    const accepted = peer.nextConnection();
    const { id } = await a.manager.connect(peer.addr);
    (await accepted).write(Buffer.alloc(1234));
    await waitFor(() => a.manager.get(id)?.bytesIn === 1234, 'the node counted the bytes');
    const bytesOf = async (): Promise<number | undefined> => {
      const body = (await getJson(`${fleet.url}/api/snapshot?node=bytes`)) as { snapshot: { conns: { id: number; bytesIn: number }[] } };
      return body.snapshot.conns.find((c) => c.id === id)?.bytesIn;
    };
    // Shared between askers for a second: a reading from before the write may still be served.
    assert.equal(await waitFor(async () => (await bytesOf()) === 1234, 'the relayed byte count', 10_000), true);
    assert.equal((await fetch(`${fleet.url}/api/snapshot`)).status, 404, 'which node?');
    await listedWhen(fleet, 'bytes', (n) => n.lagEvents === 0, 'caught up');
    await a.stop();
    const stopped = await listedWhen(fleet, 'bytes', (n) => n.health === 'stopped' && n.lagEvents === 0, 'stopped, caught up');
    const folded = (await getJson(`${fleet.url}/api/snapshot?node=bytes`)) as { snapshot: { seq: number } };
    assert.equal(folded.snapshot.seq, stopped.receivedSeq, 'no node to ask: the dashboard’s own fold, as far as it received');
  } finally {
    await peer.close();
    await fleet.close();
    await a.stop();
  }
});

test('history: the runs the stream holds, and a window of one as a recording the page can replay', async () => {
  const a = await startPublishingNode(nats.url, 'hist');
  const fleet = await startFleet();
  try {
    await churn(a.manager, 4);
    await a.publisher.flushed();
    await listedWhen(fleet, 'hist', () => true, 'listed');
    const runs = v.parse(ApiNodeRunsSchema, await getJson(`${fleet.url}/api/node-runs?node=hist`));
    const run = runs.runs.find((r) => r.runId === a.bridge.runId);
    assert.ok(run);
    assert.equal(run.lastSeq, a.publisher.status().lastSeq);
    assert.ok(run.keyframes >= 1);
    const res = await fetch(`${fleet.url}/api/node-recording?node=hist&run=${run.runId}&toSeq=${run.lastSeq}`);
    assert.equal(res.status, 200);
    const parsed = parseRecording(await res.text());
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
    assert.equal(parsed.recording.header.runId, run.runId);
    assert.equal(parsed.recording.events.at(-1)?.seq, run.lastSeq);
    assert.equal(parsed.recording.events[0]?.seq, parsed.recording.header.snapshot.seq + 1);
    const missing = await fetch(`${fleet.url}/api/node-recording?node=hist&run=no-such-run`);
    assert.equal(missing.status, 404);
    assert.equal((await fetch(`${fleet.url}/api/node-runs?node=nobody`)).status, 404);
  } finally {
    await fleet.close();
    await a.stop();
  }
});

test('several dashboards and several tabs watch the same fleet: each gets every event of a node', async () => {
  const a = await startPublishingNode(nats.url, 'multi');
  const fleets = [await startFleet(), await startFleet()];
  const clients: TestClient[] = [];
  try {
    for (const f of fleets) await listedWhen(f, 'multi', () => true, 'listed on each dashboard');
    for (const f of fleets) for (let i = 0; i < 2; i += 1) clients.push(await TestClient.connect(`${f.wsUrl}?node=multi`));
    const hellos = await Promise.all(clients.map((c) => c.hello()));
    await churn(a.manager, 3);
    const last = a.publisher.status().lastSeq;
    for (const [i, c] of clients.entries()) {
      await c.waitForSeq(last, 10_000);
      const from = hellos[i]?.snapshot.seq ?? 0;
      assert.deepEqual(
        c.events().map((e) => e.seq),
        Array.from({ length: last - from }, (_, k) => from + k + 1),
        `client ${i}: gap-free`,
      );
    }
  } finally {
    for (const c of clients) await c.close();
    for (const f of fleets) await f.close();
    await a.stop();
  }
});
