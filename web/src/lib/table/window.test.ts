import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rowWindow, scrollToRow } from './window.ts';

test('only the rows in view plus the overscan, whatever the row count', () => {
  assert.deepEqual(rowWindow(0, 280, 28, 5000, 10), { first: 0, last: 20, bodyH: 140_000 });
  assert.deepEqual(rowWindow(28 * 1000, 280, 28, 5000, 10), { first: 990, last: 1020, bodyH: 140_000 });
  const far = rowWindow(28 * 4995, 280, 28, 5000, 10);
  assert.deepEqual([far.first, far.last], [4985, 5000]);
  // The DOM holds the same few rows for 5,000 or 50,000.
  const big = rowWindow(28 * 1000, 280, 28, 50_000, 10);
  assert.equal(big.last - big.first, 30);
});

test('an empty table, and a scroll position past the end (rows went away)', () => {
  assert.deepEqual(rowWindow(500, 280, 28, 0, 10), { first: 0, last: 0, bodyH: 0 });
  const w = rowWindow(99_999, 280, 28, 30, 10);
  assert.equal(w.last, 30);
  assert.ok(w.first <= w.last);
});

test('scrollToRow: null when in view, the nearest edge otherwise, or centred', () => {
  // Viewport 300 tall with a 28 px sticky header: 272 px of body, rows 0..8 wholly in view.
  assert.equal(scrollToRow(3, 28, 0, 300, 28), null);
  assert.equal(scrollToRow(8, 28, 0, 300, 28), null);
  assert.equal(scrollToRow(9, 28, 0, 300, 28), 10 * 28 - 272);
  assert.equal(scrollToRow(10, 28, 0, 300, 28), 11 * 28 - 272);
  assert.equal(scrollToRow(2, 28, 200, 300, 28), 56);
  assert.equal(scrollToRow(100, 28, 0, 300, 28, true), 2800 - 122);
  assert.equal(scrollToRow(0, 28, 500, 300, 28, true), 0);
});
