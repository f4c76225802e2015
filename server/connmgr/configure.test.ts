/**
 * `configure()`: the rules changed at run time (README "Changing the rules live"), on a virtual
 * clock with an injected dialer. The inbound limit and policy need real sockets:
 * integration.test.ts.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import type { ConnManager } from './conn-manager.ts';
import { ConnMgrError } from './errors.ts';
import type { ConnManagerOptions } from './options.ts';
import { FakeDialer, stopAndAssertClean, virtualRig, type VirtualRig } from './test-helpers.ts';

const managers: ConnManager[] = [];
afterEach(async () => {
  for (const cm of managers.splice(0)) await stopAndAssertClean(cm);
});

function rig(options: ConnManagerOptions = {}, dialer?: FakeDialer): VirtualRig {
  const r = virtualRig({ retryDelayMs: 1000, maxRetryDelayMs: 60_000, ...options }, dialer);
  managers.push(r.cm);
  return r;
}

test('a new backoff applies from the next failure; the retry already scheduled keeps its time', async () => {
  const { cm, clock, log } = rig({ backoff: 'linear', retryDelayMs: 1000 }, new FakeDialer({ fail: 'ECONNREFUSED' }));
  await cm.start();
  const id = cm.addPersistent('127.0.0.1:9100');
  await clock.advance(0);
  const first = log.states(id).at(-1)!;
  assert.equal(first.retryAt! - first.at, 1000, 'linear: 1 × 1 s');
  assert.deepEqual(cm.configure({ retryDelayMs: 3000, maxRetryDelayMs: 10_000 }), { retryDelayMs: 3000, maxRetryDelayMs: 10_000 });
  await clock.advance(999);
  assert.equal(log.states(id).at(-1)!.to, 'failing', 'still waiting for the old schedule');
  await clock.advance(1);
  const second = log.states(id).at(-1)!;
  assert.equal(second.attempt, 2);
  assert.equal(second.retryAt! - second.at, 6000, 'the next wait follows the new step: 2 × 3 s');
  await clock.advance(6000);
  const third = log.states(id).at(-1)!;
  assert.equal(third.retryAt! - third.at, 9000, '3 × 3 s');
  await clock.advance(9000);
  assert.equal(log.states(id).at(-1)!.retryAt! - log.states(id).at(-1)!.at, 10_000, 'capped at the new cap');
});

test('config:changed lists exactly what changed, once; an unchanged value is no change', async () => {
  const { cm, log } = rig({ backoff: 'linear', dialTimeoutMs: 5000 });
  await cm.start();
  assert.deepEqual(cm.configure({ backoff: 'exponential', dialTimeoutMs: 5000 }), { backoff: 'exponential' });
  assert.deepEqual(cm.configure({ backoff: 'exponential' }), {});
  const changes = log.of('config:changed').map(({ at: _at, ...rest }) => rest);
  assert.deepEqual(changes, [{ backoff: 'exponential' }]);
  assert.equal(cm.config().backoff, 'exponential');
  assert.equal(cm.config().dialTimeoutMs, 5000);
});

test('bad patches are refused by name and change nothing', async () => {
  const { cm, log } = rig({ retryDelayMs: 1000, maxRetryDelayMs: 5000 });
  await cm.start();
  const before = cm.config();
  const cases: Array<[unknown, RegExp]> = [
    [{ maxPersistent: 3 }, /option maxPersistent cannot be changed at run time/],
    [{ bogus: 1 }, /option bogus cannot be changed/],
    [{ backoff: 'fibonacci' }, /backoff must be one of linear, exponential, got "fibonacci"/],
    [{ retryDelayMs: 0 }, /retryDelayMs must be an integer >= 1, got 0/],
    [{ idleTimeoutMs: -1 }, /idleTimeoutMs must be an integer >= 0/],
    [{ retryDelayMs: 9000 }, /maxRetryDelayMs \(5000\) must be >= retryDelayMs \(9000\)/],
    [{}, /needs at least one of/],
    [null, /takes an object/],
    // A valid part with an invalid one: nothing of it applies.
    [{ backoff: 'exponential', dialTimeoutMs: 0.5 }, /dialTimeoutMs must be an integer/],
  ];
  for (const [patch, message] of cases) {
    assert.throws(
      () => cm.configure(patch as never),
      (err: unknown) => err instanceof ConnMgrError && err.code === 'ERR_INVALID_ARGUMENT' && message.test(err.message),
      JSON.stringify(patch),
    );
  }
  assert.deepEqual(cm.config(), before);
  assert.equal(log.of('config:changed').length, 0);
});

test('a shorter idle timeout is re-armed at once for connections already open; 0 turns it off', async () => {
  const { cm, clock, dialer, log } = rig({ idleTimeoutMs: 0 }, new FakeDialer('succeed'));
  await cm.start();
  const quiet = await cm.connect('127.0.0.1:9201');
  const busy = await cm.connect('127.0.0.1:9202');
  await clock.advance(10_000);
  cm.configure({ idleTimeoutMs: 500 });
  for (let t = 0; t < 400; t += 100) {
    dialer.socketTo(busy.addr).receive('x');
    await clock.advance(100);
  }
  // Silent for 10 s already: kicked as soon as the new timer comes due.
  assert.equal(log.states(quiet.id).at(-1)!.reason, 'idle-timeout');
  cm.configure({ idleTimeoutMs: 0 });
  await clock.advance(60_000);
  assert.equal(log.states(busy.id).at(-1)!.to, 'established', 'no timeout any more');
});

test('setTargetOutbound is configure({ targetOutbound }) and still refuses a bad number', async () => {
  const { cm, log } = rig();
  await cm.start();
  cm.setTargetOutbound(3);
  assert.deepEqual(
    log.of('config:changed').map(({ at: _at, ...rest }) => rest),
    [{ targetOutbound: 3 }],
  );
  assert.throws(() => cm.setTargetOutbound(-1), /target outbound must be an integer >= 0/);
});
