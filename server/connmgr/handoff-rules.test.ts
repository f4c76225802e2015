/**
 * `onConnection` with an injected dialer and a virtual clock: exact counts over many reconnects,
 * and the edge cases real sockets cannot stage on cue. handoff.test.ts has the real sockets.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { ConnManager } from './conn-manager.ts';
import type { ConnManagerOptions } from './options.ts';
import { EventLog, FakeClock, FakeDialer, stopAndAssertClean } from './test-helpers.ts';
import type { ConnInfo } from './types.ts';
import { quietLogger } from '../test-support.ts';

const managers: ConnManager[] = [];

afterEach(async () => {
  for (const cm of managers.splice(0)) await stopAndAssertClean(cm);
});

function rig(
  app: (info: ConnInfo, socket: Socket) => void,
  options: ConnManagerOptions = {},
): { cm: ConnManager; clock: FakeClock; dialer: FakeDialer; log: EventLog } {
  const clock = new FakeClock();
  const dialer = new FakeDialer('succeed');
  const cm = new ConnManager({
    targetOutbound: 0,
    retryDelayMs: 1000,
    logger: quietLogger,
    ...options,
    clock,
    dial: dialer.dial,
    onConnection: app,
  });
  managers.push(cm);
  return { cm, clock, dialer, log: new EventLog(cm) };
}

describe('handoff rules', () => {
  test('exactly one handoff per establishment over many reconnects of a persistent peer', async () => {
    const calls: number[] = [];
    const { cm, clock, dialer, log } = rig((info) => calls.push(info.id));
    const id = cm.addPersistent('127.0.0.1:9001');
    await clock.advance(0);
    for (let i = 0; i < 5; i++) {
      dialer.socketTo('127.0.0.1:9001').remoteClose();
      await clock.advance(60_000); // past any backoff: redialed and established again
    }
    const established = log.states(id).filter((e) => e.to === 'established').length;
    assert.equal(established, 6);
    assert.deepEqual(calls, Array(6).fill(id));
  });

  test('the app closing its socket is app-closed; the peer closing it is remote-closed', async () => {
    const sockets = new Map<number, Socket>();
    const { cm, clock, dialer, log } = rig((info, socket) => sockets.set(info.id, socket));
    const [a, b] = await Promise.all([cm.connect('127.0.0.1:9001'), cm.connect('127.0.0.1:9002'), clock.advance(0)]);
    sockets.get(a.id)!.destroy();
    dialer.socketTo('127.0.0.1:9002').remoteClose();
    await clock.advance(0);
    assert.equal(log.path(a.id).at(-1), 'established>disconnected:app-closed');
    assert.equal(log.path(b.id).at(-1), 'established>disconnected:remote-closed');
  });

  test('a listener that closes the connection in its established event: nothing left to hand off', async () => {
    const calls: number[] = [];
    const { cm, clock, log } = rig((info) => calls.push(info.id));
    cm.on('conn:state', (e) => {
      if (e.to === 'established' && e.addr === '127.0.0.1:9001') cm.disconnect(e.id);
    });
    const [dropped, kept] = await Promise.all([cm.connect('127.0.0.1:9001'), cm.connect('127.0.0.1:9002'), clock.advance(0)]);
    assert.equal(log.path(dropped.id).at(-1), 'established>disconnected:local-disconnect');
    assert.deepEqual(calls, [kept.id], 'only the connection still established got its socket');
  });

  test('without a handler the manager reads and discards: bytes are counted and keep it alive', async () => {
    const clock = new FakeClock();
    const dialer = new FakeDialer('succeed');
    const cm = new ConnManager({ targetOutbound: 0, idleTimeoutMs: 500, clock, dial: dialer.dial, logger: quietLogger });
    managers.push(cm);
    const [info] = await Promise.all([cm.connect('127.0.0.1:9001'), clock.advance(0)]);
    await clock.advance(400);
    dialer.socketTo('127.0.0.1:9001').receive('heartbeat\n');
    await clock.advance(0);
    assert.equal(cm.get(info.id)?.lastActivityAt, clock.now(), 'noticed when it arrived, not at the next check');
    assert.equal(dialer.socketTo('127.0.0.1:9001').readableLength, 0, 'consumed');
    await clock.advance(400);
    assert.equal(cm.get(info.id)?.state, 'established');
    assert.equal(cm.get(info.id)?.bytesIn, 10);
  });
});
