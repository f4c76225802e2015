/**
 * The one reader of the theme's CSS custom properties (app.css) for the canvas renderers: the graph
 * parses the colours it blends, the timeline paints the strings as they are. Call again when the
 * theme changes (dom.ts `watchTheme`). dom.ts `readThemeTokens` feeds this from getComputedStyle;
 * kept apart so the token list and its fallbacks are unit-tested.
 */
import type { ConnState, ConnType } from '../model/types.ts';

export interface ThemeTokens {
  bg: string;
  panel: string;
  panel2: string;
  border: string;
  text: string;
  muted: string;
  accent: string;
  focus: string;
  font: string;
  mono: string;
  state: Record<ConnState, string>;
  type: Record<ConnType, string>;
}

export const STATES: readonly ConnState[] = ['pending', 'established', 'failing', 'disconnected', 'canceled'];
export const TYPES: readonly ConnType[] = ['inbound', 'outbound', 'manual'];

/** The tokens from a property getter (a missing one gets a neutral fallback, never an empty string). */
export function themeTokens(get: (name: string) => string): ThemeTokens {
  const v = (name: string, fallback: string): string => get(name).trim() || fallback;
  const state = {} as Record<ConnState, string>;
  for (const s of STATES) state[s] = v(`--state-${s}`, '#888');
  const type = {} as Record<ConnType, string>;
  for (const t of TYPES) type[t] = v(`--type-${t}`, '#888');
  return {
    bg: v('--bg', '#fff'),
    panel: v('--panel', '#fff'),
    panel2: v('--panel-2', '#eee'),
    border: v('--border', '#ccc'),
    text: v('--text', '#000'),
    muted: v('--muted', '#666'),
    accent: v('--accent', '#36f'),
    focus: v('--focus', '#f90'),
    font: v('--font', 'system-ui, sans-serif'),
    mono: v('--mono', 'monospace'),
    state,
    type,
  };
}
