/**
 * Every lesson, run start to end against a real manager and real lab peers on 127.0.0.1: each
 * step must make the manager report the transitions, reasons and rules the lesson promises
 * (`expect`), and the lesson state must say the step's rules. Lessons run faster here
 * (`lessonTimeScale`); the backoff numbers are still exact, since `retryAt − at` is manager time.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { ConnStateEvent } from '../connmgr/index.ts';
import { ScaledClock } from '../connmgr/scaled-clock.ts';
import { FakeClock } from '../connmgr/test-helpers.ts';
import { LESSON_NAMES, LESSON_TITLES, type LessonName } from '../protocol/lessons.ts';
import { isLabError } from './errors.ts';
import { LESSON_DEFS } from './lessons/index.ts';
import { expectStep, lessonRig, type LessonRig } from './lessons/testing.ts';
import { waitFor } from '../test-support.ts';

/** Lesson time runs ten times faster (a 2 s retry step is 200 ms). */
const FAST = 0.1;

/** Runs lesson `name` through every step; `after(k)` checks more once step k (from 1) showed its events. */
async function runLesson(r: LessonRig, name: LessonName, after: (step: number) => Promise<void> | void = () => undefined): Promise<void> {
  const def = LESSON_DEFS[name];
  assert.ok(def.steps.length >= 2, `${name} has steps`);
  for (const [i, step] of def.steps.entries()) {
    const from = r.log.all.length;
    const state = i === 0 ? await r.lab.startLesson(name) : await r.lab.stepLesson('next');
    assert.equal(state.name, name);
    assert.equal(state.title, LESSON_TITLES[name]);
    assert.equal(state.step, i + 1);
    assert.equal(state.steps, def.steps.length);
    assert.equal(state.stepTitle, step.title);
    assert.deepEqual(state.rules, step.rules);
    assert.ok(state.rules.length > 0, 'every step highlights a rule');
    assert.deepEqual(r.lab.state().lesson?.step, i + 1, 'the lab state carries the lesson');
    await expectStep(r, step, from);
    await after(i + 1);
  }
  await assert.rejects(r.lab.stepLesson('next'), (err) => isLabError(err, 'ERR_LAB_INVALID_ARGUMENT') && /last step/.test(err.message));
  await r.lab.stopLesson();
  assert.equal(r.lab.state().lesson, undefined);
}

/** The `failing` events of connections to `addr`. */
function failures(r: LessonRig, addr: string): ConnStateEvent[] {
  return r.log.states().filter((e) => e.addr === addr && e.to === 'failing');
}

test('every lesson name has a story of steps with narration and rules', () => {
  assert.deepEqual(Object.keys(LESSON_DEFS).sort(), [...LESSON_NAMES].sort());
  assert.ok(LESSON_NAMES.length >= 8);
  for (const name of LESSON_NAMES) {
    for (const step of LESSON_DEFS[name].steps) {
      const sentences = step.narration.match(/[.!?](\s|$)/g)?.length ?? 0;
      assert.ok(sentences >= 2 && sentences <= 5, `${name} / ${step.title}: ${sentences} sentences`);
      assert.ok(step.rules.length > 0 && step.expect.length > 0, `${name} / ${step.title}`);
    }
  }
});

