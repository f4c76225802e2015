/**
 * `onConnection`: the manager hands every established connection's socket to the application —
 * on real 127.0.0.1 sockets with the default dialer (nothing injected but, for the idle timeout,
 * the clock). Small servers made in each test play the peers; a tiny line protocol (PING → PONG)
 * plays the application.
 */
import assert from 'node:assert/strict';
import { Socket } from 'node:net';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { ConnManager } from './conn-manager.ts';
import type { ConnManagerOptions } from './options.ts';
import { EventLog, FakeClock, lineReader, testClient, testServer, type TestClient, realSocketSuite } from './test-helpers.ts';
import type { ConnInfo } from './types.ts';
import { waitFor } from '../test-support.ts';

const suite = realSocketSuite({ beforeEach, afterEach });

interface Handed {
  info: ConnInfo;
  socket: Socket;
  /** State of the connection as `get()` saw it inside the handler. */
  stateInside: string | undefined;
}

/** A manager whose handler records every handoff, then runs `app` (the application) on it. */
function manager(
  options: ConnManagerOptions = {},
  app: (h: Handed, cm: ConnManager) => void | Promise<void> = () => undefined,
): { cm: ConnManager; log: EventLog; handed: Handed[]; order: string[]; warnings: string[] } {
  const handed: Handed[] = [];
  const order: string[] = [];
  const warnings: string[] = [];
  const cm: ConnManager = new ConnManager({
    targetOutbound: 0,
    retryDelayMs: 100,
    logger: { warn: (message: string) => warnings.push(message) },
    ...options,
    onConnection(info, socket) {
      const h = { info, socket, stateInside: cm.get(info.id)?.state };
      handed.push(h);
      order.push(`handler #${info.id}`);
      return app(h, cm);
    },
  });
  suite.track(cm);
  cm.on('conn:state', (e) => {
    if (e.to === 'established') order.push(`established #${e.id}`);
  });
  return { cm, log: new EventLog(cm), handed, order, warnings };
}

async function server(onConnection?: (socket: Socket) => void): Promise<{ addr: string; port: number }> {
  const s = await testServer(onConnection);
  suite.cleanup(s.close);
  return s;
}

/** A client of the manager's listener, closed after the test. */
async function client(port: number, onConnect?: (socket: Socket) => void): Promise<TestClient> {
  const c = await testClient(port, onConnect);
  suite.cleanup(c.close);
  return c;
}

function listenPort(cm: ConnManager): number {
  return Number(cm.listeners()[0]!.address.split(':').at(-1));
}

const LISTEN = [{ host: '127.0.0.1', port: 0 }];

/** The line protocol's answering side: each `PING` line gets a `PONG` line. */
function answerPings(socket: Socket): void {
  let partial = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    partial += chunk;
    for (let nl = partial.indexOf('\n'); nl >= 0; nl = partial.indexOf('\n')) {
      if (partial.slice(0, nl) === 'PING') socket.write('PONG\n');
      partial = partial.slice(nl + 1);
    }
  });
}

function handedFor(handed: Handed[], id: number): Handed {
  const h = handed.find((x) => x.info.id === id);
  assert.ok(h, `connection #${id} was handed to the application`);
  return h;
}

