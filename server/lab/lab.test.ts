/**
 * The lab against a REAL ConnManager on real 127.0.0.1 sockets: each behaviour must produce the
 * transition reasons it promises. Durations are shortened through options; we await events with
 * generous timeouts instead of sleeping, and assert lower bounds only (never tight windows).
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test, type TestContext } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { ConnManager, isConnMgrError, realClock, type ConnManagerOptions, type ConnStateEvent } from '../connmgr/index.ts';
import type { PeerBehaviour } from '../protocol/lab.ts';
import { isLabError } from './errors.ts';
import { Lab, defaultLabMix, type LabStartOptions } from './lab.ts';
import { labJudge } from './judge.ts';
import { Peer } from './peer.ts';
import { createRng } from './prng.ts';
import { dialResult } from './testing.ts';
import { scaleTimings } from './timings.ts';
import { ScaledClock } from '../connmgr/scaled-clock.ts';
import { quietLogger, waitFor } from '../test-support.ts';

interface Rig {
  lab: Lab;
  cm: ConnManager;
  events: ConnStateEvent[];
  addrOf(behaviour: PeerBehaviour): string;
  find(pred: (e: ConnStateEvent) => boolean, what: string, timeoutMs?: number): Promise<ConnStateEvent>;
}

/** A lab and a started manager, both stopped when the test ends (whatever happens). */
async function rig(
  t: TestContext,
  labOptions: LabStartOptions,
  cmOptions: ConnManagerOptions | ((lab: Lab) => ConnManagerOptions) = {},
): Promise<Rig> {
  const lab = await Lab.start({ trickle: false, ...labOptions });
  const cm = new ConnManager({ logger: quietLogger, ...(typeof cmOptions === 'function' ? cmOptions(lab) : cmOptions) });
  t.after(async () => {
    await cm.stop();
    await lab.stop();
  });
  const events: ConnStateEvent[] = [];
  cm.on('conn:state', (e) => events.push(e));
  await cm.start();
  return {
    lab,
    cm,
    events,
    addrOf: (behaviour) => {
      const peer = lab.state().peers.find((p) => p.behaviour === behaviour && p.state === 'running');
      assert.ok(peer, `no running ${behaviour} peer`);
      return peer.addr;
    },
    find: (pred, what, timeoutMs) => waitFor(() => events.find(pred), what, timeoutMs ?? 8000),
  };
}

test('stable: established and stays, its heartbeats counted in bytesIn (no idle kick)', async (t) => {
  const r = await rig(t, { seed: 101, peers: [{ behaviour: 'stable', count: 1 }], timings: { heartbeatMs: 100 } }, { idleTimeoutMs: 600 });
  const info = await r.cm.connect(r.addrOf('stable'));
  assert.equal(info.state, 'established');
  // Wait for well over two idle periods' worth of heartbeats: greeting (~30 bytes) + 5 bytes each.
  await waitFor(() => (r.cm.get(info.id)?.bytesIn ?? 0) >= 30 + 5 * 14, 'heartbeat bytes past 1.4 s', 10_000);
  assert.equal(r.cm.get(info.id)?.state, 'established');
  assert.equal(r.cm.stats().idleKicks, 0);
  assert.ok(!r.events.some((e) => e.id === info.id && e.to === 'disconnected'));
  assert.equal(r.lab.state().peers[0]?.accepted, 1);
});

test('refuse: dial-refused with ECONNREFUSED', async (t) => {
  const r = await rig(t, { seed: 102, peers: [{ behaviour: 'refuse', count: 1 }] });
  const addr = r.addrOf('refuse');
  await assert.rejects(r.cm.connect(addr), (err) => isConnMgrError(err, 'ERR_DIAL_FAILED') && err.sysCode === 'ECONNREFUSED');
  const e = await r.find((x) => x.addr === addr && x.to === 'canceled', 'the canceled transition');
  assert.equal(e.reason, 'dial-refused');
  assert.equal(e.code, 'ECONNREFUSED');
});

