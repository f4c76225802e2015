/**
 * Test support for lessons (tests only): a lab attached to a real manager on 127.0.0.1, lessons
 * run faster by `lessonTimeScale`, and a check that a step made the manager report what the
 * lesson promises (`expect`).
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { ConnManager, type ConnManagerEvents, type ConnManagerOptions } from '../../connmgr/index.ts';
import { EventLog, assertHandlesBackTo, stopAndAssertClean, tcpHandleCount } from '../../connmgr/test-helpers.ts';
import { LAB_MANAGER_DEFAULTS } from '../../cli-options.ts';
import { Lab, type LabStartOptions, type PeerMixEntry } from '../lab.ts';
import { waitFor } from '../../test-support.ts';
import { childPids } from '../testing.ts';
import type { ExpectedEvent, LessonStep } from './types.ts';

export interface LessonRig {
  lab: Lab;
  cm: ConnManager;
  log: EventLog;
  scale: number;
}

/**
 * A lab (quiet unless `lab.scenario` says otherwise; a small mix; 100 ms heartbeats) attached to a
 * started manager with the lab's CLI defaults (durations at the lessons' pace, no idle timeout)
 * and a listener. Everything is stopped when the test
 * ends, and must leave no manager resource, TCP handle or gate process behind.
 */
export async function lessonRig(
  t: TestContext,
  scale: number,
  lab: LabStartOptions = {},
  manager: Partial<ConnManagerOptions> = {},
): Promise<LessonRig> {
  const handles = tcpHandleCount();
  const children = childPids().length;
  let listen: string | undefined;
  const mix: PeerMixEntry[] = [
    { behaviour: 'stable', count: 2 },
    { behaviour: 'refuse', count: 1 },
  ];
  const theLab = await Lab.start({
    seed: 11,
    peers: mix,
    trickle: false,
    managerListen: () => listen,
    lessonTimeScale: scale,
    timings: { heartbeatMs: 100 },
    ...lab,
  });
  const d = LAB_MANAGER_DEFAULTS;
  const cm = new ConnManager({
    logger: { warn: () => undefined },
    listen: [{ host: '127.0.0.1', port: 0 }],
    getNewAddress: theLab.getNewAddress,
    ...d,
    // The lab's durations at the lessons' pace (an outage pause already scheduled when a lesson
    // starts is waited out at this step).
    retryDelayMs: Math.round(d.retryDelayMs * scale),
    maxRetryDelayMs: Math.round(d.maxRetryDelayMs * scale),
    dialTimeoutMs: Math.round(d.dialTimeoutMs * scale),
    idleTimeoutMs: 0,
    ...manager,
  });
  const log = new EventLog(cm);
  theLab.attach(cm);
  t.after(async () => {
    await stopAndAssertClean(cm);
    await theLab.stop();
    await assertHandlesBackTo(handles);
    await waitFor(() => childPids().length <= children, "the gates' holder processes to exit", 8000);
  });
  await cm.start();
  listen = cm.listeners()[0]?.address;
  return { lab: theLab, cm, log, scale };
}

type AnyEvent = ConnManagerEvents[keyof ConnManagerEvents];

/** True when `e` (an event named `name`) is what `x` expects. */
function matches(r: LessonRig, x: ExpectedEvent, name: string, e: AnyEvent): boolean {
  if (x.kind !== name) return false;
  const f = e as unknown as Record<string, unknown>;
  switch (x.kind) {
    case 'conn:state': {
      const peerAddr = x.peer === undefined ? undefined : r.lab.lessonScene?.peer(x.peer).addr;
      return (
        f.to === x.to &&
        f.rule === x.rule &&
        (x.reason === undefined || f.reason === x.reason) &&
        (x.type === undefined || f.type === x.type) &&
        (x.persistent === undefined || f.persistent === x.persistent) &&
        (peerAddr === undefined || f.addr === peerAddr)
      );
    }
    case 'inbound:rejected':
      return f.reason === x.reason && f.rule === x.rule;
    case 'outbound:throttled':
      return f.rule === x.rule;
    case 'listener:state':
      return f.state === x.state && f.rule === x.rule;
    case 'log':
      return false;
  }
}

/** What of `step.expect` is still missing among the events since `from` (and the lesson's log). */
export function missing(r: LessonRig, step: LessonStep, from: number): ExpectedEvent[] {
  const events = r.log.all.slice(from);
  const log = r.lab.state().lesson?.log ?? [];
  return step.expect.filter((x) =>
    x.kind === 'log' ? !log.some((line) => line.includes(x.includes)) : !events.some(({ name, event }) => matches(r, x, name, event)),
  );
}

/**
 * Waits until the step's every expected event (and log line) is there, counting from event index
 * `from`; fails with what is missing. Waits the step's `watchMs` in lesson time, plus a margin for
 * a loaded machine.
 */
export async function expectStep(r: LessonRig, step: LessonStep, from: number): Promise<void> {
  const timeoutMs = Math.round(step.watchMs * r.scale) + 10_000;
  try {
    await waitFor(() => missing(r, step, from).length === 0, `step "${step.title}"`, timeoutMs);
  } catch {
    assert.fail(
      `step "${step.title}": still missing ${JSON.stringify(missing(r, step, from))} after ${timeoutMs} ms; ` +
        `lesson log ${JSON.stringify(r.lab.state().lesson?.log)}`,
    );
  }
  // The step shows what it highlights: at least one expected event carries one of its rules.
  const shown = step.expect.filter((x) => x.kind !== 'log').map((x) => (x as { rule: string }).rule);
  if (shown.length > 0)
    assert.ok(
      shown.some((rule) => (step.rules as readonly string[]).includes(rule)),
      `"${step.title}" shows its rules`,
    );
}
