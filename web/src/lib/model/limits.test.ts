import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  emptyShedTrack,
  inboundText,
  limitSignals,
  limitsAnnouncement,
  limitsView,
  limitsWakeMs,
  markTexts,
  noteFailures,
  noteShed,
  outboundText,
  SHED_PULSE_EVERY_MS,
  SHED_PULSE_MS,
  SHED_RECENT_MS,
  type LimitSignals,
  type LimitSources,
} from './limits.ts';

const T0 = 1_700_000_000_000;

function sources(over: Partial<LimitSources> = {}): LimitSources {
  return {
    managerState: 'running',
    shed: emptyShedTrack(),
    listeners: [{ address: '127.0.0.1:8333', state: 'listening' }],
    limits: { targetOutbound: 8, maxInbound: 16, maxPersistent: 8 },
    throttle: null,
    failures: { count: 0, at: T0 },
    config: { maxFailedAttempts: 25 },
    ...over,
  };
}

function signals(over: Partial<LimitSources> = {}, counts = { inbound: 16, outbound: 3 }): LimitSignals {
  return limitSignals(sources(over), counts);
}

describe('shed pulses', () => {
  test('a flood of sheds starts a pulse at most every SHED_PULSE_EVERY_MS, and counts every shed', () => {
    const t = emptyShedTrack();
    // 1,000 sheds a second for 2 s.
    for (let i = 0; i < 2000; i++) noteShed(t, T0 + i);
    assert.equal(t.seen, 2000);
    assert.equal(t.pulses, Math.floor(1999 / SHED_PULSE_EVERY_MS) + 1);
    assert.ok(t.pulses <= 6, `${t.pulses} pulses in 2 s`);
    assert.equal(t.lastAt, T0 + 1999);
    assert.equal(t.pulseAt, T0 + 4 * SHED_PULSE_EVERY_MS);
  });

  test('one shed: a pulse that fades out, then "shed" stays until SHED_RECENT_MS have passed', () => {
    const t = emptyShedTrack();
    noteShed(t, T0);
    const at = (ms: number) => limitsView(signals({ shed: t }), T0 + ms);
    assert.equal(at(0).shedPulse, 1);
    assert.equal(at(SHED_PULSE_MS / 2).shedPulse, 0.5);
    assert.equal(at(SHED_PULSE_MS).shedPulse, 0);
    assert.equal(at(SHED_PULSE_MS).shedding, true);
    assert.equal(at(SHED_RECENT_MS - 1).shedding, true);
    assert.equal(at(SHED_RECENT_MS).shedding, false);
    // The model clock may lag the event's own time a little: a full pulse then, not more.
    assert.equal(at(-20).shedPulse, 1);
  });

  test('nothing shed: no pulse, no mark', () => {
    const v = limitsView(signals(), T0);
    assert.equal(v.shedding, false);
    assert.equal(v.shedPulse, 0);
    assert.deepEqual(markTexts(v), []);
  });
});

describe('accepting paused', () => {
  test('a paused listener: "paused: N/N" from the live counts and the limit', () => {
    const v = limitsView(signals({ listeners: [{ address: '127.0.0.1:8333', state: 'paused', reason: 'limit' }] }), T0);
    assert.deepEqual(v.acceptingPaused, { used: 16, limit: 16, reason: 'limit' });
    assert.equal(inboundText(v), 'accepting paused 16/16');
    assert.deepEqual(markTexts(v), [{ key: 'paused', text: 'paused: 16/16', sub: null }]);
  });

  test('paused for another reason (out of file descriptors) says why', () => {
    const v = limitsView(
      signals({ listeners: [{ address: '127.0.0.1:8333', state: 'paused', reason: 'EMFILE' }] }, { inbound: 3, outbound: 8 }),
      T0,
    );
    assert.equal(inboundText(v), 'accepting paused 3/16 (EMFILE)');
  });

  test('listening, closed or stopped is not paused', () => {
    assert.equal(limitsView(signals(), T0).acceptingPaused, null);
    assert.equal(limitsView(signals({ listeners: [{ address: 'a', state: 'closed' }] }), T0).acceptingPaused, null);
    const stopping = signals({ managerState: 'stopping', listeners: [{ address: 'a', state: 'paused' }] });
    assert.equal(limitsView(stopping, T0).acceptingPaused, null);
    assert.equal(inboundText(limitsView(signals({}, { inbound: 4, outbound: 0 }), T0)), 'inbound accepting, 4/16');
  });
});

