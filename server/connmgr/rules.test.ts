/**
 * The rules of the README's "Rules" section with an injected dialer and a virtual clock: no real time passes,
 * so the suite is exact and fast. Every test ends by asserting a clean shutdown.
 */
import assert from 'node:assert/strict';
import { connect as netConnect } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { ConnManager } from './conn-manager.ts';
import { ConnMgrError, type ConnMgrErrorCode } from './errors.ts';
import type { ConnManagerOptions } from './options.ts';
import { EventLog, FakeClock, FakeDialer, addressSequence, settle, stopAndAssertClean } from './test-helpers.ts';
import { quietLogger, refusedAddr } from '../test-support.ts';

interface Rig {
  cm: ConnManager;
  clock: FakeClock;
  dialer: FakeDialer;
  log: EventLog;
}

let rigs: Rig[] = [];

function rig(options: ConnManagerOptions = {}, dialer = new FakeDialer()): Rig {
  const clock = new FakeClock();
  const cm = new ConnManager({
    targetOutbound: 0,
    retryDelayMs: 5000,
    dialTimeoutMs: 30_000,
    logger: quietLogger,
    ...options,
    clock,
    dial: dialer.dial,
  });
  const r = { cm, clock, dialer, log: new EventLog(cm) };
  rigs.push(r);
  return r;
}

afterEach(async () => {
  for (const r of rigs) await stopAndAssertClean(r.cm);
  rigs = [];
});

function isCode(code: ConnMgrErrorCode): (err: unknown) => boolean {
  return (err) => err instanceof ConnMgrError && err.code === code;
}

