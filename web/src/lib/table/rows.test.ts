import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connRow, connRows } from './rows.ts';
import { T0, conn, step } from './test-helpers.ts';

test('a failing persistent peer: age, attempts, failures over its history, last reason and code, next try', () => {
  const c = conn(7, {
    type: 'manual',
    persistent: true,
    state: 'failing',
    attempt: 2,
    reason: 'dial-refused',
    retryAt: T0 + 9000,
    history: [
      step(1, null, 'pending', 'requested'),
      step(2, 'pending', 'failing', 'dial-refused', { code: 'ECONNREFUSED' }),
      step(3, 'failing', 'pending', 'retry'),
      step(4, 'pending', 'failing', 'dial-refused', { code: 'ECONNREFUSED' }),
    ],
  });
  const r = connRow(c, T0 + 5000);
  assert.equal(r.ageMs, 5000);
  assert.equal(r.attempt, 2);
  assert.equal(r.failures, 2);
  assert.equal(r.reason, 'dial-refused');
  assert.equal(r.code, 'ECONNREFUSED');
  assert.equal(r.nextTryMs, 4000);
  assert.equal(r.live, true);
});

test("an ended connection's age stops at its end; a snapshot-only one counts its attempts as failures", () => {
  const ended = connRow(conn(1, { state: 'disconnected', endedAt: T0 + 1500 }), T0 + 60_000);
  assert.equal(ended.ageMs, 1500);
  assert.equal(ended.nextTryMs, null);
  assert.equal(ended.live, false);
  const fromSnapshot = connRow(
    conn(2, { state: 'failing', attempt: 3, history: [step(9, null, 'failing', 'dial-refused', { synthetic: true })] }),
    T0,
  );
  assert.equal(fromSnapshot.failures, 3);
  assert.equal(fromSnapshot.code, null);
});

test("byte counts read from the server win over the model's (which are those of the last snapshot)", () => {
  const c = conn(3, { bytesIn: 1, bytesOut: 2 });
  assert.deepEqual([connRow(c, T0).bytesIn, connRow(c, T0).bytesOut], [1, 2]);
  const r = connRow(c, T0, { bytesIn: 100, bytesOut: 200 });
  assert.deepEqual([r.bytesIn, r.bytesOut], [100, 200]);
});

test('connRows: live only unless ended ones are asked for, and only what the filter lets through', () => {
  const all = [conn(1), conn(2, { state: 'disconnected', endedAt: T0 }), conn(3, { type: 'inbound' })];
  const opts = { matches: () => true, includeEnded: false, now: T0, bytes: new Map() };
  assert.deepEqual(
    connRows(all, opts).map((r) => r.id),
    [1, 3],
  );
  assert.deepEqual(
    connRows(all, { ...opts, includeEnded: true }).map((r) => r.id),
    [1, 2, 3],
  );
  assert.deepEqual(
    connRows(all, { ...opts, includeEnded: true, matches: (c) => c.type === 'inbound' }).map((r) => r.id),
    [3],
  );
});
