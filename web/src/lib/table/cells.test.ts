import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextTryText, recentIdsText, shortDuration, typeText } from './cells.ts';

test('durations in at most two short units', () => {
  assert.equal(shortDuration(850), '850 ms');
  assert.equal(shortDuration(4_290), '4.2 s');
  assert.equal(shortDuration(15_900), '15 s');
  assert.equal(shortDuration(86_000), '1m 26s');
  assert.equal(shortDuration(60_000), '1m 00s');
  assert.equal(shortDuration(2 * 3_600_000 + 5 * 60_000 + 59_000), '2h 05m');
  assert.equal(shortDuration(3 * 86_400_000 + 4 * 3_600_000), '3d 4h');
  assert.equal(shortDuration(-5), '0 ms');
  assert.equal(shortDuration(Number.NaN), '—');
});

test('type, next try and recent ids', () => {
  assert.equal(typeText({ type: 'manual', persistent: true }), 'persistent');
  assert.equal(typeText({ type: 'inbound', persistent: false }), 'inbound');
  assert.equal(nextTryText(null), '—');
  assert.equal(nextTryText(0), 'now');
  assert.equal(nextTryText(2500), '2.5 s');
  assert.equal(recentIdsText([9, 5, 3, 1], 4), '#9 #5 #3 #1');
  assert.equal(recentIdsText([9, 5, 3, 1], 12), '#9 #5 #3 #1 …');
});
