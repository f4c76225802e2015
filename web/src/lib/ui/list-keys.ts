/**
 * Keyboard movement in a one-dimensional list (the graph's peer list, the lab's peer rows):
 * which index a key moves to. One rule for every list on the page, so arrows, PageUp/PageDown,
 * Home and End behave the same everywhere. Pure: no DOM.
 */

/** Rows a PageUp / PageDown moves by default. */
export const PAGE_ROWS = 10;

/**
 * The index `key` moves to from `index` in a list of `length` (clamped to the list), or null when
 * the key does not move (or the list is empty). `index` −1 means nothing is active yet: a step
 * forward lands on the first row, a step back too.
 */
export function listKeyIndex(key: string, index: number, length: number, page = PAGE_ROWS): number | null {
  if (length === 0) return null;
  let to: number;
  switch (key) {
    case 'ArrowDown':
    case 'ArrowRight':
      to = index + 1;
      break;
    case 'ArrowUp':
    case 'ArrowLeft':
      to = index < 0 ? 0 : index - 1;
      break;
    case 'PageDown':
      to = index + page;
      break;
    case 'PageUp':
      to = index - page;
      break;
    case 'Home':
      to = 0;
      break;
    case 'End':
      to = length - 1;
      break;
    default:
      return null;
  }
  return Math.min(length - 1, Math.max(0, to));
}

/** A cell in a list of rows with a few buttons each. */
export interface GridPos {
  row: number;
  col: number;
}

/**
 * Roving focus in rows of buttons (the lab's peers: Use, Stop): up/down, PageUp/PageDown,
 * Home/End move between rows in the same column (or the row's last button when it has fewer),
 * left/right between a row's buttons. `widths[i]` is how many buttons row i has. Null: the key
 * does not move.
 */
export function gridKeyTarget(key: string, pos: GridPos, widths: readonly number[], page = PAGE_ROWS): GridPos | null {
  if (widths.length === 0) return null;
  const row = Math.min(widths.length - 1, Math.max(0, pos.row));
  const last = (r: number): number => Math.max(0, widths[r]! - 1);
  if (key === 'ArrowLeft' || key === 'ArrowRight') {
    const col = Math.min(last(row), Math.max(0, pos.col + (key === 'ArrowRight' ? 1 : -1)));
    return { row, col };
  }
  const to = listKeyIndex(key, row, widths.length, page);
  if (to === null) return null;
  return { row: to, col: Math.min(pos.col, last(to)) };
}
