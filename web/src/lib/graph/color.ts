/**
 * Colour helpers for the canvas: parse what getComputedStyle returns for the theme tokens
 * (#rgb, #rrggbb, rgb()/rgba()), mix two colours, add alpha. Pure: no Svelte, no DOM.
 */

/** r, g, b in 0..255 and a in 0..1. */
export type Rgba = readonly [number, number, number, number];

/** Parses a CSS colour as the theme tokens are written; `fallback` for anything else. */
export function parseColor(text: string, fallback: Rgba = [128, 128, 128, 1]): Rgba {
  const s = text.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,8})$/.exec(s);
  if (m) {
    const h = m[1]!;
    if (h.length === 3 || h.length === 4) {
      const v = [...h].map((c) => parseInt(c + c, 16));
      return [v[0]!, v[1]!, v[2]!, h.length === 4 ? v[3]! / 255 : 1];
    }
    if (h.length === 6 || h.length === 8) {
      const v = [0, 2, 4, 6].map((i) => parseInt(h.slice(i, i + 2), 16));
      return [v[0]!, v[1]!, v[2]!, h.length === 8 ? v[3]! / 255 : 1];
    }
    return fallback;
  }
  m = /^rgba?\(([^)]+)\)$/.exec(s);
  if (m) {
    const parts = m[1]!
      .split(/[\s,/]+/)
      .filter(Boolean)
      .map(Number);
    if (parts.length >= 3 && parts.slice(0, 3).every(Number.isFinite)) {
      return [parts[0]!, parts[1]!, parts[2]!, parts.length > 3 && Number.isFinite(parts[3]) ? parts[3]! : 1];
    }
  }
  return fallback;
}

/** `a` → `b` by t in 0..1. */
export function mixColor(a: Rgba, b: Rgba, t: number): Rgba {
  const u = t <= 0 ? 0 : Math.min(t, 1);
  return [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u, a[2] + (b[2] - a[2]) * u, a[3] + (b[3] - a[3]) * u];
}

/** A CSS colour string, with the alpha multiplied by `alpha`. */
export function css(c: Rgba, alpha = 1): string {
  const a = Math.round(c[3] * alpha * 1000) / 1000;
  return `rgba(${Math.round(c[0])}, ${Math.round(c[1])}, ${Math.round(c[2])}, ${a})`;
}
