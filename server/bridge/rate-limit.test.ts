import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from './rate-limit.ts';

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