describe('rule 1: automatic outbound', () => {
  test('keeps exactly targetOutbound automatic connections, and no more', async () => {
    const { cm, clock, dialer } = rig({ targetOutbound: 3, getNewAddress: addressSequence() }, new FakeDialer('succeed'));
    await cm.start();
    await clock.advance(60_000);
    assert.equal(dialer.calls.length, 3);
    assert.equal(cm.stats().currByType.outbound, 3);
    assert.equal(cm.list().filter((c) => c.state === 'established' && c.type === 'outbound').length, 3);
    assert.equal(new Set(cm.list().map((c) => c.addr)).size, 3, 'three distinct addresses');
  });

  test('pending dials count toward the target', async () => {
    const { cm, clock, dialer } = rig({ targetOutbound: 4, getNewAddress: addressSequence() });
    await cm.start();
    await clock.advance(10);
    assert.equal(dialer.calls.length, 4);
    assert.equal(cm.stats().currByState.pending, 4);
    await clock.advance(10);
    assert.equal(dialer.calls.length, 4, 'no extra dial while four are pending');
  });

  test('a failed automatic dial is replaced with a new id and a new address', async () => {
    const { cm, clock, dialer, log } = rig({ targetOutbound: 1, getNewAddress: addressSequence() });
    await cm.start();
    await clock.advance(0);
    const first = dialer.last();
    const firstId = log.states()[0]!.id;
    first.fail('ECONNREFUSED');
    await clock.advance(0);
    assert.deepEqual(log.path(firstId), ['->pending:requested', 'pending>canceled:dial-refused']);
    assert.equal(log.states(firstId).at(-1)!.code, 'ECONNREFUSED');
    assert.equal(dialer.calls.length, 2);
    const second = dialer.last();
    assert.notEqual(second.addr, first.addr);
    const secondEvent = log.states().at(-1)!;
    assert.ok(secondEvent.id > firstId, 'a fresh id');
    assert.equal(secondEvent.to, 'pending');
    assert.equal(cm.stats().consecutiveFailedAttempts, 1);
    second.succeed();
    await clock.advance(0);
    assert.equal(cm.get(secondEvent.id)!.state, 'established');
    assert.equal(cm.stats().consecutiveFailedAttempts, 0, 'a successful automatic dial resets the count');
  });

  test('a closed automatic connection is replaced', async () => {
    const { cm, clock, dialer, log } = rig({ targetOutbound: 1, getNewAddress: addressSequence() }, new FakeDialer('succeed'));
    await cm.start();
    await clock.advance(0);
    const [conn] = cm.list();
    dialer.socketTo(conn!.addr).remoteClose();
    await clock.advance(0);
    assert.deepEqual(log.path(conn!.id), [
      '->pending:requested',
      'pending>established:dial-succeeded',
      'established>disconnected:remote-closed',
    ]);
    assert.equal(dialer.calls.length, 2);
    assert.equal(cm.stats().currByType.outbound, 1);
  });

  test('with every dial failing, the outage pause bounds the number of dials', async () => {
    const maxFailedAttempts = 25;
    const targetOutbound = 8;
    const retryDelayMs = 5000;
    const { cm, clock, dialer, log } = rig(
      { targetOutbound, maxFailedAttempts, retryDelayMs, getNewAddress: addressSequence() },
      new FakeDialer({ fail: 'ECONNREFUSED' }),
    );
    await cm.start();
    await clock.advance(0);
    // Before the pause: each dial started while fewer than maxFailedAttempts had failed, and at
    // most targetOutbound are in flight at once, so at most maxFailedAttempts + targetOutbound − 1.
    const beforePause = dialer.calls.length;
    assert.ok(beforePause >= maxFailedAttempts && beforePause <= maxFailedAttempts + targetOutbound - 1, `${beforePause}`);
    assert.equal(log.of('outbound:throttled').length, 1);
    assert.equal(log.of('outbound:throttled')[0]!.delayMs, retryDelayMs);
    // During the pause: one new attempt per retryDelayMs, so in a window W at most floor(W / retryDelayMs).
    const windowMs = 120_000;
    for (let t = 0; t < windowMs; t += 1000) await clock.advance(1000);
    const inWindow = dialer.calls.length - beforePause;
    assert.equal(inWindow, Math.floor(windowMs / retryDelayMs), 'exactly one automatic dial per retryDelayMs');
    assert.ok(dialer.calls.length <= maxFailedAttempts + targetOutbound - 1 + Math.floor(windowMs / retryDelayMs));
    assert.equal(cm.stats().throttledAttempts, inWindow);
    // When the network comes back, the first success resets the count and the target fills at once.
    dialer.mode = 'succeed';
    await clock.advance(retryDelayMs);
    assert.equal(cm.stats().consecutiveFailedAttempts, 0);
    assert.equal(cm.stats().currByState.established, targetOutbound);
  });

  test('an address source that fails counts as a failure and cannot make the manager spin', async () => {
    let asked = 0;
    const { cm, clock, dialer } = rig({
      targetOutbound: 2,
      maxFailedAttempts: 5,
      getNewAddress: async () => {
        asked += 1;
        throw new Error('address book empty');
      },
    });
    await cm.start();
    await clock.advance(0);
    assert.ok(asked >= 5 && asked <= 6, `asked ${asked}`);
    await clock.advance(50_000);
    assert.ok(asked <= 6 + 10, `asked ${asked} in 50 s with a 5 s pause`);
    assert.equal(dialer.calls.length, 0);
  });

  test('setTargetOutbound raises at once, and lowering stops replacements', async () => {
    const { cm, clock, dialer, log } = rig({ targetOutbound: 1, getNewAddress: addressSequence() }, new FakeDialer('succeed'));
    await cm.start();
    await clock.advance(0);
    cm.setTargetOutbound(3);
    await clock.advance(0);
    assert.equal(cm.stats().currByState.established, 3);
    assert.deepEqual(
      log.of('config:changed').map((e) => e.targetOutbound),
      [3],
    );
    cm.setTargetOutbound(1);
    const [a, b] = cm.list();
    dialer.socketTo(a!.addr).remoteClose();
    dialer.socketTo(b!.addr).remoteClose();
    await clock.advance(0);
    assert.equal(cm.stats().currByType.outbound, 1, 'closed ones are not replaced above the new target');
    assert.equal(dialer.calls.length, 3);
    assert.throws(() => cm.setTargetOutbound(-1), isCode('ERR_INVALID_ARGUMENT'));
  });
});

