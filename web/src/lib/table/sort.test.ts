import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byAddr, byId, nextSort, sortRows } from './sort.ts';

type R = { id: number; addr: string; v: number | string | null };
const rows: R[] = [
  { id: 4, addr: '127.0.0.1:10000', v: 2 },
  { id: 1, addr: '127.0.0.1:9001', v: null },
  { id: 3, addr: '127.0.0.1:9002', v: 2 },
  { id: 2, addr: '10.0.0.1:80', v: 5 },
  { id: 5, addr: '127.0.0.1:9003', v: 1 },
];
const ids = (rs: R[]): number[] => rs.map((r) => r.id);

test('sorts either way, empty values last both ways, equal values by ascending id', () => {
  assert.deepEqual(ids(sortRows(rows, (r) => r.v, 'ascending', byId)), [5, 3, 4, 2, 1]);
  assert.deepEqual(ids(sortRows(rows, (r) => r.v, 'descending', byId)), [2, 3, 4, 5, 1]);
});

test('the tie-breaker holds whatever the input order (no reshuffle between redraws)', () => {
  const reversed = [...rows].reverse();
  assert.deepEqual(ids(sortRows(reversed, (r) => r.v, 'descending', byId)), ids(sortRows(rows, (r) => r.v, 'descending', byId)));
  assert.deepEqual(ids(rows), [4, 1, 3, 2, 5], 'the input is not sorted in place');
});

test('strings sort naturally: port 9001 before 10000', () => {
  assert.deepEqual(ids(sortRows(rows, (r) => r.addr, 'ascending', byId)), [2, 1, 3, 5, 4]);
  assert.equal(byAddr({ addr: '127.0.0.1:9999' }, { addr: '127.0.0.1:10000' }) < 0, true);
});

test('a click on the sorted column flips it; another column starts in its own direction', () => {
  assert.deepEqual(nextSort({ key: 'id', dir: 'ascending' }, 'id', 'ascending'), { key: 'id', dir: 'descending' });
  assert.deepEqual(nextSort({ key: 'id', dir: 'descending' }, 'id', 'ascending'), { key: 'id', dir: 'ascending' });
  assert.deepEqual(nextSort<'id' | 'failures'>({ key: 'id', dir: 'ascending' }, 'failures', 'descending'), {
    key: 'failures',
    dir: 'descending',
  });
});
