/**
 * Rule 2's decision (README "Rules"), table-tested: the backoff kind, the attempt so far, the cap
 * and the stable-connection rule → redial at once, or wait (attempt, delay, retryAt).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackoffKind } from './backoff.ts';
import { decideRetry, type RetryDecision } from './retry.ts';
import type { ConnReason } from './types.ts';

const NOW = 1_000_000;
const STEP = 5_000;
const CAP = 300_000;

interface Row {
  what: string;
  backoff?: BackoffKind;
  random?: number;
  attempt: number;
  /** How long ago the latest dial started. */
  agoMs: number;
  wasEstablished: boolean;
  reason: ConnReason;
  want: RetryDecision;
}

const wait = (attempt: number, delayMs: number): RetryDecision => ({ kind: 'wait', attempt, delayMs, retryAt: NOW + delayMs });
const redial: RetryDecision = { kind: 'redial', attempt: 0 };

const ROWS: Row[] = [
  // linear (btcd): min(n × step, cap), n = the failure being counted
  { what: 'first failed dial', attempt: 0, agoMs: 10, wasEstablished: false, reason: 'dial-refused', want: wait(1, 5_000) },
  { what: 'third failed dial', attempt: 2, agoMs: 10, wasEstablished: false, reason: 'dial-refused', want: wait(3, 15_000) },
  { what: 'linear reaches the cap', attempt: 59, agoMs: 10, wasEstablished: false, reason: 'dial-error', want: wait(60, 300_000) },
  { what: 'linear stays at the cap', attempt: 999, agoMs: 10, wasEstablished: false, reason: 'dial-error', want: wait(1000, 300_000) },
  // exponential (dcrd): b = min(step × 2^(n−1), cap), uniform in [b/2, b)
  {
    what: 'exponential, n = 1, low jitter',
    backoff: 'exponential',
    random: 0,
    attempt: 0,
    agoMs: 10,
    wasEstablished: false,
    reason: 'dial-refused',
    want: wait(1, 2_500),
  },
  {
    what: 'exponential, n = 3, mid jitter',
    backoff: 'exponential',
    random: 0.5,
    attempt: 2,
    agoMs: 10,
    wasEstablished: false,
    reason: 'dial-refused',
    want: wait(3, 15_000),
  },
  {
    what: 'exponential at the cap',
    backoff: 'exponential',
    random: 0,
    attempt: 40,
    agoMs: 10,
    wasEstablished: false,
    reason: 'dial-timeout',
    want: wait(41, 150_000),
  },
  // the stable-connection rule: a connection that lived ≥ retryDelayMs since its dial started
  { what: 'a long-lived connection dropped', attempt: 4, agoMs: STEP, wasEstablished: true, reason: 'remote-closed', want: redial },
  { what: 'a long-lived connection reset', attempt: 0, agoMs: 60_000, wasEstablished: true, reason: 'remote-reset', want: redial },
  {
    what: 'a short-lived connection dropped',
    attempt: 4,
    agoMs: STEP - 1,
    wasEstablished: true,
    reason: 'remote-closed',
    want: wait(5, 25_000),
  },
  // the choices: a failed dial and a local disconnect always wait
  {
    what: 'a dial that failed after a long time',
    attempt: 0,
    agoMs: 60_000,
    wasEstablished: false,
    reason: 'dial-timeout',
    want: wait(1, 5_000),
  },
  {
    what: 'a local disconnect of a long-lived one',
    attempt: 0,
    agoMs: 60_000,
    wasEstablished: true,
    reason: 'local-disconnect',
    want: wait(1, 5_000),
  },
  { what: 'a disconnect while pending', attempt: 1, agoMs: 10, wasEstablished: false, reason: 'local-disconnect', want: wait(2, 10_000) },
];

for (const row of ROWS) {
  test(`rule 2: ${row.what}`, () => {
    const decision = decideRetry(
      { backoff: row.backoff ?? 'linear', retryDelayMs: STEP, maxRetryDelayMs: CAP, random: () => row.random ?? 0 },
      { attempt: row.attempt, lastAttemptAt: NOW - row.agoMs, now: NOW, wasEstablished: row.wasEstablished, reason: row.reason },
    );
    assert.deepEqual(decision, row.want);
  });
}

test('rule 2: the exponential wait stays in [b/2, b) for any jitter', () => {
  for (const r of [0, 0.25, 0.5, 0.999999]) {
    const d = decideRetry(
      { backoff: 'exponential', retryDelayMs: STEP, maxRetryDelayMs: CAP, random: () => r },
      { attempt: 3, lastAttemptAt: NOW, now: NOW, wasEstablished: false, reason: 'dial-refused' },
    );
    assert.equal(d.kind, 'wait');
    if (d.kind !== 'wait') return;
    assert.ok(d.delayMs >= 20_000 && d.delayMs < 40_000, `random ${r}: ${d.delayMs}`);
  }
});
