import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ClientBudget, REFUSAL_ALLOWANCE } from './client-budget.ts';
import { FrameLimiter, TokenBucket } from './rate-limit.ts';

test('allows a burst, then refills at the sustained rate', () => {
  let now = 0;
  const bucket = new TokenBucket({ perSec: 2, burst: 3 }, () => now);
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false]);
  now += 499;
  assert.equal(bucket.take(), false, 'less than one token refilled');
  now += 1;
  assert.equal(bucket.take(), true, 'one token after 500 ms at 2/s');
  assert.equal(bucket.take(), false);
  now += 60_000;
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false], 'never more than the burst');
});

test('refuses nonsense limits at once', () => {
  assert.throws(() => new TokenBucket({ perSec: 0, burst: 1 }), TypeError);
  assert.throws(() => new TokenBucket({ perSec: 1, burst: 0 }), TypeError);
});

test('a cost beyond the burst is taken only from a full bucket, as a debt repaid at the sustained rate', () => {
  let now = 0;
  const bucket = new TokenBucket({ perSec: 100, burst: 1000 }, () => now);
  assert.equal(bucket.take(600), true);
  assert.equal(bucket.take(600), false, '400 left');
  assert.equal(bucket.msUntil(600), 2000);
  assert.equal(bucket.take(3000), false, 'more than the burst needs a full bucket');
  assert.equal(bucket.msUntil(3000), 6000, 'until full: 600 missing at 100/s');
  now += 6000;
  assert.equal(bucket.take(3000), true);
  assert.equal(bucket.available(), -2000, 'in debt');
  assert.equal(bucket.take(1), false);
  now += 20_000; // 2000 to repay, then 1 token per 10 ms
  assert.equal(bucket.available(), 0);
  assert.equal(bucket.take(0), true, 'nothing costs nothing');
  now += 10;
  assert.equal(bucket.take(1), true);
});

test('FrameLimiter: a frame needs a frame token and its bytes; refused, it takes neither', () => {
  let now = 0;
  const limiter = new FrameLimiter({ perSec: 10, burst: 3, bytesPerSec: 1024, burstBytes: 4096 }, () => now);
  assert.equal(limiter.admit(3000), true);
  assert.equal(limiter.admit(2000), false, 'bytes: 1096 left');
  assert.equal(limiter.admit(1000), true, 'the refused frame took no frame token and no bytes');
  assert.equal(limiter.admit(10), true);
  assert.equal(limiter.admit(10), false, 'frames: the burst of 3 is spent');
  now += 100; // one frame token; 86 + 102.4 bytes
  assert.equal(limiter.admit(200), false, 'a frame token, but 188.4 bytes are not 200');
  assert.equal(limiter.admit(188), true);
  now += 1000; // 10 frame tokens (capped at 3); 0.4 + 1024 bytes
  assert.deepEqual(
    [limiter.admit(500), limiter.admit(500), limiter.admit(500)],
    [true, true, false],
    'the third: a frame token, 24.4 bytes',
  );
});

test('ClientBudget: the burst is admitted, three refusals get a reply, then silence; past the allowance, close', () => {
  let now = 0;
  const budget = new ClientBudget({ perSec: 1, burst: 2, bytesPerSec: 1024 ** 2, burstBytes: 1024 ** 2 }, () => now);
  const verdicts = Array.from({ length: 2 + REFUSAL_ALLOWANCE.burst + 1 }, () => budget.onFrame(100));
  assert.deepEqual(verdicts.slice(0, 6), [
    'admit',
    'admit',
    'refuse-with-reply',
    'refuse-with-reply',
    'refuse-with-reply',
    'refuse-silently',
  ]);
  assert.ok(verdicts.slice(6, -1).every((v) => v === 'refuse-silently'));
  assert.equal(verdicts.at(-1), 'close', `after ${REFUSAL_ALLOWANCE.burst} refusals at once`);

  // Overrunning by REFUSAL_ALLOWANCE.perSec a second, for ever, is tolerated (refused, never closed).
  const tolerant = new ClientBudget({ perSec: 1, burst: 1, bytesPerSec: 1024 ** 2, burstBytes: 1024 ** 2 }, () => now);
  const seen = new Set<string>();
  for (let second = 0; second < 1000; second += 1) {
    now += 1000;
    for (let i = 0; i < 1 + REFUSAL_ALLOWANCE.perSec; i += 1) seen.add(tolerant.onFrame(100));
  }
  assert.deepEqual([...seen].sort(), ['admit', 'refuse-silently', 'refuse-with-reply']);
});

test('the replay budget: 1 MiB at once, 256 KiB a second', () => {
  let now = 0;
  const budget = new ClientBudget({ perSec: 1, burst: 1, bytesPerSec: 1, burstBytes: 1 }, () => now);
  assert.equal(budget.replay.take(800 * 1024), true);
  assert.equal(budget.replay.take(300 * 1024), false, '224 KiB left');
  assert.equal(budget.replay.msUntil(300 * 1024), 297); // 76 KiB at 256 KiB/s, rounded up
  now += 297;
  assert.equal(budget.replay.take(300 * 1024), true);
});
