import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conn } from './test-fixtures.ts';
import { config as RULE_CONFIG } from '../model/test-fixtures.ts';
import { sameTip, TIP_FLIP_WITHIN, TIP_OFFSET, tipFor } from './tip.ts';

test("the tip says the rule behind the latest transition, with the configuration's numbers", () => {
  const c = conn(4, {
    state: 'failing',
    retryAt: 7000,
    attempt: 3,
    history: [
      { seq: 9, at: 1000, from: 'pending', to: 'failing', reason: 'dial-refused', rule: 'persistent-backoff', attempt: 3, retryAt: 7000 },
    ],
  });
  const config = { ...RULE_CONFIG, backoff: 'linear' as const, retryDelayMs: 2000, maxRetryDelayMs: 30_000 };
  assert.equal(tipFor(c, { x: 0, y: 0 }, 800, 2000, config).rule, 'attempt 3: next try in 6.0 s (6.0 s = 3 × 2.0 s).');
  assert.equal(tipFor(conn(5), { x: 0, y: 0 }, 800, 0).rule, undefined, 'no transition seen: no rule to tell');
});

test('the tip sits beside the pointer, and left of it near the right edge', () => {
  const c = conn(3, { state: 'failing', retryAt: 4000, attempt: 2 });
  const t = tipFor(c, { x: 100, y: 50 }, 800, 1000);
  assert.deepEqual(t, {
    x: 100 + TIP_OFFSET,
    y: 50 + TIP_OFFSET,
    flip: false,
    title: '127.0.0.1:9003',
    lines: ['outbound · failing', 'retry in 3 s (attempt 2)', 'id 3'],
  });
  const right = tipFor(c, { x: 800 - TIP_FLIP_WITHIN + 1, y: 50 }, 800, 1000);
  assert.equal(right.flip, true);
  assert.equal(right.x, 800 - TIP_FLIP_WITHIN + 1 - TIP_OFFSET);
});

test('the countdown follows the clock it is given', () => {
  const c = conn(3, { state: 'failing', retryAt: 4000 });
  assert.equal(tipFor(c, { x: 0, y: 0 }, 800, 3500).lines[1], 'retry in 1 s');
});

test('sameTip compares place and words', () => {
  const c = conn(1);
  const a = tipFor(c, { x: 10, y: 10 }, 800, 0);
  assert.equal(sameTip(a, tipFor(c, { x: 10, y: 10 }, 800, 0)), true);
  assert.equal(sameTip(a, tipFor(c, { x: 11, y: 10 }, 800, 0)), false);
  assert.equal(sameTip(a, tipFor(conn(1, { state: 'pending' }), { x: 10, y: 10 }, 800, 0)), false);
  assert.equal(sameTip(null, null), true);
  assert.equal(sameTip(a, null), false);
});
