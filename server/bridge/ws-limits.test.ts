/**
 * What a client may cost the server, end to end (real `ws` clients, a real bridge): the rate limit
 * checked before a frame is read (frames and bytes, any kind of frame), the small budget of replies
 * to refused frames, the 1008 close of a client that keeps overrunning, and the byte budget of
 * `history` and `resume`.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import type { EventsMessage, HelloMessage, ReplyMessage } from '../protocol/index.ts';
import { REPLAY_BUDGET } from './client-budget.ts';
import { TestClient, startStack } from './testing.ts';
import { waitFor } from '../test-support.ts';

const isReply = (m: { type: string }): m is ReplyMessage => m.type === 'reply';

/** Resolves once the server answered a ping: every frame it sent before is in `c.messages` by then. */
async function roundTrip(c: TestClient): Promise<void> {
  const pong = once(c.ws, 'pong');
  c.ws.ping();
  await pong;
}

/** Error codes (or 'ok') of the replies at index >= `from`, in order. */
function replyCodes(c: TestClient, from: number): string[] {
  return c.messages
    .slice(from)
    .filter(isReply)
    .map((r) => (r.ok ? 'ok' : r.error.code));
}

/** 6,000 real events (about 75 bytes each) in the ring: a `history` or `resume` of all is ~0.4 MB. */
function fillRing(stack: Awaited<ReturnType<typeof startStack>>): void {
  for (let i = 0; i < 6000; i += 1) stack.manager.setTargetOutbound((i % 2) + 1);
}

test('binary and oversized frames take from the rate limit like any other; so do their bytes', async (t) => {
  const stack = await startStack({ rateLimit: { perSec: 0.001, burst: 4 } });
  t.after(() => stack.stop());
  const c = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => c.close());
  await c.hello();
  let from = c.messages.length;
  c.ws.send(Buffer.from([1, 2, 3]));
  c.ws.send(Buffer.from([4, 5, 6]));
  c.ws.send('x'.repeat(20_000));
  c.ws.send('y'.repeat(20_000));
  await waitFor(() => replyCodes(c, from).length === 4, 'four replies', 5000);
  assert.deepEqual(replyCodes(c, from), ['ERR_BAD_MESSAGE', 'ERR_BAD_MESSAGE', 'ERR_TOO_LARGE', 'ERR_TOO_LARGE']);
  // The four frames spent the burst: a valid command is refused now.
  const refused = await c.request({ type: 'setTargetOutbound', n: 2 });
  assert.equal(!refused.ok && refused.error.code, 'ERR_RATE_LIMITED');
  assert.equal(stack.manager.config().targetOutbound, 0);

  // Bytes: 64 KiB at once, next to no refill; two 30 kB frames fit, a third does not, a small one does.
  const bytes = await startStack({ rateLimit: { perSec: 1000, burst: 1000, bytesPerSec: 1, burstBytes: 64 * 1024 } });
  t.after(() => bytes.stop());
  const d = await TestClient.connect(bytes.bridge.wsUrl);
  t.after(() => d.close());
  await d.hello();
  from = d.messages.length;
  for (let i = 0; i < 3; i += 1) d.ws.send('z'.repeat(30_000));
  await waitFor(() => replyCodes(d, from).length === 3, 'three replies', 5000);
  assert.deepEqual(replyCodes(d, from), ['ERR_TOO_LARGE', 'ERR_TOO_LARGE', 'ERR_RATE_LIMITED']);
  assert.ok((await d.request({ type: 'setTargetOutbound', n: 3 })).ok, 'a small command still fits the bytes left');
  assert.deepEqual([...c.invalid, ...d.invalid], []);
});

test('a flood of frames that parse but fail validation gets a few replies, not one per frame; others are unaffected', async (t) => {
  const stack = await startStack({ rateLimit: { perSec: 0.001, burst: 5 } });
  t.after(() => stack.stop());
  const [c, other] = await Promise.all([TestClient.connect(stack.bridge.wsUrl), TestClient.connect(stack.bridge.wsUrl)]);
  t.after(() => Promise.all([c.close(), other.close()]));
  await Promise.all([c.hello(), other.hello()]);
  const from = c.messages.length;
  const frames = 40; // below the refusal allowance: refused, not yet closed
  for (let i = 0; i < frames; i += 1) {
    c.sendRaw(JSON.stringify({ v: 1, id: `f${i}`, type: 'setTargetOutbound', n: -1, pad: 'x'.repeat(16_000) }));
  }
  await waitFor(
    () => {
      const s = stack.bridge.stats();
      return s.commandsFailed + s.commandsRateLimited === frames;
    },
    'every frame to be handled',
    10_000,
  );
  await roundTrip(c);
  const replies = c.messages.slice(from).filter(isReply);
  assert.deepEqual(
    replies.map((r) => `${r.id}:${r.ok ? 'ok' : r.error.code}`),
    [
      'f0:ERR_BAD_MESSAGE',
      'f1:ERR_BAD_MESSAGE',
      'f2:ERR_BAD_MESSAGE',
      'f3:ERR_BAD_MESSAGE',
      'f4:ERR_BAD_MESSAGE',
      'f5:ERR_RATE_LIMITED',
      'f6:ERR_RATE_LIMITED',
      'f7:ERR_RATE_LIMITED',
    ],
    'the burst is answered; of the refused ones only the first few, each matched to its command',
  );
  const limited = replies.at(-1)!;
  assert.match(
    !limited.ok ? limited.error.message : '',
    /at most 0\.001 per second \(bursts of 5\) and 64 KiB per second \(bursts of 256 KiB\)/,
  );
  assert.equal(stack.bridge.stats().commandsRateLimited, frames - 5);
  assert.equal(c.ws.readyState, WebSocket.OPEN);
  assert.ok((await other.request({ type: 'setTargetOutbound', n: 4 })).ok, 'another client has its own budget');
  assert.deepEqual(c.invalid, []);
});

