import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listKeyIndex } from './list-keys.ts';

test('listKeyIndex: arrows step, pages jump, Home and End go to the ends, all clamped', () => {
  assert.equal(listKeyIndex('ArrowDown', 3, 10), 4);
  assert.equal(listKeyIndex('ArrowRight', 3, 10), 4);
  assert.equal(listKeyIndex('ArrowUp', 3, 10), 2);
  assert.equal(listKeyIndex('ArrowLeft', 0, 10), 0);
  assert.equal(listKeyIndex('ArrowDown', 9, 10), 9);
  assert.equal(listKeyIndex('PageDown', 3, 10), 9);
  assert.equal(listKeyIndex('PageUp', 3, 10), 0);
  assert.equal(listKeyIndex('PageDown', 3, 50, 5), 8);
  assert.equal(listKeyIndex('Home', 7, 10), 0);
  assert.equal(listKeyIndex('End', 2, 10), 9);
});

test('listKeyIndex: nothing active yet starts at the first row; other keys and empty lists do not move', () => {
  assert.equal(listKeyIndex('ArrowDown', -1, 4), 0);
  assert.equal(listKeyIndex('ArrowUp', -1, 4), 0);
  assert.equal(listKeyIndex('Enter', 2, 4), null);
  assert.equal(listKeyIndex('a', 2, 4), null);
  assert.equal(listKeyIndex('ArrowDown', 0, 0), null);
});
