/**
 * The hub's ordering and batching rules, deterministically: fake sockets whose `bufferedAmount`
 * the test sets, a real (unstarted) ConnManager whose `setTargetOutbound` emits events at once.
 */
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import type { WebSocket } from 'ws';
import { ConnManager } from '../connmgr/index.ts';
import { parseClientMessage, parseServerMessage, type ServerMessage } from '../protocol/index.ts';
import { Hub, type HubOptions } from './hub.ts';
import { capturingLogger } from './testing.ts';
import { quietLogger, waitFor } from '../test-support.ts';

class FakeSocket extends EventEmitter {
  readyState = 1; // OPEN
  bufferedAmount = 0;
  /** Every message's text. */
  readonly sent: string[] = [];
  /** Every message as the hub handed it to `send` (a batch is one Buffer shared by all clients). */
  readonly payloads: (string | Buffer)[] = [];
  /** Messages sent as binary frames (the protocol has none). */
  binaryFrames = 0;
  terminated = false;
  /** The close frame the hub sent, if any. */
  closeFrame: { code: number; reason: string } | undefined;
  send(data: string | Buffer, options?: { binary?: boolean }): void {
    this.payloads.push(data);
    this.sent.push(typeof data === 'string' ? data : data.toString('utf8'));
    if (typeof data !== 'string' && options?.binary !== false) this.binaryFrames += 1;
  }
  ping(): void {}
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
    this.emit('close');
  }
  close(code: number, reason: string): void {
    this.closeFrame = { code, reason };
    this.readyState = 2; // CLOSING: the peer has not answered yet
  }
  /** The peer answers the close handshake. */
  closeHandshakeDone(): void {
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

function setup(options: Partial<HubOptions> = {}): {
  hub: Hub;
  manager: ConnManager;
  attach(from?: Parameters<Hub['attach']>[2]): FakeSocket;
  stop(): Promise<void>;
} {
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
    rateLimit: { perSec: 100, burst: 100, bytesPerSec: 1024 ** 2, burstBytes: 1024 ** 2 },
    ...options,
  });
  return {
    hub,
    manager,
    async stop() {
      hub.close();
      await manager.stop();
    },
    attach(from) {
      const ws = new FakeSocket();
      hub.attach(ws as unknown as WebSocket, null, from);
      return ws;
    },
  };
}

test('a client joining while events are pending gets hello first, at a seq that includes them', (t) => {
  const { manager, attach, stop } = setup();
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
  attach(); // a newcomer's hello flushes to the others
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
  for (const [i, data] of batchesA.entries()) assert.equal(data, batchesB[i], 'the same text');
  const payloadsA = a.payloads.slice(1);
  const payloadsB = b.payloads.slice(1);
  for (const [i, data] of payloadsA.entries()) {
    assert.ok(Buffer.isBuffer(data), 'encoded to UTF-8 by the hub, not by ws for each client');
    assert.equal(data, payloadsB[i], 'the very same Buffer for every client: serialized and encoded once');
  }
  assert.equal(a.binaryFrames + b.binaryFrames, 0, 'sent as text frames');
  assert.deepEqual(
    a.seqs(),
    Array.from({ length: 5000 }, (_, i) => i + 1),
  );
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
  await waitFor(() => slow.messages().some((m) => m.type === 'hello' && m.resync), 'the resync', 2000);
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
  assert.deepEqual(hub.counters().droppedByCause, { 'hard-limit': 1, heartbeat: 0, 'rate-limit': 0 });
  assert.equal(hub.counters().clients, 1);
});

test('resume sends pending events once, with the missed ones, and nothing twice', (t) => {
  const { manager, attach, stop } = setup();
  t.after(stop);
  const c = attach();
  manager.setTargetOutbound(1);
  manager.setTargetOutbound(2); // pending
  c.emit('message', Buffer.from(JSON.stringify({ v: 1, id: 1, type: 'resume', fromSeq: 0 })), false);
  assert.deepEqual(c.seqs(), [1, 2]);
  const reply = c.messages().at(-1);
  assert.ok(reply?.type === 'reply' && reply.ok && reply.command === 'resume');
  assert.deepEqual(reply.result, { mode: 'resumed', seq: 2 });
  attach(); // a flush: nothing left for c
  assert.deepEqual(c.seqs(), [1, 2]);
});

test('close() stops listening to the manager and closes clients with 1001; one that does not answer is terminated after a grace', async (t) => {
  const { hub, manager, attach, stop } = setup({ batchMax: 1 });
  t.after(stop);
  const polite = attach();
  const silent = attach();
  hub.close();
  hub.close();
  assert.deepEqual(polite.closeFrame, { code: 1001, reason: 'server shutting down' });
  assert.deepEqual(silent.closeFrame, { code: 1001, reason: 'server shutting down' });
  polite.closeHandshakeDone();
  await waitFor(() => silent.terminated, 'the silent client to be terminated', 5000);
  assert.equal(polite.terminated, false, 'a client that answered the close frame is not terminated');
  assert.equal(hub.counters().clients, 0);
  manager.setTargetOutbound(5);
  assert.equal(hub.counters().eventsTotal, 0);
});