describe('rule 2: persistent peers', () => {
  test('same id across retries, and the linear backoff grows up to its cap', async () => {
    const { cm, clock, log } = rig({ retryDelayMs: 5000, maxRetryDelayMs: 12_000 }, new FakeDialer({ fail: 'ECONNREFUSED' }));
    const id = cm.addPersistent('127.0.0.1:9002');
    await clock.advance(0);
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const failing = log
        .states(id)
        .filter((e) => e.to === 'failing')
        .at(-1)!;
      waits.push(failing.retryAt! - failing.at);
      assert.equal(failing.attempt, i + 1);
      await clock.advance(failing.retryAt! - clock.now());
    }
    assert.deepEqual(waits, [5000, 10_000, 12_000, 12_000]);
    assert.ok(
      log.states().every((e) => e.id === id),
      'one id for every attempt',
    );
    assert.deepEqual(log.path(id).slice(0, 4), [
      '->pending:requested',
      'pending>failing:dial-refused',
      'failing>pending:retry',
      'pending>failing:dial-refused',
    ]);
    assert.equal(cm.stats().retries, 4);
    assert.equal(cm.get(id)!.state, 'failing');
  });

  test('exponential backoff with a seeded random stays in [b/2, b)', async () => {
    const { cm, clock, log } = rig(
      { backoff: 'exponential', retryDelayMs: 1000, maxRetryDelayMs: 60_000, random: () => 0.5 },
      new FakeDialer({ fail: 'ECONNREFUSED' }),
    );
    const id = cm.addPersistent('127.0.0.1:9002');
    await clock.advance(0);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const failing = log
        .states(id)
        .filter((e) => e.to === 'failing')
        .at(-1)!;
      waits.push(failing.retryAt! - failing.at);
      await clock.advance(failing.retryAt! - clock.now());
    }
    assert.deepEqual(waits, [750, 1500, 3000, 6000, 12_000]);
  });

  test('stable-connection rule: a long-lived connection that drops is redialed at once', async () => {
    const { cm, clock, dialer, log } = rig({ retryDelayMs: 5000 }, new FakeDialer('succeed'));
    const id = cm.addPersistent('127.0.0.1:9002');
    await clock.advance(6000);
    dialer.socketTo('127.0.0.1:9002').remoteClose();
    await clock.advance(0);
    assert.deepEqual(log.path(id), [
      '->pending:requested',
      'pending>established:dial-succeeded',
      'established>pending:remote-closed',
      'pending>established:dial-succeeded',
    ]);
    assert.equal(cm.get(id)!.attempt, 0);
  });

  test('a peer that accepts and drops at once keeps backing off', async () => {
    const { cm, clock, dialer, log } = rig({ retryDelayMs: 5000 }, new FakeDialer('succeed'));
    const id = cm.addPersistent('127.0.0.1:9002');
    await clock.advance(100);
    dialer.socketTo('127.0.0.1:9002').remoteReset();
    await clock.advance(0);
    let failing = log.states(id).at(-1)!;
    assert.equal(failing.to, 'failing');
    assert.equal(failing.reason, 'remote-reset');
    assert.equal(failing.code, 'ECONNRESET');
    assert.equal(failing.attempt, 1);
    assert.equal(failing.retryAt! - failing.at, 5000);
    await clock.advance(5000);
    dialer.socketTo('127.0.0.1:9002').remoteClose();
    await clock.advance(0);
    failing = log.states(id).at(-1)!;
    assert.equal(failing.attempt, 2);
    assert.equal(failing.retryAt! - failing.at, 10_000);
  });

  test('a failed dial always backs off, even one that took longer than retryDelayMs (a black hole)', async () => {
    const { cm, clock, log } = rig({ retryDelayMs: 5000, dialTimeoutMs: 10_000 });
    const id = cm.addPersistent('127.0.0.1:9002');
    await clock.advance(10_000);
    let failing = log.states(id).at(-1)!;
    assert.deepEqual([failing.to, failing.reason, failing.attempt, failing.retryAt! - failing.at], ['failing', 'dial-timeout', 1, 5000]);
    await clock.advance(5000 + 10_000);
    failing = log.states(id).at(-1)!;
    assert.deepEqual([failing.to, failing.attempt, failing.retryAt! - failing.at], ['failing', 2, 10_000], 'the backoff grows');
  });

  test('retryAt − at is exactly the backoff, even when the clock moves between two reads (a busy loop)', async () => {
    const fake = new FakeClock();
    let drift = 0;
    // Every read of the clock finds it 7 ms later, as on a loaded machine.
    const busy = {
      now: () => {
        drift += 7;
        return fake.now() + drift;
      },
      setTimeout: fake.setTimeout.bind(fake),
      clearTimeout: fake.clearTimeout.bind(fake),
    };
    const dialer = new FakeDialer({ fail: 'ECONNREFUSED' });
    const cm = new ConnManager({ targetOutbound: 0, retryDelayMs: 1000, logger: quietLogger, clock: busy, dial: dialer.dial });
    rigs.push({ cm, clock: fake, dialer, log: new EventLog(cm) });
    const log = rigs.at(-1)!.log;
    const id = cm.addPersistent('127.0.0.1:9002');
    await fake.advance(0);
    await fake.advance(1000);
    const waits = log
      .states(id)
      .filter((e) => e.to === 'failing')
      .map((e) => e.retryAt! - e.at);
    assert.deepEqual(waits, [1000, 2000]);
  });

  test('persistent entries do not count against targetOutbound', async () => {
    const { cm, clock, dialer } = rig({ targetOutbound: 2, getNewAddress: addressSequence() }, new FakeDialer('succeed'));
    cm.addPersistent('127.0.0.1:9002');
    await cm.start();
    await clock.advance(0);
    assert.equal(dialer.calls.length, 3);
    assert.deepEqual(cm.stats().currByType, { inbound: 0, outbound: 2, manual: 1 });
  });
});