test('persistent-backoff: linear waits grow 2, 4, 6, 8 s to the 10 s cap; exponential in [b/2, b); the peer comes back', {
  timeout: 60_000,
}, async (t: TestContext) => {
  const r = await lessonRig(t, FAST);
  const ms = (s: number): number => Math.round(s * 1000 * FAST);
  await runLesson(r, 'persistent-backoff', async (step) => {
    const addr = r.lab.lessonScene!.peer('target').addr;
    if (step === 1) {
      await waitFor(() => failures(r, addr).length >= 6, 'six failures', 8000);
      const waits = failures(r, addr).map((e) => (e.retryAt ?? 0) - e.at);
      assert.deepEqual(waits.slice(0, 6), [2, 4, 6, 8, 10, 10].map(ms));
      assert.deepEqual(
        failures(r, addr)
          .map((e) => [e.attempt, e.rule, e.reason])
          .slice(0, 3),
        [
          [1, 'persistent-backoff', 'dial-refused'],
          [2, 'persistent-backoff', 'dial-refused'],
          [3, 'persistent-backoff', 'dial-refused'],
        ],
      );
    }
    if (step === 2) {
      const id = r.lab.lessonScene!.id('entry');
      await waitFor(() => r.log.states(id).filter((e) => e.to === 'failing').length >= 3, 'three exponential failures', 8000);
      for (const e of r.log.states(id).filter((x) => x.to === 'failing')) {
        const b = Math.min(ms(2) * 2 ** ((e.attempt ?? 1) - 1), ms(30));
        const wait = (e.retryAt ?? 0) - e.at;
        assert.ok(wait >= b / 2 - 1 && wait < b + 1, `attempt ${e.attempt}: ${wait} ms in [${b / 2}, ${b})`);
      }
    }
    if (step === 3) {
      const id = r.lab.lessonScene!.id('entry');
      assert.equal(r.cm.get(id)?.state, 'established');
      // The same entry, reached by its retry (no new id): the backoff only decided when.
      assert.deepEqual(
        r.log
          .states(id)
          .slice(-2)
          .map((e) => e.rule),
        ['persistent-retry', 'dial-succeeded'],
      );
    }
  });
});

test('persistent-backoff on a virtual clock, at full lesson time: exactly 2, 4, 6, 8, 10, 10 s', { timeout: 30_000 }, async (t) => {
  // The manager's timers and the lesson's run on a clock that moves only when told; dials are
  // still real (refused at once), so each failure is awaited, then time jumps to its retry.
  const virtual = new FakeClock(Date.now());
  const clock = new ScaledClock(virtual);
  const r = await lessonRig(t, 1, { managerClock: clock }, { clock, targetOutbound: 0 });
  await r.lab.startLesson('persistent-backoff');
  const addr = r.lab.lessonScene!.peer('target').addr;
  for (let n = 1; n <= 6; n++) {
    const failure = await waitFor(() => failures(r, addr)[n - 1], `failure ${n}`, 8000);
    await virtual.advance((failure.retryAt ?? 0) - virtual.now());
  }
  assert.deepEqual(
    failures(r, addr)
      .map((e) => [e.attempt, (e.retryAt ?? 0) - e.at])
      .slice(0, 6),
    [
      [1, 2000],
      [2, 4000],
      [3, 6000],
      [4, 8000],
      [5, 10000],
      [6, 10000],
    ],
  );
  // Between two failures, exactly the wait: the retry came when the backoff said, not before.
  const retries = r.log.states().filter((e) => e.addr === addr && e.rule === 'persistent-retry');
  for (const [i, retry] of retries.slice(0, 5).entries()) assert.equal(retry.at, failures(r, addr)[i]!.retryAt);
  await r.lab.stopLesson();
});

test('stable-connection: a quick hang-up backs off, a minute-long one redials at once, until retryDelayMs outgrows it', {
  timeout: 90_000,
}, async (t: TestContext) => {
  // Slower than the others: a hang-up "at once" must stay well inside the 2 s window scaled down.
  const r = await lessonRig(t, 0.2);
  await runLesson(r, 'stable-connection', (step) => {
    const scene = r.lab.lessonScene!;
    const quick = r.log.states(scene.id('quick'));
    if (step === 1) {
      // Every dial succeeds, yet the count grows: established → failing, attempt 1, 2, …
      assert.ok(quick.some((e) => e.to === 'established'));
      assert.ok(!quick.some((e) => e.rule === 'stable-connection'), 'a quick drop is never stable');
    }
    if (step === 2) {
      const long = r.log.states(scene.id('long'));
      const drop = long.find((e) => e.rule === 'stable-connection')!;
      assert.equal(drop.from, 'established');
      assert.equal(drop.attempt ?? 0, 0, 'no failure counted');
    }
  });
});