describe('throttle', () => {
  const throttled = (over: Partial<LimitSources> = {}, counts = { inbound: 0, outbound: 3 }) =>
    signals({ throttle: { failedAttempts: 25, delayMs: 5000, at: T0 }, failures: { count: 25, at: T0 }, ...over }, counts);

  test('past maxFailedAttempts and short of the target: a countdown to the next attempt, in whole seconds', () => {
    const sig = throttled();
    const at = (ms: number) => limitsView(sig, T0 + ms).throttle ?? assert.fail('throttled');
    assert.deepEqual(at(0), { until: T0 + 5000, secondsLeft: 5, failedAttempts: 25, maxFailedAttempts: 25 });
    assert.equal(at(1).secondsLeft, 5);
    assert.equal(at(1000).secondsLeft, 4);
    assert.equal(at(4001).secondsLeft, 1);
    assert.equal(at(5000).secondsLeft, 0);
    assert.equal(at(9000).secondsLeft, 0, 'never negative');
    assert.equal(outboundText(limitsView(sig, T0 + 2500)), 'outbound throttled, next try in 3 s');
    assert.equal(outboundText(limitsView(sig, T0 + 5000)), 'outbound throttled, trying now');
    assert.deepEqual(markTexts(limitsView(sig, T0 + 2500)), [{ key: 'throttle', text: 'outbound throttled', sub: 'next try in 3s' }]);
  });

  test('a frozen clock (stale view) freezes the countdown: the view is a function of the time given', () => {
    const sig = throttled();
    assert.deepEqual(limitsView(sig, T0 + 1200), limitsView(sig, T0 + 1200));
    assert.equal(limitsView(sig, T0 + 1200).throttle?.secondsLeft, 4);
  });

  test('over as soon as the failures are: a successful automatic dial, or newer stats', () => {
    assert.equal(limitsView(throttled({ failures: { count: 0, at: T0 + 10 } }), T0 + 20).throttle, null);
    assert.equal(outboundText(limitsView(throttled({ failures: { count: 0, at: T0 + 10 } }), T0 + 20)), 'outbound not throttled');
  });

  test('not throttled when the target is met, the manager is not running, or the configuration is unknown', () => {
    assert.equal(limitsView(throttled({}, { inbound: 0, outbound: 8 }), T0).throttle, null);
    assert.equal(limitsView(throttled({ managerState: 'stopped' }), T0).throttle, null);
    assert.equal(limitsView(throttled({ config: null }), T0).throttle, null);
  });

  test('known from the counters only (a page opened while throttled): no countdown, the failures in words', () => {
    const v = limitsView(throttled({ throttle: null, failures: { count: 30, at: T0 } }), T0);
    assert.deepEqual(v.throttle, { until: null, secondsLeft: null, failedAttempts: 30, maxFailedAttempts: 25 });
    assert.equal(outboundText(v), 'outbound throttled after 30 failures in a row');
    assert.equal(markTexts(v)[0]?.sub, 'after 30 failures');
  });

  test('failure counts: the newer reading wins, whatever arrives first', () => {
    const fromStats = noteFailures(null, 24, T0 + 1000);
    assert.deepEqual(noteFailures(fromStats, 25, T0 + 900), { count: 24, at: T0 + 1000 }, 'an older event does not undo newer stats');
    assert.deepEqual(noteFailures(fromStats, 0, T0 + 1500), { count: 0, at: T0 + 1500 });
  });
});

describe('words, announcements and wake-ups', () => {
  test('the announcement names each limit reached, without the countdown, and is empty when none is', () => {
    const sig = signals({
      listeners: [{ address: 'a', state: 'paused', reason: 'limit' }],
      throttle: { failedAttempts: 3, delayMs: 5000, at: T0 },
      failures: { count: 3, at: T0 },
      config: { maxFailedAttempts: 3 },
    });
    const a = limitsAnnouncement(limitsView(sig, T0));
    assert.equal(a, 'Accepting paused at the inbound limit, 16 of 16. Automatic outbound throttled after 3 failures in a row.');
    assert.equal(limitsAnnouncement(limitsView(sig, T0 + 3000)), a, 'the countdown does not make it new');
    assert.equal(limitsAnnouncement(limitsView(signals(), T0)), '');
  });

  test('marks in placing order: shed, paused, throttle', () => {
    const shed = emptyShedTrack();
    noteShed(shed, T0);
    const sig = signals({
      shed,
      listeners: [{ address: 'a', state: 'paused', reason: 'limit' }],
      failures: { count: 30, at: T0 },
    });
    assert.deepEqual(
      markTexts(limitsView(sig, T0)).map((m) => m.key),
      ['shed', 'paused', 'throttle'],
    );
  });

  test('wake-ups: every frame while a pulse fades, then at the end of "shed" and at each second of the countdown', () => {
    const shed = emptyShedTrack();
    noteShed(shed, T0);
    const sig = signals(
      { shed, throttle: { failedAttempts: 25, delayMs: 5000, at: T0 - 300 }, failures: { count: 25, at: T0 } },
      { inbound: 16, outbound: 0 },
    );
    const wake = (ms: number) => limitsWakeMs(limitsView(sig, T0 + ms), sig, T0 + ms);
    assert.equal(wake(100), 0);
    // Countdown: until = T0 + 4700; 5 s left at T0 + 400, 4 s from T0 + 700.
    assert.equal(wake(400), 300);
    assert.equal(wake(700), 1000);
    assert.equal(wake(1900), 100, '"shed" ends first');
    assert.equal(wake(2100), 600);
    assert.equal(limitsWakeMs(limitsView(signals(), T0), signals(), T0), null, 'nothing to wait for');
    const onlyShed = signals({ shed });
    assert.equal(limitsWakeMs(limitsView(onlyShed, T0 + 1500), onlyShed, T0 + 1500), SHED_RECENT_MS - 1500);
  });
});
