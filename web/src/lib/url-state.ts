/**
 * The filter, the selected connection and presentation mode live in the page URL
 * (`?q=state:failing&sel=12&present=1`), so a link or a reload restores the view. Other parameters are kept untouched (a `token` is gone by
 * then: lib/net/token.ts takes it out of the URL at load).
 */
export interface UrlState {
  q: string;
  sel: number | null;
  /** Presentation mode (README "Presentation mode"): `?present`, `?present=1` or `?present=true`. */
  present: boolean;
}

/** Reads `q`, `sel` and `present` from a `location.search` string. */
export function readUrlState(search: string): UrlState {
  const p = new URLSearchParams(search);
  const selText = p.get('sel');
  const sel = selText !== null && /^\d+$/.test(selText) && Number(selText) >= 1 ? Number(selText) : null;
  const presentText = p.get('present');
  const present = presentText !== null && ['', '1', 'true'].includes(presentText);
  return { q: p.get('q') ?? '', sel, present };
}

/** The `search` string (with `?`, or '' when empty) with `q`, `sel` and `present` set or removed. */
export function writeUrlState(search: string, state: UrlState): string {
  const p = new URLSearchParams(search);
  if (state.q.trim() === '') p.delete('q');
  else p.set('q', state.q);
  if (state.sel === null) p.delete('sel');
  else p.set('sel', String(state.sel));
  if (state.present) p.set('present', '1');
  else p.delete('present');
  const text = p.toString();
  return text === '' ? '' : `?${text}`;
}
