import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WireEvent } from '$protocol';
import { LogRows } from './log-rows.ts';
import { Ring } from './ring.ts';

type Row = { ev: WireEvent };
const row = (seq: number): Row => ({
  ev: {
    seq,
    at: seq,
    kind: 'conn:state',
    id: seq,
    type: 'inbound',
    persistent: false,
    addr: `127.0.0.1:${seq}`,
    from: null,
    to: 'established',
    reason: 'accepted',
    rule: 'inbound-accept',
  },
});
const odd = (ev: WireEvent) => ev.seq % 2 === 1;
const all = (r: LogRows<Row>) => Array.from({ length: r.length }, (_, i) => r.at(i)!.ev.seq);
const expected = (log: Ring<Row>, m: (ev: WireEvent) => boolean) =>
  log
    .toArray()
    .filter((x) => m(x.ev))
    .map((x) => x.ev.seq);

test('LogRows follows appends, evictions, a backfill, a cleared log and a new filter exactly', () => {
  const log = new Ring<Row>(50);
  const rows = new LogRows<Row>();
  let seq = 100;
  let m = odd;
  const check = () => {
    rows.sync(log, m);
    assert.deepEqual(all(rows), expected(log, m));
  };
  check();
  for (let round = 0; round < 40; round += 1) {
    const n = [1, 7, 30, 49, 50][round % 5]!;
    for (let i = 0; i < n; i += 1) log.push(row(seq++));
    check();
    if (round === 10) m = (ev) => ev.seq % 3 === 0;
    if (round === 20) {
      log.clear();
      seq = 1; // a new server run numbers from 1 again
    }
    if (round === 25) {
      log.clear();
      seq = 1000;
      for (let i = 0; i < 10; i += 1) log.push(row(seq++));
      check();
      // a backfill prepends older rows
      assert.equal(log.prepend(Array.from({ length: 10 }, (_, i) => row(990 + i))), 10);
    }
    check();
  }
  assert.deepEqual(
    rows.slice(1, 3),
    rows.slice(1, 3).map((_, i) => rows.at(1 + i)),
  );
});

test('a batch of new events costs the filter one call per new event, not a rescan of the log', () => {
  const log = new Ring<Row>(20_000);
  for (let seq = 1; seq <= 20_000; seq += 1) log.push(row(seq));
  const rows = new LogRows<Row>();
  rows.sync(log, odd);
  const before = rows.filterCalls;
  for (let seq = 20_001; seq <= 20_100; seq += 1) log.push(row(seq));
  rows.sync(log, odd);
  assert.equal(rows.filterCalls - before, 100);
  assert.deepEqual(all(rows), expected(log, odd));
});
