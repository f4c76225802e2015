/**
 * The table's columns in its two modes: what each header says, what it sorts by, and in which
 * direction a first click sorts. The component draws cells itself; this is the data it sorts and
 * labels by. Pure.
 */
import type { ConnState } from '../model/types.ts';
import type { AddrRow } from './grouping.ts';
import type { ConnRow } from './rows.ts';
import type { SortDir, SortState, SortValue } from './sort.ts';

export interface Column<R, K extends string> {
  readonly key: K;
  readonly label: string;
  /** Longer words for the header's title (a tooltip), when the label is terse. */
  readonly title?: string;
  /** Right-aligned figures (a count followed by words, like the ids, stays left). */
  readonly numeric: boolean;
  /** The direction of a first click. */
  readonly firstDir: SortDir;
  readonly value: (r: R) => SortValue;
}

/** States in lifecycle order (what "sort by state" follows, not the alphabet). */
const STATE_ORDER: Record<ConnState, number> = { pending: 0, established: 1, failing: 2, disconnected: 3, canceled: 4 };

export type ConnColumnKey =
  | 'id'
  | 'addr'
  | 'type'
  | 'state'
  | 'age'
  | 'bytesIn'
  | 'bytesOut'
  | 'attempt'
  | 'failures'
  | 'reason'
  | 'nextTry';
export type AddrColumnKey = 'addr' | 'ids' | 'type' | 'state' | 'failures' | 'drops' | 'reason' | 'lastSeen';

const typeValue = (r: { type: string; persistent: boolean }): string => (r.persistent ? `${r.type} persistent` : r.type);

export const CONN_COLUMNS: readonly Column<ConnRow, ConnColumnKey>[] = [
  { key: 'id', label: 'Id', numeric: false, firstDir: 'ascending', value: (r) => r.id },
  { key: 'addr', label: 'Address', numeric: false, firstDir: 'ascending', value: (r) => r.addr },
  { key: 'type', label: 'Type', numeric: false, firstDir: 'ascending', value: typeValue },
  { key: 'state', label: 'State', numeric: false, firstDir: 'ascending', value: (r) => STATE_ORDER[r.state] },
  { key: 'age', label: 'Age', numeric: true, firstDir: 'descending', value: (r) => r.ageMs },
  { key: 'bytesIn', label: 'In', title: 'Bytes received', numeric: true, firstDir: 'descending', value: (r) => r.bytesIn },
  { key: 'bytesOut', label: 'Out', title: 'Bytes sent', numeric: true, firstDir: 'descending', value: (r) => r.bytesOut },
  {
    key: 'attempt',
    label: 'Att.',
    title: 'Attempts: consecutive failed attempts (the backoff step)',
    numeric: true,
    firstDir: 'descending',
    value: (r) => r.attempt,
  },
  {
    key: 'failures',
    label: 'Fail.',
    title: 'Failures: failed dials and moves to failing',
    numeric: true,
    firstDir: 'descending',
    value: (r) => r.failures,
  },
  { key: 'reason', label: 'Last reason', numeric: false, firstDir: 'ascending', value: (r) => r.reason },
  { key: 'nextTry', label: 'Next try', numeric: true, firstDir: 'ascending', value: (r) => r.nextTryMs },
];

export const ADDR_COLUMNS: readonly Column<AddrRow, AddrColumnKey>[] = [
  { key: 'addr', label: 'Address', numeric: false, firstDir: 'ascending', value: (r) => r.addr },
  {
    key: 'ids',
    label: 'Ids',
    title: 'Connection ids seen at this address (newest first)',
    numeric: false,
    firstDir: 'descending',
    value: (r) => r.ids,
  },
  { key: 'type', label: 'Type', numeric: false, firstDir: 'ascending', value: typeValue },
  {
    key: 'state',
    label: 'State',
    title: "The live connection's state, else the last one",
    numeric: false,
    firstDir: 'ascending',
    value: (r) => STATE_ORDER[r.state],
  },
  {
    key: 'failures',
    label: 'Fail.',
    title: 'Failures: failed dials and moves to failing, over every id',
    numeric: true,
    firstDir: 'descending',
    value: (r) => r.failures,
  },
  {
    key: 'drops',
    label: 'Drops',
    title: 'Established connections the peer or the network closed',
    numeric: true,
    firstDir: 'descending',
    value: (r) => r.drops,
  },
  { key: 'reason', label: 'Last reason', numeric: false, firstDir: 'ascending', value: (r) => r.reason },
  {
    key: 'lastSeen',
    label: 'Last seen',
    title: 'Time since the last state change at this address',
    numeric: true,
    firstDir: 'ascending',
    value: (r) => r.sinceMs,
  },
];

/** Where each mode starts: connections by id; addresses with the most failures on top. */
export const DEFAULT_CONN_SORT: SortState<ConnColumnKey> = { key: 'id', dir: 'ascending' };
export const DEFAULT_ADDR_SORT: SortState<AddrColumnKey> = { key: 'failures', dir: 'descending' };

export function columnOf<R, K extends string>(columns: readonly Column<R, K>[], key: K): Column<R, K> {
  const c = columns.find((x) => x.key === key);
  if (c === undefined) throw new Error(`no column ${key}`);
  return c;
}
