/**
 * Sorting the table: by any column, either direction, empty values last, and a fixed tie-breaker
 * (the id, or the address) so equal rows never swap places between two redraws. Pure.
 */

/** The two directions, named as `aria-sort` names them. */
export type SortDir = 'ascending' | 'descending';

export interface SortState<K extends string> {
  key: K;
  dir: SortDir;
}

/** What a column sorts by: a number, a string (compared naturally: port 9001 before 10000), or nothing. */
export type SortValue = number | string | null;

/**
 * The sort after a click on `key`'s header: the same column flips direction; another column
 * starts in its own first direction (numbers that grow with trouble start descending).
 */
export function nextSort<K extends string>(cur: SortState<K>, key: K, firstDir: SortDir): SortState<K> {
  if (cur.key === key) return { key, dir: cur.dir === 'ascending' ? 'descending' : 'ascending' };
  return { key, dir: firstDir };
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Compares two present values in ascending order. */
function compareValues(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

/**
 * A sorted copy of `rows`. Each row's value is read once. Rows without a value go last in both
 * directions (a "next try" that is none is not the soonest nor the latest); equal values keep the
 * order of `tie` (ascending ids whatever the direction, so flipping a column with many equal
 * values does not reshuffle them).
 */
export function sortRows<R>(rows: readonly R[], value: (r: R) => SortValue, dir: SortDir, tie: (a: R, b: R) => number): R[] {
  const sign = dir === 'ascending' ? 1 : -1;
  const keyed = rows.map((r) => ({ r, v: value(r) }));
  keyed.sort((x, y) => {
    if (x.v === null || y.v === null) {
      if (x.v !== y.v) return x.v === null ? 1 : -1;
      return tie(x.r, y.r);
    }
    const c = compareValues(x.v, y.v);
    return c !== 0 ? sign * c : tie(x.r, y.r);
  });
  return keyed.map((k) => k.r);
}

/** Ascending connection ids: the table's tie-breaker in connection mode. */
export function byId(a: { id: number }, b: { id: number }): number {
  return a.id - b.id;
}

/** Addresses in natural order: the tie-breaker in address mode. */
export function byAddr(a: { addr: string }, b: { addr: string }): number {
  return collator.compare(a.addr, b.addr);
}