test('a client that keeps sending over its limit is closed with 1008 and counted; a well-behaved one carries on', async (t) => {
  const stack = await startStack({ rateLimit: { perSec: 0.001, burst: 2 } });
  t.after(() => stack.stop());
  const [abuser, fine] = await Promise.all([TestClient.connect(stack.bridge.wsUrl), TestClient.connect(stack.bridge.wsUrl)]);
  t.after(() => Promise.all([abuser.close(), fine.close()]));
  await Promise.all([abuser.hello(), fine.hello()]);
  let closeFrame: { code: number; reason: string } | undefined;
  abuser.ws.on('close', (code, reason) => (closeFrame = { code, reason: reason.toString() }));
  for (let i = 0; i < 200; i += 1) abuser.sendRaw(JSON.stringify({ v: 1, id: i, type: 'inspect', connId: 1 }));
  await waitFor(() => abuser.closed, 'the abuser to be closed', 5000);
  assert.equal(closeFrame?.code, 1008);
  assert.match(closeFrame?.reason ?? '', /rate limit/);
  assert.equal(stack.bridge.stats().droppedByCause['rate-limit'], 1);
  assert.equal(stack.bridge.stats().clients, 1);
  const metrics = await (await fetch(`${stack.bridge.url}/metrics`)).text();
  assert.match(metrics, /^connscope_ws_clients_dropped_total\{cause="rate-limit"\} 1$/m);
  assert.ok((await fine.request({ type: 'setTargetOutbound', n: 1 })).ok);
  assert.equal(fine.closed, false);
});

test('at the default limits a busy but well-behaved client is never refused', async (t) => {
  const stack = await startStack();
  t.after(() => stack.stop());
  fillRing(stack);
  const c = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => c.close());
  const hello = await c.hello();
  // The page's heaviest pattern, all at once: a full backfill, a resume and a burst of commands.
  const replies = await Promise.all([
    c.request({ type: 'history', beforeSeq: hello.snapshot.seq + 1, limit: 5000 }),
    c.request({ type: 'resume', fromSeq: 0 }),
    ...Array.from({ length: 30 }, (_, i) => c.request({ type: 'setTargetOutbound', n: i % 3 })),
  ]);
  assert.deepEqual(
    replies.filter((r) => !r.ok),
    [],
  );
  assert.equal(stack.bridge.stats().commandsRateLimited, 0);
});

test('history replies are held to the per-client byte budget, with an error that says when to retry', async (t) => {
  const stack = await startStack();
  t.after(() => stack.stop());
  fillRing(stack);
  const started = performance.now();
  const c = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => c.close());
  const hello = await c.hello();
  let okBytes = 0;
  const refusals: string[] = [];
  for (let i = 0; i < 20; i += 1) {
    const r = await c.request({ type: 'history', beforeSeq: hello.snapshot.seq + 1, limit: 5000 });
    if (r.ok) okBytes += Buffer.byteLength(c.raw[c.messages.indexOf(r)]!);
    else refusals.push(`${r.error.code}: ${r.error.message}`);
  }
  const elapsedSec = (performance.now() - started) / 1000;
  assert.ok(refusals.length > 0, 'twenty 0.4 MB replies in a row are over the budget');
  assert.match(refusals[0]!, /^ERR_RATE_LIMITED: .*replay budget \(1 MiB at once, then 256 KiB per second.*retry in \d+\.\d s/);
  assert.ok(
    okBytes <= REPLAY_BUDGET.burst + REPLAY_BUDGET.perSec * elapsedSec,
    `${okBytes} bytes sent in ${elapsedSec.toFixed(2)} s is within the budget`,
  );
  assert.equal(c.ws.readyState, WebSocket.OPEN, 'over budget is refused, not closed');
  assert.deepEqual(c.invalid, []);
});

test('a resume over the byte budget falls back to a resync (one hello) instead of streaming', async (t) => {
  const stack = await startStack();
  t.after(() => stack.stop());
  fillRing(stack);
  const started = performance.now();
  const c = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => c.close());
  await c.hello();
  const modes: string[] = [];
  for (let i = 0; i < 20; i += 1) {
    const from = c.messages.length;
    const r = await c.request({ type: 'resume', fromSeq: 0 });
    assert.ok(r.ok && r.command === 'resume');
    modes.push(r.result.mode);
    if (r.result.mode === 'resynced') {
      const hellos = c.messages.slice(from).filter((m): m is HelloMessage => m.type === 'hello');
      assert.equal(hellos.length, 1, 'exactly one hello');
      assert.equal(hellos[0]!.resync, true);
    }
  }
  const elapsedSec = (performance.now() - started) / 1000;
  assert.ok(modes.includes('resynced'), `modes: ${modes.join(',')}`);
  assert.equal(modes[0], 'resumed', 'the first one fits');
  const streamed = c.messages.map((m, i) => (m.type === 'events' ? Buffer.byteLength(c.raw[i]!) : 0)).reduce((a, b) => a + b, 0);
  assert.ok(
    streamed <= REPLAY_BUDGET.burst + REPLAY_BUDGET.perSec * elapsedSec,
    `${streamed} bytes streamed in ${elapsedSec.toFixed(2)} s`,
  );
  assert.ok(c.messages.some((m): m is EventsMessage => m.type === 'events'));
  assert.deepEqual(c.invalid, []);
});
