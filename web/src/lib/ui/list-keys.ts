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
