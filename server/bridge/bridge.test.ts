/**
 * The bridge end to end: a real `ws` client, a real bridge, a real ConnManager on 127.0.0.1 and
 * small real TCP servers as peers.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { tcpDialer } from '../connmgr/index.ts';
import {
  MAX_MESSAGE_BYTES,
  type ConnInfo,
  type EventsMessage,
  type HelloMessage,
  type ReplyMessage,
  type WireEvent,
} from '../protocol/index.ts';
import { startBridge } from './bridge.ts';
import { FakeLab, TestClient, startManager, startStack, startTcpPeer, type TcpPeer } from './testing.ts';
import { refusedAddr } from '../test-support.ts';

async function peers(n: number): Promise<TcpPeer[]> {
  return Promise.all(Array.from({ length: n }, () => startTcpPeer()));
}

function assertGapFree(events: WireEvent[], afterSeq: number): void {
  for (const [i, e] of events.entries()) assert.equal(e.seq, afterSeq + 1 + i, `event ${i} has seq ${e.seq}`);
}

/** Applies conn:state events to a snapshot's connections, as the page does. */
function applyEvents(conns: ConnInfo[], events: WireEvent[]): Map<number, string> {
  const model = new Map(conns.map((c) => [c.id, c.state as string]));
  for (const e of events) {
    if (e.kind !== 'conn:state') continue;
    if (e.to === 'disconnected' || e.to === 'canceled') model.delete(e.id);
    else model.set(e.id, e.to);
  }
  return model;
}

test('hello carries a snapshot at seq N, then events N+1, N+2, … in order and without gaps', async (t) => {
  const ps = await peers(3);
  const stack = await startStack();
  t.after(async () => {
    await stack.stop();
    await Promise.all(ps.map((p) => p.close()));
  });
  const first = await stack.manager.connect(ps[0]!.addr); // before the client: in its snapshot
  const client = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => client.close());
  const hello = await client.hello();
  assert.equal(hello.resync, false);
  assert.equal(hello.canControl, true);
  assert.equal(hello.lab, null);
  assert.deepEqual(hello.config, stack.manager.config());
  assert.deepEqual(
    hello.snapshot.conns.map((c) => [c.id, c.state]),
    [[first.id, 'established']],
  );
  assert.equal(hello.snapshot.seq, stack.bridge.stats().eventsTotal);

  await stack.manager.connect(ps[1]!.addr);
  await stack.manager.connect(ps[2]!.addr);
  stack.manager.disconnect(first.id);
  // The socket closes asynchronously: its final transition is an event to wait for.
  await client.waitFor(
    (m): m is EventsMessage =>
      m.type === 'events' && m.events.some((e) => e.kind === 'conn:state' && e.id === first.id && e.to === 'disconnected'),
  );
  stack.manager.setTargetOutbound(3);
  const last = stack.bridge.stats().eventsTotal;
  await client.waitForSeq(last);
  const events = client.events();
  assertGapFree(events, hello.snapshot.seq);
  assert.equal(events.at(-1)?.seq, last);
  // The snapshot plus the events is the manager's present.
  const model = applyEvents(hello.snapshot.conns, events);
  assert.deepEqual(model, new Map(stack.manager.list().map((c) => [c.id, c.state as string])));
  assert.deepEqual(client.invalid, []);
});

test('resume after a reconnect gets exactly the missed events', async (t) => {
  const ps = await peers(3);
  const stack = await startStack();
  t.after(async () => {
    await stack.stop();
    await Promise.all(ps.map((p) => p.close()));
  });
  const a = await TestClient.connect(stack.bridge.wsUrl);
  const hello = await a.hello();
  await stack.manager.connect(ps[0]!.addr);
  const seenSeq = stack.bridge.stats().eventsTotal;
  await a.waitForSeq(seenSeq);
  await a.close();

  // Missed while away:
  await stack.manager.connect(ps[1]!.addr);
  await stack.manager.connect(ps[2]!.addr);
  stack.manager.setTargetOutbound(2);
  const latest = stack.bridge.stats().eventsTotal;
  assert.ok(latest > seenSeq + 3);

  const b = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => b.close());
  const hello2 = await b.hello();
  assert.equal(hello2.runId, hello.runId);
  const from = b.messages.length;
  const reply = await b.request({ type: 'resume', fromSeq: seenSeq, runId: hello.runId });
  assert.ok(reply.ok && reply.command === 'resume');
  assert.deepEqual(reply.result, { mode: 'resumed', seq: latest });
  const resumed = b.messages.slice(from).flatMap((m) => (m.type === 'events' ? m.events : []));
  assert.deepEqual(
    resumed.map((e) => e.seq),
    Array.from({ length: latest - seenSeq }, (_, i) => seenSeq + 1 + i),
  );
  assert.ok(!b.messages.slice(from).some((m) => m.type === 'hello'), 'no resync needed');
  // And live events continue right after.
  stack.manager.setTargetOutbound(1);
  await b.waitForSeq(latest + 1);
  assert.equal(b.events().at(-1)?.seq, latest + 1);
});

