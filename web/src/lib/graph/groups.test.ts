import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnState } from '../model/types.ts';
import { accessibleName, captionText, compareForList, gauges, groupOf, isLive, retrySeconds, retryText } from './groups.ts';
import { conn } from './test-fixtures.ts';

test('isLive: pending, established and failing are live; ended ones are not', () => {
  const table: [ConnState, boolean][] = [
    ['pending', true],
    ['established', true],
    ['failing', true],
    ['disconnected', false],
    ['canceled', false],
  ];
  for (const [state, want] of table) assert.equal(isLive(state), want, state);
});

test('groupOf: persistent peers sit in the manual sector', () => {
  assert.equal(groupOf(conn(1, { type: 'inbound' })), 'inbound');
  assert.equal(groupOf(conn(2, { type: 'outbound' })), 'outbound');
  assert.equal(groupOf(conn(3, { type: 'manual', persistent: true })), 'manual');
});

test('captionText', () => {
  assert.equal(captionText({ outbound: 0, inbound: 0, manual: 0, persistent: 0, total: 0 }), 'No peers');
  assert.equal(
    captionText({ outbound: 8, inbound: 20, manual: 4, persistent: 0, total: 32 }),
    '32 peers: 8 outbound, 20 inbound, 4 manual',
  );
  assert.equal(
    captionText({ outbound: 1, inbound: 0, manual: 3, persistent: 3, total: 4 }),
    '4 peers: 1 outbound, 0 inbound, 3 manual (3 persistent)',
  );
  assert.equal(captionText({ outbound: 1, inbound: 0, manual: 0, persistent: 0, total: 1 }), '1 peer: 1 outbound, 0 inbound, 0 manual');
});

test('gauges: outbound against target, inbound against max, manual against the persistent limit', () => {
  const g = gauges(
    { outbound: 6, inbound: 117, manual: 5, persistent: 3, total: 128 },
    { targetOutbound: 8, maxInbound: 117, maxPersistent: 8 },
  );
  assert.deepEqual([g.outbound.label, g.inbound.label, g.manual.label], ['6/8 outbound', '117/117 inbound', '3/8 persistent + 2 manual']);
  assert.deepEqual([g.outbound.used, g.outbound.limit, g.manual.used, g.manual.limit], [6, 8, 3, 8]);
});

test('retrySeconds rounds up and never goes below zero', () => {
  const table: [number, number][] = [
    [4000, 4],
    [3001, 4],
    [1, 1],
    [0, 0],
    [-2500, 0],
  ];
  for (const [left, want] of table) assert.equal(retrySeconds(10_000 + left, 10_000), want, String(left));
  assert.equal(retryText(14_000, 10_000), 'retry in 4 s');
  assert.equal(retryText(14_000, 10_000, true), 'retry in 4s');
  assert.equal(retryText(9_000, 10_000), 'retrying');
});

test('accessibleName: address, type (with persistent), state, and the countdown when failing', () => {
  assert.equal(accessibleName(conn(1, { addr: '127.0.0.1:9001' }), 0), '127.0.0.1:9001, outbound, established');
  assert.equal(
    accessibleName(conn(2, { addr: '127.0.0.1:9002', type: 'manual', persistent: true, state: 'failing', retryAt: 4_000 }), 0),
    '127.0.0.1:9002, manual, persistent, failing, retry in 4 s',
  );
  assert.equal(accessibleName(conn(3, { addr: '10.0.0.1:5555', type: 'inbound', state: 'pending' }), 0), '10.0.0.1:5555, inbound, pending');
});

test('compareForList: outbound, then manual, then inbound; by id within a group', () => {
  const list = [
    conn(5, { type: 'inbound' }),
    conn(4, { type: 'manual' }),
    conn(3, { type: 'outbound' }),
    conn(1, { type: 'inbound' }),
    conn(2, { type: 'outbound' }),
  ].sort(compareForList);
  assert.deepEqual(
    list.map((c) => c.id),
    [2, 3, 4, 1, 5],
  );
});
