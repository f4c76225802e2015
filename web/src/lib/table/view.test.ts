import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connMatcher, parseFilter } from '../filter/filter.ts';
import { createAddrBook, noteTransition } from '../model/addr-stats.ts';
import type { ConnView } from '../model/types.ts';
import { DEFAULT_ADDR_SORT, DEFAULT_CONN_SORT } from './columns.ts';
import { T0, conn, connEvent } from './test-helpers.ts';
import { indexOfSelected, tableRows, type TableInput, type TableSettings } from './view.ts';

const conns = new Map<number, ConnView>([
  [1, conn(1, { state: 'failing', attempt: 3, retryAt: T0 + 9000, addr: '127.0.0.1:9001' })],
  [2, conn(2, { type: 'inbound', addr: '127.0.0.1:50000', createdAt: T0 - 5000 })],
  [3, conn(3, { state: 'disconnected', endedAt: T0, addr: '127.0.0.1:9003' })],
  [4, conn(4, { state: 'pending', addr: '127.0.0.1:10000' })],
]);
const book = createAddrBook();
noteTransition(book, connEvent(1, 3, '127.0.0.1:9003', null, 'pending', 'requested'));
noteTransition(book, connEvent(2, 3, '127.0.0.1:9003', 'pending', 'canceled', 'dial-refused'));
noteTransition(book, connEvent(3, 1, '127.0.0.1:9001', null, 'pending', 'requested'));

function input(q = ''): TableInput {
  const filter = parseFilter(q);
  return {
    conns,
    addrs: book.byAddr,
    filter,
    matches: connMatcher(filter),
    now: T0 + 1000,
    bytes: new Map([[2, { bytesIn: 500, bytesOut: 1 }]]),
  };
}
const settings = (over: Partial<TableSettings> = {}): TableSettings => ({
  mode: 'conns',
  includeEnded: false,
  connSort: DEFAULT_CONN_SORT,
  addrSort: DEFAULT_ADDR_SORT,
  ...over,
});
const ids = (s: TableSettings, q = ''): number[] => tableRows(s, input(q)).rows.map((r) => r.id);

test('connections: live ones by id; ended ones when asked; N of M under a filter', () => {
  assert.deepEqual(ids(settings()), [1, 2, 4]);
  assert.equal(tableRows(settings(), input()).total, 3);
  assert.deepEqual(ids(settings({ includeEnded: true })), [1, 2, 3, 4]);
  const filtered = tableRows(settings(), input('type:inbound'));
  assert.deepEqual([filtered.rows.length, filtered.total], [1, 3]);
});

test('connections: sorted by any column, both ways', () => {
  assert.deepEqual(ids(settings({ connSort: { key: 'id', dir: 'descending' } })), [4, 2, 1]);
  assert.deepEqual(ids(settings({ connSort: { key: 'addr', dir: 'ascending' } })), [1, 4, 2]);
  assert.deepEqual(ids(settings({ connSort: { key: 'age', dir: 'descending' } })), [2, 1, 4]);
  assert.deepEqual(ids(settings({ connSort: { key: 'bytesIn', dir: 'descending' } })), [2, 1, 4]);
  assert.deepEqual(ids(settings({ connSort: { key: 'state', dir: 'ascending' } })), [4, 2, 1]);
  assert.deepEqual(ids(settings({ connSort: { key: 'nextTry', dir: 'descending' } })), [1, 2, 4], 'no next try goes last');
  assert.deepEqual(ids(settings({ connSort: { key: 'attempt', dir: 'descending' } })), [1, 2, 4]);
});

test('addresses: every address seen, most failures first; filtered by the same language', () => {
  const r = tableRows(settings({ mode: 'addrs' }), input());
  assert.deepEqual(
    r.rows.map((x) => x.addr),
    ['127.0.0.1:9003', '127.0.0.1:9001'],
  );
  assert.equal(r.total, 2);
  assert.deepEqual(
    tableRows(settings({ mode: 'addrs' }), input(':9001')).rows.map((x) => x.addr),
    ['127.0.0.1:9001'],
  );
});

test("the selected connection's row: by id, or in address mode the address that saw the id", () => {
  const rows = tableRows(settings({ connSort: { key: 'id', dir: 'descending' } }), input()).rows;
  assert.equal(indexOfSelected(rows, 1), 2);
  assert.equal(indexOfSelected(rows, 99), -1);
  assert.equal(indexOfSelected(rows, null), -1);
  const addrRowsNow = tableRows(settings({ mode: 'addrs' }), input()).rows;
  assert.equal(indexOfSelected(addrRowsNow, 3), 0);
});