test('hang: established, never a byte, then idle-timeout', async (t) => {
  const r = await rig(t, { seed: 103, peers: [{ behaviour: 'hang', count: 1 }] }, { idleTimeoutMs: 300 });
  const info = await r.cm.connect(r.addrOf('hang'));
  const end = await r.find((e) => e.id === info.id && e.to === 'disconnected', 'the idle kick');
  assert.equal(end.reason, 'idle-timeout');
  assert.ok(end.at - (info.establishedAt ?? 0) >= 250, 'kicked only after the idle timeout');
  assert.equal(r.cm.stats().idleKicks, 1);
  assert.equal(r.cm.stats().disconnects['idle-timeout'], 1);
});

test('flap: established, then remote-closed after its seeded lifetime', async (t) => {
  const r = await rig(t, { seed: 104, peers: [{ behaviour: 'flap', count: 1 }], timings: { flapLifetimeMs: [200, 400] } });
  const info = await r.cm.connect(r.addrOf('flap'));
  const end = await r.find((e) => e.id === info.id && e.to === 'disconnected', 'the flap');
  assert.equal(end.reason, 'remote-closed');
  assert.ok(end.at - (info.establishedAt ?? 0) >= 150, `closed too early (${end.at - (info.establishedAt ?? 0)} ms)`);
});

test('reset: established, then remote-reset (ECONNRESET)', async (t) => {
  const r = await rig(t, { seed: 105, peers: [{ behaviour: 'reset', count: 1 }], timings: { resetAfterMs: 200 } });
  const info = await r.cm.connect(r.addrOf('reset'));
  const end = await r.find((e) => e.id === info.id && e.to === 'disconnected', 'the reset');
  assert.equal(end.reason, 'remote-reset');
  assert.equal(end.code, 'ECONNRESET');
});

test('slow (attached): the dial is established only after its delay', async (t) => {
  const delayMs = 600;
  const r = await rig(
    t,
    { seed: 106, peers: [{ behaviour: 'slow', count: 1 }], timings: { slowDelayMs: delayMs } },
    { dialTimeoutMs: 15_000 },
  );
  r.lab.attach(r.cm);
  const info = await r.cm.connect(r.addrOf('slow'));
  const pending = r.events.find((e) => e.id === info.id && e.to === 'pending');
  assert.ok(pending);
  assert.ok((info.establishedAt ?? 0) - pending.at >= delayMs, `established after ${(info.establishedAt ?? 0) - pending.at} ms`);
  // Once in, it behaves like a stable peer: greeting and heartbeats arrive.
  await waitFor(() => (r.cm.get(info.id)?.bytesIn ?? 0) > 0, 'bytes from the slow peer', 8000);
  await waitFor(() => r.lab.state().peers[0]?.accepted === 1, 'the slow peer to count its connection', 8000);
});

