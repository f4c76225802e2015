/**
 * /metrics beyond the mirrored counters: the histograms against the manager's events (exactly, on
 * virtual time), label values that can never occur left out, build info and the process's
 * metrics, the subscription gone after close, and a real scrape that `promtool check metrics`
 * accepts without a word.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { test } from 'node:test';
import { ConnManager, type ConnManagerEvents } from '../connmgr/index.ts';
import { FakeClock, FakeDialer, settle } from '../connmgr/test-helpers.ts';
import { CONN_REASONS, CONN_STATES, CONN_TYPES } from '../protocol/index.ts';
import { packageVersion } from '../package-info.ts';
import { startBridge } from './bridge.ts';
import { CLOSE_REASONS, LIVE_TYPE_STATES, createMetrics, type HubCounters } from './metrics.ts';
import { quietLogger, refusedAddr, waitFor } from '../test-support.ts';
import { TestClient, listenerAddr, parsePrometheus, startManager, startStack, startTcpPeer } from './testing.ts';

const NO_HUB: HubCounters = {
  clients: 0,
  behindClients: 0,
  eventsTotal: 0,
  eventsSent: 0,
  droppedClients: 0,
  resyncs: 0,
  fellBehind: 0,
  droppedByCause: { 'hard-limit': 0, heartbeat: 0, 'rate-limit': 0 },
  resyncsByCause: { behind: 0, resume: 0 },
  commandsOk: 0,
  commandsFailed: 0,
  commandsRateLimited: 0,
  upgradesRefused: { origin: 0, host: 0, path: 0, 'max-clients': 0 },
};

test('the dial and lifetime histograms observe exactly what the events say; canceled dials are left out', async (t) => {
  const clock = new FakeClock();
  const dialer = new FakeDialer();
  const cm = new ConnManager({
    targetOutbound: 0,
    dialTimeoutMs: 1000,
    retryDelayMs: 60_000,
    clock,
    dial: dialer.dial,
    logger: quietLogger,
  });
  t.after(() => cm.stop());
  const metrics = createMetrics(cm, () => NO_HUB);
  t.after(() => metrics.close());
  const scrape = async (): Promise<Map<string, number>> => parsePrometheus(await metrics.registry.metrics());
  const dial = (suffix: string, outcome: string): number | undefined =>
    scrape_.get(`connscope_dial_duration_seconds_${suffix}{outcome="${outcome}"}`);
  let scrape_ = await scrape();
  assert.equal(dial('count', 'established'), 0, 'both outcomes are there from the start');
  assert.equal(dial('count', 'failed'), 0);

  // Established after 250 ms.
  const established = cm.connect('10.0.0.1:1');
  await clock.advance(250);
  const socket = dialer.last().succeed();
  const info = await established;
  // Refused after 30 ms (one-shot: canceled with dial-refused).
  const refused = cm.connect('10.0.0.2:1');
  await clock.advance(30);
  dialer.last().fail('ECONNREFUSED');
  await assert.rejects(refused, /ECONNREFUSED/);
  // Disconnected by the user while pending: not a failed dial.
  const abandoned = cm.connect('10.0.0.3:1');
  await clock.advance(10);
  cm.disconnect(cm.list().find((c) => c.addr === '10.0.0.3:1')!.id);
  await assert.rejects(abandoned, /ERR_ABORTED|pending/);
  // A persistent peer's dial times out after 1 s: failed (then `failing`, waiting to retry).
  const persistent = cm.addPersistent('10.0.0.4:1');
  await clock.advance(1000);
  assert.equal(cm.get(persistent)?.state, 'failing');
  cm.remove(persistent);

  scrape_ = await scrape();
  assert.equal(dial('count', 'established'), 1);
  assert.equal(dial('sum', 'established'), 0.25);
  assert.equal(scrape_.get('connscope_dial_duration_seconds_bucket{le="0.1",outcome="established"}'), 0);
  assert.equal(scrape_.get('connscope_dial_duration_seconds_bucket{le="0.25",outcome="established"}'), 1);
  assert.equal(dial('count', 'failed'), 2, 'the refused and the timed-out dial; not the one disconnected while pending');
  assert.equal(dial('sum', 'failed'), 1.03);
  assert.equal(scrape_.get('connscope_connection_lifetime_seconds_count{type="manual"}'), 0, 'still established');

  // The established connection lives 91.04 s (the 1.04 s above, then 90 s), then the peer closes it.
  await clock.advance(90_000);
  socket.remoteClose();
  await settle();
  assert.equal(cm.get(info.id), undefined);
  scrape_ = await scrape();
  assert.equal(scrape_.get('connscope_connection_lifetime_seconds_count{type="manual"}'), 1);
  assert.equal(scrape_.get('connscope_connection_lifetime_seconds_sum{type="manual"}'), 91.04);
  assert.equal(scrape_.get('connscope_connection_lifetime_seconds_bucket{le="60",type="manual"}'), 0);
  assert.equal(scrape_.get('connscope_connection_lifetime_seconds_bucket{le="300",type="manual"}'), 1);
  assert.equal(scrape_.get('connscope_connection_lifetime_seconds_count{type="inbound"}'), 0);

  // Closed: later dials are not observed.
  metrics.close();
  const after = cm.connect('10.0.0.5:1');
  dialer.last().succeed();
  await after;
  scrape_ = await scrape();
  assert.equal(dial('count', 'established'), 1);
});

test('a connection established before the metrics started still has its lifetime observed', async (t) => {
  const clock = new FakeClock();
  const dialer = new FakeDialer('succeed');
  const cm = new ConnManager({ targetOutbound: 0, clock, dial: dialer.dial, logger: quietLogger });
  t.after(() => cm.stop());
  await cm.connect('10.0.0.1:1');
  await clock.advance(5000);
  const metrics = createMetrics(cm, () => NO_HUB);
  await clock.advance(5000);
  dialer.socketTo('10.0.0.1:1').remoteClose();
  await settle();
  const m = parsePrometheus(await metrics.registry.metrics());
  assert.equal(m.get('connscope_connection_lifetime_seconds_sum{type="manual"}'), 10);
  metrics.close();
});

test("/metrics: no label value that cannot occur; build info; the process's own metrics", async (t) => {
  const stack = await startStack();
  t.after(() => stack.stop());
  const text = await (await fetch(`${stack.bridge.url}/metrics`)).text();
  const m = parsePrometheus(text);

  const live = new Set(LIVE_TYPE_STATES.map(([type, state]) => `${type}/${state}`));
  assert.equal(live.size, 6);
  for (const type of CONN_TYPES) {
    for (const state of CONN_STATES) {
      const key = `connscope_connections{type="${type}",state="${state}"}`;
      assert.equal(m.has(key), live.has(`${type}/${state}`), key);
    }
  }
  for (const reason of CONN_REASONS) {
    const key = `connscope_disconnects_total{reason="${reason}"}`;
    assert.equal(m.has(key), (CLOSE_REASONS as readonly string[]).includes(reason), key);
  }
  assert.ok(!m.has('connscope_disconnects_total{reason="requested"}'));
  assert.ok(!m.has('connscope_connections{type="inbound",state="pending"}'));
  assert.ok(!m.has('connscope_connections{type="outbound",state="failing"}'));

  assert.equal(m.get(`connscope_build_info{version="${packageVersion()}",node_version="${process.version}"}`), 1);
  assert.ok(m.has('process_cpu_user_seconds_total'), 'process metrics, under their standard names');
  assert.ok(m.has('process_resident_memory_bytes'));
  assert.ok([...m.keys()].some((k) => k.startsWith('nodejs_heap_size_used_bytes')));
  assert.ok(!m.has('nodejs_active_handles_total'), 'a gauge named like a counter (promtool rejects it) is left out');
});

test("bridge.close() leaves no subscription on the manager (the metrics' included)", async (t) => {
  const manager = await startManager();
  t.after(() => manager.stop());
  const live = new Map<string, number>();
  const on = manager.on.bind(manager);
  // Counts subscriptions as they are made and undone.
  manager.on = (<K extends keyof ConnManagerEvents>(name: K, listener: (e: ConnManagerEvents[K]) => void) => {
    const off = on(name, listener);
    live.set(name, (live.get(name) ?? 0) + 1);
    let done = false;
    return () => {
      if (!done) live.set(name, (live.get(name) ?? 0) - 1);
      done = true;
      off();
    };
  }) as typeof manager.on;
  const bridge = await startBridge({ manager, port: 0, staticDir: '/nonexistent' });
  assert.equal(live.get('conn:state'), 2, 'the hub and the metrics listen to conn:state');
  await bridge.close();
  assert.deepEqual(
    [...live].filter(([, n]) => n !== 0),
    [],
    'every subscription undone',
  );
});

test('a real scrape after traffic passes `promtool check metrics` with no complaint', async (t) => {
  const peer = await startTcpPeer();
  const refused = await refusedAddr();
  const stack = await startStack();
  t.after(async () => {
    await stack.stop();
    await peer.close();
  });
  const { manager, bridge } = stack;
  const client = await TestClient.connect(bridge.wsUrl);
  t.after(() => client.close());
  await client.hello();
  await assert.rejects(TestClient.connect(bridge.wsUrl, { origin: 'http://evil.example' }), /HTTP 403/);
  const conn = await manager.connect(peer.addr);
  await assert.rejects(manager.connect(refused));
  manager.addPersistent(refused);
  const inbound = createConnection(Number(listenerAddr(manager).split(':')[1]), '127.0.0.1');
  inbound.on('error', () => undefined);
  t.after(() => inbound.destroy());
  await waitFor(() => manager.stats().totalAccepted === 1 && manager.list().some((c) => c.state === 'failing'), 'inbound + failing', 5000);
  manager.disconnect(conn.id);

  const text = await (await fetch(`${bridge.url}/metrics`)).text();
  const m = parsePrometheus(text);
  assert.equal(m.get('connscope_dial_duration_seconds_count{outcome="established"}'), 1);
  assert.ok((m.get('connscope_dial_duration_seconds_count{outcome="failed"}') ?? 0) >= 2);
  assert.equal(m.get('connscope_connection_lifetime_seconds_count{type="manual"}'), 1);
  // Every live connection is in one of the series: none is in a (type, state) the table lacks.
  const series = [...m].filter(([k]) => k.startsWith('connscope_connections{')).reduce((sum, [, n]) => sum + n, 0);
  assert.equal(series, manager.list().length);

  const result = await promtool(['check', 'metrics'], text);
  assert.equal(result.code, 0, result.output);
  assert.equal(result.output, '', 'promtool prints a line per problem');
});

/** Runs promtool with `input` on stdin; a missing promtool fails the test, saying where it comes from. */
function promtool(args: string[], input: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new Error('promtool is not installed: .ci/run installs it (apt-get install prometheus, which provides /usr/bin/promtool)')
          : err,
      ),
    );
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}
