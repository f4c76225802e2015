/**
 * Running lessons, apart from what each one shows (lessons.test.ts): starting one resets the lab
 * to its scene, Previous rebuilds the same scene, the ends of a lesson and bad requests get clear
 * errors, and the bridge's commands reach it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCommand } from '../bridge/commands.ts';
import { LESSON_NAMES, PROTOCOL_VERSION, type LessonName } from '../protocol/index.ts';
import { isLabError } from './errors.ts';
import { Lab } from './lab.ts';
import { LESSON_BASE_CONFIG, LESSON_DEFS } from './lessons/index.ts';
import { expectStep, lessonRig, type LessonRig } from './lessons/testing.ts';
import { waitFor } from '../test-support.ts';

const FAST = 0.1;

/** What a scene is made of, without the ids, ports and times that differ between two builds. */
function sceneShape(r: LessonRig): unknown {
  const count = (items: string[]): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const k of items) counts[k] = (counts[k] ?? 0) + 1;
    return counts;
  };
  const lab = r.lab.state();
  const { listen: _listen, ...config } = r.cm.config() as unknown as Record<string, unknown>;
  return {
    lesson: { ...lab.lesson, log: lab.lesson?.log.map((line) => line.replace(/\d+/g, 'N')) },
    config,
    peers: count(lab.peers.filter((p) => p.state === 'running').map((p) => p.behaviour)),
    book: lab.addressBook.size,
    conns: count(r.cm.list().map((c) => `${c.type}${c.persistent ? ' persistent' : ''} ${c.state}`)),
  };
}

test('starting a lesson resets a lively lab: scenario, trickle, peers, address book and connections make way for the scene', {
  timeout: 60_000,
}, async (t) => {
  const r = await lessonRig(t, FAST, { scenario: 'lively', trickle: true });
  const before = r.lab.state().peers.map((p) => p.peerId);
  await waitFor(() => r.cm.list().some((c) => c.persistent), "the scenario's persistent peer", 8000);
  await waitFor(() => r.cm.list().some((c) => c.type === 'outbound'), 'automatic outbound to the mix', 8000);
  // Eight slots and three addresses: the filler keeps failing ("no address"), so the manager's
  // failures in a row are not 0 — the lesson must start from 0 all the same.
  await waitFor(() => r.cm.stats().consecutiveFailedAttempts > 0, 'automatic failures in a row', 8000);
  const stepsBefore = JSON.stringify(r.lab.scenarioLog());

  const from = r.log.all.length;
  await r.lab.startLesson('disconnect-remove');
  await expectStep(r, LESSON_DEFS['disconnect-remove'].steps[0]!, from);
  const scene = r.lab.lessonScene!;
  const lessonAddrs = new Set(['persistent', 'manual', 'auto1', 'auto2'].map((name) => scene.peer(name).addr));
  // Only the lesson's connections are left, and only its peers run; the book holds its two.
  assert.deepEqual(
    r.cm.list().filter((c) => c.type !== 'inbound' && !lessonAddrs.has(c.addr)),
    [],
  );
  const state = r.lab.state();
  const lessonPeers = ['persistent', 'manual', 'auto1', 'auto2'].map((name) => scene.peer(name).peerId);
  assert.deepEqual(
    state.peers.filter((p) => p.state === 'running').map((p) => p.peerId),
    lessonPeers,
  );
  for (const id of before) assert.equal(state.peers.find((p) => p.peerId === id)?.state ?? 'stopped', 'stopped', id);
  assert.equal(state.addressBook.size, 2);
  assert.equal(r.cm.config().targetOutbound, 1);
  assert.equal(r.cm.stats().consecutiveFailedAttempts, 0);
  assert.equal(r.cm.config().retryDelayMs, Math.round(LESSON_BASE_CONFIG.retryDelayMs * FAST));
  // The lively scenario has ended for good: its plan goes no further.
  assert.equal(JSON.stringify(r.lab.scenarioLog()), stepsBefore);
});

test('Previous rebuilds the scene: previous then next gives the same state as going forward', { timeout: 60_000 }, async (t) => {
  const r = await lessonRig(t, FAST);
  const def = LESSON_DEFS['disconnect-remove'];
  const settle = async (step: number, from: number): Promise<void> => {
    await expectStep(r, def.steps[step - 1]!, from);
    // Settled: the persistent entry (disconnected in step 2) is back, and the target is filled.
    await waitFor(
      () => r.cm.list().filter((c) => c.state === 'established').length === 2 + (step === 1 ? 1 : 0),
      `step ${step} settled`,
      8000,
    );
  };
  let from = r.log.all.length;
  await r.lab.startLesson('disconnect-remove');
  await settle(1, from);
  from = r.log.all.length;
  await r.lab.stepLesson('next');
  await settle(2, from);
  const forward = sceneShape(r);

  from = r.log.all.length;
  const back = await r.lab.stepLesson('prev');
  assert.equal(back.step, 1);
  assert.equal(back.stepTitle, def.steps[0]!.title);
  await settle(1, from);
  from = r.log.all.length;
  await r.lab.stepLesson('next');
  await settle(2, from);
  assert.deepEqual(sceneShape(r), forward);
});

