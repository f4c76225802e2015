import assert from 'node:assert/strict';
import { test } from 'node:test';
import { css, mixColor, parseColor } from './color.ts';

test('parseColor reads the forms theme tokens come in', () => {
  const table: [string, readonly number[]][] = [
    ['#1b9e4b', [27, 158, 75, 1]],
    ['  #FFF ', [255, 255, 255, 1]],
    ['#0000ff80', [0, 0, 255, 128 / 255]],
    ['rgb(1, 2, 3)', [1, 2, 3, 1]],
    ['rgba(10, 20, 30, 0.5)', [10, 20, 30, 0.5]],
    ['rgb(10 20 30 / 0.25)', [10, 20, 30, 0.25]],
  ];
  for (const [text, want] of table) assert.deepEqual(parseColor(text), want, text);
  assert.deepEqual(parseColor('', [1, 1, 1, 1]), [1, 1, 1, 1], 'fallback for an unset variable');
  assert.deepEqual(parseColor('hsl(1 2% 3%)', [9, 9, 9, 1]), [9, 9, 9, 1]);
});

test('mixColor and css', () => {
  assert.deepEqual(mixColor([0, 0, 0, 1], [200, 100, 50, 0], 0.5), [100, 50, 25, 0.5]);
  assert.deepEqual(mixColor([0, 0, 0, 1], [200, 100, 50, 1], 2), [200, 100, 50, 1], 'clamped');
  assert.equal(css([27, 158, 75, 1], 0.5), 'rgba(27, 158, 75, 0.5)');
});
