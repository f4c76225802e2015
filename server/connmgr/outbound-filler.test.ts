/**
 * Rule 1 (README "Rules") without sockets or a manager: the outbound filler on a virtual clock,
 * with a stand-in host that records what it is asked to dial and ends those dials as the test says.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutboundFiller } from './outbound-filler.ts';
import { ResourceTracker } from './resources.ts';
import type { OutboundCause } from './rule-ids.ts';
import { FakeClock, settle } from './test-helpers.ts';
import type { OutboundThrottledEvent } from './types.ts';

function rig(options: { target?: number; maxFailedAttempts?: number; source?: () => Promise<string> } = {}) {
  const clock = new FakeClock();
  const timers = new ResourceTracker(clock);
  let n = 0;
  const rules = {
    getNewAddress: options.source ?? (async () => `10.0.0.${++n}:8333`),
    maxFailedAttempts: options.maxFailedAttempts ?? 3,
    retryDelayMs: 1000,
  };
  const live = new Set<string>();
  const banned = new Set<string>();
  const dialed: Array<{ addr: string; cause: OutboundCause; at: number }> = [];
  const throttled: Array<Omit<OutboundThrottledEvent, 'at'> & { at: number }> = [];
  const warnings: string[] = [];
  const host = {
    running: () => true,
    count: () => live.size,
    target: () => options.target ?? 3,
    inUse: (addr: string) => live.has(addr),
    isBanned: (host: string) => banned.has(host),
    dial: (addr: string, cause: OutboundCause) => {
      live.add(addr);
      dialed.push({ addr, cause, at: clock.now() });
    },
    throttled: (event: Omit<OutboundThrottledEvent, 'at'>) => throttled.push({ ...event, at: clock.now() }),
    warn: (message: string) => warnings.push(message),
  };
  const filler = new OutboundFiller(rules, timers, host);
  /** The manager's side of a failed automatic dial: the record ends, then the filler hears of it. */
  const fail = (addr: string): void => {
    assert.ok(live.delete(addr), `${addr} was not dialing`);
    filler.failed();
  };
  return { clock, timers, live, banned, dialed, throttled, warnings, filler, fail, host };
}

test('fills to the target with fresh addresses, and replaces a failed one', async () => {
  const r = rig();
  r.filler.fill('outbound-fill');
  await settle();
  assert.deepEqual(
    r.dialed.map((d) => `${d.addr} ${d.cause}`),
    ['10.0.0.1:8333 outbound-fill', '10.0.0.2:8333 outbound-fill', '10.0.0.3:8333 outbound-fill'],
  );
  r.filler.fill('outbound-fill'); // at the target: nothing more
  await settle();
  assert.equal(r.dialed.length, 3);
  r.fail('10.0.0.2:8333');
  await settle();
  assert.deepEqual(r.dialed.at(-1), { addr: '10.0.0.4:8333', cause: 'replace-failed-outbound', at: r.clock.now() });
  assert.equal(r.filler.stats().consecutiveFailedAttempts, 1);
});

test('past maxFailedAttempts: one attempt per retryDelayMs, announced once; a success fills at full speed', async () => {
  const r = rig({ target: 3, maxFailedAttempts: 3 });
  const start = r.clock.now();
  r.filler.fill('outbound-fill');
  await settle();
  // Every dial fails at once: replacements until the third failure in a row, then the pause.
  for (let i = 0; r.throttled.length === 0; i++) {
    r.fail(r.dialed[i]!.addr);
    await settle();
  }
  // README rule 1: an outage costs at most maxFailedAttempts + targetOutbound − 1 dials.
  assert.equal(r.dialed.length, 3 + 3 - 1);
  assert.deepEqual(r.throttled, [{ failedAttempts: 3, delayMs: 1000, rule: 'outage-pause', at: start }]);
  for (const addr of [...r.live]) r.fail(addr); // the last two fail too: still no dial at once
  await settle();
  assert.equal(r.dialed.length, 5);
  assert.equal(r.throttled.length, 1, 'announced once per pause');
  await r.clock.advance(999);
  assert.equal(r.dialed.length, 5);
  await r.clock.advance(1);
  assert.deepEqual(r.dialed.slice(5), [{ addr: '10.0.0.6:8333', cause: 'outage-pause', at: start + 1000 }]);
  assert.equal(r.filler.stats().throttledAttempts, 1);
  r.fail('10.0.0.6:8333'); // fails too: the next one a step later, never more than one a step
  await r.clock.advance(1000);
  assert.deepEqual(
    r.dialed.slice(6).map((d) => [d.cause, d.at - start]),
    [['outage-pause', 2000]],
  );
  r.live.clear(); // …and it succeeds: the count resets, the target fills at once
  r.filler.succeeded();
  await settle();
  assert.equal(r.filler.stats().consecutiveFailedAttempts, 0);
  assert.deepEqual(
    r.dialed.slice(7).map((d) => [d.cause, d.at - start]),
    [
      ['outbound-fill', 2000],
      ['outbound-fill', 2000],
      ['outbound-fill', 2000],
    ],
  );
  assert.equal(r.timers.counts().timers, 0, 'the throttle timer is gone');
});

test('an address source that fails, or gives an address in use, counts a failure and is asked again', async () => {
  const answers: Array<string | Error> = [new Error('address book empty'), '10.0.0.9:1', '10.0.0.9:1', '10.0.0.8:1'];
  const r = rig({
    target: 2,
    maxFailedAttempts: 5,
    source: async () => {
      const next = answers.shift() ?? new Error('no more');
      if (next instanceof Error) throw next;
      return next;
    },
  });
  r.filler.fill('outbound-fill');
  await settle(6);
  assert.deepEqual(
    r.dialed.map((d) => `${d.addr} ${d.cause}`),
    ['10.0.0.9:1 outbound-fill', '10.0.0.8:1 replace-failed-outbound'],
    'the failed source and the second 10.0.0.9:1 (a duplicate) were replaced',
  );
  assert.equal(r.filler.stats().consecutiveFailedAttempts, 2);
  assert.deepEqual(r.warnings, ['connmgr: address source failed: address book empty']);
});

test('a target lowered while the source is asked dials nothing', async () => {
  let release!: (addr: string) => void;
  const r = rig({ target: 1, source: () => new Promise<string>((resolve) => (release = resolve)) });
  r.filler.fill('outbound-fill');
  r.host.target = () => 0;
  release('10.0.0.1:1');
  await settle();
  assert.equal(r.dialed.length, 0);
});
