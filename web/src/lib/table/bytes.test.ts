import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeBytes, readBytes } from './bytes.ts';

test("reads each live connection's byte counts from an /api/snapshot body", () => {
  const body = {
    v: 1,
    runId: 'r1',
    lab: null,
    snapshot: {
      seq: 12,
      state: 'running',
      conns: [
        { id: 3, addr: 'x:1', bytesIn: 10, bytesOut: 20 },
        { id: 4, bytesIn: 0, bytesOut: 7 },
      ],
    },
  };
  const r = readBytes(body);
  assert.ok(!('error' in r));
  assert.equal(r.runId, 'r1');
  assert.equal(r.seq, 12);
  assert.deepEqual(
    [...r.bytes],
    [
      [3, { bytesIn: 10, bytesOut: 20 }],
      [4, { bytesIn: 0, bytesOut: 7 }],
    ],
  );
});

test('a body that is not a snapshot is an error in words, not an exception', () => {
  const r = readBytes({ runId: 'r1', snapshot: { seq: 1, conns: [{ id: 1, bytesIn: '10' }] } });
  assert.ok('error' in r);
  assert.match(r.error, /unexpected \/api\/snapshot body/);
  assert.ok('error' in readBytes('<html>'));
});

test('an ended connection keeps its last counts while the model lists it; forgotten ones go', () => {
  const prev = new Map([
    [1, { bytesIn: 5, bytesOut: 5 }],
    [2, { bytesIn: 9, bytesOut: 9 }],
    [3, { bytesIn: 1, bytesOut: 1 }],
  ]);
  const next = new Map([[1, { bytesIn: 6, bytesOut: 8 }]]);
  const merged = mergeBytes(prev, next, (id) => id !== 3);
  assert.deepEqual(
    [...merged],
    [
      [1, { bytesIn: 6, bytesOut: 8 }],
      [2, { bytesIn: 9, bytesOut: 9 }],
    ],
  );
});