test('slow (not attached): closed for its delay after arming, then a raw connect completes', async (t) => {
  const lab = await Lab.start({ seed: 107, peers: [{ behaviour: 'slow', count: 1 }], timings: { slowDelayMs: 500 } });
  t.after(() => lab.stop());
  const addr = lab.state().peers[0]!.addr;
  const started = Date.now();
  const socket = connect({ host: '127.0.0.1', port: Number(addr.split(':')[1]) });
  t.after(() => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  assert.ok(Date.now() - started >= 400, `connected after ${Date.now() - started} ms`);
});

test('blackhole: the dial never completes, so the dial timeout fires', async (t) => {
  const r = await rig(t, { seed: 108, peers: [{ behaviour: 'blackhole', count: 1 }] }, { dialTimeoutMs: 300 });
  const addr = r.addrOf('blackhole');
  await assert.rejects(r.cm.connect(addr), (err) => isConnMgrError(err, 'ERR_DIAL_TIMEOUT'));
  const e = await r.find((x) => x.addr === addr && x.to === 'canceled', 'the canceled transition');
  assert.equal(e.reason, 'dial-timeout');
});

test('blackhole: a raw net.connect stays pending past 1.5 s', async (t) => {
  const lab = await Lab.start({ seed: 109, peers: [{ behaviour: 'blackhole', count: 1 }] });
  t.after(() => lab.stop());
  const port = Number(lab.state().peers[0]!.addr.split(':')[1]);
  const socket = connect({ host: '127.0.0.1', port });
  t.after(() => socket.destroy());
  let outcome = 'pending';
  socket.once('connect', () => (outcome = 'connected'));
  socket.once('error', (err: NodeJS.ErrnoException) => (outcome = `error ${err.code}`));
  await new Promise((resolve) => setTimeout(resolve, 1600)); // a lower bound on "never": the one sleep of the suite
  assert.equal(outcome, 'pending');
  assert.equal(socket.pending, true);
});

test('flood past maxInbound with shed: the manager counts rejected.limit, the lab closedByServer', async (t) => {
  let listenAddr: string | undefined;
  const r = await rig(
    t,
    { seed: 110, peers: [], managerListen: () => listenAddr },
    { listen: [{ host: '127.0.0.1', port: 0 }], maxInbound: 3, inboundPolicy: 'shed', targetOutbound: 0 },
  );
  listenAddr = r.cm.listeners()[0]!.address;
  r.lab.startFlood({ connections: 10, ratePerSec: 200 });
  await waitFor(() => r.lab.state().flood.closedByServer >= 7 && r.cm.stats().rejected.limit >= 7, 'shed flood connections', 8000);
  assert.equal(r.cm.stats().currByType.inbound, 3);
  const flood = r.lab.state().flood;
  assert.equal(flood.active, true);
  assert.ok(flood.opened >= 10, `opened ${flood.opened}`);
  r.lab.stopFlood();
  assert.equal(r.lab.state().flood.active, false);
  await waitFor(() => r.cm.stats().currByType.inbound === 0, 'the held flood connections to close', 8000);
});

test('trickle: inbound connections come and go', async (t) => {
  let listenAddr: string | undefined;
  const r = await rig(
    t,
    {
      seed: 111,
      peers: [],
      managerListen: () => listenAddr,
      trickle: true,
      timings: { trickleIntervalMs: [30, 60], trickleLifetimeMs: [150, 250], heartbeatMs: 50 },
    },
    { listen: [{ host: '127.0.0.1', port: 0 }], targetOutbound: 0 },
  );
  listenAddr = r.cm.listeners()[0]!.address;
  const end = await r.find((e) => e.type === 'inbound' && e.to === 'disconnected', 'a trickle connection to end');
  assert.equal(end.reason, 'remote-closed');
  assert.ok(r.events.some((e) => e.id === end.id && e.to === 'established' && e.reason === 'accepted'));
});

test('automatic outbound from the address book: the manager keeps its target on the lab peers', async (t) => {
  const r = await rig(
    t,
    {
      seed: 112,
      peers: [
        { behaviour: 'stable', count: 3 },
        { behaviour: 'refuse', count: 2 },
      ],
    },
    (lab) => ({
      targetOutbound: 3,
      getNewAddress: lab.getNewAddress,
    }),
  );
  r.lab.attach(r.cm); // after start(): the first dials were already in flight — the book copes
  const stable = new Set(
    r.lab
      .state()
      .peers.filter((p) => p.behaviour === 'stable')
      .map((p) => p.addr),
  );
  await waitFor(() => r.cm.stats().currByState.established === 3, 'three established outbound connections', 8000);
  for (const c of r.cm.list()) assert.ok(stable.has(c.addr), `${c.addr} is a stable peer`);
  assert.ok(
    r.events.some((e) => e.reason === 'dial-refused'),
    'the refusing peers were tried too',
  );
  assert.equal(r.lab.state().addressBook.size, 5);
  assert.ok(r.lab.state().addressBook.tried >= 4);
  // In use means skipped: with every stable address connected, the book hands out only the others.
  const refuse = new Set(
    r.lab
      .state()
      .peers.filter((p) => p.behaviour === 'refuse')
      .map((p) => p.addr),
  );
  for (let i = 0; i < 4; i++) assert.ok(refuse.has(await r.lab.getNewAddress()));
});

test('same seed, same peers (ids, behaviours, addresses); another seed differs', async () => {
  const snapshot = async (seed: number): Promise<string[]> => {
    const lab = await Lab.start({ seed, peers: defaultLabMix });
    try {
      return lab.state().peers.map((p) => `${p.peerId} ${p.behaviour} ${p.addr}`);
    } finally {
      await lab.stop();
    }
  };
  const a = await snapshot(7);
  const b = await snapshot(7);
  assert.equal(a.length, 19);
  assert.deepEqual(b, a);
  assert.notDeepEqual(await snapshot(8), a);
});

test('lab commands: errors carry codes; stopPeer closes the port; stop is final and idempotent', async (t) => {
  const lab = await Lab.start({ seed: 113, peers: [{ behaviour: 'stable', count: 1 }], maxPeers: 2 });
  t.after(() => lab.stop());
  const changes: number[] = [];
  lab.onChange((s) => changes.push(s.peers.length));

  await assert.rejects(lab.addPeer('nope' as PeerBehaviour), (e) => isLabError(e, 'ERR_LAB_INVALID_ARGUMENT'));
  const added = await lab.addPeer('hang');
  assert.equal(added.behaviour, 'hang');
  assert.equal(added.state, 'running');
  assert.equal(lab.addressBook.has(added.addr), true);
  await assert.rejects(lab.addPeer('stable'), (e) => isLabError(e, 'ERR_LAB_LIMIT') && /stop one/.test(e.message));
  await assert.rejects(lab.stopPeer('p99'), (e) => isLabError(e, 'ERR_LAB_NOT_FOUND'));
  assert.throws(
    () => lab.startFlood({ connections: 5 }),
    (e) => isLabError(e, 'ERR_LAB_NO_TARGET'),
  );
  assert.throws(
    () => lab.startFlood({ connections: 0 }),
    (e) => isLabError(e, 'ERR_LAB_INVALID_ARGUMENT'),
  );

  await lab.stopPeer(added.peerId);
  await lab.stopPeer(added.peerId); // a no-op
  assert.equal(lab.state().peers.find((p) => p.peerId === added.peerId)?.state, 'stopped');
  assert.equal(await dialResult(Number(added.addr.split(':')[1])), 'ECONNREFUSED');
  await lab.addPeer('stable'); // the stopped peer's slot is free again
  await waitFor(() => changes.length > 0, 'an onChange notification', 8000);

  await Promise.all([lab.stop(), lab.stop()]);
  assert.equal(lab.state().enabled, false);
  assert.ok(lab.state().peers.every((p) => p.state === 'stopped'));
  await assert.rejects(lab.addPeer('stable'), (e) => isLabError(e, 'ERR_LAB_STOPPED'));
  await assert.rejects(lab.stopPeer('p1'), (e) => isLabError(e, 'ERR_LAB_STOPPED'));
  await assert.rejects(lab.getNewAddress(), (e) => isLabError(e, 'ERR_LAB_STOPPED'));
  assert.throws(
    () => lab.startFlood({ connections: 1 }),
    (e) => isLabError(e, 'ERR_LAB_STOPPED'),
  );
});

test('bulk: addPeers starts N of a behaviour at once (all or none past maxPeers); stopPeers stops every running one of it', async (t) => {
  const lab = await Lab.start({ seed: 7, peers: [{ behaviour: 'stable', count: 1 }], maxPeers: 6 });
  t.after(() => lab.stop());
  const refusers = await lab.addPeers('refuse', 4);
  assert.equal(refusers.length, 4);
  assert.ok(refusers.every((p) => p.behaviour === 'refuse' && p.state === 'running'));
  assert.equal(new Set(refusers.map((p) => p.addr)).size, 4);
  for (const p of refusers) assert.equal(lab.addressBook.has(p.addr), true);
  // 1 + 4 running: 2 more would pass the limit of 6, so none starts.
  await assert.rejects(
    lab.addPeers('hang', 2),
    (e) => isLabError(e, 'ERR_LAB_LIMIT') && /2 more peers would make 7; at most 6/.test(e.message),
  );
  assert.equal(lab.state().peers.filter((p) => p.state === 'running').length, 5);
  await assert.rejects(lab.addPeers('hang', 0), (e) => isLabError(e, 'ERR_LAB_INVALID_ARGUMENT'));

  assert.equal(await lab.stopPeers('refuse'), 4);
  assert.equal(await lab.stopPeers('refuse'), 0, 'none left running');
  const states = lab.state().peers.map((p) => [p.behaviour, p.state]);
  assert.ok(
    states.every(([b, st]) => (b === 'refuse' ? st === 'stopped' : st === 'running')),
    JSON.stringify(states),
  );
  assert.equal(await dialResult(Number(refusers[0]!.addr.split(':')[1])), 'ECONNREFUSED');
});

test("slow motion: at 0.25× the manager's backoff takes four times as long in wall time, in the same manager time", async (t) => {
  const clock = new ScaledClock(realClock, 1);
  const lab = await Lab.start({ seed: 3, peers: [{ behaviour: 'refuse', count: 1 }], managerClock: clock });
  const cm = new ConnManager({ targetOutbound: 0, retryDelayMs: 150, maxRetryDelayMs: 150, logger: quietLogger, clock });
  t.after(async () => {
    await cm.stop();
    await lab.stop();
  });
  await cm.start();
  assert.equal(lab.state().speed, 1);
  lab.setSpeed(0.25);
  assert.equal(lab.state().speed, 0.25);
  assert.throws(
    () => lab.setSpeed(3),
    (e) => isLabError(e, 'ERR_LAB_INVALID_ARGUMENT'),
  );
  const refuse = lab.state().peers[0]!;
  const failures: Array<{ wall: number; at: number; retryAt: number }> = [];
  cm.on('conn:state', (e) => {
    if (e.to === 'failing') failures.push({ wall: performance.now(), at: e.at, retryAt: e.retryAt! });
  });
  cm.addPersistent(refuse.addr);
  await waitFor(() => failures.length >= 3, 'three failures', 8000);
  for (const f of failures) assert.equal(f.retryAt - f.at, 150, 'the rule in manager time is unchanged');
  // Between two failures the manager waited 150 ms of its time: at least 600 ms of wall time.
  const wall = failures[2]!.wall - failures[1]!.wall;
  const managed = failures[2]!.at - failures[1]!.at;
  assert.ok(wall >= 0.9 * managed * 4, `${wall.toFixed(0)} ms of wall time for ${managed.toFixed(0)} ms of manager time`);
});

test('stop() leaves nothing open: default mix, manager, trickle and flood all running', async () => {
  await tick();
  const before = countByType(process.getActiveResourcesInfo());
  let listenAddr: string | undefined;
  const lab = await Lab.start({ seed: 114, managerListen: () => listenAddr, timeScale: 0.1 });
  const cm = new ConnManager({
    logger: quietLogger,
    listen: [{ host: '127.0.0.1', port: 0 }],
    getNewAddress: lab.getNewAddress,
    targetOutbound: 8,
    maxInbound: 4,
    dialTimeoutMs: 500,
    retryDelayMs: 100,
    maxRetryDelayMs: 200,
  });
  lab.attach(cm);
  try {
    await cm.start();
    listenAddr = cm.listeners()[0]!.address;
    lab.startFlood({ connections: 8, ratePerSec: 100 });
    await waitFor(() => cm.stats().currByState.established >= 6 && lab.state().flood.closedByServer > 0, 'a busy network', 8000);
  } finally {
    await cm.stop();
    await lab.stop();
  }
  await tick();
  const after = countByType(process.getActiveResourcesInfo());
  for (const [type, n] of after) {
    assert.ok(n <= (before.get(type) ?? 0), `${n} ${type} open after stop (before: ${before.get(type) ?? 0})`);
  }
});

test('stop() during addPeer waits for the peer being started (its gate holder too)', async () => {
  await tick();
  const before = countByType(process.getActiveResourcesInfo());
  const lab = await Lab.start({ seed: 115, peers: [] });
  const adding = lab.addPeer('blackhole').then(
    () => 'added',
    (e: unknown) => (isLabError(e, 'ERR_LAB_STOPPED') ? 'ERR_LAB_STOPPED' : String(e)),
  );
  await lab.stop(); // while the peer's gate is still starting
  const after = countByType(process.getActiveResourcesInfo());
  for (const [type, n] of after) {
    assert.ok(n <= (before.get(type) ?? 0), `${n} ${type} open right after stop() resolved (before: ${before.get(type) ?? 0})`);
  }
  assert.equal(await adding, 'ERR_LAB_STOPPED');
});

function countByType(types: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of types) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
}