describe('rule 3: duplicates', () => {
  type Existing = 'persistent' | 'pending' | 'established';
  const expected: Record<Existing, ConnMgrErrorCode> = {
    persistent: 'ERR_DUPLICATE_PERSISTENT',
    pending: 'ERR_ALREADY_PENDING',
    established: 'ERR_ALREADY_CONNECTED',
  };

  /** Puts a connection to `addr` in the given situation. */
  async function arrange(r: Rig, existing: Existing, addr: string): Promise<void> {
    if (existing === 'persistent') {
      r.dialer.mode = { fail: 'ECONNREFUSED' };
      r.cm.addPersistent(addr); // failing, waiting to retry: still the owner of the address
    } else {
      r.dialer.mode = existing === 'pending' ? 'manual' : 'succeed';
      void r.cm.connect(addr).catch(() => undefined);
    }
    await r.clock.advance(0);
    r.dialer.mode = 'manual';
  }

  for (const existing of ['persistent', 'pending', 'established'] as const) {
    test(`${existing} × connect and addPersistent → ${expected[existing]}`, async () => {
      const r = rig();
      await arrange(r, existing, '127.0.0.1:9001');
      await assert.rejects(r.cm.connect('127.0.0.1:9001'), isCode(expected[existing]));
      assert.throws(() => r.cm.addPersistent('127.0.0.1:9001'), isCode(expected[existing]));
      // The exact host:port is the identity: the same host on another port is not a duplicate.
      r.cm.addPersistent('127.0.0.1:9009');
      assert.equal(r.cm.list().length, 2);
    });

    test(`${existing} × automatic → skipped and counted as a failure`, async () => {
      const addrs = ['127.0.0.1:9001', '127.0.0.1:9003'];
      const r = rig({ targetOutbound: 1, getNewAddress: async () => addrs.shift() ?? '127.0.0.1:9999' });
      await arrange(r, existing, '127.0.0.1:9001');
      const dialsBefore = r.dialer.calls.length;
      await r.cm.start();
      await r.clock.advance(0);
      assert.deepEqual(
        r.dialer.calls.slice(dialsBefore).map((c) => c.addr),
        ['127.0.0.1:9003'],
        'the duplicate was never dialed; the next address was',
      );
      assert.equal(r.cm.stats().consecutiveFailedAttempts, 1);
    });

    test(`${existing} × inbound from that address → closed and counted`, async () => {
      const r = rig({ listen: [{ host: '127.0.0.1', port: 0 }] });
      const addr = await refusedAddr(); // a free port: the client binds it as its own
      const port = Number(addr.split(':')[1]);
      await arrange(r, existing, addr);
      await r.cm.start();
      const listenPort = Number(r.cm.listeners()[0]!.address.split(':')[1]);
      const client = netConnect({ host: '127.0.0.1', port: listenPort, localAddress: '127.0.0.1', localPort: port });
      client.on('error', () => undefined);
      const closed = new Promise((resolve) => client.once('close', resolve));
      const rejected = await r.log.waitFor('inbound:rejected', () => true);
      await closed;
      assert.equal(rejected.reason, 'duplicate');
      assert.equal(rejected.rule, 'duplicate');
      assert.equal(rejected.remote, addr);
      assert.equal(r.cm.stats().rejected.duplicate, 1);
      assert.equal(r.cm.stats().currByType.inbound, 0);
    });
  }
});

