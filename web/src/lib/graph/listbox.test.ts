import assert from 'node:assert/strict';
import { test } from 'node:test';
import { focusTarget, followActive, listboxKey } from './listbox.ts';

const rows = (...ids: number[]): { id: number }[] => ids.map((id) => ({ id }));
const LIST = rows(4, 7, 9, 12);

test('list keys move the active peer along the list, clamped at the ends', () => {
  assert.deepEqual(listboxKey('ArrowDown', 7, null, LIST), { do: 'move', id: 9 });
  assert.deepEqual(listboxKey('ArrowUp', 7, null, LIST), { do: 'move', id: 4 });
  assert.deepEqual(listboxKey('ArrowUp', 4, null, LIST), { do: 'move', id: 4 });
  assert.deepEqual(listboxKey('End', 4, null, LIST), { do: 'move', id: 12 });
  assert.deepEqual(listboxKey('Home', 12, null, LIST), { do: 'move', id: 4 });
  assert.deepEqual(listboxKey('ArrowDown', null, null, LIST), { do: 'move', id: 4 }, 'nothing active: the first peer');
  assert.deepEqual(listboxKey('ArrowRight', 99, null, LIST), { do: 'move', id: 4 }, 'an active peer no longer listed counts as none');
  assert.equal(listboxKey('ArrowDown', null, null, []), null);
});

test('Enter opens and Space selects the active peer; neither without one', () => {
  assert.deepEqual(listboxKey('Enter', 9, null, LIST), { do: 'open', id: 9 });
  assert.deepEqual(listboxKey(' ', 9, 4, LIST), { do: 'select', id: 9 });
  assert.equal(listboxKey('Enter', null, null, LIST), null);
  assert.equal(listboxKey(' ', null, null, LIST), null);
});

test('Escape clears the selection only when there is one (else the page handles it)', () => {
  assert.deepEqual(listboxKey('Escape', 9, 9, LIST), { do: 'clear' });
  assert.equal(listboxKey('Escape', 9, null, LIST), null);
  assert.equal(listboxKey('a', 9, 9, LIST), null, 'other keys are left to the page');
});

test('focus keeps a listed active peer, else picks the selection, else the first peer', () => {
  assert.equal(focusTarget(9, 4, LIST), null);
  assert.equal(focusTarget(null, 12, LIST), 12);
  assert.equal(focusTarget(99, 7, LIST), 7);
  assert.equal(focusTarget(null, null, LIST), 4);
  assert.equal(focusTarget(null, 99, LIST), 4, 'a selection not in the list: the first peer');
  assert.equal(focusTarget(null, null, []), null);
});

test('an active peer that went away passes to the nearest one by list position', () => {
  assert.equal(followActive(9, LIST, rows(4, 7, 12)), 12, 'the peer now at its place');
  assert.equal(followActive(12, LIST, rows(4, 7, 9)), 9, 'the last went: the new last');
  assert.equal(followActive(7, LIST, rows(4, 7, 12)), 7, 'still listed: unchanged');
  assert.equal(followActive(9, LIST, []), null);
  assert.equal(followActive(null, LIST, rows(4)), null);
  assert.equal(followActive(50, rows(), rows(4, 7)), 4, 'never listed: the first');
});
