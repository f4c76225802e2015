/**
 * The manager on real 127.0.0.1 sockets with its default dialer (nothing injected but, for the
 * idle-timeout rule, the clock). Small servers made in each test play the peers.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ConnManager } from './conn-manager.ts';
import { ConnMgrError } from './errors.ts';
import type { ConnManagerOptions } from './options.ts';
import { EventLog, FakeClock, tcpHandleCount, testClient, testServer, type TestClient, realSocketSuite } from './test-helpers.ts';
import { quietLogger, refusedAddr, waitFor } from '../test-support.ts';

const suite = realSocketSuite({ beforeEach, afterEach });

function manager(options: ConnManagerOptions = {}): { cm: ConnManager; log: EventLog } {
  const cm = new ConnManager({ targetOutbound: 0, retryDelayMs: 200, logger: quietLogger, ...options });
  suite.track(cm);
  return { cm, log: new EventLog(cm) };
}

async function server(onConnection?: (socket: Socket) => void): Promise<{ addr: string; port: number }> {
  const s = await testServer(onConnection);
  suite.cleanup(s.close);
  return s;
}

/** A client of the manager's listener, closed after the test. */
async function client(port: number): Promise<TestClient> {
  const c = await testClient(port);
  suite.cleanup(c.close);
  return c;
}

function listenPort(cm: ConnManager): number {
  return Number(cm.listeners()[0]!.address.split(':').at(-1));
}

describe('integration: outbound on real sockets', () => {
  test('a refused port gives reason dial-refused and ERR_DIAL_FAILED with ECONNREFUSED', async () => {
    const { cm, log } = manager();
    await assert.rejects(cm.connect(await refusedAddr()), (err: unknown) => {
      assert.ok(err instanceof ConnMgrError);
      assert.equal(err.code, 'ERR_DIAL_FAILED');
      assert.equal(err.sysCode, 'ECONNREFUSED');
      return true;
    });
    const end = log.states().at(-1)!;
    assert.deepEqual([end.to, end.reason, end.code], ['canceled', 'dial-refused', 'ECONNREFUSED']);
  });

  test('a remote close gives remote-closed; a remote reset gives remote-reset', async () => {
    const closer = await server((socket) => setImmediate(() => socket.end()));
    const resetter = await server((socket) => setImmediate(() => socket.resetAndDestroy()));
    const { cm, log } = manager();
    const a = await cm.connect(closer.addr);
    const b = await cm.connect(resetter.addr);
    const closed = await log.waitFor('conn:state', (e) => e.id === a.id && e.to === 'disconnected');
    const reset = await log.waitFor('conn:state', (e) => e.id === b.id && e.to === 'disconnected');
    assert.equal(closed.reason, 'remote-closed');
    assert.equal(reset.reason, 'remote-reset');
    assert.equal(reset.code, 'ECONNRESET');
    assert.equal(cm.stats().disconnects['remote-closed'], 1);
    assert.equal(cm.stats().disconnects['remote-reset'], 1);
  });

  test('bytes from the peer are counted and the local address is known', async () => {
    const talker = await server((socket) => socket.write('hello peer\n'));
    const { cm } = manager();
    const info = await cm.connect(talker.addr);
    assert.match(info.localAddr ?? '', /^127\.0\.0\.1:\d+$/);
    await waitFor(() => (cm.get(info.id)?.bytesIn ?? 0) >= 11, 'the greeting to arrive', 3000);
    assert.equal(cm.get(info.id)!.bytesIn, 11);
  });

  test('a disconnected persistent peer backs off, then reconnects with the same id', async () => {
    const peer = await server();
    const { cm, log } = manager({ retryDelayMs: 100 });
    const id = cm.addPersistent(peer.addr);
    await log.waitFor('conn:state', (e) => e.id === id && e.to === 'established');
    cm.disconnect(id);
    await log.waitFor('conn:state', (e) => e.id === id && e.to === 'failing');
    const again = await log.waitFor(
      'conn:state',
      (e) =>
        e.id === id && e.to === 'established' && e.reason === 'dial-succeeded' && e.from === 'pending' && log.states(id).indexOf(e) > 2,
    );
    assert.equal(again.id, id);
  });
});