describe('rule 4: disconnect vs remove', () => {
  type Kind = 'persistent' | 'automatic' | 'manual';

  async function pendingOf(r: Rig, kind: Kind): Promise<{ id: number; connecting?: Promise<unknown> }> {
    let connecting: Promise<unknown> | undefined;
    if (kind === 'persistent') r.cm.addPersistent('127.0.0.1:9002');
    if (kind === 'manual')
      connecting = r.cm.connect('127.0.0.1:9003').then(
        () => 'resolved',
        (err: ConnMgrError) => err.code,
      );
    if (kind === 'automatic') {
      r.cm.setTargetOutbound(1);
      await r.cm.start();
    }
    await r.clock.advance(0);
    const [conn] = r.cm.list();
    assert.equal(conn!.state, 'pending');
    return { id: conn!.id, connecting };
  }

  const pendingCases: Array<[Kind, 'disconnect' | 'remove', string, boolean]> = [
    ['persistent', 'disconnect', 'pending>failing:local-disconnect', true],
    ['persistent', 'remove', 'pending>canceled:local-remove', false],
    ['automatic', 'disconnect', 'pending>canceled:local-disconnect', false],
    ['automatic', 'remove', 'pending>canceled:local-remove', false],
    ['manual', 'disconnect', 'pending>canceled:local-disconnect', false],
    ['manual', 'remove', 'pending>canceled:local-remove', false],
  ];
  for (const [kind, op, step, survives] of pendingCases) {
    test(`pending ${kind} × ${op} → ${step}`, async () => {
      const r = rig({ getNewAddress: addressSequence() });
      const { id, connecting } = await pendingOf(r, kind);
      const dial = r.dialer.last();
      r.cm[op](id);
      await r.clock.advance(0);
      assert.ok(dial.signal.aborted, 'the dial was canceled');
      assert.equal(r.log.path(id).at(-1), step);
      assert.equal(r.cm.get(id) !== undefined, survives);
      if (connecting) assert.equal(await connecting, 'ERR_ABORTED');
      if (kind === 'automatic') {
        assert.equal(r.dialer.calls.length, 2, 'replaced by a new request');
        assert.notEqual(r.cm.list()[0]!.id, id);
      }
      if (kind === 'persistent' && op === 'disconnect') {
        await r.clock.advance(5000);
        assert.equal(r.cm.get(id)!.state, 'pending', 'retried with the same id');
        assert.equal(r.dialer.calls.length, 2);
      }
      if (kind === 'persistent' && op === 'remove') {
        await r.clock.advance(600_000);
        assert.equal(r.dialer.calls.length, 1, 'never retried');
        assert.equal(r.cm.stats().persistentEntries, 0);
      }
    });
  }

  const establishedCases: Array<[Kind, 'disconnect' | 'remove', string, boolean]> = [
    ['persistent', 'disconnect', 'established>failing:local-disconnect', true],
    ['persistent', 'remove', 'established>disconnected:local-remove', false],
    ['automatic', 'disconnect', 'established>disconnected:local-disconnect', false],
    ['automatic', 'remove', 'established>disconnected:local-remove', false],
    ['manual', 'disconnect', 'established>disconnected:local-disconnect', false],
    ['manual', 'remove', 'established>disconnected:local-remove', false],
  ];
  for (const [kind, op, step, survives] of establishedCases) {
    test(`established ${kind} × ${op} → ${step}`, async () => {
      const r = rig({ getNewAddress: addressSequence() });
      const { id, connecting } = await pendingOf(r, kind);
      r.dialer.last().succeed();
      await r.clock.advance(0);
      assert.equal(r.cm.get(id)!.state, 'established');
      if (connecting) assert.equal(await connecting, 'resolved');
      r.cm[op](id);
      await r.clock.advance(0);
      assert.equal(r.log.path(id).at(-1), step);
      assert.equal(r.cm.get(id) !== undefined, survives);
      if (kind === 'automatic') assert.equal(r.dialer.calls.length, 2, 'replaced by a new request');
      if (kind === 'persistent') {
        await r.clock.advance(op === 'disconnect' ? 5000 : 600_000);
        assert.equal(r.dialer.calls.length, op === 'disconnect' ? 2 : 1);
        if (op === 'disconnect') assert.equal(r.cm.get(id)!.state, 'pending', 'reconnecting with the same id');
      }
    });
  }

  for (const op of ['disconnect', 'remove'] as const) {
    test(`established inbound × ${op} → gone`, async () => {
      const r = rig({ listen: [{ host: '127.0.0.1', port: 0 }] });
      await r.cm.start();
      const port = Number(r.cm.listeners()[0]!.address.split(':')[1]);
      const client = netConnect({ host: '127.0.0.1', port });
      client.on('error', () => undefined);
      const closed = new Promise((resolve) => client.once('close', resolve));
      const admitted = await r.log.waitFor('conn:state', (e) => e.type === 'inbound');
      r.cm[op](admitted.id);
      await closed;
      const last = await r.log.waitFor('conn:state', (e) => e.id === admitted.id && e.to === 'disconnected');
      assert.equal(last.reason, op === 'disconnect' ? 'local-disconnect' : 'local-remove');
      assert.equal(r.cm.get(admitted.id), undefined);
    });
  }

  test('unknown ids throw ERR_NOT_FOUND', () => {
    const { cm } = rig();
    assert.throws(() => cm.disconnect(99), isCode('ERR_NOT_FOUND'));
    assert.throws(() => cm.remove(99), isCode('ERR_NOT_FOUND'));
    assert.throws(() => cm.remove('1' as never), isCode('ERR_NOT_FOUND'));
  });

  test('remove of a persistent entry waiting to retry cancels it', async () => {
    const { cm, clock, dialer, log } = rig({}, new FakeDialer({ fail: 'ECONNREFUSED' }));
    const id = cm.addPersistent('127.0.0.1:9002');
    await clock.advance(0);
    cm.remove(id);
    await clock.advance(600_000);
    assert.equal(log.path(id).at(-1), 'failing>canceled:local-remove');
    assert.equal(dialer.calls.length, 1);
  });

  test('remove right after disconnect of an established persistent peer still forgets it', async () => {
    const { cm, clock, dialer, log } = rig({}, new FakeDialer('succeed'));
    const id = cm.addPersistent('127.0.0.1:9002');
    await clock.advance(0);
    assert.equal(cm.get(id)!.state, 'established');
    cm.disconnect(id);
    cm.remove(id); // same tick: the socket's 'close' has not come yet
    await clock.advance(600_000);
    assert.equal(log.path(id).at(-1)!.endsWith(':local-remove'), true, log.path(id).join(' '));
    assert.equal(cm.get(id), undefined);
    assert.equal(dialer.calls.length, 1, 'never retried');
    assert.equal(cm.stats().persistentEntries, 0);
  });

  test('remove of an established connection forgets it at once: its slot and address are free', async () => {
    const { cm, clock } = rig({ maxPersistent: 1 }, new FakeDialer('succeed'));
    const a = cm.addPersistent('127.0.0.1:9001');
    const once = await Promise.all([cm.connect('127.0.0.1:9003'), clock.advance(0)]).then(([c]) => c);
    cm.remove(a);
    assert.equal(cm.get(a), undefined, 'forgotten when remove() returns');
    assert.equal(cm.stats().persistentEntries, 0);
    const b = cm.addPersistent('127.0.0.1:9001'); // the same address, in the only slot
    assert.ok(b > a);
    cm.disconnect(once.id); // a one-shot is gone after disconnect: connecting again is no duplicate
    assert.equal(cm.get(once.id), undefined);
    void cm.connect('127.0.0.1:9003').catch(() => undefined);
    await clock.advance(0);
    assert.equal(cm.stats().currByType.manual, 2);
  });

  test('a dial that succeeds after remove is closed and never reported established', async () => {
    const dialer = new FakeDialer();
    dialer.ignoreAbort = true;
    const { cm, clock, log } = rig({}, dialer);
    const connecting = cm.connect('127.0.0.1:9003').catch((err: ConnMgrError) => err.code);
    await clock.advance(0);
    const [conn] = cm.list();
    cm.remove(conn!.id);
    assert.equal(await connecting, 'ERR_ABORTED');
    const late = dialer.last().succeed();
    await settle();
    assert.equal(late.destroyed, true, 'the late socket was closed');
    assert.ok(!log.states().some((e) => e.to === 'established'));
    assert.equal(cm.get(conn!.id), undefined);
  });
});

