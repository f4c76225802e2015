/**
 * What the connections table shows, from the model and the table's own settings: the filtered,
 * sorted rows of the current mode and how many there are before the filter. Pure: the component
 * calls it whenever the model, the clock, the filter or a setting changed.
 */
import type { ParsedFilter } from '../filter/filter.ts';
import type { AddrStats } from '../model/addr-stats.ts';
import { isLiveState } from '../model/counts.ts';
import type { ConnView } from '../model/types.ts';
import { ADDR_COLUMNS, CONN_COLUMNS, columnOf, type AddrColumnKey, type ConnColumnKey } from './columns.ts';
import { addrRows, type AddrRow } from './grouping.ts';
import { connRows, type Bytes, type ConnRow } from './rows.ts';
import { byAddr, byId, sortRows, type SortState } from './sort.ts';

/** One row per connection, or one per address. */
export type TableMode = 'conns' | 'addrs';

export type TableRow = ConnRow | AddrRow;

export interface TableSettings {
  mode: TableMode;
  /** Connection mode: list the ended connections the model keeps, too. */
  includeEnded: boolean;
  connSort: SortState<ConnColumnKey>;
  addrSort: SortState<AddrColumnKey>;
}

export interface TableInput {
  conns: ReadonlyMap<number, ConnView>;
  addrs: ReadonlyMap<string, AddrStats>;
  /** The shared filter, parsed (address mode), and its connection matcher (connection mode). */
  filter: ParsedFilter;
  matches: (c: ConnView) => boolean;
  /** The model's clock. */
  now: number;
  bytes: ReadonlyMap<number, Bytes>;
}

export interface TableResult {
  rows: TableRow[];
  /** Rows before the filter (the "of M" in "N of M"). */
  total: number;
}

export function tableRows(s: TableSettings, i: TableInput): TableResult {
  if (s.mode === 'addrs') {
    const rows = addrRows(i.addrs, { filter: i.filter, conns: i.conns, now: i.now });
    const col = columnOf(ADDR_COLUMNS, s.addrSort.key);
    return { rows: sortRows(rows, col.value, s.addrSort.dir, byAddr), total: i.addrs.size };
  }
  const rows = connRows(i.conns.values(), { matches: i.matches, includeEnded: s.includeEnded, now: i.now, bytes: i.bytes });
  let total = i.conns.size;
  if (!s.includeEnded) {
    total = 0;
    for (const c of i.conns.values()) if (isLiveState(c.state)) total += 1;
  }
  const col = columnOf(CONN_COLUMNS, s.connSort.key);
  return { rows: sortRows(rows, col.value, s.connSort.dir, byId), total };
}

/** Whether row `r` shows the selected connection (in address mode: any id seen at the address). */
export function rowHolds(r: TableRow, selectedId: number | null): boolean {
  if (selectedId === null) return false;
  return r.kind === 'conn' ? r.id === selectedId : r.allIds.has(selectedId);
}

/** The index of the row that shows the selected connection, or -1. */
export function indexOfSelected(rows: readonly TableRow[], selectedId: number | null): number {
  if (selectedId === null) return -1;
  // Exact id first: in address mode the row whose live or newest id it is, before any other.
  const exact = rows.findIndex((r) => r.id === selectedId);
  return exact >= 0 ? exact : rows.findIndex((r) => rowHolds(r, selectedId));
}
