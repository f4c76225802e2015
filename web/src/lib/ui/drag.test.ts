import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DRAG_PX, DragGesture } from './drag.ts';

test('a press that moves less than DRAG_PX is a tap, and its moves are hover', () => {
  const g = new DragGesture();
  g.press({ x: 10, y: 10 }, 1);
  assert.equal(g.move({ x: 12, y: 11 }, 1), null);
  assert.equal(g.dragging, false);
  assert.deepEqual(g.release(1), { tap: true });
  assert.equal(g.pressed, false);
});

test('moving DRAG_PX turns the press into a drag: start once, then total movement since the press', () => {
  const g = new DragGesture();
  g.press({ x: 0, y: 0 }, 7);
  assert.deepEqual(g.move({ x: DRAG_PX, y: 0 }, 7), { dx: DRAG_PX, dy: 0, start: true });
  assert.deepEqual(g.move({ x: 30, y: -5 }, 7), { dx: 30, dy: -5, start: false });
  // Back near the press point it is still a drag (no tap at the end).
  assert.deepEqual(g.move({ x: 1, y: 0 }, 7), { dx: 1, dy: 0, start: false });
  assert.deepEqual(g.release(7), { tap: false });
});

test('another pointer neither drags nor releases this press', () => {
  const g = new DragGesture();
  g.press({ x: 0, y: 0 }, 1);
  assert.equal(g.move({ x: 50, y: 50 }, 2), null);
  assert.equal(g.release(2), null);
  assert.equal(g.pressed, true);
});

test('cancel forgets the press: no tap, no drag', () => {
  const g = new DragGesture();
  g.press({ x: 0, y: 0 }, 1);
  g.move({ x: 20, y: 0 }, 1);
  g.cancel();
  assert.equal(g.release(1), null);
  assert.equal(g.move({ x: 40, y: 0 }, 1), null);
});
