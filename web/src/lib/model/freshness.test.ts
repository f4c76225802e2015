import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIVE, RECOVERED_SHOWN_MS, linkBack, linkLost, modelNow, showRecovered } from './freshness.ts';

const T = 1_700_000_000_000;

test('live: the model clock is the clock', () => {
  assert.equal(modelNow(LIVE, T), T);
  assert.equal(modelNow(LIVE, T + 5000), T + 5000);
});

test('stale: the model clock stops at the loss, whatever the clock does', () => {
  const f = linkLost(LIVE, T);
  assert.equal(f.staleSince, T);
  assert.equal(modelNow(f, T + 1), T);
  assert.equal(modelNow(f, T + 25_000), T);
  // A second drop (a reconnect attempt that failed) keeps the first loss time.
  assert.equal(linkLost(f, T + 3000), f);
  assert.equal(modelNow(linkLost(f, T + 3000), T + 30_000), T);
});

test('back: live again, says after how long, and says it for a while only', () => {
  const back = linkBack(linkLost(LIVE, T), T + 25_000);
  assert.equal(back.staleSince, null);
  assert.deepEqual(back.recovered, { at: T + 25_000, staleForMs: 25_000 });
  assert.equal(modelNow(back, T + 26_000), T + 26_000);
  assert.equal(showRecovered(back, T + 25_000 + RECOVERED_SHOWN_MS - 1), true);
  assert.equal(showRecovered(back, T + 25_000 + RECOVERED_SHOWN_MS), false);
  // A snapshot while live (a resync) is no return from anything.
  assert.equal(linkBack(LIVE, T), LIVE);
  assert.equal(showRecovered(LIVE, T), false);
});
