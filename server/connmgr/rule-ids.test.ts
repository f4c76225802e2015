/**
 * Rule ids (README "Rule ids"): the pure decision table, then every decision point of the manager
 * on a virtual clock with an injected dialer, each emitting its rule. The inbound rules need real
 * sockets: integration.test.ts (shed, pause) and rules.test.ts (duplicate) assert theirs.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { ConnManager } from './conn-manager.ts';
import type { ConnManagerOptions } from './options.ts';
import { RULE_IDS, transitionRule, type RuleId, type TransitionFacts } from './rule-ids.ts';
import { FakeDialer, addressSequence, stopAndAssertClean, virtualRig, type VirtualRig } from './test-helpers.ts';
import type { ConnStateEvent } from './types.ts';

describe('transitionRule: the decision table', () => {
  const rows: Array<[Partial<TransitionFacts> & Pick<TransitionFacts, 'to' | 'reason'>, RuleId]> = [
    [{ to: 'pending', reason: 'requested', type: 'manual' }, 'connect-request'],
    [{ to: 'pending', reason: 'requested', type: 'manual', persistent: true }, 'persistent-add'],
    [{ to: 'pending', reason: 'requested', type: 'outbound' }, 'outbound-fill'],
    [{ to: 'pending', reason: 'requested', type: 'outbound', outboundCause: 'replace-failed-outbound' }, 'replace-failed-outbound'],
    [{ to: 'pending', reason: 'requested', type: 'outbound', outboundCause: 'outage-pause' }, 'outage-pause'],
    [{ to: 'pending', reason: 'retry', persistent: true }, 'persistent-retry'],
    [{ to: 'pending', reason: 'remote-closed', persistent: true }, 'stable-connection'],
    [{ to: 'pending', reason: 'idle-timeout', persistent: true }, 'stable-connection'],
    [{ to: 'established', reason: 'dial-succeeded' }, 'dial-succeeded'],
    [{ to: 'established', reason: 'accepted', type: 'inbound' }, 'inbound-accept'],
    [{ to: 'failing', reason: 'dial-refused', persistent: true }, 'persistent-backoff'],
    [{ to: 'failing', reason: 'local-disconnect', persistent: true }, 'persistent-backoff'],
    [{ to: 'canceled', reason: 'dial-refused' }, 'one-shot-dial-failed'],
    [{ to: 'canceled', reason: 'dial-error' }, 'one-shot-dial-failed'],
    [{ to: 'canceled', reason: 'dial-timeout' }, 'dial-timeout'],
    [{ to: 'disconnected', reason: 'remote-closed' }, 'peer-closed'],
    [{ to: 'disconnected', reason: 'remote-reset' }, 'peer-closed'],
    [{ to: 'disconnected', reason: 'socket-error' }, 'peer-closed'],
    [{ to: 'disconnected', reason: 'idle-timeout' }, 'idle-timeout'],
    [{ to: 'disconnected', reason: 'local-disconnect' }, 'disconnect'],
    [{ to: 'canceled', reason: 'local-remove' }, 'remove'],
    [{ to: 'canceled', reason: 'aborted' }, 'connect-aborted'],
    [{ to: 'disconnected', reason: 'app-closed' }, 'handoff-close'],
    [{ to: 'disconnected', reason: 'app-error' }, 'handoff-close'],
    [{ to: 'canceled', reason: 'shutdown' }, 'shutdown'],
  ];
  for (const [facts, rule] of rows) {
    test(`${facts.to} after ${facts.reason}${facts.persistent ? ' (persistent)' : ''}${facts.outboundCause ? ` (${facts.outboundCause})` : ''} → ${rule}`, () => {
      assert.equal(transitionRule({ type: 'manual', persistent: false, ...facts }), rule);
    });
  }

  test('a reason that starts a connection never ends one', () => {
    assert.throws(() => transitionRule({ type: 'manual', persistent: false, to: 'disconnected', reason: 'accepted' }), /does not end/);
  });
});

describe('every decision point of the manager emits its rule', () => {
  const managers: ConnManager[] = [];
  afterEach(async () => {
    for (const cm of managers.splice(0)) await stopAndAssertClean(cm);
  });
  /** Rules seen by the scenarios below; the last test checks the list is complete. */
  const seen = new Set<RuleId>();

  function rig(options: ConnManagerOptions = {}, dialer?: FakeDialer): VirtualRig {
    const r = virtualRig({ retryDelayMs: 1000, dialTimeoutMs: 10_000, ...options }, dialer);
    managers.push(r.cm);
    r.cm.on('conn:state', (e) => seen.add(e.rule));
    r.cm.on('outbound:throttled', (e) => seen.add(e.rule));
    return r;
  }

  /** `from>to:reason@rule` for one connection. */
  function rules(events: ConnStateEvent[]): string[] {
    return events.map((e) => `${e.from ?? '-'}>${e.to}:${e.reason}@${e.rule}`);
  }

  test('connect: dial, success, the peer closes; a refused one-shot; a timed-out one; an aborted one', async () => {
    const { cm, clock, dialer, log } = rig();
    await cm.start();
    const ok = cm.connect('127.0.0.1:9001');
    dialer.last().succeed();
    const info = await ok;
    dialer.socketTo('127.0.0.1:9001').remoteClose();
    await clock.advance(0);
    assert.deepEqual(rules(log.states(info.id)), [
      '->pending:requested@connect-request',
      'pending>established:dial-succeeded@dial-succeeded',
      'established>disconnected:remote-closed@peer-closed',
    ]);

    const refused = cm.connect('127.0.0.1:9002').catch(() => undefined);
    dialer.last().fail('ECONNREFUSED');
    await refused;
    const timedOut = cm.connect('127.0.0.1:9003').catch(() => undefined);
    await clock.advance(10_000);
    await timedOut;
    const controller = new AbortController();
    const aborted = cm.connect('127.0.0.1:9004', { signal: controller.signal }).catch(() => undefined);
    controller.abort();
    await aborted;
    const ends = log
      .states()
      .filter((e) => e.to === 'canceled')
      .map((e) => `${e.addr}:${e.rule}`);
    assert.deepEqual(ends, ['127.0.0.1:9002:one-shot-dial-failed', '127.0.0.1:9003:dial-timeout', '127.0.0.1:9004:connect-aborted']);
  });

  test('persistent: add, backoff, retry, the stable-connection redial; disconnect backs off; remove', async () => {
    const { cm, clock, dialer, log } = rig({ retryDelayMs: 1000 });
    await cm.start();
    const id = cm.addPersistent('127.0.0.1:9100');
    dialer.last().fail('ECONNREFUSED');
    await clock.advance(1000); // attempt 1 waits one step
    dialer.last().succeed();
    await clock.advance(5000); // a long-lived connection…
    dialer.socketTo('127.0.0.1:9100').remoteClose(); // …dropped: redial at once
    await clock.advance(0);
    dialer.last().succeed();
    await clock.advance(0);
    cm.disconnect(id);
    await clock.advance(0);
    cm.remove(id);
    assert.deepEqual(rules(log.states(id)), [
      '->pending:requested@persistent-add',
      'pending>failing:dial-refused@persistent-backoff',
      'failing>pending:retry@persistent-retry',
      'pending>established:dial-succeeded@dial-succeeded',
      'established>pending:remote-closed@stable-connection',
      'pending>established:dial-succeeded@dial-succeeded',
      'established>failing:local-disconnect@persistent-backoff',
      'failing>canceled:local-remove@remove',
    ]);
  });

  test('automatic outbound: fill, replace the failed, then one attempt per retryDelayMs in an outage', async () => {
    const { cm, clock, log } = rig(
      { targetOutbound: 1, maxFailedAttempts: 2, retryDelayMs: 1000, getNewAddress: addressSequence() },
      new FakeDialer({ fail: 'ECONNREFUSED' }),
    );
    await cm.start();
    await clock.advance(0);
    await clock.advance(1000);
    const starts = log
      .states()
      .filter((e) => e.to === 'pending')
      .map((e) => e.rule);
    assert.deepEqual(starts, ['outbound-fill', 'replace-failed-outbound', 'outage-pause']);
    const throttled = log.of('outbound:throttled');
    assert.ok(throttled.length >= 1);
    assert.ok(throttled.every((e) => e.rule === 'outage-pause'));
  });

  test('disconnect of a one-shot, an idle kick, a handoff close and shutdown', async () => {
    const apps: Array<{ addr: string; end: () => void }> = [];
    const { cm, clock, dialer, log } = rig(
      {
        idleTimeoutMs: 500,
        onConnection: (info, socket) => {
          apps.push({ addr: info.addr, end: () => socket.destroy() });
        },
      },
      new FakeDialer('succeed'),
    );
    await cm.start();
    const a = await cm.connect('127.0.0.1:9201');
    const b = await cm.connect('127.0.0.1:9202');
    const c = await cm.connect('127.0.0.1:9203');
    const d = await cm.connect('127.0.0.1:9204');
    cm.disconnect(a.id);
    apps.find((x) => x.addr === c.addr)!.end();
    await clock.advance(0);
    // Keep d busy so that only b falls silent.
    for (let t = 0; t < 600; t += 100) {
      dialer.socketTo(d.addr).receive('ping');
      await clock.advance(100);
    }
    const end = (id: number): RuleId | undefined => log.states(id).at(-1)?.rule;
    assert.equal(end(a.id), 'disconnect');
    assert.equal(end(b.id), 'idle-timeout');
    assert.equal(end(c.id), 'handoff-close');
    await cm.stop();
    assert.equal(end(d.id), 'shutdown');
  });

  test('a ban ends the host’s requests: the connection closes, a persistent entry is not retried', async () => {
    const { cm, dialer, log } = rig();
    await cm.start();
    const ok = cm.connect('10.1.1.1:9001');
    dialer.last().succeed();
    const info = await ok;
    const id = cm.addPersistent('10.1.1.1:9002');
    cm.ban('10.1.1.1', { reason: 'test' });
    assert.deepEqual(rules(log.states(info.id)).at(-1), 'established>disconnected:banned@banned');
    assert.deepEqual(rules(log.states(id)).at(-1), 'pending>canceled:banned@banned');
  });

  test('every rule id has a scenario (here, or on real sockets for the inbound ones)', () => {
    // admission.test.ts has the per-host ones.
    const onRealSockets: RuleId[] = [
      'inbound-accept',
      'duplicate',
      'inbound-limit-shed',
      'inbound-limit-pause',
      'inbound-per-host-limit',
      'inbound-rate-limit',
      'inbound-banned', // bans.test.ts
    ];
    // Running out of descriptors has a suite of its own, in a child process (fd-limit.test.ts).
    const untestable: RuleId[] = ['accept-exhausted'];
    const missing = RULE_IDS.filter((r) => !seen.has(r) && !onRealSockets.includes(r) && !untestable.includes(r));
    assert.deepEqual(missing, []);
  });
});
