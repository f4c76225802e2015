import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ring } from './model/ring.ts';
import { eventTimesFromLog } from './paint-probe.ts';

test('eventTimesFromLog gives the times of the rows after one seq up to another, oldest first', () => {
  const log = new Ring<{ ev: { seq: number; at: number } }>(10);
  for (let seq = 1; seq <= 12; seq += 1) log.push({ ev: { seq, at: 1000 + seq } });
  assert.deepEqual(eventTimesFromLog(log, 8, 11), [1009, 1010, 1011]);
  // Rows the ring no longer holds are simply not there.
  assert.deepEqual(eventTimesFromLog(log, 0, 4), [1003, 1004]);
  assert.deepEqual(eventTimesFromLog(log, 12, 12), []);
});