test('clear errors: no lesson, past either end, an unknown name, no manager; a failed step leaves the lesson where it was', {
  timeout: 30_000,
}, async (t) => {
  const r = await lessonRig(t, FAST);
  await assert.rejects(r.lab.stepLesson('next'), (err) => isLabError(err, 'ERR_LAB_NO_LESSON') && /start one first/.test(err.message));
  await r.lab.stopLesson(); // a no-op without a lesson
  await assert.rejects(r.lab.startLesson('juggling' as LessonName), (err) => {
    assert.ok(isLabError(err, 'ERR_LAB_INVALID_ARGUMENT'));
    for (const name of LESSON_NAMES) assert.ok(err.message.includes(name), `${name} in "${err.message}"`);
    return true;
  });
  await r.lab.startLesson('inbound-flood');
  await assert.rejects(r.lab.stepLesson('prev'), (err) => isLabError(err, 'ERR_LAB_INVALID_ARGUMENT') && /first step/.test(err.message));
  assert.equal(r.lab.state().lesson?.step, 1);
  await r.lab.stepLesson('next');
  await r.lab.stepLesson('next');
  await assert.rejects(
    r.lab.stepLesson('next'),
    (err) => isLabError(err, 'ERR_LAB_INVALID_ARGUMENT') && /last step \(3 of 3\)/.test(err.message),
  );
  assert.equal(r.lab.state().lesson?.step, 3);

  // A lab attached to no manager cannot stage a lesson.
  const lonely = await Lab.start({ peers: [] });
  t.after(() => lonely.stop());
  await assert.rejects(
    lonely.startLesson('duplicates'),
    (err) => isLabError(err, 'ERR_LAB_INVALID_ARGUMENT') && /running manager/.test(err.message),
  );
  assert.equal(lonely.state().lesson, undefined);
});

test('two Next at once run one after the other, never interleaved', { timeout: 30_000 }, async (t) => {
  const r = await lessonRig(t, FAST);
  await r.lab.startLesson('duplicates');
  const [a, b] = await Promise.allSettled([r.lab.stepLesson('next'), r.lab.stepLesson('next')]);
  assert.equal(a.status === 'fulfilled' && a.value.step, 2);
  assert.equal(b.status === 'fulfilled' && b.value.step, 3);
  const log = r.lab.state().lesson!.log;
  // Step 2's lines all come before step 3's.
  const pending = log.findIndex((line) => line.includes('ERR_ALREADY_PENDING'));
  const persistent = log.findIndex((line) => line.includes('(nothing listens there)'));
  assert.ok(pending >= 0 && persistent > pending, JSON.stringify(log));
});

test('the bridge runs the lesson commands against the lab, and says so without a lab', { timeout: 30_000 }, async (t) => {
  const r = await lessonRig(t, FAST);
  const base = { v: PROTOCOL_VERSION, id: 1 } as const;
  const start = await runCommand({ ...base, type: 'lab.startLesson', name: 'idle-timeout' }, { manager: r.cm, lab: r.lab });
  assert.ok(start.ok && start.command === 'lab.startLesson');
  assert.equal((start.result as { step: number }).step, 1);
  const next = await runCommand({ ...base, type: 'lab.stepLesson', direction: 'next' }, { manager: r.cm, lab: r.lab });
  assert.ok(next.ok);
  assert.equal((next.result as { step: number }).step, 2);
  const past = await runCommand({ ...base, type: 'lab.stepLesson', direction: 'next' }, { manager: r.cm, lab: r.lab });
  assert.ok(!past.ok);
  assert.equal(past.error.code, 'ERR_LAB_INVALID_ARGUMENT');
  assert.match(past.error.message, /last step/);
  const stop = await runCommand({ ...base, type: 'lab.stopLesson' }, { manager: r.cm, lab: r.lab });
  assert.ok(stop.ok);
  assert.equal(r.lab.state().lesson, undefined);
  const noLab = await runCommand({ ...base, type: 'lab.startLesson', name: 'idle-timeout' }, { manager: r.cm, lab: undefined });
  assert.ok(!noLab.ok);
  assert.equal(noLab.error.code, 'ERR_NO_LAB');
});
