import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gridKeyTarget, listKeyIndex } from './list-keys.ts';

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

test('gridKeyTarget: rows by up/down, buttons by left/right, columns kept where the row has them', () => {
  const widths = [2, 2, 1, 2];
  assert.deepEqual(gridKeyTarget('ArrowDown', { row: 0, col: 1 }, widths), { row: 1, col: 1 });
  assert.deepEqual(gridKeyTarget('ArrowDown', { row: 1, col: 1 }, widths), { row: 2, col: 0 }, 'a stopped peer has only Use');
  assert.deepEqual(gridKeyTarget('ArrowRight', { row: 2, col: 0 }, widths), { row: 2, col: 0 });
  assert.deepEqual(gridKeyTarget('ArrowRight', { row: 3, col: 0 }, widths), { row: 3, col: 1 });
  assert.deepEqual(gridKeyTarget('ArrowLeft', { row: 3, col: 1 }, widths), { row: 3, col: 0 });
  assert.deepEqual(gridKeyTarget('End', { row: 0, col: 1 }, widths), { row: 3, col: 1 });
  assert.deepEqual(gridKeyTarget('Home', { row: 3, col: 1 }, widths), { row: 0, col: 1 });
  assert.deepEqual(gridKeyTarget('PageDown', { row: 0, col: 0 }, widths, 2), { row: 2, col: 0 });
  assert.equal(gridKeyTarget('Enter', { row: 0, col: 0 }, widths), null);
  assert.equal(gridKeyTarget('ArrowDown', { row: 0, col: 0 }, []), null);
  // A row that went away: the position is clamped into the list first.
  assert.deepEqual(gridKeyTarget('ArrowUp', { row: 9, col: 0 }, widths), { row: 2, col: 0 });
});