describe('handoff: who gets a socket', () => {
  test('automatic, manual, persistent and inbound connections each reach onConnection once, established', async () => {
    const auto = await server();
    const manual = await server();
    const persistent = await server();
    const { cm, log, handed, order } = manager({
      listen: LISTEN,
      targetOutbound: 1,
      getNewAddress: async () => auto.addr,
    });
    await cm.start();
    const connected = await cm.connect(manual.addr);
    const persistentId = cm.addPersistent(persistent.addr);
    const inbound = await client(listenPort(cm));
    await waitFor(() => handed.length === 4, 'four handoffs', 5000);

    const byKind = new Map(handed.map((h) => [`${h.info.type}${h.info.persistent ? '/persistent' : ''}`, h]));
    assert.deepEqual([...byKind.keys()].sort(), ['inbound', 'manual', 'manual/persistent', 'outbound']);
    assert.equal(byKind.get('manual')!.info.id, connected.id);
    assert.equal(byKind.get('manual/persistent')!.info.id, persistentId);
    assert.equal(byKind.get('outbound')!.info.addr, auto.addr);
    for (const h of handed) {
      assert.ok(h.socket instanceof Socket, 'a real net.Socket');
      assert.equal(h.info.state, 'established');
      assert.equal(h.stateInside, 'established', 'get() inside the handler says established');
      assert.equal(h.info.localAddr, `127.0.0.1:${h.socket.localPort}`);
      // State, then the event, then the handler (rule 9, and see #handOff).
      assert.ok(order.indexOf(`established #${h.info.id}`) < order.indexOf(`handler #${h.info.id}`), order.join(', '));
    }
    assert.equal(byKind.get('inbound')!.socket.remotePort, inbound.localPort, "the inbound socket is the client's");
    assert.equal(new Set(handed.map((h) => h.info.id)).size, 4, 'once each');
    assert.equal(log.states().filter((e) => e.to === 'established').length, 4);
  });

  test('a line protocol round trip over handed-off sockets, outbound and inbound; bytes counted', async () => {
    const peer = await server(answerPings);
    const replies: string[] = [];
    const { cm, handed } = manager({ listen: LISTEN }, ({ info, socket }) => {
      if (info.type === 'inbound') {
        answerPings(socket); // the application serves
        return;
      }
      const lines = lineReader(socket); // the application asks
      socket.write('PING\n');
      void lines.next().then((line) => replies.push(line));
    });
    await cm.start();
    const out = await cm.connect(peer.addr);
    const inbound = await client(listenPort(cm));
    const inboundLines = lineReader(inbound);
    inbound.write('PING\n');
    assert.equal(await inboundLines.next(), 'PONG', 'our application answered the inbound peer');
    await waitFor(() => replies.length === 1, 'the outbound reply', 5000);
    assert.deepEqual(replies, ['PONG'], 'the outbound peer answered our application');

    const inId = handed.find((h) => h.info.type === 'inbound')!.info.id;
    for (const id of [out.id, inId]) {
      const info = cm.get(id)!;
      assert.deepEqual([info.bytesIn, info.bytesOut], [5, 5], `#${id}: the application's bytes both ways`);
    }
  });

  test('bytes a peer sends at once wait in the socket for the application, even one that reads later', async () => {
    const greeting = 'HELLO from the peer\n';
    const peer = await server((socket) => socket.write(greeting));
    const { cm, handed } = manager({ listen: LISTEN }); // the application keeps the sockets, reads nothing yet
    await cm.start();
    const out = await cm.connect(peer.addr);
    await client(listenPort(cm), (socket) => socket.write(greeting));
    await waitFor(() => handed.length === 2, 'two handoffs', 5000);
    const inId = handed.find((h) => h.info.type === 'inbound')!.info.id;
    for (const id of [out.id, inId]) {
      // The greeting has arrived (counted on arrival) …
      await waitFor(() => (cm.get(id)?.bytesIn ?? 0) === greeting.length, `the greeting on #${id}`, 5000);
      const { socket } = handedFor(handed, id);
      // … and nobody has taken it: it waits, unread, until the application reads.
      assert.equal(socket.readableLength, greeting.length, `#${id}: the greeting is still buffered`);
      assert.equal(await lineReader(socket).next(), greeting.trimEnd());
    }
  });
});

