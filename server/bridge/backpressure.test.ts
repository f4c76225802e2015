/**
 * Slow clients: one that stops reading is marked behind (then resynced once it drains) or cut off
 * (hard limit, missed heartbeat), while a second client keeps receiving every event in order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Socket } from 'node:net';
import type { ConnManager } from '../connmgr/index.ts';
import type { EventsMessage, HelloMessage, WireEvent } from '../protocol/index.ts';
import type { Bridge } from './bridge.ts';
import { TestClient, startStack } from './testing.ts';
import { waitFor } from '../test-support.ts';

/** The client's TCP socket; pausing it makes the client stop reading, as a frozen tab would. */
function socketOf(client: TestClient): Socket {
  return (client.ws as unknown as { _socket: Socket })._socket;
}

/**
 * Produces events in rounds of `perRound` (real `config:changed` events from the manager) until
 * `done()`, waiting after each round until the healthy client has them all: it never falls behind,
 * and the paused one's buffer grows by a round each time.
 */
async function floodUntil(manager: ConnManager, bridge: Bridge, healthy: TestClient, done: () => boolean): Promise<void> {
  for (let round = 0; !done(); round += 1) {
    assert.ok(round < 2000, 'the slow client never crossed the limit');
    for (let i = 0; i < 2000; i += 1) manager.setTargetOutbound(((round * 2000 + i) % 2) + 1);
    await healthy.waitForSeq(bridge.stats().eventsTotal);
  }
}

function assertGapFree(events: WireEvent[], afterSeq: number): void {
  for (let i = 0; i < events.length; i += 1) {
    if (events[i]!.seq !== afterSeq + 1 + i) assert.fail(`event ${i} has seq ${events[i]!.seq}, expected ${afterSeq + 1 + i}`);
  }
}

test('a client that stops reading is marked behind, then resynced once it drains; the other one never misses an event', async (t) => {
  const stack = await startStack({ highWaterBytes: 64 * 1024, hardLimitBytes: 1024 ** 3, heartbeatMs: 0, drainCheckMs: 5 });
  t.after(() => stack.stop());
  const { manager, bridge } = stack;
  const [healthy, slow] = await Promise.all([TestClient.connect(bridge.wsUrl), TestClient.connect(bridge.wsUrl)]);
  t.after(() => Promise.all([healthy.close(), slow.close()]));
  const [h1, h2] = await Promise.all([healthy.hello(), slow.hello()]);

  socketOf(slow).pause();
  await floodUntil(manager, bridge, healthy, () => bridge.stats().behindClients === 1);
  const seqWhenBehind = bridge.stats().eventsTotal;
  assert.equal(bridge.stats().fellBehind, 1);
  assert.equal(bridge.stats().clients, 2, 'behind, not cut off');
  // More events while it is behind: none of them is buffered for it.
  await floodUntil(manager, bridge, healthy, () => bridge.stats().eventsTotal > seqWhenBehind + 4000);

  const from = slow.messages.length;
  socketOf(slow).resume();
  const resync = await slow.waitFor((m): m is HelloMessage => m.type === 'hello' && m.resync, { from, timeoutMs: 10_000 });
  assert.ok(resync.snapshot.seq >= seqWhenBehind + 4000, 'the snapshot is current, not where it fell behind');
  assert.equal(resync.snapshot.stats.targetOutbound, manager.stats().targetOutbound);
  assert.deepEqual(bridge.stats().resyncsByCause, { behind: 1, resume: 0 });

  // Before the resync: a gap-free prefix that stopped when it fell behind; after it, live again.
  const before = slow.messages.slice(0, slow.messages.indexOf(resync)).flatMap((m) => (m.type === 'events' ? m.events : []));
  assertGapFree(before, h2.snapshot.seq);
  assert.ok(before.at(-1)!.seq <= seqWhenBehind);
  manager.setTargetOutbound(7);
  await slow.waitForSeq(bridge.stats().eventsTotal);
  const after = slow.messages.slice(slow.messages.indexOf(resync)).flatMap((m) => (m.type === 'events' ? m.events : []));
  assertGapFree(after, resync.snapshot.seq);

  await healthy.waitForSeq(bridge.stats().eventsTotal);
  assertGapFree(healthy.events(), h1.snapshot.seq);
  assert.ok(!healthy.messages.some((m) => m.type === 'hello' && m.resync), 'the healthy client was never resynced');
  assert.deepEqual([...healthy.invalid, ...slow.invalid], []);
});

test('past the hard limit a client that stops reading is cut off; the other one carries on', async (t) => {
  const stack = await startStack({ highWaterBytes: 64 * 1024, hardLimitBytes: 64 * 1024, heartbeatMs: 0 });
  t.after(() => stack.stop());
  const { manager, bridge } = stack;
  const [healthy, slow] = await Promise.all([TestClient.connect(bridge.wsUrl), TestClient.connect(bridge.wsUrl)]);
  t.after(() => Promise.all([healthy.close(), slow.close()]));
  const [h1] = await Promise.all([healthy.hello(), slow.hello()]);

  socketOf(slow).pause();
  await floodUntil(manager, bridge, healthy, () => bridge.stats().droppedByCause['hard-limit'] === 1);
  assert.equal(bridge.stats().clients, 1);
  manager.setTargetOutbound(9);
  await healthy.waitForSeq(bridge.stats().eventsTotal);
  assertGapFree(healthy.events(), h1.snapshot.seq);
  const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
  assert.match(metrics, /^connscope_ws_clients_dropped_total\{cause="hard-limit"\} 1$/m);
});

test('a client that misses a heartbeat is cut off; one that answers stays', async (t) => {
  const stack = await startStack({ heartbeatMs: 250 });
  t.after(() => stack.stop());
  const { manager, bridge } = stack;
  const [healthy, silent] = await Promise.all([TestClient.connect(bridge.wsUrl), TestClient.connect(bridge.wsUrl)]);
  t.after(() => Promise.all([healthy.close(), silent.close()]));
  await Promise.all([healthy.hello(), silent.hello()]);

  socketOf(silent).pause(); // it will never see the ping, so never answer it
  await waitFor(() => bridge.stats().droppedByCause.heartbeat === 1, 'the silent client to be cut off', 5000);
  assert.equal(bridge.stats().clients, 1);
  manager.setTargetOutbound(4);
  const seq = bridge.stats().eventsTotal;
  const got = await healthy.waitFor((m): m is EventsMessage => m.type === 'events' && m.events.some((e) => e.seq === seq));
  assert.ok(got);
  assert.equal(healthy.closed, false);
});