test('resume from an event the ring no longer holds, or from another run, gets a resync snapshot', async (t) => {
  const stack = await startStack({ ringSize: 3 });
  t.after(() => stack.stop());
  const c = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => c.close());
  const hello = await c.hello();
  for (let n = 1; n <= 6; n += 1) stack.manager.setTargetOutbound(n);
  await c.waitForSeq(hello.snapshot.seq + 6);

  let from = c.messages.length;
  const tooOld = await c.request({ type: 'resume', fromSeq: hello.snapshot.seq });
  assert.ok(tooOld.ok && tooOld.command === 'resume');
  assert.equal(tooOld.result.mode, 'resynced');
  const resync = await c.hello(from);
  assert.equal(resync.resync, true);
  assert.equal(resync.snapshot.seq, hello.snapshot.seq + 6);
  assert.equal(resync.snapshot.stats.targetOutbound, 6);
  assert.equal(stack.bridge.stats().resyncsByCause.resume, 1);

  const recent = await c.request({ type: 'resume', fromSeq: hello.snapshot.seq + 4 });
  assert.ok(recent.ok && recent.command === 'resume');
  assert.equal(recent.result.mode, 'resumed', 'the last 3 are still there');

  from = c.messages.length;
  const otherRun = await c.request({ type: 'resume', fromSeq: 2, runId: 'some-earlier-run' });
  assert.ok(otherRun.ok && otherRun.command === 'resume');
  assert.equal(otherRun.result.mode, 'resynced');
  assert.equal((await c.hello(from)).resync, true);
});

test('history backfills the events before a snapshot, newest `limit` of what the ring keeps', async (t) => {
  const stack = await startStack({ ringSize: 5 });
  t.after(() => stack.stop());
  for (let n = 1; n <= 8; n += 1) stack.manager.setTargetOutbound(n); // 8 config:changed events
  const c = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => c.close());
  const hello = await c.hello();
  const last = hello.snapshot.seq;
  assert.ok(last >= 8);

  const all = await c.request({ type: 'history', beforeSeq: last + 1 });
  assert.ok(all.ok && all.command === 'history');
  assert.deepEqual(
    all.result.events.map((e) => e.seq),
    [last - 4, last - 3, last - 2, last - 1, last],
    'only what the ring keeps',
  );
  assert.equal(all.result.firstSeq, last - 4);
  const lastEvent = all.result.events.at(-1)!;
  assert.ok(lastEvent.kind === 'config:changed' && lastEvent.targetOutbound === 8);

  const two = await c.request({ type: 'history', beforeSeq: last, limit: 2 });
  assert.ok(two.ok && two.command === 'history');
  assert.deepEqual(
    two.result.events.map((e) => e.seq),
    [last - 2, last - 1],
  );

  const none = await c.request({ type: 'history', beforeSeq: 1 });
  assert.ok(none.ok && none.command === 'history');
  assert.deepEqual(none.result.events, []);

  const bad = await c.request({ type: 'history', beforeSeq: 5, limit: 100_000 });
  assert.ok(!bad.ok && bad.error.field === 'limit');
});

test('inspect returns the live connection, or ERR_NOT_FOUND', async (t) => {
  const [peer] = await peers(1);
  const stack = await startStack();
  t.after(async () => {
    await stack.stop();
    await peer!.close();
  });
  const info = await stack.manager.connect(peer!.addr);
  const c = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => c.close());
  await c.hello();
  const ok = await c.request({ type: 'inspect', connId: info.id });
  assert.ok(ok.ok && ok.command === 'inspect');
  assert.equal(ok.result.addr, peer!.addr);
  assert.equal(ok.result.state, 'established');
  assert.match(ok.result.localAddr ?? '', /^127\.0\.0\.1:\d+$/);
  const missing = await c.request({ type: 'inspect', connId: 999 });
  assert.ok(!missing.ok && missing.error.code === 'ERR_NOT_FOUND');
});

