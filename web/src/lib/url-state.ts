/**
 * The filter, the selected connection, presentation mode and a replay's position live in the page
 * URL (`?q=state:failing&sel=12&present=1&at=4031`), so a link or a reload restores the view.
 * Other parameters are kept untouched (a `token` is gone by then: lib/net/token.ts takes it out of
 * the URL at load).
 */
import { NODE_NAME_PATTERN } from '$protocol';

export interface UrlState {
  q: string;
  sel: number | null;
  /** Presentation mode (README "Presentation mode"): `?present`, `?present=1` or `?present=true`. */
  present: boolean;
  /** A replay's position (README "Record and replay"): the seq of the event at the cursor. */
  at: number | null;
}

/** Reads `q`, `sel`, `present` and `at` from a `location.search` string. */
export function readUrlState(search: string): UrlState {
  const p = new URLSearchParams(search);
  const selText = p.get('sel');
  const sel = selText !== null && /^\d+$/.test(selText) && Number(selText) >= 1 ? Number(selText) : null;
  const presentText = p.get('present');
  const present = presentText !== null && ['', '1', 'true'].includes(presentText);
  const atText = p.get('at');
  const at = atText !== null && /^\d{1,15}$/.test(atText) ? Number(atText) : null;
  return { q: p.get('q') ?? '', sel, present, at };
}

/** The `search` string (with `?`, or '' when empty) with `q`, `sel`, `present` and `at` set or removed. */
export function writeUrlState(search: string, state: UrlState): string {
  const p = new URLSearchParams(search);
  if (state.q.trim() === '') p.delete('q');
  else p.set('q', state.q);
  if (state.sel === null) p.delete('sel');
  else p.set('sel', String(state.sel));
  if (state.present) p.set('present', '1');
  else p.delete('present');
  if (state.at === null) p.delete('at');
  else p.set('at', String(state.at));
  const text = p.toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * The node a fleet page shows in full (`?node=NAME`, docs/fleet.md "Selecting a node"), or null for
 * the fleet view. A name that could not be a node's (NODE_NAME_PATTERN) reads as none.
 */
export function readNode(search: string): string | null {
  const node = new URLSearchParams(search).get('node');
  return node !== null && NODE_NAME_PATTERN.test(node) ? node : null;
}

/**
 * The `search` string showing `node` (or the fleet view, null). Leaving or changing the node drops
 * the node view's own state (filter, selection, replay position): it was about that node.
 */
export function writeNode(search: string, node: string | null): string {
  const p = new URLSearchParams(search);
  if (p.get('node') !== node) for (const key of ['q', 'sel', 'at']) p.delete(key);
  if (node === null) p.delete('node');
  else p.set('node', node);
  const text = p.toString();
  return text === '' ? '' : `?${text}`;
}