describe('integration: inbound limit', () => {
  test('changed live: policy pause at the limit stops accepting at once; a higher limit accepts again', async () => {
    const { cm, log } = manager({ listen: [{ host: '127.0.0.1', port: 0 }], maxInbound: 1, inboundPolicy: 'shed' });
    await cm.start();
    const port = listenPort(cm);
    await client(port);
    await log.waitFor('conn:state', () => cm.stats().currByType.inbound === 1);
    cm.configure({ inboundPolicy: 'pause' });
    const paused = await log.waitFor('listener:state', (e) => e.state === 'paused');
    assert.equal(paused.rule, 'inbound-limit-pause');
    // Paused: a new connection is accepted by the kernel but waits, not admitted.
    const waiting = await client(port);
    const waitingAddr = `${waiting.localAddress}:${waiting.localPort}`;
    assert.equal(cm.stats().currByType.inbound, 1);
    cm.configure({ maxInbound: 3 });
    // The higher limit admits the waiting one first, then accepts again.
    await log.waitFor('conn:state', (e) => e.addr === waitingAddr && e.to === 'established');
    await log.waitFor('listener:state', (e) => e.state === 'listening' && log.of('listener:state').indexOf(e) > 1);
    await client(port);
    await log.waitFor('conn:state', () => cm.stats().currByType.inbound === 3);
    assert.equal(waiting.received(), '', 'the waiting one was admitted, never shed');
    assert.equal(cm.stats().rejected.limit, 0);
    assert.deepEqual(
      log.of('config:changed').map(({ at: _at, ...rest }) => rest),
      [{ inboundPolicy: 'pause' }, { maxInbound: 3 }],
    );
  });

  test("'shed': the connection past maxInbound is told why, closed and counted", async () => {
    const { cm, log } = manager({ listen: [{ host: '127.0.0.1', port: 0 }], maxInbound: 2, inboundPolicy: 'shed' });
    await cm.start();
    const port = listenPort(cm);
    await client(port);
    await client(port);
    await log.waitFor('conn:state', () => cm.stats().currByType.inbound === 2);
    const extra = await client(port);
    await extra.closed$;
    assert.equal(extra.received(), 'ERROR Too many open connections\r\n');
    const rejected = await log.waitFor('inbound:rejected', () => true);
    assert.equal(rejected.reason, 'limit');
    assert.equal(rejected.rule, 'inbound-limit-shed');
    assert.ok(
      log.states().every((e) => e.rule === 'inbound-accept'),
      'both admitted connections name the accept rule',
    );
    assert.equal(cm.stats().rejected.limit, 1);
    assert.equal(cm.stats().currByType.inbound, 2);
    assert.equal(cm.stats().totalAccepted, 2);
  });

  test("'pause': the listener pauses at the limit; one that comes meanwhile waits for a slot; accepting again once one frees", async () => {
    const { cm, log } = manager({ listen: [{ host: '127.0.0.1', port: 0 }], maxInbound: 1, inboundPolicy: 'pause' });
    await cm.start();
    const port = listenPort(cm);
    const first = await client(port);
    const paused = await log.waitFor('listener:state', (e) => e.state === 'paused');
    assert.equal(paused.reason, 'limit');
    assert.equal(paused.rule, 'inbound-limit-pause');
    assert.equal(log.of('listener:state')[0]!.rule, undefined, 'the first listening is no rule’s doing');
    assert.equal(cm.stats().acceptingConns, false);
    assert.equal(cm.stats().listenDisabledNum, 1);
    // The listening socket stays open: the kernel completes the connection, the manager holds it.
    const second = await client(port);
    const secondAddr = `${second.localAddress}:${second.localPort}`;
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(cm.stats().totalAccepted, 1, 'not admitted while paused');
    first.destroy();
    // The freed slot goes to the one waiting: admitted, and the limit is reached again.
    await log.waitFor('conn:state', (e) => e.addr === secondAddr && e.to === 'established');
    assert.equal(cm.listeners()[0]!.state, 'paused', 'still at the limit');
    assert.equal(second.received(), '');
    second.destroy();
    const resumed = await log.waitFor('listener:state', (e) => e.state === 'listening' && log.of('listener:state').indexOf(e) > 1);
    assert.equal(resumed.rule, 'inbound-limit-pause', 'listening again names the rule that paused');
    assert.equal(cm.stats().acceptingConns, true);
    assert.ok(cm.stats().timeInListenDisabledMs >= 20, `paused for ${cm.stats().timeInListenDisabledMs} ms`);
    assert.equal(listenPort(cm), port, 'the same port again');
    await client(port);
    await log.waitFor('conn:state', () => cm.stats().totalAccepted === 3);
    assert.equal(cm.stats().rejected.limit, 0);
  });
});