test('outage-throttle: 25 failures in a row, then one attempt per retryDelayMs, then recovery at full speed', {
  timeout: 60_000,
}, async (t) => {
  const r = await lessonRig(t, FAST);
  await runLesson(r, 'outage-throttle', async (step) => {
    if (step === 2) {
      const throttled = r.log.of('outbound:throttled')[0]!;
      assert.ok(throttled.failedAttempts >= 25, `throttled after ${throttled.failedAttempts} failures`);
      assert.equal(throttled.delayMs, Math.round(2000 * FAST));
    }
    if (step === 3) {
      await waitFor(
        () => r.cm.stats().currByType.outbound === 4 && r.cm.list().every((c) => c.state === 'established'),
        'the target filled',
        8000,
      );
      assert.equal(r.cm.stats().consecutiveFailedAttempts, 0);
    }
  });
});

test('inbound-flood: shed past the limit, then pause, then listening again', { timeout: 60_000 }, async (t) => {
  const r = await lessonRig(t, FAST);
  await runLesson(r, 'inbound-flood', (step) => {
    if (step === 1) assert.ok(r.cm.stats().rejected.limit >= 1);
    if (step === 2) assert.equal(r.cm.listeners()[0]?.state, 'paused');
    assert.ok(r.cm.stats().currByType.inbound <= 4, 'never past maxInbound');
  });
});

test('dial-timeout: a black hole cancels a one-shot dial and backs a persistent one off', { timeout: 60_000 }, async (t) => {
  const r = await lessonRig(t, FAST);
  await runLesson(r, 'dial-timeout', (step) => {
    const hole = r.lab.lessonScene!.peer(step === 1 ? 'hole' : 'hole2').addr;
    const pending = r.log.states().find((e) => e.addr === hole && e.to === 'pending')!;
    const end = r.log.states().find((e) => e.addr === hole && (e.to === 'canceled' || e.to === 'failing'))!;
    assert.ok(end.at - pending.at >= Math.round(5000 * FAST) - 1, 'the dial waited out dialTimeoutMs');
  });
});

test('idle-timeout: silence is kicked, heartbeats are not; a persistent peer comes back by stable-connection', {
  timeout: 60_000,
}, async (t) => {
  const r = await lessonRig(t, FAST);
  await runLesson(r, 'idle-timeout', (step) => {
    if (step === 1) {
      const chatty = r.lab.lessonScene!.peer('chatty').addr;
      assert.equal(r.cm.list().find((c) => c.addr === chatty)?.state, 'established', 'the heartbeat keeps it');
      assert.ok(r.cm.stats().idleKicks >= 1);
    }
  });
});

test('duplicates: connect twice, a pending dial, a persistent entry and an inbound from its address', { timeout: 60_000 }, async (t) => {
  const r = await lessonRig(t, FAST);
  await runLesson(r, 'duplicates', (step) => {
    if (step === 1) {
      const addr = r.lab.lessonScene!.peer('peer').addr;
      assert.equal(r.cm.list().filter((c) => c.addr === addr).length, 1, 'no second connection');
    }
    if (step === 3) assert.equal(r.cm.stats().rejected.duplicate, 1);
  });
});

test('disconnect-remove: the persistent entry comes back after disconnect and is gone after remove', { timeout: 60_000 }, async (t) => {
  const r = await lessonRig(t, FAST);
  await runLesson(r, 'disconnect-remove', async (step) => {
    const id = r.lab.lessonScene!.id('persistent');
    if (step === 2) {
      // The same id, back: disconnect keeps the entry.
      await waitFor(() => r.cm.get(id)?.state === 'established', 'the entry established again', 8000);
      const manual = r.lab.lessonScene!.peer('manual').addr;
      assert.equal(
        r.cm.list().find((c) => c.addr === manual),
        undefined,
        'the one-shot is gone',
      );
    }
    if (step === 3) {
      assert.equal(r.cm.get(id), undefined);
      assert.equal(r.cm.stats().persistentEntries, 0, 'the slot is free');
    }
  });
});
