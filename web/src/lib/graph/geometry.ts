/**
 * Layout maths of the graph view: node sizes by population, the ring band each sector's peers sit
 * in, deterministic start positions, and the angle helpers the sector force uses. World units are
 * abstract pixels at zoom 1; the centre node sits at (0, 0). Pure: no Svelte, no DOM.
 */
import { GROUP_ORDER, SECTORS, type GroupKey, type SectorSpec } from './groups.ts';

/** Node radius and centre-to-centre spacing for a given number of drawn peers. */
export interface Sizing {
  /** Node radius in world units. */
  radius: number;
  /** Minimum distance between two node centres (radius × 2 plus breathing room / label room). */
  spacing: number;
  /** Whether every node gets a text label (small graphs) or only hovered/selected ones. */
  labels: boolean;
  /** How strongly nodes repel each other (d3 many-body strength, negative = repel). */
  charge: number;
}

/** Peers never come closer to the centre than this (room for the centre node and its label). */
export const MIN_RING = 120;
/** A sector grows its first ring up to this radius before it stacks further rings outside it. */
export const MAX_FIRST_RING = 300;
/**
 * Above this many peers a sector is "big": small label-less dots, faint established edges, and
 * leavers' spots reused by newcomers instead of reheating the layout (churn must not shake it).
 */
export const BIG_SECTOR = 300;
/** Spacing of labelled nodes: room for 12 px text set along the radius between neighbours. */
const LABELLED = { radius: 9, spacing: 34, labels: true, charge: -40 } as const;

/** How many peers fit side by side on a ring of radius `r` across `span`, leaving half a spacing at each end. */
export function ringCapacity(span: number, r: number, spacing: number): number {
  const usable = Math.max(0, span - spacing / Math.max(r, 1));
  return Math.floor((usable * r) / spacing) + 1;
}

/**
 * Sizes by population, per sector. A sector whose peers fit on one ring gets big nodes with radial
 * labels (they never collide there); a bigger one gets label-less dots, smaller as it grows.
 * Discrete steps (not a continuous scale) so a sector hovering around a size does not breathe.
 * Only labelled sectors use many-body repulsion (it spreads a ring evenly); stacked sectors pack
 * by collision and the pull towards their inner ring.
 */
export function sizingFor(count: number, span: number): Sizing {
  if (count <= ringCapacity(span, MAX_FIRST_RING, LABELLED.spacing)) return { ...LABELLED };
  if (count <= BIG_SECTOR) return { radius: 6, spacing: 17, labels: false, charge: 0 };
  if (count <= 1000) return { radius: 4.5, spacing: 12, labels: false, charge: 0 };
  return { radius: 3.5, spacing: 9, labels: false, charge: 0 };
}

/** The annulus segment a sector's peers are kept in: inner and outer radius. */
export interface Band {
  r0: number;
  r1: number;
}

/** Distance between stacked rings (hexagonal packing). */
export const rowStep = (spacing: number): number => spacing * 0.87;

/**
 * Radii of the rings `count` peers fill from `r0` outwards, and how many sit on each: the one
 * packing rule shared by the band (how deep a sector is) and the packed start positions.
 */
export function ringRows(count: number, span: number, r0: number, spacing: number): { r: number; n: number }[] {
  const rows: { r: number; n: number }[] = [];
  let left = count;
  let r = r0;
  while (left > 0) {
    const n = Math.min(left, ringCapacity(span, r, spacing));
    rows.push({ r, n });
    left -= n;
    r += rowStep(spacing);
  }
  return rows;
}

/**
 * The band for `count` peers spread over `span` radians with `spacing` between centres. Few peers
 * sit on one ring (r0 = r1) just big enough to hold them side by side; more stack rings outwards
 * from `MAX_FIRST_RING`, plus half a row of slack (a force layout never packs perfectly).
 */
export function bandFor(count: number, span: number, spacing: number): Band {
  const r0 = clamp((Math.max(count, 1) * spacing) / span, MIN_RING, MAX_FIRST_RING);
  const rows = ringRows(count, span, r0, spacing);
  if (rows.length <= 1) return { r0, r1: r0 };
  return { r0, r1: rows[rows.length - 1]!.r + rowStep(spacing) * 0.5 };
}

/**
 * Sizes per sector. Each sector is sized by its own population, so a flood of inbound peers
 * shrinks the inbound dots but leaves the few outbound and persistent peers large and labelled.
 */
export function sizingsFor(counts: Record<GroupKey, number>): Record<GroupKey, Sizing> {
  return {
    outbound: sizingFor(counts.outbound, SECTORS.outbound.span),
    inbound: sizingFor(counts.inbound, SECTORS.inbound.span),
    manual: sizingFor(counts.manual, SECTORS.manual.span),
  };
}

