/**
 * The control token a page is opened with (`/?token=…`, as `npm start` prints it). It is taken out
 * of the address bar as soon as the page loads, so the URL that the help sheet says to copy and
 * share (filter and selection) never carries it, and it is not left in the history. It is kept in
 * this tab's sessionStorage, so a reload keeps control; other tabs and shared links are read-only
 * until opened with the token. A new `?token=` replaces the kept one (an empty one forgets it).
 */
export const TOKEN_STORAGE_KEY = 'connscope.token';

/** The `token` parameter of a `location.search` string, and the string without it. Pure. */
export function splitToken(search: string): { present: boolean; token: string | null; search: string } {
  const params = new URLSearchParams(search);
  if (!params.has('token')) return { present: false, token: null, search };
  const token = params.get('token');
  params.delete('token');
  const rest = params.toString();
  return { present: true, token: token === '' ? null : token, search: rest === '' ? '' : `?${rest}` };
}

/** The part of `Storage` used here (this file is also type-checked without the DOM library). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface TokenEnv {
  location: { pathname: string; search: string; hash: string };
  history: { state: unknown; replaceState(data: unknown, unused: string, url: string): void };
  /** sessionStorage, or null where the browser refuses it (the token then lasts for this load). */
  storage: KeyValueStore | null;
}

/** Takes the token out of the URL (keeping the other parameters and the hash) or reads the kept one. */
export function adoptToken(env: TokenEnv): string | null {
  const { present, token, search } = splitToken(env.location.search);
  if (!present) return readStored(env.storage);
  env.history.replaceState(env.history.state, '', `${env.location.pathname}${search}${env.location.hash}`);
  try {
    if (token === null) env.storage?.removeItem(TOKEN_STORAGE_KEY);
    else env.storage?.setItem(TOKEN_STORAGE_KEY, token);
  } catch {
    // Storage full or refused: control still works until the tab is reloaded.
  }
  return token;
}

function readStored(storage: KeyValueStore | null): string | null {
  try {
    const stored = storage?.getItem(TOKEN_STORAGE_KEY);
    return stored === undefined || stored === null || stored === '' ? null : stored;
  } catch {
    return null;
  }
}

/** This tab's sessionStorage, or null when reading it throws (storage disabled, sandboxed frame). */
export function sessionStorageOrNull(): KeyValueStore | null {
  try {
    return (globalThis as { sessionStorage?: KeyValueStore }).sessionStorage ?? null;
  } catch {
    return null;
  }
}