test('a round trip for each command', async (t) => {
  const ps = await peers(3);
  const lab = new FakeLab();
  const stack = await startStack({ lab });
  t.after(async () => {
    await stack.stop();
    await Promise.all(ps.map((p) => p.close()));
  });
  const c = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => c.close());
  const hello = await c.hello();
  assert.deepEqual(hello.lab, lab.state());

  const connected = await c.request({ type: 'connect', addr: ps[0]!.addr });
  assert.ok(connected.ok && connected.command === 'connect');
  assert.equal(connected.result.state, 'established');
  assert.equal(stack.manager.get(connected.result.id)?.state, 'established');

  const persistent = await c.request({ type: 'connect', addr: ps[1]!.addr, persistent: true });
  assert.ok(persistent.ok && persistent.command === 'connect');
  assert.equal(persistent.result.persistent, true);

  const added = await c.request({ type: 'addPersistent', addr: ps[2]!.addr });
  assert.ok(added.ok && added.command === 'addPersistent');
  assert.equal(stack.manager.get(added.result.id)?.persistent, true);

  const { id: _id, ...disconnected } = await c.request({ type: 'disconnect', connId: connected.result.id });
  assert.deepEqual(disconnected, { v: 1, type: 'reply', ok: true, command: 'disconnect', result: null });
  assert.equal(stack.manager.get(connected.result.id), undefined, 'a one-shot connection is gone after disconnect');

  assert.ok((await c.request({ type: 'remove', connId: added.result.id })).ok);
  assert.equal(stack.manager.get(added.result.id), undefined);

  const target = await c.request({ type: 'setTargetOutbound', n: 4 });
  assert.ok(target.ok && target.command === 'setTargetOutbound');
  assert.deepEqual(target.result, { targetOutbound: 4 });
  assert.equal(stack.manager.config().targetOutbound, 4);

  const peer = await c.request({ type: 'lab.addPeer', behaviour: 'flap' });
  assert.ok(peer.ok && peer.command === 'lab.addPeer');
  assert.equal(peer.result.behaviour, 'flap');
  assert.ok((await c.request({ type: 'lab.stopPeer', peerId: peer.result.peerId })).ok);
  assert.ok((await c.request({ type: 'lab.startFlood', connections: 20 })).ok);
  assert.ok((await c.request({ type: 'lab.stopFlood' })).ok);
  assert.deepEqual(lab.calls, ['addPeer:flap', `stopPeer:${peer.result.peerId}`, 'startFlood:20:-', 'stopFlood']);

  const missing = await c.request({ type: 'lab.stopPeer', peerId: 'p404' });
  assert.equal(missing.ok, false);
  assert.equal(!missing.ok && missing.error.code, 'ERR_LAB_NOT_FOUND', "the lab's own code is passed on");

  // The page sees the lab change as numbered lab:state events.
  await c.waitFor(
    (m): m is EventsMessage =>
      m.type === 'events' && m.events.some((e) => e.kind === 'lab:state' && e.state.peers.some((p) => p.state === 'stopped')),
  );
  assert.ok(c.events().some((e) => e.kind === 'lab:state' && e.state.peers.length === 1));
  await stack.bridge.close();
  assert.equal(lab.listenerCount, 0, 'close() unsubscribes from the lab');
});

test('without a lab, lab commands get ERR_NO_LAB', async (t) => {
  const stack = await startStack();
  t.after(() => stack.stop());
  const c = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => c.close());
  await c.hello();
  const r = await c.request({ type: 'lab.addPeer', behaviour: 'stable' });
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.code, 'ERR_NO_LAB');
});

test('a live server answers replaySeek with ERR_NOT_REPLAY, and its hello has no replay field', async (t) => {
  const stack = await startStack();
  t.after(() => stack.stop());
  const c = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => c.close());
  const hello = await c.hello();
  assert.equal(hello.replay, undefined);
  const r = await c.request({ type: 'replaySeek', seq: 1 });
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.code, 'ERR_NOT_REPLAY');
  assert.equal(r.command, 'replaySeek');
  const snapshot = (await (await fetch(`${stack.bridge.url}/api/snapshot`)).json()) as Record<string, unknown>;
  assert.equal('replay' in snapshot, false);
});

