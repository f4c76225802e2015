/**
 * Virtualization with fixed-height rows, as the event log does it: the body is as tall as every
 * row together, and only the rows in view (plus a margin) are in the DOM, each placed at
 * `index × rowH`. Pure arithmetic, so it is tested without a browser.
 */

export interface RowWindow {
  /** First row index in the DOM. */
  first: number;
  /** One past the last row index in the DOM. */
  last: number;
  /** Height of the whole body (every row). */
  bodyH: number;
}

/**
 * Rows `[first, last)` to put in the DOM for a viewport `viewportH` tall scrolled to `scrollTop`
 * (both measured over the body), with `overscan` rows more on each side.
 */
export function rowWindow(scrollTop: number, viewportH: number, rowH: number, count: number, overscan: number): RowWindow {
  const bodyH = count * rowH;
  if (count === 0 || rowH <= 0) return { first: 0, last: 0, bodyH };
  const top = Math.max(0, Math.min(scrollTop, bodyH));
  const first = Math.max(0, Math.floor(top / rowH) - overscan);
  const last = Math.min(count, Math.ceil((top + Math.max(0, viewportH)) / rowH) + overscan);
  return { first, last: Math.max(first, last), bodyH };
}

/**
 * The scroll position that brings row `index` into a viewport of `viewportH` (of which `headH` at
 * the top is covered by the sticky header row), or null when it is already wholly in view.
 * `center` puts it in the middle (for a selection made elsewhere) instead of at the nearest edge
 * (for arrow keys).
 */
export function scrollToRow(
  index: number,
  rowH: number,
  scrollTop: number,
  viewportH: number,
  headH: number,
  center = false,
): number | null {
  const top = index * rowH;
  const visibleTop = scrollTop;
  const visibleBottom = scrollTop + viewportH - headH;
  if (top >= visibleTop && top + rowH <= visibleBottom) return null;
  if (center) return Math.max(0, Math.round(top - (viewportH - headH - rowH) / 2));
  return top < visibleTop ? top : Math.max(0, top + rowH - (viewportH - headH));
}
