/**
 * A node publishing to a real nats-server (started here, docs/fleet.md "The node"): every event
 * in the stream once, with its msg id; the heartbeat and snapshot in KV; commands over
 * request/reply under the bridge's rules; NATS away at start and lost later, with a bounded
 * buffer and exact drop accounting.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  FLEET_KV_BUCKET,
  NodeSnapshotSchema,
  NodeStatusSchema,
  PROTOCOL_VERSION,
  commandSubject,
  eventMsgId,
  eventsSubject,
  snapshotSubject,
  type ReplyMessage,
} from '../protocol/index.ts';
import * as v from 'valibot';
import { startManager, startStack } from '../bridge/testing.ts';
import { waitFor } from '../test-support.ts';
import { churn, readStream, startNats, type TestNats } from './nats-testing.ts';
import { publishToNats } from './publisher.ts';

let nats: TestNats;
let nc: NatsConnection;

before(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
});

after(async () => {
  await nc.close();
  await nats.stop();
});

async function request(node: string, body: object): Promise<ReplyMessage> {
  const m = await nc.request(commandSubject(node), JSON.stringify({ v: PROTOCOL_VERSION, id: 'r1', ...body }), { timeout: 5000 });
  return JSON.parse(m.string()) as ReplyMessage;
}

test('every event reaches the stream once, in seq order, with msg id <runId>:<seq>; a republished id is a duplicate', async () => {
  const stack = await startStack();
  const pub = await publishToNats(stack.manager, { servers: nats.url, node: 'pub-a', dashboard: stack.bridge });
  try {
    assert.equal(pub.runId, stack.bridge.runId, 'the node dashboard and NATS share the run');
    await waitFor(() => pub.connected, 'connected');
    await churn(stack.manager, 5);
    const last = pub.status().lastSeq;
    assert.ok(last >= 10);
    await pub.flushed();
    const stored = await readStream(nats.url, eventsSubject('pub-a'));
    assert.deepEqual(
      stored.map((m) => m.msgId),
      Array.from({ length: last }, (_, i) => eventMsgId(pub.runId, i + 1)),
    );
    assert.deepEqual(
      stored.map((m) => (JSON.parse(m.data) as { seq: number }).seq),
      Array.from({ length: last }, (_, i) => i + 1),
    );
    // A retry of an event already stored (same msg id) is not stored again.
    const ack = await jetstream(nc).publish(eventsSubject('pub-a'), stored[0]?.data ?? '', { msgID: eventMsgId(pub.runId, 1) });
    assert.equal(ack.duplicate, true);
    assert.equal((await readStream(nats.url, eventsSubject('pub-a'))).length, last);
  } finally {
    await pub.close();
    await stack.stop();
  }
});

test('the heartbeat and the latest snapshot are in KV; close writes state stopped', async () => {
  const manager = await startManager();
  const pub = await publishToNats(manager, { servers: nats.url, node: 'pub-kv', heartbeatMs: 50 });
  try {
    await churn(manager, 2);
    await waitFor(() => pub.connected, 'connected');
    const kv = await new Kvm(nc).open(FLEET_KV_BUCKET);
    const status = await waitFor(async () => {
      // The bucket exists once the node has set it up.
      const e = await kv.get('pub-kv').catch(() => null);
      const s = e ? v.parse(NodeStatusSchema, e.json()) : undefined;
      return s && s.lastSeq === pub.status().lastSeq && s.publishedSeq === s.lastSeq ? s : undefined;
    }, 'a heartbeat with everything published');
    assert.equal(status.runId, pub.runId);
    assert.equal(status.state, 'running');
    assert.equal(status.control, 'open', 'NATS on loopback without a token');
    assert.equal(status.stats.totalDials, 2);
    const snap = await waitFor(async () => {
      const e = await kv.get('pub-kv.snapshot').catch(() => null);
      return e ? v.parse(NodeSnapshotSchema, e.json()) : undefined;
    }, 'a snapshot in KV');
    assert.equal(snap.runId, pub.runId);
    // Over request/reply the node answers its snapshot as of now.
    const live = JSON.parse((await nc.request(snapshotSubject('pub-kv'), '', { timeout: 5000 })).string());
    assert.equal(live.runId, pub.runId);
    assert.equal(live.snapshot.seq, pub.status().lastSeq);
    await pub.close();
    const last = v.parse(NodeStatusSchema, (await kv.get('pub-kv'))?.json());
    assert.equal(last.state, 'stopped');
  } finally {
    await pub.close();
    await manager.stop();
  }
});

test('commands over request/reply: validated, run, and refused by the token rule like the WebSocket', async () => {
  const manager = await startManager();
  const open = await publishToNats(manager, { servers: nats.url, node: 'cmd-open' });
  const guarded = await publishToNats(manager, { servers: nats.url, node: 'cmd-token', token: 's3cret' });
  try {
    await waitFor(() => open.connected && guarded.connected, 'both connected');
    // Subscriptions are made once the link is up; a request right after can find no responder yet.
    await waitFor(
      async () => (await request('cmd-open', { type: 'inspect', connId: 999 }).catch(() => undefined)) !== undefined,
      'responder',
    );
    const ok = await request('cmd-open', { type: 'setTargetOutbound', n: 3 });
    assert.deepEqual(ok, { v: 1, type: 'reply', id: 'r1', ok: true, command: 'setTargetOutbound', result: { targetOutbound: 3 } });
    assert.equal(manager.config().targetOutbound, 3);

    const bad = await request('cmd-open', { type: 'setTargetOutbound', n: -1 });
    assert.equal(bad.ok, false);
    assert.equal(!bad.ok && bad.error.code, 'ERR_BAD_MESSAGE');
    assert.equal(!bad.ok && bad.error.field, 'n');
    const notJson = JSON.parse((await nc.request(commandSubject('cmd-open'), '{nope', { timeout: 5000 })).string()) as ReplyMessage;
    assert.equal(!notJson.ok && notJson.error.code, 'ERR_BAD_MESSAGE');

    await waitFor(
      async () => (await request('cmd-token', { type: 'inspect', connId: 999 }).catch(() => undefined)) !== undefined,
      'responder',
    );
    const noToken = await request('cmd-token', { type: 'setTargetOutbound', n: 4 });
    assert.equal(!noToken.ok && noToken.error.code, 'ERR_READ_ONLY');
    const wrong = await request('cmd-token', { type: 'setTargetOutbound', n: 4, token: 'nope' });
    assert.equal(!wrong.ok && wrong.error.code, 'ERR_READ_ONLY');
    assert.equal(!wrong.ok && wrong.error.field, 'token');
    assert.equal(manager.config().targetOutbound, 3, 'refused commands changed nothing');
    const right = await request('cmd-token', { type: 'setTargetOutbound', n: 4, token: 's3cret' });
    assert.equal(right.ok, true);
    assert.equal(manager.config().targetOutbound, 4);
    // Read-only commands need no token, as on the WebSocket.
    const inspect = await request('cmd-token', { type: 'inspect', connId: 999 });
    assert.equal(!inspect.ok && inspect.error.code, 'ERR_NOT_FOUND');
    assert.equal(guarded.status().control, 'token');
  } finally {
    await open.close();
    await guarded.close();
    await manager.stop();
  }
});

test('commands over NATS are rate-limited per requester like WebSocket frames', async () => {
  const manager = await startManager();
  const pub = await publishToNats(manager, {
    servers: nats.url,
    node: 'cmd-rate',
    rateLimit: { perSec: 0.001, burst: 2, bytesPerSec: 65536, burstBytes: 262144 },
  });
  try {
    await waitFor(() => pub.connected, 'connected');
    await waitFor(
      async () => (await request('cmd-rate', { type: 'inspect', connId: 1 }).catch(() => undefined)) !== undefined,
      'responder',
    );
    const second = await request('cmd-rate', { type: 'inspect', connId: 1 });
    assert.equal(!second.ok && second.error.code, 'ERR_NOT_FOUND', 'the second is within the burst of 2');
    const third = await request('cmd-rate', { type: 'inspect', connId: 1 });
    assert.equal(!third.ok && third.error.code, 'ERR_RATE_LIMITED');
    assert.ok(pub.counters().commandsRateLimited >= 1);
  } finally {
    await pub.close();
    await manager.stop();
  }
});

test('a bad node name is a clear error', async () => {
  const manager = await startManager();
  try {
    await assert.rejects(
      publishToNats(manager, { servers: nats.url, node: 'a.b' }),
      /option node: node name "a.b" has "\.": use letters, digits/,
    );
    await assert.rejects(publishToNats(manager, { servers: nats.url, node: '' }), /node name is empty/);
    await assert.rejects(publishToNats(manager, { servers: nats.url, node: 'x'.repeat(65) }), /at most 64/);
  } finally {
    await manager.stop();
  }
});

test('NATS unreachable at start: the node keeps going, buffers a bounded number, counts exactly what it dropped, and publishes the rest when NATS comes', async () => {
  const late = await startNats();
  await late.halt();
  const manager = await startManager();
  const pub = await publishToNats(manager, { servers: late.url, node: 'late', bufferEvents: 6, reconnectMs: 50 });
  try {
    await churn(manager, 5); // 10 events: 6 kept, 4 dropped
    assert.equal(pub.connected, false);
    const s = pub.status();
    assert.equal(s.lastSeq, 10);
    assert.equal(s.buffered, 6);
    assert.equal(s.droppedEvents, 4);
    assert.deepEqual(s.dropped, [[7, 10]]);
    await late.restart();
    await waitFor(() => pub.connected, 'connected once NATS is up', 15_000);
    await pub.flushed();
    const stored = await readStream(late.url, eventsSubject('late'));
    assert.deepEqual(
      stored.map((m) => (JSON.parse(m.data) as { seq: number }).seq),
      [1, 2, 3, 4, 5, 6],
    );
    assert.equal(pub.status().publishedSeq, 10, 'published or dropped, every one');
  } finally {
    await pub.close();
    await manager.stop();
    await late.stop();
  }
});

test('NATS lost and back: nothing lost within the buffer, no duplicate in the stream', async () => {
  const own = await startNats();
  const manager = await startManager();
  const pub = await publishToNats(manager, { servers: own.url, node: 'flappy', reconnectMs: 50 });
  try {
    await waitFor(() => pub.connected, 'connected');
    await churn(manager, 3);
    await pub.flushed();
    await own.halt();
    await waitFor(() => !pub.connected, 'the loss noticed');
    await churn(manager, 4);
    assert.ok(pub.status().buffered > 0);
    await own.restart();
    await waitFor(() => pub.connected, 'reconnected', 15_000);
    await pub.flushed();
    const last = pub.status().lastSeq;
    const seqs = (await readStream(own.url, eventsSubject('flappy'))).map((m) => (JSON.parse(m.data) as { seq: number }).seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: last }, (_, i) => i + 1),
    );
    assert.equal(pub.status().droppedEvents, 0);
    assert.equal(pub.status().disconnects, 1);
  } finally {
    await pub.close();
    await manager.stop();
    await own.stop();
  }
});