describe("handoff: the idle timeout sees the application's traffic", () => {
  test('connections the application reads or writes stay; an unused one is kicked', async () => {
    const clock = new FakeClock(Date.now());
    const { cm, log, handed } = manager({ listen: LISTEN, idleTimeoutMs: 500, clock }, ({ socket }) => {
      socket.setEncoding('utf8');
      socket.on('data', () => undefined); // the application reads whatever comes
    });
    await cm.start();
    const port = listenPort(cm);
    const unused = await client(port);
    const talksToUs = await client(port); // the peer writes, the application reads
    const hearsFromUs = await client(port); // the application writes, the peer only listens
    await waitFor(() => handed.length === 3, 'three handoffs', 5000);
    const [unusedId, readId, writeId] = handed.map((h) => h.info.id).sort((a, b) => a - b);

    await clock.advance(300);
    talksToUs.write('news\n');
    handedFor(handed, writeId!).socket.write('tick\n');
    await waitFor(() => hearsFromUs.received() === 'tick\n', "the application's write to arrive", 5000);
    await waitFor(() => cm.get(readId!)!.bytesIn === 5, "the peer's write to arrive", 5000);
    await clock.advance(300); // t = 600: the unused one has been silent for 600 ms
    await unused.closed$;
    const kicked = await log.waitFor('conn:state', (e) => e.id === unusedId && e.to === 'disconnected');
    assert.equal(kicked.reason, 'idle-timeout', 'the manager still closes, with its own reason, a socket the app holds');
    assert.equal(cm.get(readId!)?.state, 'established', 'bytes in, read by the application, are activity');
    assert.equal(cm.get(writeId!)?.state, 'established', 'bytes out, written by the application, are activity');
    assert.equal(cm.get(writeId!)?.bytesOut, 5);
    assert.equal(cm.stats().idleKicks, 1);

    await clock.advance(1000); // silent since t = 300: noticed at t = 500, so kicked by t = 1000
    await log.waitFor('conn:state', () => cm.stats().idleKicks === 3);
    assert.deepEqual(
      [readId, writeId].map((id) => log.path(id!).at(-1)),
      ['established>disconnected:idle-timeout', 'established>disconnected:idle-timeout'],
    );
  });
});

