import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFilter } from '../filter/filter.ts';
import { createAddrBook, noteTransition } from '../model/addr-stats.ts';
import type { ConnView } from '../model/types.ts';
import { addrRows } from './grouping.ts';
import { T0, conn, connEvent } from './test-helpers.ts';

const FLAP = '127.0.0.1:9100';
const OTHER = '127.0.0.1:9200';

/** A peer at FLAP refused under ids 1, 3, 5, then connected under id 7 (live); OTHER once, id 2. */
function book() {
  const b = createAddrBook();
  let seq = 1;
  for (const id of [1, 3, 5]) {
    noteTransition(b, connEvent(seq++, id, FLAP, null, 'pending', 'requested'));
    noteTransition(b, connEvent(seq++, id, FLAP, 'pending', 'canceled', 'dial-refused', { code: 'ECONNREFUSED' }));
  }
  noteTransition(b, connEvent(seq++, 2, OTHER, null, 'established', 'accepted', { type: 'inbound' }));
  noteTransition(b, connEvent(seq++, 7, FLAP, null, 'pending', 'requested'));
  noteTransition(b, connEvent(seq++, 7, FLAP, 'pending', 'established', 'dial-succeeded'));
  return b;
}

const conns = new Map<number, ConnView>([
  [7, conn(7, { addr: FLAP, state: 'established' })],
  [2, conn(2, { addr: OTHER, type: 'inbound' })],
]);

test('one row per address with its ids (newest first), failures, the live id and its state', () => {
  const rows = addrRows(book().byAddr, { filter: parseFilter(''), conns, now: T0 + 1000 });
  const flap = rows.find((r) => r.addr === FLAP)!;
  assert.equal(rows.length, 2);
  assert.equal(flap.ids, 4);
  assert.deepEqual(flap.recentIds, [7, 5, 3, 1]);
  assert.equal(flap.failures, 3);
  assert.equal(flap.liveId, 7);
  assert.equal(flap.id, 7);
  assert.equal(flap.state, 'established');
  assert.equal(flap.reason, 'dial-succeeded');
  assert.equal(flap.sinceMs, 1000 - 90);
});

test('with nothing live, the row names the newest id and the last state', () => {
  const b = book();
  noteTransition(b, connEvent(20, 7, FLAP, 'established', 'disconnected', 'remote-closed'));
  const flap = addrRows(b.byAddr, { filter: parseFilter(''), conns: new Map(), now: T0 }).find((r) => r.addr === FLAP)!;
  assert.equal(flap.liveId, null);
  assert.equal(flap.id, 7);
  assert.equal(flap.state, 'disconnected');
  assert.equal(flap.drops, 1);
});

test('the shared filter: address, type, state, reason, and id: any id seen there', () => {
  const b = book().byAddr;
  const addrsOf = (q: string): string[] => addrRows(b, { filter: parseFilter(q), conns, now: T0 }).map((r) => r.addr);
  assert.deepEqual(addrsOf(`addr:${FLAP}`), [FLAP]);
  assert.deepEqual(addrsOf(':9100'), [FLAP]);
  assert.deepEqual(addrsOf('type:inbound'), [OTHER]);
  assert.deepEqual(addrsOf('-type:inbound state:established'), [FLAP]);
  assert.deepEqual(addrsOf('id:3'), [FLAP], 'an ended id finds its address');
  assert.deepEqual(addrsOf('#2'), [OTHER]);
  assert.deepEqual(addrsOf('kind:conn:state').length, 2, 'kind: is for the log only');
});