describe('rule 5: connect and the persistent limit', () => {
  test('connect resolves with the connection once established', async () => {
    const { cm, clock, dialer } = rig();
    const connecting = cm.connect('127.0.0.1:9003');
    await clock.advance(0);
    dialer.last().succeed();
    const info = await connecting;
    assert.equal(info.state, 'established');
    assert.equal(info.type, 'manual');
    assert.equal(info.persistent, false);
    assert.equal(info.addr, '127.0.0.1:9003');
  });

  test('a refused dial rejects with ERR_DIAL_FAILED and the system code', async () => {
    const { cm, clock, dialer } = rig();
    const connecting = cm.connect('127.0.0.1:9003');
    await clock.advance(0);
    dialer.last().fail('ECONNREFUSED');
    await assert.rejects(connecting, (err: unknown) => {
      assert.ok(err instanceof ConnMgrError);
      assert.equal(err.code, 'ERR_DIAL_FAILED');
      assert.equal(err.sysCode, 'ECONNREFUSED');
      assert.match(err.message, /127\.0\.0\.1:9003.*ECONNREFUSED/);
      return true;
    });
  });

  test('an invalid address rejects with ERR_INVALID_ADDRESS and dials nothing', async () => {
    const { cm, dialer } = rig();
    await assert.rejects(cm.connect('nope'), isCode('ERR_INVALID_ADDRESS'));
    assert.throws(() => cm.addPersistent('1.2.3.4:99999'), isCode('ERR_INVALID_ADDRESS'));
    assert.equal(dialer.calls.length, 0);
  });

  test('dial timeout: connect rejects with ERR_DIAL_TIMEOUT; a persistent peer goes failing', async () => {
    const dialer = new FakeDialer();
    dialer.ignoreAbort = true; // the timeout must not depend on the dialer's cooperation
    const { cm, clock, log } = rig({ dialTimeoutMs: 3000 }, dialer);
    const connecting = cm.connect('127.0.0.1:9003').catch((err: ConnMgrError) => err.code);
    const persistentId = cm.addPersistent('127.0.0.1:9004');
    await clock.advance(2999);
    assert.equal(cm.list().filter((c) => c.state === 'pending').length, 2);
    await clock.advance(1);
    assert.equal(await connecting, 'ERR_DIAL_TIMEOUT');
    assert.ok(dialer.calls.every((c) => c.signal.aborted));
    assert.equal(log.path(persistentId).at(-1), 'pending>failing:dial-timeout');
    assert.equal(log.states().find((e) => e.addr === '127.0.0.1:9003' && e.to === 'canceled')!.reason, 'dial-timeout');
    for (const call of dialer.calls) call.fail('ETIMEDOUT'); // let the ignored dials settle
  });

  test('AbortSignal cancels a pending connect with ERR_ABORTED', async () => {
    const { cm, clock, dialer, log } = rig();
    const controller = new AbortController();
    const connecting = cm.connect('127.0.0.1:9003', { signal: controller.signal }).catch((err: ConnMgrError) => err.code);
    await clock.advance(0);
    controller.abort();
    assert.equal(await connecting, 'ERR_ABORTED');
    assert.ok(dialer.last().signal.aborted);
    assert.equal(log.states().at(-1)!.reason, 'aborted');
    assert.equal(log.states().at(-1)!.to, 'canceled');
    await assert.rejects(cm.connect('127.0.0.1:9004', { signal: AbortSignal.abort() }), isCode('ERR_ABORTED'));
    assert.equal(dialer.calls.length, 1, 'an aborted signal dials nothing');
  });

  test('maxPersistent: disconnect does not free a slot, remove does', async () => {
    const { cm, clock } = rig({ maxPersistent: 2 }, new FakeDialer('succeed'));
    const a = cm.addPersistent('127.0.0.1:9001');
    cm.addPersistent('127.0.0.1:9002');
    await clock.advance(0);
    assert.throws(() => cm.addPersistent('127.0.0.1:9003'), isCode('ERR_MAX_PERSISTENT'));
    cm.disconnect(a);
    await clock.advance(0);
    assert.throws(() => cm.addPersistent('127.0.0.1:9003'), isCode('ERR_MAX_PERSISTENT'));
    cm.remove(a);
    await clock.advance(0);
    const c = cm.addPersistent('127.0.0.1:9003');
    assert.ok(c > a);
    assert.equal(cm.stats().persistentEntries, 2);
  });
});

