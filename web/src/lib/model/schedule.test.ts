import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeBackoff, formatStep, retryBounds, retrySchedule } from './schedule.ts';

const linear = { backoff: 'linear' as const, retryDelayMs: 5000, maxRetryDelayMs: 12_000 };
const expo = { backoff: 'exponential' as const, retryDelayMs: 1000, maxRetryDelayMs: 6000 };

test('linear schedule: min(n × step, cap)', () => {
  assert.deepEqual(
    retrySchedule(linear, 1, 4).map((s) => [s.attempt, s.minMs, s.maxMs]),
    [
      [1, 5000, 5000],
      [2, 10_000, 10_000],
      [3, 12_000, 12_000],
      [4, 12_000, 12_000],
    ],
  );
});

test('exponential schedule: [b/2, b) with b = min(step × 2^(n−1), cap)', () => {
  assert.deepEqual(
    retrySchedule(expo, 1, 5).map((s) => [s.minMs, s.maxMs]),
    [
      [500, 1000],
      [1000, 2000],
      [2000, 4000],
      [3000, 6000],
      [3000, 6000],
    ],
  );
  assert.equal(retryBounds(expo, 5000).maxMs, 6000, 'huge attempts stay capped');
  assert.equal(retryBounds(expo, 0).attempt, 1);
});

test('formatting', () => {
  assert.equal(formatStep({ attempt: 1, minMs: 15_000, maxMs: 15_000 }), '15 s');
  assert.equal(formatStep({ attempt: 1, minMs: 500, maxMs: 1000 }), '500 ms – 1.0 s');
  assert.equal(describeBackoff({ backoff: 'linear', retryDelayMs: 5000, maxRetryDelayMs: 300_000 }), 'linear: min(n × 5.0 s, 5 min)');
  assert.match(describeBackoff(expo), /^exponential/);
});
