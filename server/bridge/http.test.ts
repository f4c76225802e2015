/** The bridge's HTTP side: /healthz, /api/snapshot, /metrics and the static page. */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import * as v from 'valibot';
import { ApiSnapshotSchema } from '../protocol/index.ts';
import { FakeLab, TestClient, listenerAddr, parsePrometheus, rawGet, startStack, startTcpPeer } from './testing.ts';
import { refusedAddr, waitFor } from '../test-support.ts';

test('/metrics is Prometheus text whose numbers match manager.stats()', async (t) => {
  const peer = await startTcpPeer();
  const refused = await refusedAddr();
  const stack = await startStack({}, { maxInbound: 0 });
  t.after(async () => {
    await stack.stop();
    await peer.close();
  });
  const { manager, bridge } = stack;
  const client = await TestClient.connect(bridge.wsUrl);
  t.after(() => client.close());
  await client.hello();
  await manager.connect(peer.addr);
  await assert.rejects(manager.connect(refused));
  manager.addPersistent('127.0.0.1:1');
  const shed = createConnection(Number(listenerAddr(manager).split(':')[1]), '127.0.0.1');
  shed.on('error', () => undefined);
  t.after(() => shed.destroy());
  await waitFor(() => manager.stats().rejected.limit === 1, 'the inbound connection to be shed', 5000);
  await client.waitForSeq(bridge.stats().eventsTotal);
  manager.remove(manager.list().find((c) => c.persistent)!.id); // no more retries: the numbers hold still

  const res = await fetch(`${bridge.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const m = parsePrometheus(await res.text());
  const stats = manager.stats();
  const sumBy = (label: string): number =>
    [...m].filter(([k]) => k.startsWith('connscope_connections{') && k.includes(label)).reduce((a, [, n]) => a + n, 0);
  assert.equal(sumBy('type="manual"'), stats.currByType.manual);
  assert.equal(sumBy('type="inbound"'), stats.currByType.inbound);
  assert.equal(sumBy('state="established"'), stats.currByState.established);
  assert.equal(m.get('connscope_connections{type="manual",state="established"}'), 1);
  assert.equal(m.get('connscope_dials_total'), stats.totalDials);
  assert.equal(m.get('connscope_dial_failures_total'), stats.totalFailedDials);
  assert.ok(stats.totalFailedDials >= 1);
  assert.equal(m.get('connscope_established_total'), stats.totalEstablished);
  assert.equal(m.get('connscope_accepted_total'), stats.totalAccepted);
  assert.equal(m.get('connscope_inbound_rejected_total{reason="limit"}'), 1);
  assert.equal(m.get('connscope_inbound_rejected_total{reason="duplicate"}'), 0);
  assert.equal(m.get('connscope_retries_total'), stats.retries);
  assert.equal(m.get('connscope_idle_kicks_total'), stats.idleKicks);
  assert.equal(m.get('connscope_listener_pauses_total'), stats.listenDisabledNum);
  assert.equal(m.get('connscope_listener_paused_seconds_total'), stats.timeInListenDisabledMs / 1000);
  assert.equal(m.get('connscope_persistent_entries'), stats.persistentEntries);
  assert.equal(m.get('connscope_accepting'), 1);
  assert.equal(m.get('connscope_ws_clients'), 1);
  assert.equal(m.get('connscope_events_total'), bridge.stats().eventsTotal);
  assert.equal(m.get('connscope_events_sent_total'), bridge.stats().eventsSent);
  assert.equal(m.get('connscope_ws_clients_dropped_total{cause="heartbeat"}'), 0);
  assert.equal(m.get('connscope_ws_resyncs_total{cause="behind"}'), 0);
});

test('/healthz and /api/snapshot', async (t) => {
  const peer = await startTcpPeer();
  const lab = new FakeLab();
  const stack = await startStack({ lab });
  t.after(async () => {
    await stack.stop();
    await peer.close();
  });
  const health = await fetch(`${stack.bridge.url}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok', manager: 'running', runId: stack.bridge.runId, seq: 0 });

  const info = await stack.manager.connect(peer.addr);
  await lab.addPeer('stable');
  // The lab's change is numbered when its batch goes out (a snapshot does not flush): wait for it,
  // so that the snapshot's seq below is the latest for certain.
  await waitFor(() => stack.bridge.stats().eventsTotal === 3, 'pending, established and lab:state numbered', 5000);
  const res = await fetch(`${stack.bridge.url}/api/snapshot`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = v.parse(ApiSnapshotSchema, await res.json());
  assert.equal(body.runId, stack.bridge.runId);
  assert.deepEqual(
    body.snapshot.conns.map((c) => c.id),
    [info.id],
  );
  assert.equal(body.snapshot.seq, stack.bridge.stats().eventsTotal);
  assert.equal(body.lab?.peers.length, 1);
});

test('GET /api/snapshot leaves the stream alone: pending events stay batched, and its seq covers them', async (t) => {
  const stack = await startStack({ batchMs: 60_000, batchMax: 5 }); // only a full batch is sent
  t.after(() => stack.stop());
  const c = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => c.close());
  assert.equal((await c.hello()).snapshot.seq, 0);
  for (let n = 1; n <= 3; n += 1) stack.manager.setTargetOutbound(n); // seq 1–3, pending
  const from = c.messages.length;
  for (let i = 0; i < 10; i += 1) {
    const body = v.parse(ApiSnapshotSchema, await (await fetch(`${stack.bridge.url}/api/snapshot`)).json());
    assert.equal(body.snapshot.seq, 3, 'the pending events are numbered, so the snapshot is as of them');
    assert.equal(body.snapshot.stats.targetOutbound, 3);
  }
  // A reply is sent after anything the snapshots would have flushed to this client.
  await c.request({ type: 'inspect', connId: 999 });
  assert.deepEqual(
    c.messages.slice(from).map((m) => m.type),
    ['reply'],
    'no batch was sent early',
  );
  stack.manager.setTargetOutbound(4);
  stack.manager.setTargetOutbound(5); // the batch is full
  await c.waitForSeq(5);
  const batches = c.messages.flatMap((m) => (m.type === 'events' ? [m.events.map((e) => e.seq)] : []));
  assert.deepEqual(batches, [[1, 2, 3, 4, 5]], 'one message, as if nobody had asked for a snapshot');
});

test('static page: files with their content type, SPA fallback, no way out of the directory', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'connscope-static-'));
  const web = join(dir, 'web');
  await mkdir(join(web, 'assets'), { recursive: true });
  await writeFile(join(web, 'index.html'), '<!doctype html><title>connscope</title>');
  await writeFile(join(web, 'assets', 'app-1234.js'), 'console.log(1)');
  await writeFile(join(web, 'assets', 'app-1234.css'), 'body{}');
  await writeFile(join(web, '.env'), 'SECRET=web');
  await writeFile(join(dir, 'secret.txt'), 'TOP SECRET');
  const stack = await startStack({ staticDir: web });
  t.after(async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const port = stack.bridge.port;

  const index = await rawGet(port, '/');
  assert.equal(index.status, 200);
  assert.equal(index.type, 'text/html; charset=utf-8');
  assert.match(index.body, /<title>connscope/);
  const js = await rawGet(port, '/assets/app-1234.js');
  assert.equal(js.status, 200);
  assert.equal(js.type, 'text/javascript; charset=utf-8');
  assert.equal((await rawGet(port, '/assets/app-1234.css')).type, 'text/css; charset=utf-8');

  const route = await rawGet(port, '/conn/42?tab=timeline');
  assert.equal(route.status, 200, 'a page route falls back to index.html');
  assert.match(route.body, /<title>connscope/);
  assert.equal((await rawGet(port, '/assets/missing.js')).status, 404, 'a missing asset is a 404, not the page');
  assert.equal((await rawGet(port, '/api/nothing')).status, 404);

  for (const path of [
    '/../secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '//../secret.txt',
    '/.env',
  ]) {
    const r = await rawGet(port, path);
    assert.doesNotMatch(r.body, /SECRET/, path);
    assert.ok([403, 404, 200].includes(r.status), `${path}: ${r.status}`);
  }
  assert.equal((await rawGet(port, '/..%2fsecret.txt')).status, 403);
  assert.equal((await rawGet(port, '/.env')).status, 403);
  assert.equal((await rawGet(port, '/%E0%A4%A')).status, 400);

  const post = await fetch(`${stack.bridge.url}/healthz`, { method: 'POST' });
  assert.equal(post.status, 405);
  assert.equal((await rawGet(port, '/ws')).status, 426);
  const rebound = await rawGet(port, '/api/snapshot', { host: `evil.example:${port}` });
  assert.equal(rebound.status, 403, 'DNS rebinding guard: a foreign Host is refused');
});

test('without a built page, page routes say how to build it', async (t) => {
  const stack = await startStack({ staticDir: join(tmpdir(), 'connscope-no-such-dir') });
  t.after(() => stack.stop());
  const r = await rawGet(stack.bridge.port, '/');
  assert.equal(r.status, 404);
  assert.match(r.body, /npm run build/);
});