describe("integration: a burst against 'pause'", () => {
  test('20 at once against maxInbound 7: each is admitted, at once or when a slot frees, or shed with the line and counted — none reset', async () => {
    const { cm, log } = manager({ listen: [{ host: '127.0.0.1', port: 0 }], maxInbound: 7, inboundPolicy: 'pause' });
    await cm.start();
    const port = listenPort(cm);
    interface Outcome {
      socket: Socket;
      addr?: string;
      data: string;
      error?: string;
      closed: boolean;
    }
    const outcomes: Outcome[] = Array.from({ length: 20 }, () => {
      const socket = netConnect({ host: '127.0.0.1', port });
      const o: Outcome = { socket, data: '', closed: false };
      socket.on('connect', () => (o.addr = `${socket.localAddress}:${socket.localPort}`));
      socket.on('data', (chunk) => (o.data += chunk.toString()));
      socket.on('error', (err: NodeJS.ErrnoException) => (o.error = err.code ?? err.message));
      socket.on('close', () => (o.closed = true));
      suite.cleanup(async () => {
        socket.destroy();
        if (!o.closed) await once(socket, 'close');
      });
      return o;
    });
    const admitted = (): Set<string> =>
      new Set(
        log
          .states()
          .filter((e) => e.type === 'inbound' && e.to === 'established')
          .map((e) => e.addr),
      );
    const summary = (): string =>
      JSON.stringify({
        stats: { accepted: cm.stats().totalAccepted, rejected: cm.stats().rejected },
        errors: outcomes.filter((o) => o.error).map((o) => o.error),
      });
    const until = (cond: () => boolean, what: string): Promise<unknown> =>
      waitFor(cond, what).catch((err: Error) => {
        throw new Error(`${err.message}: ${summary()}`);
      });
    // The burst settles: 7 admitted, 7 wait unadmitted (as many as the limit), the other 6 are shed.
    await until(() => cm.stats().totalAccepted === 7 && cm.stats().rejected.limit === 6, 'the burst to settle');
    // Slots free: the waiting ones are admitted, oldest first, until none waits.
    for (let round = 0; round < 2; round++) {
      for (const o of outcomes) if (o.addr && admitted().has(o.addr)) o.socket.destroy();
      await until(() => cm.stats().totalAccepted === 14, 'the waiting ones admitted');
    }
    for (const o of outcomes) if (o.addr && admitted().has(o.addr)) o.socket.destroy();
    await until(() => outcomes.every((o) => o.closed), 'every client closed');

    assert.deepEqual(
      outcomes.filter((o) => o.error !== undefined).map((o) => o.error),
      [],
      'no client was reset or refused',
    );
    const served = outcomes.filter((o) => o.addr && admitted().has(o.addr));
    const shed = outcomes.filter((o) => !(o.addr && admitted().has(o.addr)));
    assert.equal(served.length, 14);
    assert.ok(
      shed.every((o) => o.data === 'ERROR Too many open connections\r\n'),
      'each one not served got the shed line',
    );
    assert.ok(served.every((o) => o.data === ''));
    assert.equal(cm.stats().totalAccepted + cm.stats().rejected.limit, 20, 'every connection counted');
    const rejected = log.of('inbound:rejected');
    assert.equal(rejected.length, 6);
    assert.ok(rejected.every((e) => e.reason === 'limit' && e.rule === 'inbound-limit-pause'));
    assert.equal(cm.listeners()[0]!.state, 'listening', 'listening again once slots freed');
  });
});

describe("integration: connections waiting under 'pause'", () => {
  test("switching to 'shed' sheds the waiting with the line; stop() refuses them, counted as shutdown", async () => {
    const { cm, log } = manager({ listen: [{ host: '127.0.0.1', port: 0 }], maxInbound: 2, inboundPolicy: 'pause' });
    await cm.start();
    const port = listenPort(cm);
    await client(port);
    await client(port);
    await log.waitFor('listener:state', (e) => e.state === 'paused');
    const a = await client(port); // a and b wait: room for as many as the limit
    const b = await client(port);
    // Both are accepted and waiting (nothing announces it): the policy change must find them.
    await new Promise((r) => setTimeout(r, 30));
    cm.configure({ inboundPolicy: 'shed' });
    await Promise.all([a.closed$, b.closed$]);
    assert.deepEqual([a.received(), b.received()], ['ERROR Too many open connections\r\n', 'ERROR Too many open connections\r\n']);
    const shed = log.of('inbound:rejected');
    assert.deepEqual(
      shed.map((e) => [e.reason, e.rule]),
      [
        ['limit', 'inbound-limit-shed'],
        ['limit', 'inbound-limit-shed'],
      ],
    );
    cm.configure({ inboundPolicy: 'pause' });
    const c = await client(port);
    await new Promise((r) => setTimeout(r, 30));
    await cm.stop();
    await c.closed$;
    assert.equal(c.received(), '', 'no shed line at shutdown');
    assert.deepEqual(cm.stats().rejected, { limit: 2, duplicate: 0, shutdown: 1, 'per-host-limit': 0, 'rate-limit': 0, banned: 0 });
    assert.equal(log.of('inbound:rejected').at(-1)!.rule, 'shutdown');
  });
});

