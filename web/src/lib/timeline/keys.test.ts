import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ZOOM_STEP } from './follow-window.ts';
import { timelineKeyAction } from './keys.ts';

const ctx = { pageRows: 9, plotWidth: 800, hasSelection: true };
const key = (k: string, mods: Partial<{ altKey: boolean; ctrlKey: boolean; metaKey: boolean }> = {}) =>
  timelineKeyAction({ key: k, altKey: false, ctrlKey: false, metaKey: false, ...mods }, ctx);

test('arrows and PageUp/PageDown move between lanes', () => {
  assert.deepEqual(key('ArrowDown'), { kind: 'lane', delta: 1 });
  assert.deepEqual(key('ArrowUp'), { kind: 'lane', delta: -1 });
  assert.deepEqual(key('PageDown'), { kind: 'lane', delta: 9 });
  assert.deepEqual(key('PageUp'), { kind: 'lane', delta: -9 });
});

test('left and right pan an eighth of the plot; + and - zoom in and out', () => {
  assert.deepEqual(key('ArrowLeft'), { kind: 'pan', px: -100 });
  assert.deepEqual(key('ArrowRight'), { kind: 'pan', px: 100 });
  for (const k of ['+', '=']) assert.deepEqual(key(k), { kind: 'zoom', factor: 1 / ZOOM_STEP });
  for (const k of ['-', '_']) assert.deepEqual(key(k), { kind: 'zoom', factor: ZOOM_STEP });
});

test('Space toggles pause, Home returns to live, Escape clears a selection', () => {
  assert.deepEqual(key(' '), { kind: 'toggle' });
  assert.deepEqual(key('Home'), { kind: 'live' });
  assert.deepEqual(key('Escape'), { kind: 'clear' });
});

test('keys the timeline does not own are left alone: modifiers, Escape with nothing selected, others', () => {
  assert.equal(key('ArrowDown', { ctrlKey: true }), null);
  assert.equal(key('+', { metaKey: true }), null, 'the browser zooms the page');
  assert.equal(key('ArrowLeft', { altKey: true }), null, 'history back');
  assert.equal(timelineKeyAction({ key: 'Escape', altKey: false, ctrlKey: false, metaKey: false }, { ...ctx, hasSelection: false }), null);
  assert.equal(key('Tab'), null);
  assert.equal(key('a'), null);
});