describe('rule 7: idle timeout', () => {
  test('bytes either way count as activity; silence past idleTimeoutMs is kicked and counted', async () => {
    const { cm, clock, dialer, log } = rig({ idleTimeoutMs: 500 }, new FakeDialer('succeed'));
    const quiet = await Promise.all([cm.connect('127.0.0.1:9001'), clock.advance(0)]).then(([c]) => c);
    const talker = await Promise.all([cm.connect('127.0.0.1:9002'), clock.advance(0)]).then(([c]) => c);
    const writer = await Promise.all([cm.connect('127.0.0.1:9003'), clock.advance(0)]).then(([c]) => c);
    await clock.advance(300);
    dialer.socketTo('127.0.0.1:9002').receive('ping'); // bytes in
    dialer.socketTo('127.0.0.1:9003').write('ping'); // bytes out (written by the socket's owner)
    await clock.advance(300); // t = 600: the quiet one has been silent for 600 ms
    assert.equal(log.path(quiet.id).at(-1), 'established>disconnected:idle-timeout');
    assert.equal(cm.get(talker.id)?.state, 'established');
    assert.equal(cm.get(writer.id)?.state, 'established');
    assert.equal(cm.stats().idleKicks, 1);
    await clock.advance(1000);
    assert.equal(cm.stats().idleKicks, 3, 'both fall silent and are kicked too');
  });
});