/** Bands for all three sectors. */
export function bandsFor(counts: Record<GroupKey, number>, sizings: Record<GroupKey, Sizing>): Record<GroupKey, Band> {
  return {
    outbound: bandFor(counts.outbound, SECTORS.outbound.span, sizings.outbound.spacing),
    inbound: bandFor(counts.inbound, SECTORS.inbound.span, sizings.inbound.spacing),
    manual: bandFor(counts.manual, SECTORS.manual.span, sizings.manual.spacing),
  };
}

/** Gap (screen px) between a band's outermost nodes (or their labels) and its gauge arc. */
export const GAUGE_GAP_PX = 12;

/**
 * Where the slot gauge arc of a sector is drawn, in screen pixels from the centre at zoom `k`: just
 * outside its band, and outside its radial labels (`labelPx` wide) when the sector is labelled.
 * Labels are set in screen pixels, so they do not scale with zoom; hence the two parts.
 */
export function gaugeRadiusPx(band: Band, sizing: Sizing, k: number, labelPx: number): number {
  return (band.r1 + sizing.spacing / 2) * k + GAUGE_GAP_PX + (sizing.labels ? labelPx : 0);
}

/**
 * The screen extent of each sector as world radius × k + pixels, for `fitRings` (view.ts): what
 * "fit" frames.
 */
export function sectorExtents(
  bands: Record<GroupKey, Band>,
  sizings: Record<GroupKey, Sizing>,
  labelPx: number,
): { world: number; px: number }[] {
  return GROUP_ORDER.map((g) => ({
    world: Math.max(MIN_RING, bands[g].r1 + sizings[g].spacing / 2),
    px: GAUGE_GAP_PX + (sizings[g].labels ? labelPx : 0),
  }));
}

/** `a` wrapped into [-π, π). */
export function wrapAngle(a: number): number {
  const t = (a + Math.PI) % (2 * Math.PI);
  return (t < 0 ? t + 2 * Math.PI : t) - Math.PI;
}

/** `v` clamped into [lo, hi]. */
export function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : Math.min(v, hi);
}

/** A number in [0, 1) from an integer, stable across runs (so a peer always starts at the same spot). */
export function hash01(n: number): number {
  let h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/**
 * Where a new peer starts: inside its sector and band, at an angle and depth derived from its id
 * (stable across runs), so it appears near where it will settle instead of flying in.
 */
export function startPosition(id: number, sector: SectorSpec, band: Band, spacing: number): { x: number; y: number } {
  const a = sector.center + (hash01(id) - 0.5) * sector.span * 0.9;
  // On a single ring: on it. Stacked: in the outermost row, where there is room (the sector was
  // packed from the inside), so the newcomer does not shove its neighbours.
  const r = band.r1 - hash01(id * 31 + 7) * Math.min(band.r1 - band.r0, rowStep(spacing));
  return { x: Math.cos(a) * r, y: Math.sin(a) * r };
}

/**
 * The nearest point of a sector's band to (x, y), leaving `margin` world units at the sector's
 * edges; returns the point itself when it is inside already.
 */
export function constrainToSector(
  x: number,
  y: number,
  sector: SectorSpec,
  band: Band,
  margin: number,
): { x: number; y: number; inside: boolean } {
  const r = Math.sqrt(x * x + y * y);
  const a = Math.atan2(y, x);
  const rr = clamp(r, band.r0, band.r1);
  const halfSpan = Math.max(0, sector.span / 2 - margin / Math.max(rr, 1));
  const d = wrapAngle(a - sector.center);
  const dd = clamp(d, -halfSpan, halfSpan);
  if (rr === r && dd === d) return { x, y, inside: true };
  const aa = sector.center + dd;
  return { x: Math.cos(aa) * rr, y: Math.sin(aa) * rr, inside: false };
}

/**
 * Positions for `count` peers packed into a sector's band: rings from the inside out, each as full
 * as its circumference allows, peers spread evenly along each ring. Used when a sector fills from
 * empty (first load, a flood), so thousands of peers start where they will settle and the
 * simulation only polishes instead of untangling.
 */
export function packedPositions(count: number, sector: SectorSpec, band: Band, spacing: number): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (const row of ringRows(count, sector.span, band.r0, spacing)) {
    const usable = Math.max(0, sector.span - spacing / Math.max(row.r, 1));
    for (let i = 0; i < row.n; i++) {
      const a = sector.center + (row.n === 1 ? 0 : (i / (row.n - 1) - 0.5) * usable);
      out.push({ x: Math.cos(a) * row.r, y: Math.sin(a) * row.r });
    }
  }
  return out;
}
