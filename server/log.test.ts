/**
 * Log coalescing: exactly, on virtual time; then with a real manager whose address source keeps
 * failing, and with the whole app (manager + lab) asked for far more outbound than the lab has.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { format } from 'node:util';
import { startApp } from './app.ts';
import { capturingLogger } from './bridge/testing.ts';
import { parseCli } from './cli-options.ts';
import { ConnManager } from './connmgr/index.ts';
import { FakeClock } from './connmgr/test-helpers.ts';
import { MAX_COALESCED_MESSAGES, coalescingLogger } from './log.ts';
import { waitFor } from './test-support.ts';

/** A logger that keeps each call as the line `console.warn` would print. */
function capture(): { warn(message: string, ...details: unknown[]): void; lines: string[] } {
  const lines: string[] = [];
  return { lines, warn: (...args: unknown[]) => lines.push(format(...args)) };
}

test('the first occurrence goes through, repeats are counted into one line per window', async () => {
  const clock = new FakeClock(0);
  const out = capture();
  const log = coalescingLogger(out, { windowMs: 10_000, clock });
  log.warn('disk is full', { path: '/tmp' });
  for (let i = 0; i < 990; i += 1) log.warn('disk is full', { path: '/tmp' });
  log.warn('another thing');
  assert.deepEqual(out.lines, ["disk is full { path: '/tmp' }", 'another thing']);
  await clock.advance(9_999);
  assert.equal(out.lines.length, 2, 'nothing before the window ends');
  await clock.advance(1);
  assert.deepEqual(out.lines.slice(2), ['disk is full (… 990 more in the last 10 s)'], 'a message that did not repeat has no summary');

  // Still recurring: one summary per window.
  for (let i = 0; i < 7; i += 1) log.warn('disk is full');
  await clock.advance(10_000);
  assert.deepEqual(out.lines.slice(3), ['disk is full (… 7 more in the last 10 s)']);
  // A quiet window: forgotten, so that the next occurrence is printed in full again.
  await clock.advance(10_000);
  assert.equal(out.lines.length, 4);
  log.warn('disk is full', 'again');
  assert.deepEqual(out.lines.slice(4), ['disk is full again']);
  assert.equal(clock.pendingTimers, 1, 'only the message seen in the current window is tracked');
});

test('messages that differ every time are bounded: past the limit they are counted together', async () => {
  const clock = new FakeClock(0);
  const out = capture();
  const log = coalescingLogger(out, { windowMs: 1000, clock });
  for (let i = 0; i < MAX_COALESCED_MESSAGES + 50; i += 1) log.warn(`peer ${i} failed`);
  assert.equal(out.lines.length, MAX_COALESCED_MESSAGES);
  assert.equal(clock.pendingTimers, MAX_COALESCED_MESSAGES + 1);
  await clock.advance(1000);
  assert.deepEqual(out.lines.slice(MAX_COALESCED_MESSAGES), ['connscope: warnings of other kinds (… 50 more in the last 1 s)']);
  await clock.advance(1000);
  assert.equal(clock.pendingTimers, 0, 'all quiet: nothing tracked');
});

test('flush reports pending counts at once and stops every timer', async () => {
  const clock = new FakeClock(0);
  const out = capture();
  const log = coalescingLogger(out, { clock });
  log.warn('a');
  log.warn('a');
  log.warn('b');
  log.flush();
  assert.deepEqual(out.lines, ['a', 'b', 'a (… 1 more in the last 10 s)']);
  assert.equal(clock.pendingTimers, 0);
});

test('an address source that keeps failing costs one line and then a count, with no stack trace', async () => {
  const clock = new FakeClock(0);
  const out = capture();
  const cm = new ConnManager({
    targetOutbound: 1000,
    maxFailedAttempts: 3000,
    retryDelayMs: 60_000, // once throttled, no more attempts during the test
    getNewAddress: async () => {
      throw new Error('no address to give');
    },
    logger: coalescingLogger(out, { clock }),
  });
  const seen = new Promise<void>((resolve) => cm.on('outbound:throttled', () => resolve()));
  await cm.start();
  await seen; // 3,000 failures in a row
  const failures = cm.stats().consecutiveFailedAttempts;
  assert.ok(failures >= 3000);
  await clock.advance(10_000);
  await cm.stop();
  assert.deepEqual(out.lines, [
    'connmgr: address source failed: no address to give',
    `connmgr: address source failed: no address to give (… ${failures - 1} more in the last 10 s)`,
  ]);
  assert.ok(!out.lines.some((line) => line.includes('    at ')), 'no stack trace for an expected condition');
});

test('the app coalesces its warnings: the lab out of addresses for a target of 1000 is one line', async (t) => {
  const log = capturingLogger();
  const app = await startApp(parseCli(['--port', '0', '--static-dir', '/nonexistent', '--target-outbound', '1000']), log);
  t.after(() => app.stop());
  // 19 lab addresses for 1,000 slots: the address source fails at once, again and again, until
  // the failures in a row reach maxFailedAttempts (25) and the manager throttles itself.
  await waitFor(
    () => {
      const s = app.manager.stats();
      return s.consecutiveFailedAttempts >= 25 || s.throttledAttempts > 0;
    },
    'the address source to fail 25 times',
    10_000,
  );
  const addressLines = log.records.filter((r) => r.message.includes('address source failed'));
  assert.equal(addressLines.length, 1, JSON.stringify(addressLines.slice(0, 3)));
  assert.equal(addressLines[0]?.level, 'warn');
  assert.ok(!log.records.some((r) => 'err' in r.fields), 'no error (with its stack) for an expected condition');
});