test('a slow peer left waiting for dial signals opens on its own once switched back to auto; a blackhole never does', {
  timeout: 15_000,
}, async (t) => {
  const timings = scaleTimings({ slowDelayMs: 300 });
  let port = 24000;
  const start = (behaviour: PeerBehaviour): Promise<Peer> =>
    Peer.start({
      id: behaviour,
      behaviour,
      host: '127.0.0.1',
      nextPort: () => port++,
      timings,
      rng: createRng(1),
      autoOpen: false,
      onChange: () => undefined,
    });
  const slow = await start('slow');
  const blackhole = await start('blackhole');
  t.after(() => Promise.all([slow.stop(), blackhole.stop()]));
  const dial = (peer: Peer): { socket: Socket; connected: Promise<void> } => {
    const socket = connect({ host: '127.0.0.1', port: peer.port });
    t.after(() => socket.destroy());
    return {
      socket,
      connected: new Promise((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      }),
    };
  };
  const toSlow = dial(slow);
  const toBlackhole = dial(blackhole);
  let blackholeConnected = false;
  void toBlackhole.connected.then(
    () => (blackholeConnected = true),
    () => undefined,
  );
  slow.setAutoOpen(true); // as when the lab detaches from its last manager
  blackhole.setAutoOpen(true);
  await toSlow.connected; // without the switch the gate waits for a dial signal forever (the test times out)
  assert.equal(blackholeConnected, false);
  assert.equal(toBlackhole.socket.pending, true);
});