describe('handoff: closes', () => {
  test('app-closed: a persistent peer comes back with the same id and is handed off again', async () => {
    const peer = await server();
    let ended = 0;
    const { cm, log, handed } = manager({}, ({ socket }) => {
      if (ended < 2) {
        ended += 1;
        // First with end() (a half-close: recorded once the socket closes), then with destroy().
        if (ended === 1) socket.end();
        else socket.destroy(new Error('the application does not like this peer'));
      }
    });
    const id = cm.addPersistent(peer.addr);
    await waitFor(() => handed.length === 3, 'three handoffs', 5000);
    assert.deepEqual(
      handed.map((h) => h.info.id),
      [id, id, id],
      'the same id each time',
    );
    const closes = log.states(id).filter((e) => e.from === 'established');
    assert.deepEqual(
      closes.map((e) => [e.to, e.reason, e.code]),
      [
        ['failing', 'app-closed', undefined],
        ['failing', 'app-closed', undefined],
      ],
    );
    assert.equal(cm.get(id)?.state, 'established');
    assert.equal(cm.stats().disconnects['app-closed'], 2);
    assert.equal(log.states().filter((e) => e.to === 'established').length, 3, 'one handoff per establishment');
  });

  test('app-closed: an automatic outbound slot the application gives up is refilled', async () => {
    const peer = await server();
    const { cm, log, handed } = manager({ targetOutbound: 1, getNewAddress: async () => peer.addr }, ({ socket }) => {
      if (handed.length === 1) socket.destroy();
    });
    await cm.start();
    await waitFor(() => handed.length === 2, 'a replacement handed off', 5000);
    const [first, second] = handed.map((h) => h.info.id);
    assert.equal(log.path(first!).at(-1), 'established>disconnected:app-closed');
    assert.notEqual(second, first);
    assert.equal(cm.get(second!)?.state, 'established');
    assert.equal(cm.stats().currByType.outbound, 1);
  });

  test('a close the peer starts stays remote-closed / remote-reset while the app holds the socket', async () => {
    const closer = await server((socket) => socket.once('data', () => socket.end()));
    const resetter = await server((socket) => socket.once('data', () => socket.resetAndDestroy()));
    const { cm, log } = manager({}, ({ socket }) => {
      socket.on('data', () => undefined);
      socket.on('error', () => undefined); // the application's own; the manager keeps its too
      socket.on('end', () => socket.end()); // answering the peer's end is not a close of ours
      socket.write('bye?\n');
    });
    const closed = await cm.connect(closer.addr);
    const reset = await cm.connect(resetter.addr);
    const a = await log.waitFor('conn:state', (e) => e.id === closed.id && e.to === 'disconnected');
    const b = await log.waitFor('conn:state', (e) => e.id === reset.id && e.to === 'disconnected');
    assert.deepEqual([a.reason, a.code], ['remote-closed', undefined]);
    assert.deepEqual([b.reason, b.code], ['remote-reset', 'ECONNRESET']);
  });

  test('disconnect, remove and stop keep their own reasons while the app holds the socket', async () => {
    const peers = await Promise.all([server(), server(), server()]);
    const { cm, log, handed } = manager({ listen: LISTEN }, ({ socket }) => {
      socket.on('data', () => undefined);
    });
    await cm.start();
    const [a, b, c] = await Promise.all(peers.map((p) => cm.connect(p.addr)));
    const inbound = await client(listenPort(cm));
    await waitFor(() => handed.length === 4, 'four handoffs', 5000);
    cm.disconnect(a!.id);
    cm.remove(b!.id);
    await cm.stop();
    const inId = handed.find((h) => h.info.type === 'inbound')!.info.id;
    assert.deepEqual(
      [a!.id, b!.id, c!.id, inId].map((id) => log.path(id).at(-1)),
      [
        'established>disconnected:local-disconnect',
        'established>disconnected:local-remove',
        'established>disconnected:shutdown',
        'established>disconnected:shutdown',
      ],
    );
    assert.ok(
      handed.every((h) => h.socket.destroyed),
      'the manager closed the sockets the application held',
    );
    await inbound.closed$;
  });
});

describe('handoff: a failing handler', () => {
  test('a throwing handler closes only its connection, with app-error, and is logged', async () => {
    const bad = await server();
    const good = await server(answerPings);
    const { cm, log, warnings } = manager({}, ({ info }) => {
      if (info.addr === bad.addr) throw new Error('handler bug');
    });
    const badInfo = await cm.connect(bad.addr);
    const goodInfo = await cm.connect(good.addr);
    assert.equal(badInfo.state, 'disconnected', 'connect() resolves, with the connection as it is now');
    assert.deepEqual(log.path(badInfo.id), [
      '->pending:requested',
      'pending>established:dial-succeeded',
      'established>disconnected:app-error',
    ]);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, new RegExp(`onConnection failed for #${badInfo.id} ${bad.addr}: handler bug; closing it \\(app-error\\)`));
    assert.equal(cm.get(goodInfo.id)?.state, 'established', 'the others are untouched');
    assert.equal(cm.stats().disconnects['app-error'], 1);
  });

  test('an async handler whose promise rejects: app-error, logged; a persistent peer retries', async () => {
    const peer = await server();
    const { cm, log, handed, warnings } = manager({}, async () => {
      await new Promise((resolve) => setImmediate(resolve)); // fails later, not inside the call
      if (handed.length === 1) throw new Error('async handler bug');
    });
    const id = cm.addPersistent(peer.addr);
    await waitFor(() => handed.length === 2, 'the retry handed off', 5000);
    await log.waitFor('conn:state', (e) => e.id === id && e.to === 'established' && log.states(id).indexOf(e) > 1);
    assert.deepEqual(
      log
        .states(id)
        .filter((e) => e.from === 'established')
        .map((e) => `${e.to}:${e.reason}`),
      ['failing:app-error'],
    );
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /async handler bug; closing it \(app-error\)/);
  });
});