describe('rule 8: shutdown', () => {
  test('stop() ends everything with reason shutdown; twice is harmless; every call after rejects', async () => {
    const { cm, clock, dialer, log } = rig({ targetOutbound: 2, getNewAddress: addressSequence() });
    await cm.start();
    const manual = cm.connect('127.0.0.1:9003').catch((err: ConnMgrError) => err.code);
    const persistentId = cm.addPersistent('127.0.0.1:9004');
    await clock.advance(0);
    dialer.calls[0]!.succeed(); // one automatic established, one automatic pending
    dialer.callsTo('127.0.0.1:9004')[0]!.fail('ECONNREFUSED'); // persistent failing
    await clock.advance(0);
    const first = cm.stop();
    const second = cm.stop();
    assert.equal(first, second, 'the same promise');
    await first;
    await cm.stop();
    assert.equal(await manual, 'ERR_SHUTDOWN');
    const endings = log.states().filter((e) => e.to === 'canceled' || e.to === 'disconnected');
    assert.equal(endings.length, 4);
    assert.ok(endings.every((e) => e.reason === 'shutdown'));
    assert.equal(log.path(persistentId).at(-1), 'failing>canceled:shutdown');
    assert.deepEqual(
      log.of('manager:state').map((e) => e.state),
      ['running', 'stopping', 'stopped'],
    );
    assert.equal(clock.pendingTimers, 0, 'no timer of the manager is left');
    await assert.rejects(cm.connect('127.0.0.1:9005'), isCode('ERR_SHUTDOWN'));
    await assert.rejects(cm.start(), isCode('ERR_SHUTDOWN'));
    assert.throws(() => cm.addPersistent('127.0.0.1:9005'), isCode('ERR_SHUTDOWN'));
    assert.throws(() => cm.disconnect(1), isCode('ERR_SHUTDOWN'));
    assert.throws(() => cm.remove(1), isCode('ERR_SHUTDOWN'));
    assert.throws(() => cm.setTargetOutbound(3), isCode('ERR_SHUTDOWN'));
  });
});

describe('rule 8: shutdown with a dialer that does not cooperate', () => {
  test('stop() waits 1 s for a dialer that ignores its signal and never settles, then lets go; a late socket is destroyed', async () => {
    const dialer = new FakeDialer();
    dialer.ignoreAbort = true;
    const { cm, clock, log } = rig({}, dialer);
    const connecting = cm.connect('127.0.0.1:9003').catch((err: ConnMgrError) => err.code);
    await clock.advance(0);
    let stopped = false;
    const stopping = cm.stop().then(() => {
      stopped = true;
    });
    await clock.advance(999);
    assert.equal(stopped, false, 'the aborted dial gets a moment to settle');
    assert.equal(cm.openResources().dials, 1);
    await clock.advance(1);
    assert.equal(stopped, true, 'then stop() resolves without it');
    await stopping;
    assert.deepEqual(cm.openResources(), { conns: 0, sockets: 0, dials: 0, timers: 0, listeners: 0 });
    assert.equal(await connecting, 'ERR_SHUTDOWN');
    const late = dialer.last().succeed(); // the dialer finally answers
    await settle();
    assert.equal(late.destroyed, true, 'the late socket is destroyed');
    assert.deepEqual(cm.openResources(), { conns: 0, sockets: 0, dials: 0, timers: 0, listeners: 0 }, 'and never counted');
    assert.ok(!log.states().some((e) => e.to === 'established'));
  });
});

describe('rule 9: callbacks never break the manager', () => {
  test('a listener may remove a connection, or stop the manager, from its own pending event', async () => {
    const { cm, clock, dialer, log } = rig({}, new FakeDialer());
    cm.on('conn:state', (e) => {
      if (e.to === 'pending' && e.addr === '127.0.0.1:9001') cm.remove(e.id);
    });
    const id = cm.addPersistent('127.0.0.1:9001');
    await clock.advance(600_000);
    assert.deepEqual(log.path(id), ['->pending:requested', 'pending>canceled:local-remove']);
    assert.equal(cm.get(id), undefined);
    assert.equal(dialer.calls.length, 0, 'a removed request is never dialed');

    let stopping: Promise<void> | undefined;
    cm.on('conn:state', (e) => {
      if (e.to === 'pending' && e.addr === '127.0.0.1:9002') stopping = cm.stop();
    });
    const connecting = cm.connect('127.0.0.1:9002').catch((err: ConnMgrError) => err.code);
    await stopping;
    assert.equal(await connecting, 'ERR_SHUTDOWN');
    assert.deepEqual(cm.openResources(), { conns: 0, sockets: 0, dials: 0, timers: 0, listeners: 0 });
    assert.equal(dialer.calls.length, 0);
  });

  test('a throwing listener is caught and logged; state and other listeners go on', async () => {
    const warnings: unknown[] = [];
    const { cm, clock } = rig({ logger: { warn: (...args: unknown[]) => warnings.push(args) } }, new FakeDialer('succeed'));
    const seen: string[] = [];
    cm.on('conn:state', () => {
      throw new Error('listener bug');
    });
    cm.on('conn:state', (e) => {
      // State is updated before the event is emitted.
      seen.push(`${e.to}/${cm.get(e.id)?.state}`);
    });
    const info = await Promise.all([cm.connect('127.0.0.1:9003'), clock.advance(0)]);
    assert.equal(info[0].state, 'established');
    assert.deepEqual(seen, ['pending/pending', 'established/established']);
    assert.equal(warnings.length, 2);
    assert.match(String((warnings[0] as unknown[])[0]), /listener threw/);
  });
});
