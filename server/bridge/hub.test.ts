/**
 * The hub's ordering and batching rules, deterministically: fake sockets whose `bufferedAmount`
 * the test sets, a real (unstarted) ConnManager whose `setTargetOutbound` emits events at once.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { WebSocket } from 'ws';
import { ConnManager } from '../connmgr/index.ts';
import { parseServerMessage, type ServerMessage } from '../protocol/index.ts';
import { Hub, type HubOptions } from './hub.ts';
import { eventually, quietLogger } from './testing.ts';

class FakeSocket extends EventEmitter {
  readyState = 1; // OPEN
  bufferedAmount = 0;
  readonly sent: string[] = [];
  terminated = false;
  send(data: string): void {
    this.sent.push(data);
  }
  ping(): void {}
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
    this.emit('close');
  }
  messages(): ServerMessage[] {
    return this.sent.map((raw) => {
      const r = parseServerMessage(raw);
      assert.ok(r.ok, raw.slice(0, 200));
      return r.msg;
    });
  }
  seqs(): number[] {
    return this.messages().flatMap((m) => (m.type === 'events' ? m.events.map((e) => e.seq) : []));
  }
}

function setup(options: Partial<HubOptions> = {}): { hub: Hub; manager: ConnManager; attach(): FakeSocket; stop(): Promise<void> } {
  const manager = new ConnManager({ targetOutbound: 0, logger: quietLogger });
  const hub = new Hub({
    manager,
    lab: undefined,
    control: { host: '127.0.0.1', token: undefined },
    ringSize: 100,
    batchMs: 60_000, // only size, hello, resume and stats flush in these tests
    batchMax: 500,
    statsMs: 0,
    highWaterBytes: 1000,
    hardLimitBytes: 10_000,
    heartbeatMs: 0,
    drainCheckMs: 1,
    rateLimit: { perSec: 100, burst: 100 },
    ...options,
  });
  return {
    hub,
    manager,
    async stop() {
      hub.close();
      await manager.stop();
    },
    attach() {
      const ws = new FakeSocket();
      hub.attach(ws as unknown as WebSocket, null);
      return ws;
    },
  };
}

test('a client joining while events are pending gets hello first, at a seq that includes them', (t) => {
  const { hub, manager, attach, stop } = setup();
  t.after(stop);
  const early = attach();
  manager.setTargetOutbound(1);
  manager.setTargetOutbound(2); // seq 1 and 2, pending (batchMs is long)
  const late = attach();
  const [hello, ...rest] = late.messages();
  assert.equal(hello?.type, 'hello');
  assert.equal(hello.type === 'hello' && hello.snapshot.seq, 2);
  assert.deepEqual(rest, [], 'the pending batch went to the others, not to the newcomer');
  assert.deepEqual(early.seqs(), [1, 2]);
  manager.setTargetOutbound(3);
  hub.apiSnapshot(); // flushes
  assert.deepEqual(late.seqs(), [3]);
  assert.deepEqual(early.seqs(), [1, 2, 3]);
});

test('a burst is sent in batches of batchMax, each serialized once for all clients', (t) => {
  const { hub, manager, attach, stop } = setup({ batchMax: 500 });
  t.after(stop);
  const a = attach();
  const b = attach();
  for (let i = 0; i < 5000; i += 1) manager.setTargetOutbound((i % 2) + 1);
  const batchesA = a.sent.slice(1);
  const batchesB = b.sent.slice(1);
  assert.equal(batchesA.length, 10, '5000 events, 10 messages');
  batchesA.forEach((data, i) => assert.equal(data, batchesB[i], 'the same string, built once'));
  assert.deepEqual(a.seqs(), Array.from({ length: 5000 }, (_, i) => i + 1));
  assert.equal(hub.counters().eventsSent, 10_000);
});

test('behind: no deltas past the high-water mark; once drained, a resync hello at the current seq and live again', async (t) => {
  const { hub, manager, attach, stop } = setup({ batchMax: 1 });
  t.after(stop);
  const slow = attach();
  const other = attach();
  manager.setTargetOutbound(1); // seq 1: delivered to both
  slow.bufferedAmount = 5000; // above high water, below the hard limit
  manager.setTargetOutbound(2); // seq 2: slow falls behind
  manager.setTargetOutbound(3); // seq 3
  assert.deepEqual(slow.seqs(), [1]);
  assert.deepEqual(other.seqs(), [1, 2, 3]);
  assert.equal(hub.counters().behindClients, 1);
  assert.equal(slow.terminated, false);

  slow.bufferedAmount = 0;
  await eventually(() => slow.messages().some((m) => m.type === 'hello' && m.resync), 2000, 'the resync');
  const resync = slow.messages().at(-1);
  assert.ok(resync?.type === 'hello' && resync.resync && resync.snapshot.seq === 3);
  assert.equal(hub.counters().behindClients, 0);
  assert.deepEqual(hub.counters().resyncsByCause, { behind: 1, resume: 0 });
  manager.setTargetOutbound(4);
  assert.deepEqual(slow.seqs(), [1, 4], 'live again right after the snapshot');
});

test('past the hard limit a client is terminated and counted', (t) => {
  const { hub, manager, attach, stop } = setup({ batchMax: 1 });
  t.after(stop);
  const slow = attach();
  const other = attach();
  slow.bufferedAmount = 20_000;
  manager.setTargetOutbound(1);
  assert.equal(slow.terminated, true);
  assert.deepEqual(other.seqs(), [1]);
  assert.deepEqual(hub.counters().droppedByCause, { 'hard-limit': 1, heartbeat: 0 });
  assert.equal(hub.counters().clients, 1);
});

test('resume sends pending events once, with the missed ones, and nothing twice', (t) => {
  const { hub, manager, attach, stop } = setup();
  t.after(stop);
  const c = attach();
  manager.setTargetOutbound(1);
  manager.setTargetOutbound(2); // pending
  c.emit('message', Buffer.from(JSON.stringify({ v: 1, id: 1, type: 'resume', fromSeq: 0 })), false);
  assert.deepEqual(c.seqs(), [1, 2]);
  const reply = c.messages().at(-1);
  assert.ok(reply?.type === 'reply' && reply.ok && reply.command === 'resume');
  assert.deepEqual(reply.result, { mode: 'resumed', seq: 2 });
  hub.apiSnapshot(); // a flush: nothing left for c
  assert.deepEqual(c.seqs(), [1, 2]);
});

test('close() stops listening to the manager and terminates clients', async (t) => {
  const { hub, manager, attach, stop } = setup({ batchMax: 1 });
  t.after(stop);
  const c = attach();
  hub.close();
  hub.close();
  assert.equal(c.terminated, true);
  manager.setTargetOutbound(5);
  assert.equal(hub.counters().eventsTotal, 0);
});
