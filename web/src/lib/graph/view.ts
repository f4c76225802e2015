/**
 * The graph's pan/zoom transform: screen = world × k + (x, y), in CSS pixels. Fit, zoom about a
 * point, and conversions. Pure: no Svelte, no DOM.
 */

/** A uniform scale plus translation. */
export interface Transform {
  k: number;
  x: number;
  y: number;
}

/** Zoom limits (relative to world units). */
export const MIN_ZOOM = 0.05;
export const MAX_ZOOM = 8;
/** "Fit" never magnifies a small graph beyond this (text stays a sensible size next to it). */
export const MAX_FIT_ZOOM = 1.6;

/**
 * The transform that shows rings of screen radius `world × k + px` (world parts scale with zoom,
 * pixel parts — labels, gaps — do not) around the world origin in a `width` × `height` viewport
 * with `pad` CSS pixels of margin; the origin (the centre node) lands in the middle.
 */
export function fitRings(rings: readonly { world: number; px: number }[], width: number, height: number, pad = 24): Transform {
  const avail = Math.max(1, Math.min(width, height) / 2 - pad);
  let k = MAX_FIT_ZOOM;
  // Labels may take at most 45% of the radius: in a short pane the rings must stay readable
  // (labels then run to the edge) rather than the zoom collapsing to nothing.
  for (const r of rings) k = Math.min(k, (avail - Math.min(r.px, avail * 0.45)) / Math.max(1, r.world));
  return { k: Math.max(MIN_ZOOM, k), x: width / 2, y: height / 2 };
}

/** Margin (CSS px) the graph's fit keeps around its outermost gauge. */
export const FIT_PAD = 44;

/**
 * The room radial labels get beyond their ring in a `width` × `height` pane: what they need
 * (`labelPx`), but in a short pane at most 45% of the radius (as `fitRings` allows), so the rings
 * stay readable; labels that do not fit there are not drawn (text-plan.ts).
 */
export function labelAllowance(labelPx: number, width: number, height: number): number {
  return Math.max(0, Math.min(labelPx, (Math.min(width, height) / 2 - FIT_PAD) * 0.45));
}

/** `t` zoomed by `factor` about the screen point (px, py), which stays put; k is clamped. */
export function zoomAround(t: Transform, px: number, py: number, factor: number): Transform {
  const k = Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, t.k * factor));
  const f = k / t.k;
  return { k, x: px - (px - t.x) * f, y: py - (py - t.y) * f };
}

/** Screen (CSS px) to world. */
export function toWorld(t: Transform, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - t.x) / t.k, y: (sy - t.y) / t.k };
}

/** World to screen (CSS px). */
export function toScreen(t: Transform, wx: number, wy: number): { x: number; y: number } {
  return { x: wx * t.k + t.x, y: wy * t.k + t.y };
}

/** A step of `a` towards `b` (fraction `f`), for smooth auto-fit; snaps when close. */
export function approach(a: Transform, b: Transform, f: number): Transform {
  const near = Math.abs(a.k - b.k) < 1e-3 * b.k && Math.abs(a.x - b.x) < 0.25 && Math.abs(a.y - b.y) < 0.25;
  if (near) return b;
  return { k: a.k + (b.k - a.k) * f, x: a.x + (b.x - a.x) * f, y: a.y + (b.y - a.y) * f };
}

/** Whether two transforms are the same. */
export function sameTransform(a: Transform, b: Transform): boolean {
  return a.k === b.k && a.x === b.x && a.y === b.y;
}