describe('integration: idle timeout', () => {
  test('a silent connection is kicked and counted; an active one is not', async () => {
    const clock = new FakeClock(Date.now());
    const { cm, log } = manager({ listen: [{ host: '127.0.0.1', port: 0 }], idleTimeoutMs: 500, clock });
    await cm.start();
    const port = listenPort(cm);
    const silent = await client(port);
    const active = await client(port);
    await log.waitFor('conn:state', () => cm.stats().currByType.inbound === 2);
    const [silentConn, activeConn] = cm.list().sort((x, y) => x.id - y.id);
    await clock.advance(300);
    active.write('ping\n');
    await waitFor(() => cm.get(activeConn!.id)!.bytesIn >= 5, 'the ping to arrive', 3000);
    assert.equal(cm.get(activeConn!.id)!.lastActivityAt, clock.now());
    await clock.advance(300);
    await silent.closed$;
    const kicked = await log.waitFor('conn:state', (e) => e.id === silentConn!.id && e.to === 'disconnected');
    assert.equal(kicked.reason, 'idle-timeout');
    assert.equal(cm.stats().idleKicks, 1);
    assert.equal(cm.get(activeConn!.id)!.state, 'established', 'the active one stays');
    await clock.advance(600);
    await log.waitFor('conn:state', (e) => e.id === activeConn!.id && e.to === 'disconnected');
    assert.equal(cm.stats().idleKicks, 2, 'and is kicked once it falls silent too');
    assert.equal(silentConn!.type, 'inbound');
  });
});

describe('integration: shutdown', () => {
  test('stop() closes listeners, sockets and dials, and leaves no handle behind', async () => {
    const peer = await server();
    const { cm, log } = manager({ listen: [{ host: '127.0.0.1', port: 0 }] });
    await cm.start();
    await cm.connect(peer.addr);
    await client(listenPort(cm));
    await log.waitFor('conn:state', () => cm.stats().currByType.inbound === 1);
    cm.addPersistent(await refusedAddr());
    await cm.stop();
    assert.deepEqual(cm.openResources(), { conns: 0, sockets: 0, dials: 0, timers: 0, listeners: 0 });
    assert.ok(log.of('listener:state').some((e) => e.state === 'closed'));
    assert.ok(
      log
        .states()
        .filter((e) => e.to === 'disconnected' || e.to === 'canceled')
        .every((e) => e.reason === 'shutdown'),
    );
  });
});

describe('integration: shutdown with a dial in flight', () => {
  test("stop() resolves only once the aborted dial's socket is closed", async () => {
    const peer = await server();
    const base = tcpHandleCount();
    const { cm } = manager();
    const connecting = cm.connect(peer.addr).catch((err: ConnMgrError) => err.code);
    await cm.stop(); // the dial's socket exists and has not connected yet
    assert.equal(tcpHandleCount(), base, `no TCP handle left when stop() resolves: ${process.getActiveResourcesInfo().join(',')}`);
    assert.equal(await connecting, 'ERR_SHUTDOWN');
  });
});

describe('integration: shutdown with a dialer that ignores its signal', () => {
  test('stop() resolves although the dial never settles; the real socket it brings later is destroyed', async () => {
    const peer = await server();
    let deliver: (() => Promise<Socket>) | undefined;
    const dial = (): Promise<Socket> =>
      new Promise<Socket>((resolve) => {
        deliver = async () => {
          const socket = netConnect({ host: '127.0.0.1', port: peer.port });
          await once(socket, 'connect');
          resolve(socket);
          return socket;
        };
      });
    const { cm } = manager({ dial });
    const connecting = cm.connect(peer.addr).catch((err: ConnMgrError) => err.code);
    await waitFor(() => deliver, 'the dial to start');
    let guard: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      cm.stop().then(() => 'stopped'),
      new Promise((resolve) => {
        guard = setTimeout(resolve, 10_000, 'still stopping after 10 s');
      }),
    ]);
    clearTimeout(guard);
    assert.equal(outcome, 'stopped');
    assert.deepEqual(cm.openResources(), { conns: 0, sockets: 0, dials: 0, timers: 0, listeners: 0 });
    assert.equal(await connecting, 'ERR_SHUTDOWN');
    const late = await deliver!();
    await waitFor(() => late.destroyed, 'the late socket to be destroyed');
    assert.deepEqual(cm.openResources(), { conns: 0, sockets: 0, dials: 0, timers: 0, listeners: 0 });
    // The suite's afterEach checks that the process's TCP handles are back to where they were.
  });
});

describe('integration: start', () => {
  test('start() twice at once binds once: both resolve and the listener accepts', async () => {
    const { cm } = manager({ listen: [{ host: '127.0.0.1', port: 0 }] });
    const results = await Promise.allSettled([cm.start(), cm.start()]);
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? String((r.reason as Error).message) : r.status)),
      ['fulfilled', 'fulfilled'],
    );
    assert.equal(cm.state, 'running');
    assert.equal(cm.listeners()[0]!.state, 'listening');
    const c = await client(listenPort(cm));
    assert.equal(c.remotePort, listenPort(cm));
  });
});
