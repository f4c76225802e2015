import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnView } from '../model/types.ts';
import { Mirror, type MirrorInput, mirrorKey, mirrorRows } from './mirror.ts';
import { conn, history } from './test-helpers.ts';

const h3 = history(
  [
    [1000, 'pending'],
    [2000, 'established'],
    [9000, 'disconnected', 'remote-closed'],
  ],
  10,
);
const h2 = history(
  [
    [500, 'pending'],
    [1500, 'failing', 'dial-refused'],
  ],
  1,
);

function input(over: Partial<MirrorInput> = {}): MirrorInput {
  const conns = new Map<number, ConnView>([
    [3, conn(3, [...h3])],
    [2, conn(2, [...h2])],
    [1, conn(1, history([[100, 'pending']], 0.5))],
  ]);
  return { conns, ids: [3, 2, 1], first: 0, end: 2, selectedId: 2, maxSeq: Infinity, ...over };
}

test('one row per lane on screen, in lane order, with its live state and last transition', () => {
  const rows = mirrorRows(input(), 0);
  assert.deepEqual(
    rows.map((r) => [r.id, r.state, r.selected]),
    [
      [3, 'disconnected', false],
      [2, 'failing', true],
    ],
  );
  assert.equal(rows[0]!.name, '#3 outbound 127.0.0.1:9003, disconnected');
  assert.match(rows[0]!.last, /established → disconnected: remote-closed$/);
});

test('paused, the rows say the state as of the pause and its last transition, not the live one', () => {
  const rows = mirrorRows(input({ maxSeq: 11 }), 0);
  assert.equal(rows[0]!.state, 'established');
  assert.equal(rows[0]!.name, '#3 outbound 127.0.0.1:9003, established');
  assert.match(rows[0]!.last, /pending → established: requested$/);
  assert.equal(rows[1]!.state, 'failing', 'a lane with nothing after the pause is as it is');
});

test('the key changes with what the rows show, and only then', () => {
  const a = input();
  const key = mirrorKey(a);
  assert.equal(mirrorKey(input()), key);
  assert.notEqual(mirrorKey(input({ selectedId: 3 })), key);
  assert.notEqual(mirrorKey(input({ first: 1, end: 3 })), key);
  assert.notEqual(mirrorKey(input({ maxSeq: 11 })), key, 'pausing changes what the rows say');
  const c = a.conns.get(2)!;
  c.history.push({ seq: 40, at: 3000, from: 'failing', to: 'pending', reason: 'retry' });
  assert.notEqual(mirrorKey(a), key, 'a new transition on a lane in view');
  assert.equal(mirrorKey(input({ first: 2, end: 3 })), mirrorKey(input({ first: 2, end: 3 })));
});

test('Mirror rebuilds the rows only when the key changes', () => {
  const mirror = new Mirror();
  const a = input();
  assert.equal(mirror.update(a, 0)?.length, 2);
  assert.equal(mirror.update(input(), 0), null, 'same lanes, same states: keep the rows (and the DOM)');
  assert.deepEqual(
    mirror.update(input({ selectedId: 3 }), 0)?.map((r) => r.selected),
    [true, false],
  );
});