test('refused frames are never parsed: parse work follows the budget, not the flood; the flood ends in a 1008 close', (t) => {
  const now = 0;
  let parses = 0;
  const { hub, attach, stop } = setup({
    rateLimit: { perSec: 1, burst: 5, bytesPerSec: 1024 ** 2, burstBytes: 1024 ** 2 },
    now: () => now,
    parse: (raw) => {
      parses += 1;
      return parseClientMessage(raw);
    },
  });
  t.after(stop);
  const c = attach();
  const frame = Buffer.from(JSON.stringify({ v: 1, id: 'x', type: 'setTargetOutbound', n: -1, pad: 'x'.repeat(16_000) }));
  for (let i = 0; i < 1000; i += 1) c.emit('message', frame, false);
  assert.equal(parses, 5, 'only the burst was parsed, of 1000 frames');
  const codes = c.messages().flatMap((m) => (m.type === 'reply' && !m.ok ? [m.error.code] : []));
  assert.deepEqual(codes, [...Array(5).fill('ERR_BAD_MESSAGE'), ...Array(3).fill('ERR_RATE_LIMITED')]);
  // 5 admitted, then 50 refused (the allowance), then closed: the other 944 frames were ignored.
  assert.deepEqual(c.closeFrame, { code: 1008, reason: 'rate limit exceeded: too many messages refused' });
  assert.equal(hub.counters().commandsRateLimited, 51);
  assert.deepEqual(hub.counters().droppedByCause, { 'hard-limit': 0, heartbeat: 0, 'rate-limit': 1 });
  assert.equal(hub.counters().clients, 0);
  c.closeHandshakeDone();
});

test('on virtual time: a client at its rate is always served; one a little over it is refused, never closed', (t) => {
  let now = 0;
  const { hub, attach, stop } = setup({
    rateLimit: { perSec: 2, burst: 2, bytesPerSec: 1024 ** 2, burstBytes: 1024 ** 2 },
    now: () => now,
  });
  t.after(stop);
  const steady = attach();
  const eager = attach();
  // Refused by the schema once admitted: an answer at once, either way.
  const command = (id: number): Buffer => Buffer.from(JSON.stringify({ v: 1, id, type: 'setTargetOutbound', n: -1 }));
  for (let i = 0; i < 600; i += 1) {
    now += 500; // 2 per second: exactly the rate
    steady.emit('message', command(i), false);
    eager.emit('message', command(i), false);
    if (i % 2 === 0) eager.emit('message', command(-i), false); // 3 per second: one refused every second
  }
  const codes = (ws: typeof steady): string[] => ws.messages().flatMap((m) => (m.type === 'reply' && !m.ok ? [m.error.code] : []));
  assert.equal(codes(steady).length, 600);
  assert.ok(
    codes(steady).every((code) => code === 'ERR_BAD_MESSAGE'),
    'every command served',
  );
  const eagerCodes = codes(eager);
  // 900 frames from 0.5 s to 300 s at 2/s, burst 2 (full at 0): 2 + 2 × 299.5 = 601 admitted, 299 refused.
  assert.equal(eagerCodes.filter((code) => code === 'ERR_BAD_MESSAGE').length, 601);
  assert.equal(
    eagerCodes.filter((code) => code === 'ERR_RATE_LIMITED').length,
    299,
    'each refusal answered: one a second is within the reply budget',
  );
  assert.equal(eager.closeFrame, undefined, 'a refusal a second is within the allowance: never closed');
  assert.equal(hub.counters().clients, 2);
});

test("a session's access line: who, how long, frames in, messages out, and how it closed — once", (t) => {
  let now = 1000;
  const log = capturingLogger();
  const { manager, attach, stop } = setup({ batchMax: 1, now: () => now, logger: log });
  t.after(stop);
  const ws = attach({ remote: '127.0.0.1:50000', origin: 'http://localhost:8787' }); // hello: 1 message
  manager.setTargetOutbound(1); // an events batch: 2
  for (let i = 0; i < 3; i += 1) ws.emit('message', Buffer.from('not json'), false); // 3 frames, 3 replies: 5
  now += 1234.4;
  assert.deepEqual(log.records, [], 'nothing while the session is open');
  ws.emit('close', 1000, Buffer.from('bye'));
  ws.emit('close', 1000, Buffer.from('bye'));
  assert.deepEqual(log.records, [
    {
      level: 'info',
      message: 'ws session ended',
      fields: {
        remote: '127.0.0.1:50000',
        origin: 'http://localhost:8787',
        canControl: true,
        durationMs: 1234,
        framesReceived: 3,
        messagesSent: 5,
        code: 1000,
        reason: 'bye',
      },
    },
  ]);
});

test('access lines of a client the hub cut off, and of clients open at shutdown (logged at once, never twice)', (t) => {
  const log = capturingLogger();
  const { hub, manager, attach, stop } = setup({ batchMax: 1, logger: log });
  t.after(stop);
  const slow = attach({ remote: '127.0.0.1:1' });
  slow.bufferedAmount = 20_000;
  manager.setTargetOutbound(1);
  assert.equal(slow.terminated, true);
  assert.deepEqual(
    log.records.map((r) => [r.fields.remote, r.fields.code, r.fields.reason, r.fields.dropped]),
    [['127.0.0.1:1', 1006, '', 'hard-limit']],
    'terminated: 1006, and why',
  );
  assert.ok(!('origin' in log.records[0]!.fields), 'no Origin header, no origin field');

  const open = attach({ remote: '127.0.0.1:2', origin: `http://x/${'o'.repeat(500)}` });
  hub.close();
  assert.equal(log.records.length, 2, 'logged when the server shuts down, not when the client answers');
  assert.deepEqual([log.records[1]!.fields.code, log.records[1]!.fields.reason], [1001, 'server shutting down']);
  assert.match(String(log.records[1]!.fields.origin), /^http:\/\/x\/o{191}… \(509 chars\)$/, 'a long Origin is cut to 200 characters');
  open.closeHandshakeDone();
  assert.equal(log.records.length, 2);
});