test('bad commands get an error naming the field, and the socket stays open', async (t) => {
  const peer = await startTcpPeer();
  const refused = await refusedAddr();
  const stack = await startStack();
  t.after(async () => {
    await stack.stop();
    await peer.close();
  });
  const c = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => c.close());
  await c.hello();

  const cases: [Record<string, unknown> & { type: never }, string, string | undefined][] = [
    [{ type: 'disconnect', connId: 'seven' } as never, 'ERR_BAD_MESSAGE', 'connId'],
    [{ type: 'connect' } as never, 'ERR_BAD_MESSAGE', 'addr'],
    [{ type: 'setTargetOutbound', n: -2 } as never, 'ERR_BAD_MESSAGE', 'n'],
    [{ type: 'teleport' } as never, 'ERR_BAD_MESSAGE', 'type'],
    [{ type: 'connect', addr: 'no-port-here' } as never, 'ERR_INVALID_ADDRESS', 'addr'],
    [{ type: 'disconnect', connId: 9999 } as never, 'ERR_NOT_FOUND', 'connId'],
    [{ type: 'remove', connId: 9999 } as never, 'ERR_NOT_FOUND', 'connId'],
    [{ type: 'connect', addr: refused } as never, 'ERR_DIAL_FAILED', undefined],
  ];
  for (const [command, code, field] of cases) {
    const r = await c.request(command);
    assert.equal(r.ok, false, JSON.stringify(command));
    if (r.ok) continue;
    assert.equal(r.error.code, code, JSON.stringify(command));
    assert.equal(r.error.field, field, JSON.stringify(command));
    assert.ok(r.error.message.length > 10, 'a message a person can act on');
  }
  // A header-injection-shaped address is told what is wrong with it (not to bracket an IPv6).
  const injected = await c.request({ type: 'connect', addr: '127.0.0.1:1\r\nX: y' });
  assert.equal(!injected.ok && injected.error.code, 'ERR_INVALID_ADDRESS');
  assert.equal(!injected.ok && injected.error.message, 'address must not contain spaces or control characters');
  const dup = await c.request({ type: 'connect', addr: peer.addr });
  assert.ok(dup.ok);
  const again = await c.request({ type: 'connect', addr: peer.addr });
  assert.equal(!again.ok && again.error.code, 'ERR_ALREADY_CONNECTED');

  // Not JSON, binary, and too large: replies with id null.
  for (const [payload, code] of [
    ['{nope', 'ERR_BAD_MESSAGE'],
    [Buffer.from([1, 2, 3]), 'ERR_BAD_MESSAGE'],
    [JSON.stringify({ v: 1, id: 'big', type: 'connect', addr: 'x'.repeat(MAX_MESSAGE_BYTES) }), 'ERR_TOO_LARGE'],
  ] as const) {
    const from = c.messages.length;
    c.ws.send(payload);
    const r = await c.waitFor((m): m is ReplyMessage => m.type === 'reply', { from });
    assert.equal(!r.ok && r.error.code, code);
    assert.equal(r.id, null);
  }
  assert.equal(c.ws.readyState, WebSocket.OPEN);
  const fine = await c.request({ type: 'setTargetOutbound', n: 1 });
  assert.ok(fine.ok, 'still served after all that');
  assert.deepEqual(c.invalid, []);
});

test('a message far beyond the cap closes the socket (ws maxPayload), other clients unaffected', async (t) => {
  const stack = await startStack();
  t.after(() => stack.stop());
  const [a, b] = await Promise.all([TestClient.connect(stack.bridge.wsUrl), TestClient.connect(stack.bridge.wsUrl)]);
  t.after(() => Promise.all([a.close(), b.close()]));
  await Promise.all([a.hello(), b.hello()]);
  const closed = once(a.ws, 'close');
  a.ws.send('x'.repeat(MAX_MESSAGE_BYTES * 8));
  const [code] = await closed;
  assert.equal(code, 1009);
  assert.ok((await b.request({ type: 'setTargetOutbound', n: 2 })).ok);
});

