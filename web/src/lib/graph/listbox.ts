/**
 * The graph's keyboard rules: its accessible list of peers is one tab stop whose
 * `aria-activedescendant` points at the active peer. Which peer a key makes active, opens or
 * selects, where focus lands, and where the active peer goes when it leaves the list. Pure: the
 * component applies the answer (and the list's movement keys are list-keys.ts's, as everywhere).
 */
import { listKeyIndex } from '../ui/list-keys.ts';

/** Something with an id, in list order (the mirror's rows). */
export interface ListRow {
  id: number;
}

/** What a key asks for: make a peer active, open it (select + details), select it, or clear the selection. */
export type ListboxAction = { do: 'move'; id: number } | { do: 'open'; id: number } | { do: 'select'; id: number } | { do: 'clear' };

function indexOf(rows: readonly ListRow[], id: number | null): number {
  return id === null ? -1 : rows.findIndex((r) => r.id === id);
}

/**
 * The action of `key`, or null when the graph leaves the key alone (the page may use it):
 * list keys move the active peer, Enter opens it, Space selects it, Escape clears the selection
 * only when there is one (otherwise Escape is the page's, e.g. to close a panel).
 */
export function listboxKey(
  key: string,
  activeId: number | null,
  selectedId: number | null,
  rows: readonly ListRow[],
): ListboxAction | null {
  const to = listKeyIndex(key, indexOf(rows, activeId), rows.length);
  if (to !== null) return { do: 'move', id: rows[to]!.id };
  switch (key) {
    case 'Enter':
      return activeId === null ? null : { do: 'open', id: activeId };
    case ' ':
      return activeId === null ? null : { do: 'select', id: activeId };
    case 'Escape':
      return selectedId === null ? null : { do: 'clear' };
    default:
      return null;
  }
}

/**
 * The peer that becomes active when the list gets focus: none to change (null) while the active
 * peer is listed; otherwise the selected peer, or the first one.
 */
export function focusTarget(activeId: number | null, selectedId: number | null, rows: readonly ListRow[]): number | null {
  if (rows.length === 0 || indexOf(rows, activeId) >= 0) return null;
  // -1 (no selection, or one not listed) becomes the first peer.
  return rows[Math.max(0, indexOf(rows, selectedId))]!.id;
}

/**
 * The active peer after the list changed from `before` to `after`: itself while listed; when it
 * went away, the peer now at its old position (or the last one); null when the list is empty.
 */
export function followActive(activeId: number | null, before: readonly ListRow[], after: readonly ListRow[]): number | null {
  if (activeId === null || indexOf(after, activeId) >= 0) return activeId;
  if (after.length === 0) return null;
  const old = indexOf(before, activeId);
  return after[Math.min(Math.max(0, old), after.length - 1)]!.id;
}
