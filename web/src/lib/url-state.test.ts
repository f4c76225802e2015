import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readNode, writeNode } from './url-state.ts';

test('readNode: a node name, or null for the fleet view (or a name no node could have)', () => {
  assert.equal(readNode('?node=edge-1&q=x'), 'edge-1');
  assert.equal(readNode(''), null);
  assert.equal(readNode('?node='), null);
  assert.equal(readNode('?node=a.b'), null);
  assert.equal(readNode(`?node=${'x'.repeat(65)}`), null);
});

test('writeNode: sets or removes node; a different node drops the filter, selection and position', () => {
  assert.equal(writeNode('', 'a'), '?node=a');
  assert.equal(writeNode('?node=a&q=state%3Afailing&sel=3&at=9&present=1', null), '?present=1');
  assert.equal(writeNode('?node=a&q=x&sel=3', 'b'), '?node=b');
  // The same node again keeps its view state (a reload, a repeated click).
  assert.equal(writeNode('?node=a&q=x&sel=3', 'a'), '?node=a&q=x&sel=3');
  assert.equal(writeNode('?theme=1', null), '?theme=1');
});