test('misbehave: on its own loopback address, its garbage is penalized by the lab judge until the host is banned; the rest of the lab is untouched', async (t) => {
  let manager: ConnManager | undefined;
  const r = await rig(
    t,
    {
      seed: 105,
      peers: [
        { behaviour: 'misbehave', count: 1 },
        { behaviour: 'stable', count: 1 },
      ],
      timings: { heartbeatMs: 50 },
    },
    () => ({
      banDurationMs: 60_000,
      onConnection: labJudge(() => manager),
    }),
  );
  manager = r.cm;
  const bad = r.addrOf('misbehave');
  const good = r.addrOf('stable');
  assert.match(bad, /^127\.0\.1\.\d+:\d+$/, 'not 127.0.0.1: a ban of it shuts out this peer alone');
  const penalties: number[] = [];
  r.cm.on('peer:penalized', (e) => penalties.push(e.score));
  const [badConn, goodConn] = await Promise.all([r.cm.connect(bad), r.cm.connect(good)]);
  const end = await r.find((e) => e.id === badConn.id && e.to === 'disconnected', 'the misbehaving peer banned', 15_000);
  assert.equal(end.reason, 'banned');
  // 20 transient points a garbage line; the transient part fades a little between lines (real time).
  for (let i = 1; i < penalties.length; i++) assert.ok(penalties[i]! - penalties[i - 1]! >= 19, `${penalties}`);
  assert.ok(penalties.at(-1)! >= 100 && penalties.at(-2)! < 100, `banned by the line that crossed 100: ${penalties}`);
  const host = bad.split(':')[0]!;
  assert.deepEqual(
    r.cm.bans().map((b) => b.host),
    [host],
  );
  await assert.rejects(r.cm.connect(bad), (err) => isConnMgrError(err, 'ERR_BANNED'));
  assert.equal(r.cm.get(goodConn.id)?.state, 'established', 'a well-behaved peer is never penalized');
  assert.equal(r.cm.score('127.0.0.1'), 0);
});
