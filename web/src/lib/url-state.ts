/**
 * The filter, the selected connection and a replay's position live in the page URL
 * (`?q=state:failing&sel=12&at=4031`), so a link or a reload restores the view. Other parameters
 * are kept untouched (a `token` is gone by then: lib/net/token.ts takes it out of the URL at load).
 */
export interface UrlState {
  q: string;
  sel: number | null;
  /** A replay's position (README "Record and replay"): the seq of the event at the cursor. */
  at: number | null;
}

/** Reads `q` and `sel` from a `location.search` string. */
export function readUrlState(search: string): UrlState {
  const p = new URLSearchParams(search);
  const selText = p.get('sel');
  const sel = selText !== null && /^\d+$/.test(selText) && Number(selText) >= 1 ? Number(selText) : null;
  const atText = p.get('at');
  const at = atText !== null && /^\d{1,15}$/.test(atText) ? Number(atText) : null;
  return { q: p.get('q') ?? '', sel, at };
}

/** The `search` string (with `?`, or '' when empty) with `q` and `sel` set or removed. */
export function writeUrlState(search: string, state: UrlState): string {
  const p = new URLSearchParams(search);
  if (state.q.trim() === '') p.delete('q');
  else p.set('q', state.q);
  if (state.sel === null) p.delete('sel');
  else p.set('sel', String(state.sel));
  if (state.at === null) p.delete('at');
  else p.set('at', String(state.at));
  const text = p.toString();
  return text === '' ? '' : `?${text}`;
}
