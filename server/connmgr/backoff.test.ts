import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffDelayMs } from './backoff.ts';

/** A seeded PRNG (mulberry32) so the exponential jitter is reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('backoff', () => {
  const linear = { kind: 'linear', stepMs: 5000, capMs: 300_000 } as const;
  const exponential = { kind: 'exponential', stepMs: 5000, capMs: 300_000 } as const;

  test('linear: min(n × step, cap)', () => {
    const table: Array<[number, number]> = [
      [1, 5000],
      [2, 10_000],
      [3, 15_000],
      [10, 50_000],
      [59, 295_000],
      [60, 300_000],
      [61, 300_000],
      [10_000, 300_000],
    ];
    for (const [attempt, expected] of table) {
      assert.equal(backoffDelayMs(linear, attempt, Math.random), expected, `attempt ${attempt}`);
    }
  });

  test('linear: attempts below 1 count as the first retry', () => {
    assert.equal(backoffDelayMs(linear, 0, Math.random), 5000);
    assert.equal(backoffDelayMs(linear, -3, Math.random), 5000);
  });

  test('exponential: bounds [b/2, b) with b = min(step × 2^(n−1), cap)', () => {
    const ceilings: Array<[number, number]> = [
      [1, 5000],
      [2, 10_000],
      [3, 20_000],
      [4, 40_000],
      [6, 160_000],
      [7, 300_000],
      [2000, 300_000],
    ];
    for (const [attempt, b] of ceilings) {
      assert.equal(
        backoffDelayMs(exponential, attempt, () => 0),
        b / 2,
        `low end, attempt ${attempt}`,
      );
      const high = backoffDelayMs(exponential, attempt, () => 0.999999);
      assert.ok(high < b && high >= b - 1, `high end ${high} for attempt ${attempt}`);
    }
  });

  test('exponential: a seeded random gives the same schedule, always inside the bounds', () => {
    const a = seeded(42);
    const b = seeded(42);
    const scheduleA = Array.from({ length: 12 }, (_, i) => backoffDelayMs(exponential, i + 1, a));
    const scheduleB = Array.from({ length: 12 }, (_, i) => backoffDelayMs(exponential, i + 1, b));
    assert.deepEqual(scheduleA, scheduleB);
    scheduleA.forEach((delay, i) => {
      const ceiling = Math.min(5000 * 2 ** i, 300_000);
      assert.ok(delay >= ceiling / 2 && delay < ceiling, `retry ${i + 1}: ${delay} not in [${ceiling / 2}, ${ceiling})`);
    });
    const other = Array.from({ length: 12 }, (_, i) => backoffDelayMs(exponential, i + 1, seeded(7)));
    assert.notDeepEqual(scheduleA, other, 'another seed gives another jitter');
  });

  test('exponential: an out-of-range random is clamped, never past the ceiling', () => {
    assert.ok(backoffDelayMs(exponential, 1, () => 1) < 5000);
    assert.equal(
      backoffDelayMs(exponential, 1, () => -1),
      2500,
    );
  });
});
