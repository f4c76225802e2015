import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildMirror, COUNTDOWN_REFRESH_MS, MirrorRows, type MirrorSource } from './mirror.ts';
import { conn } from './test-fixtures.ts';

const NONE = new Set<number>();

test('rows come in list order (outbound, manual, inbound; then id) with their words and data', () => {
  const live = [conn(5, { type: 'inbound' }), conn(3), conn(9, { type: 'manual', persistent: true }), conn(1)];
  const { rows, changed } = buildMirror([], live, NONE, 0);
  assert.equal(changed, true);
  assert.deepEqual(
    rows.map((r) => r.id),
    [1, 3, 9, 5],
  );
  assert.deepEqual(rows[2], {
    id: 9,
    name: '127.0.0.1:9009, manual, persistent, established',
    state: 'established',
    type: 'manual',
    persistent: true,
    match: true,
  });
});

test('a peer the filter leaves out says so in words', () => {
  const { rows } = buildMirror([], [conn(1), conn(2)], new Set([2]), 0);
  assert.equal(rows[0]!.match, true);
  assert.equal(rows[1]!.match, false);
  assert.equal(rows[1]!.name, '127.0.0.1:9002, outbound, established, dimmed by the filter');
});

test('unchanged rows are the same objects; only a changed peer gets a new row', () => {
  const first = buildMirror([], [conn(1), conn(2), conn(3)], NONE, 0).rows;
  const same = buildMirror(first, [conn(3), conn(1), conn(2)], NONE, 0);
  assert.equal(same.changed, false);
  assert.ok(same.rows.every((r, i) => r === first[i]));

  const next = buildMirror(first, [conn(1), conn(2, { state: 'pending' }), conn(3)], NONE, 0);
  assert.equal(next.changed, true);
  assert.equal(next.rows[0], first[0]);
  assert.notEqual(next.rows[1], first[1]);
  assert.equal(next.rows[1]!.state, 'pending');
  assert.equal(next.rows[2], first[2]);

  const gone = buildMirror(first, [conn(1), conn(3)], NONE, 0);
  assert.equal(gone.changed, true, 'a peer that left changes the list');
  assert.deepEqual(gone.rows, [first[0], first[2]]);
});

test('MirrorRows rebuilds on a new batch or filter, and for a countdown at most every 250 ms', () => {
  const m = new MirrorRows();
  const failing = [conn(1, { state: 'failing', retryAt: 5000 })];
  const src = (over: Partial<MirrorSource> = {}): MirrorSource => ({ version: 1, matches: 'f', failing: true, frameAt: 0, ...over });

  const r1 = m.update(src(), () => failing, NONE, 0);
  assert.deepEqual(r1 && { before: r1.before.length, changed: r1.changed }, { before: 0, changed: true });
  assert.equal(m.rows[0]!.name, '127.0.0.1:9001, outbound, failing, retry in 5 s');

  // Same batch, same filter, too soon for the countdown: not even looked at.
  assert.equal(
    m.update(src({ frameAt: COUNTDOWN_REFRESH_MS - 1 }), () => assert.fail('not rebuilt'), NONE, 1000),
    null,
  );
  // The countdown is due: the name follows the clock.
  const r2 = m.update(src({ frameAt: COUNTDOWN_REFRESH_MS }), () => failing, NONE, 1000);
  assert.equal(r2?.changed, true);
  assert.equal(m.rows[0]!.name, '127.0.0.1:9001, outbound, failing, retry in 4 s');
  // Nothing failing: time alone never rebuilds.
  assert.equal(m.due(src({ failing: false, frameAt: 10_000 })), false);
  assert.equal(m.due(src({ failing: false, version: 2 })), true);
  assert.equal(m.due(src({ failing: false, matches: 'g' })), true);
});

test('a due rebuild that changes nothing keeps the same array', () => {
  const m = new MirrorRows();
  m.update({ version: 1, matches: null, failing: false, frameAt: 0 }, () => [conn(1)], NONE, 0);
  const rows = m.rows;
  const r = m.update({ version: 2, matches: null, failing: false, frameAt: 16 }, () => [conn(1)], NONE, 0);
  assert.equal(r?.changed, false);
  assert.equal(m.rows, rows);
});
