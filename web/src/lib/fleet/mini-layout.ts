/**
 * The small multiples (one per node in the fleet view): a node's live connections as dots on rings
 * around a hub — the main graph in miniature — grouped by state (established, pending, failing),
 * and a sparkline of its connection count over the last heartbeats. Pure: positions only, painted by
 * MiniGraph.svelte, so 10 nodes × 200 connections is a few thousand arcs per second, not layout.
 */

/** The states the dots show, in the order they are laid out. */
export const MINI_STATES = ['established', 'pending', 'failing'] as const;
export type MiniState = (typeof MINI_STATES)[number];

/** Above this many connections one dot stands for several (the card stays the same size). */
export const MINI_MAX_DOTS = 240;
/** The largest and smallest dot radius, px; the hub's radius. */
const R_MAX = 4;
const R_MIN = 1;
export const HUB_R = 4;
/** Space between neighbouring dots on a ring, and between rings, px. */
const GAP = 1.5;

export interface MiniDot {
  x: number;
  y: number;
  state: MiniState;
}

export interface MiniLayout {
  /** The node itself, in the middle. */
  hub: { x: number; y: number };
  dots: MiniDot[];
  r: number;
  /** Connections per dot (1 up to MINI_MAX_DOTS connections). */
  perDot: number;
}

interface Ring {
  a: number;
  b: number;
  capacity: number;
}

/** A ring of vertical radius `b` (the box's shape: a wide card gets wide ellipses, not small circles). */
function ring(b: number, r: number, hx: number, hy: number): Ring {
  const bMax = hy - r;
  const a = bMax > 0 ? (b / bMax) * (hx - r) : 0;
  const perimeter = Math.PI * (3 * (a + b) - Math.sqrt((3 * a + b) * (a + 3 * b)));
  return { a, b, capacity: Math.max(1, Math.floor(perimeter / (2 * r + GAP))) };
}

/**
 * The rings for `n` dots of radius `r` in a box with half-sizes `hx`, `hy`, innermost first: as
 * few as hold them, spread out to the box's edge (a few connections are not a tight knot).
 */
function rings(n: number, r: number, hx: number, hy: number): Ring[] {
  const step = 2 * r + GAP;
  const bMax = hy - r;
  const packed: Ring[] = [];
  let held = 0;
  for (let b = HUB_R + GAP + step; b <= bMax + 1e-9 && held < n; b += step) {
    packed.push(ring(b, r, hx, hy));
    held += (packed.at(-1) as Ring).capacity;
  }
  const k = packed.length;
  const spread = packed.map((_, i) => ring(bMax - ((k - 1 - i) * (bMax - (HUB_R + GAP + step))) / Math.max(1, k - 1), r, hx, hy));
  return spread.reduce((a, g) => a + g.capacity, 0) >= held ? spread : packed;
}

/** Samples per ellipse when spacing dots by arc length. */
const ELLIPSE_SAMPLES = 128;

/**
 * `count` points on the ellipse (centre `cx`, `cy`, radii `a`, `b`) at equal distances along it,
 * from the top, clockwise: evenly spaced angles would crowd a wide ellipse's ends.
 */
export function ellipsePoints(cx: number, cy: number, a: number, b: number, count: number): [number, number][] {
  const at = (k: number): [number, number] => {
    const t = -Math.PI / 2 + (2 * Math.PI * k) / ELLIPSE_SAMPLES;
    return [cx + a * Math.cos(t), cy + b * Math.sin(t)];
  };
  const cum = [0];
  let prev = at(0);
  for (let k = 1; k <= ELLIPSE_SAMPLES; k += 1) {
    const p = at(k);
    cum.push((cum[k - 1] as number) + Math.hypot(p[0] - prev[0], p[1] - prev[1]));
    prev = p;
  }
  const length = cum[ELLIPSE_SAMPLES] as number;
  const out: [number, number][] = [];
  let k = 0;
  for (let j = 0; j < count; j += 1) {
    const want = (length * j) / count;
    while (k < ELLIPSE_SAMPLES - 1 && (cum[k + 1] as number) < want) k += 1;
    const seg = (cum[k + 1] as number) - (cum[k] as number);
    const f = seg > 0 ? (want - (cum[k] as number)) / seg : 0;
    const [x0, y0] = at(k);
    const [x1, y1] = at(k + 1);
    out.push([x0 + (x1 - x0) * f, y0 + (y1 - y0) * f]);
  }
  return out;
}

/**
 * The node as a small graph: a hub in the middle and a dot per connection (or per `perDot` of
 * them) on rings around it, innermost first, in MINI_STATES order — the largest dots (at most
 * R_MAX px) whose rings hold them all in a `width` × `height` box.
 */
export function dotLayout(counts: Readonly<Record<MiniState, number>>, width: number, height: number): MiniLayout {
  const hub = { x: width / 2, y: height / 2 };
  const total = MINI_STATES.reduce((a, s) => a + Math.max(0, counts[s]), 0);
  const perDot = Math.max(1, Math.ceil(total / MINI_MAX_DOTS));
  const per = MINI_STATES.map((s) => Math.ceil(Math.max(0, counts[s]) / perDot));
  const n = per.reduce((a, b) => a + b, 0);
  if (n === 0 || width <= 0 || height <= 0) return { hub, dots: [], r: 0, perDot };
  let r = R_MAX;
  let ringList = rings(n, r, width / 2, height / 2);
  while (r > R_MIN && ringList.reduce((a, g) => a + g.capacity, 0) < n) {
    r -= 0.25;
    ringList = rings(n, r, width / 2, height / 2);
  }
  const states: MiniState[] = [];
  MINI_STATES.forEach((s, k) => {
    for (let j = 0; j < (per[k] as number); j += 1) states.push(s);
  });
  const dots: MiniDot[] = [];
  let i = 0;
  for (const g of ringList) {
    if (i >= n) break;
    const here = Math.min(g.capacity, n - i);
    for (const [x, y] of ellipsePoints(hub.x, hub.y, g.a, g.b, here)) {
      dots.push({ x, y, state: states[i] as MiniState });
      i += 1;
    }
  }
  // A box too small for every dot even at R_MIN: the rest share the outermost ring's places.
  for (let k = 0; i < n; i += 1, k += 1) {
    const at = dots[k % Math.max(1, dots.length)];
    dots.push({ x: at?.x ?? hub.x, y: at?.y ?? hub.y, state: states[i] as MiniState });
  }
  return { hub, dots, r, perDot };
}

/**
 * The sparkline's points for `values` in a `width` × `height` box: x spread over the box (the
 * newest at the right edge), y from 0 at the bottom to the largest value (at least 1) at the top.
 */
export function sparkline(values: readonly number[], width: number, height: number): [number, number][] {
  if (values.length === 0) return [];
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values.map((v, i) => [values.length > 1 ? i * step : width, height - (Math.max(0, v) / max) * height]);
}