test("a slow connect does not hold up the client's other commands", async (t) => {
  let release: () => void = () => undefined;
  const stack = await startStack(
    {},
    {
      // A dial to port 9 hangs until released (or aborted); others are real TCP dials.
      dial: (addr, signal) =>
        addr.endsWith(':9')
          ? new Promise((_resolve, reject) => {
              release = () => reject(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
              signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
            })
          : tcpDialer(addr, signal),
    },
  );
  t.after(() => stack.stop());
  const c = await TestClient.connect(stack.bridge.wsUrl);
  t.after(() => c.close());
  await c.hello();
  const slow = c.request({ type: 'connect', addr: '127.0.0.1:9' });
  const quick = await c.request({ type: 'setTargetOutbound', n: 3 });
  assert.ok(quick.ok);
  assert.ok(!c.messages.some((m) => m.type === 'reply' && m.command === 'connect'), 'connect has not replied yet');
  release();
  const r = await slow;
  assert.equal(!r.ok && r.error.code, 'ERR_DIAL_FAILED');
});

test('commands over the per-client rate limit get ERR_RATE_LIMITED; the socket stays open', async (t) => {
  const stack = await startStack({ rateLimit: { perSec: 0.001, burst: 3 } });
  t.after(() => stack.stop());
  const [c, other] = await Promise.all([TestClient.connect(stack.bridge.wsUrl), TestClient.connect(stack.bridge.wsUrl)]);
  t.after(() => Promise.all([c.close(), other.close()]));
  await Promise.all([c.hello(), other.hello()]);
  const replies = await Promise.all(Array.from({ length: 6 }, (_, i) => c.request({ type: 'setTargetOutbound', n: i })));
  const codes = replies.map((r) => (r.ok ? 'ok' : r.error.code));
  assert.deepEqual(codes, ['ok', 'ok', 'ok', 'ERR_RATE_LIMITED', 'ERR_RATE_LIMITED', 'ERR_RATE_LIMITED']);
  assert.equal(c.ws.readyState, WebSocket.OPEN);
  assert.ok((await other.request({ type: 'setTargetOutbound', n: 9 })).ok, 'another client has its own bucket');
  assert.equal(stack.bridge.stats().commandsRateLimited, 3);
});

test('a WebSocket upgrade from a foreign Origin is refused with 403', async (t) => {
  const stack = await startStack({ allowedOrigins: ['http://localhost:5173'] });
  t.after(() => stack.stop());
  const port = stack.bridge.port;
  for (const origin of ['http://evil.example', `http://evil.example:${port}`, `http://localhost:${port + 1}`, 'null']) {
    await assert.rejects(TestClient.connect(stack.bridge.wsUrl, { origin }), /HTTP 403/, origin);
  }
  for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`, 'http://localhost:5173']) {
    const c = await TestClient.connect(stack.bridge.wsUrl, { origin });
    assert.equal((await c.hello()).canControl, true, origin);
    await c.close();
  }
  await assert.rejects(TestClient.connect(stack.bridge.wsUrl.replace('/ws', '/other')), /HTTP 404/);
  assert.deepEqual(stack.bridge.stats().upgradesRefused, { origin: 4, host: 0, path: 1, 'max-clients': 0 });
});

test('a refused upgrade does not hold its socket: close() resolves even if the client never hangs up', async (t) => {
  const stack = await startStack();
  const port = stack.bridge.port;
  // A client that keeps its side open after the server's answer (half-open), as a raw script may.
  const raw = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
  raw.on('error', () => undefined);
  t.after(async () => {
    raw.destroy();
    await stack.stop();
  });
  let answer = '';
  raw.on('data', (chunk) => (answer += chunk.toString()));
  await once(raw, 'connect');
  raw.write(
    `GET /elsewhere HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
  await once(raw, 'end');
  assert.match(answer, /^HTTP\/1\.1 404 /);
  const outcome = await Promise.race([
    stack.bridge.close().then(() => 'closed'),
    new Promise((resolve) => setTimeout(resolve, 3000, 'still open after 3 s')),
  ]);
  assert.equal(outcome, 'closed');
});

test('bound to a non-loopback address, control needs the token; viewers are read-only', async (t) => {
  const manager = await startManager();
  const bridge = await startBridge({ manager, host: '0.0.0.0', port: 0, token: 'open-sesame', staticDir: '/nonexistent' });
  t.after(async () => {
    await bridge.close();
    await manager.stop();
  });
  const url = `ws://127.0.0.1:${bridge.port}/ws`;

  const viewer = await TestClient.connect(url);
  t.after(() => viewer.close());
  const hello = await viewer.hello();
  assert.equal(hello.canControl, false);
  assert.match(hello.readOnlyReason ?? '', /token/);
  const refused = await viewer.request({ type: 'setTargetOutbound', n: 5 });
  assert.equal(!refused.ok && refused.error.code, 'ERR_READ_ONLY');
  assert.equal(manager.config().targetOutbound, 0, 'nothing changed');
  const wrong = await viewer.request({ type: 'setTargetOutbound', n: 5, token: 'guess' });
  assert.equal(!wrong.ok && wrong.error.code, 'ERR_READ_ONLY');
  assert.equal(!wrong.ok && wrong.error.field, 'token');
  assert.ok((await viewer.request({ type: 'resume', fromSeq: 0 })).ok, 'viewers may still resume');
  const withField = await viewer.request({ type: 'setTargetOutbound', n: 5, token: 'open-sesame' });
  assert.ok(withField.ok, 'a command carrying the token is obeyed');
  assert.equal(manager.config().targetOutbound, 5);

  const controller = await TestClient.connect(`${url}?token=open-sesame`);
  t.after(() => controller.close());
  assert.equal((await controller.hello()).canControl, true);
  assert.ok((await controller.request({ type: 'setTargetOutbound', n: 6 })).ok);

  const badToken = await TestClient.connect(`${url}?token=nope`);
  t.after(() => badToken.close());
  assert.equal((await badToken.hello()).canControl, false);
});

test('bound to a non-loopback address without a token, nobody controls', async (t) => {
  const manager = await startManager();
  const bridge = await startBridge({ manager, host: '0.0.0.0', port: 0, staticDir: '/nonexistent' });
  t.after(async () => {
    await bridge.close();
    await manager.stop();
  });
  const c = await TestClient.connect(`ws://127.0.0.1:${bridge.port}/ws?token=anything`);
  t.after(() => c.close());
  const hello: HelloMessage = await c.hello();
  assert.equal(hello.canControl, false);
  assert.match(hello.readOnlyReason ?? '', /without a control token/);
});

test('close() closes clients, is idempotent, and the manager keeps working without it', async (t) => {
  const peer = await startTcpPeer();
  const manager = await startManager();
  t.after(async () => {
    await manager.stop();
    await peer.close();
  });
  const bridge = await startBridge({ manager, port: 0, staticDir: '/nonexistent' });
  const c = await TestClient.connect(bridge.wsUrl);
  await c.hello();
  const closed = once(c.ws, 'close');
  await Promise.all([bridge.close(), bridge.close()]);
  await closed;
  await bridge.close();
  await assert.rejects(fetch(`${bridge.url}/healthz`));
  const info = await manager.connect(peer.addr); // events go nowhere, and nothing throws
  assert.equal(info.state, 'established');
});

test('close() sends every client a close frame 1001 (going away); one that never answers is cut off after a grace', async (t) => {
  const manager = await startManager();
  t.after(() => manager.stop());
  const bridge = await startBridge({ manager, port: 0, staticDir: '/nonexistent' });
  const [polite, deaf] = await Promise.all([TestClient.connect(bridge.wsUrl), TestClient.connect(bridge.wsUrl)]);
  t.after(() => Promise.all([polite.close(), deaf.close()]));
  await Promise.all([polite.hello(), deaf.hello()]);
  const politeClosed = once(polite.ws, 'close');
  const deafClosed = once(deaf.ws, 'close');
  // It stops reading, so it never sees the close frame nor answers it.
  const deafSocket = (deaf.ws as unknown as { _socket: Socket })._socket;
  deafSocket.pause();
  const outcome = await Promise.race([
    bridge.close().then(() => 'closed'),
    new Promise((resolve) => setTimeout(resolve, 10_000, 'still open after 10 s')),
  ]);
  assert.equal(outcome, 'closed', 'a client that does not answer cannot hold close() up');
  const [code, reason] = (await politeClosed) as [number, Buffer];
  assert.equal(code, 1001);
  assert.equal(reason.toString(), 'server shutting down');
  deafSocket.resume();
  await deafClosed;
  assert.equal(bridge.stats().clients, 0);
});

test('invalid options throw a TypeError naming the option', async () => {
  const manager = await startManager();
  try {
    await assert.rejects(startBridge({ manager, port: -1 }), /option port/);
    await assert.rejects(startBridge({ manager, port: 0, batchMax: 0 }), /option batchMax/);
    await assert.rejects(startBridge({ manager, port: 0, highWaterBytes: 10, hardLimitBytes: 5 }), /option hardLimitBytes/);
    await assert.rejects(startBridge({ manager: {} as never, port: 0 }), /option manager/);
  } finally {
    await manager.stop();
  }
});
