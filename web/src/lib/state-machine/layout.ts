/**
 * The connection state machine as a diagram (README "States"): one box per state, one arrow per
 * row of the protocol's transition table (`CONN_TRANSITIONS`), and a start dot for a connection's
 * first state (`from: null`). Pure and deterministic: fixed places by lifecycle (start on top,
 * live states in the middle row, the final ones at the ends), arrows computed from them, so the
 * same table always draws the same picture and the tests can check every arrow.
 */
import type { ConnState } from '$protocol';

/** Wide for a landscape box, tall for a phone's narrow column (its type stays readable there). */
export type SmShape = 'wide' | 'tall';

/** The diagram's own units (an SVG viewBox) per shape; the component scales it to its box. */
export const SM_SIZE: Record<SmShape, { width: number; height: number }> = {
  wide: { width: 800, height: 265 },
  tall: { width: 440, height: 380 },
};
const BOX_W = 160;
const BOX_H = 50;
const START_R = 10;
/** Room left between an arrow's tip and the box it points at. */
const GAP = 3;
const HEAD_LEN = 13;
const HEAD_HALF = 7;
/** How far the two arrows of a pair (a → b and b → a) bow apart. */
const PAIR_BEND = 22;

/**
 * Where each state sits. Wide: the start dot on top, then pending → established → disconnected
 * left to right (the happy path), failing below between pending and established (the retry
 * loop), canceled bottom left (where pending and failing end). Tall: the same, with the two final
 * states in a row of their own at the bottom.
 */
const PLACES: Record<SmShape, Record<ConnState | 'start', { x: number; y: number }>> = {
  wide: {
    start: { x: 340, y: 20 },
    pending: { x: 200, y: 108 },
    established: { x: 480, y: 108 },
    disconnected: { x: 710, y: 108 },
    failing: { x: 340, y: 234 },
    canceled: { x: 110, y: 234 },
  },
  tall: {
    start: { x: 220, y: 20 },
    pending: { x: 105, y: 110 },
    established: { x: 335, y: 110 },
    failing: { x: 220, y: 230 },
    canceled: { x: 105, y: 350 },
    disconnected: { x: 335, y: 350 },
  },
};

export interface SmNode {
  /** A state, or `start` (the dot a connection's first transition leaves from). */
  id: ConnState | 'start';
  x: number;
  y: number;
  /** Half width and half height (the start dot: its radius). */
  hw: number;
  hh: number;
}

export interface SmEdge {
  /** `from>to`, with `-` as the `from` of a first transition (`->pending`). */
  key: string;
  from: ConnState | null;
  to: ConnState;
  when: string;
  /** SVG path of the arrow's line (a quadratic curve), ending just short of the target. */
  d: string;
  /** SVG points of its arrowhead (a triangle at the target). */
  head: string;
  /** A point on the curve's middle (where a label or a hit target goes). */
  mid: { x: number; y: number };
  /** The bow chosen (0: straight); also a pair's offset. */
  bend: number;
}

export interface SmLayout {
  width: number;
  height: number;
  nodes: SmNode[];
  edges: SmEdge[];
}

/** The key of the arrow from `from` (null: a first transition) to `to`. */
export function edgeKey(from: ConnState | null, to: ConnState): string {
  return `${from ?? '-'}>${to}`;
}

type Pt = { x: number; y: number };

/** Where the ray from a node's centre towards `toward` leaves the node (plus `gap`). */
function exitPoint(n: SmNode, toward: Pt, gap: number): Pt {
  const dx = toward.x - n.x;
  const dy = toward.y - n.y;
  const len = Math.hypot(dx, dy) || 1;
  if (n.id === 'start') return { x: n.x + (dx / len) * (n.hw + gap), y: n.y + (dy / len) * (n.hw + gap) };
  const t = Math.min(dx === 0 ? Infinity : n.hw / Math.abs(dx), dy === 0 ? Infinity : n.hh / Math.abs(dy));
  return { x: n.x + dx * t + (dx / len) * gap, y: n.y + dy * t + (dy / len) * gap };
}

function quad(a: Pt, c: Pt, b: Pt, t: number): Pt {
  const u = 1 - t;
  return { x: u * u * a.x + 2 * u * t * c.x + t * t * b.x, y: u * u * a.y + 2 * u * t * c.y + t * t * b.y };
}

function inside(p: Pt, n: SmNode, margin: number): boolean {
  return Math.abs(p.x - n.x) < n.hw + margin && Math.abs(p.y - n.y) < n.hh + margin;
}

const r1 = (v: number): number => Math.round(v * 10) / 10;

/** One arrow from node `a` to node `b`, bowed `bend` units to the left of its direction. */
function arrow(a: SmNode, b: SmNode, bend: number): { d: string; head: string; mid: Pt; line: [Pt, Pt, Pt] } {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  // Left of the direction of travel: a pair's two arrows, travelling opposite ways, bow apart.
  const c = { x: (a.x + b.x) / 2 + (dy / len) * bend, y: (a.y + b.y) / 2 - (dx / len) * bend };
  const p0 = exitPoint(a, c, GAP);
  const p1 = exitPoint(b, c, GAP);
  const tx = p1.x - c.x;
  const ty = p1.y - c.y;
  const tl = Math.hypot(tx, ty) || 1;
  const ux = tx / tl;
  const uy = ty / tl;
  // The line stops at the arrowhead's base, so a thick stroke never pokes through its tip.
  const end = { x: p1.x - ux * HEAD_LEN * 0.8, y: p1.y - uy * HEAD_LEN * 0.8 };
  const base = { x: p1.x - ux * HEAD_LEN, y: p1.y - uy * HEAD_LEN };
  const head = [p1, { x: base.x - uy * HEAD_HALF, y: base.y + ux * HEAD_HALF }, { x: base.x + uy * HEAD_HALF, y: base.y - ux * HEAD_HALF }]
    .map((p) => `${r1(p.x)},${r1(p.y)}`)
    .join(' ');
  return {
    d: `M${r1(p0.x)},${r1(p0.y)} Q${r1(c.x)},${r1(c.y)} ${r1(end.x)},${r1(end.y)}`,
    head,
    mid: quad(p0, c, p1, 0.5),
    line: [p0, c, p1],
  };
}

/** Whether the curve runs through a node other than its own two. */
function crossesOther(line: [Pt, Pt, Pt], nodes: readonly SmNode[], a: SmNode, b: SmNode): boolean {
  for (let i = 1; i < 24; i += 1) {
    const p = quad(line[0], line[1], line[2], i / 24);
    for (const n of nodes) if (n !== a && n !== b && inside(p, n, 8)) return true;
  }
  return false;
}

/**
 * The diagram of `transitions` (the protocol's `CONN_TRANSITIONS`). An arrow whose reverse is in
 * the table too bows to its left so that the two read apart; an arrow that would run through
 * another box bows further, in steps, until it clears (the first that does, so it is stable).
 */
export function layoutStateMachine(
  transitions: readonly { from: ConnState | null; to: ConnState; when: string }[],
  shape: SmShape = 'wide',
): SmLayout {
  const places = PLACES[shape];
  const nodes: SmNode[] = (Object.keys(places) as (ConnState | 'start')[]).map((id) => ({
    id,
    ...places[id],
    hw: id === 'start' ? START_R : BOX_W / 2,
    hh: id === 'start' ? START_R : BOX_H / 2,
  }));
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const keys = new Set(transitions.map((t) => edgeKey(t.from, t.to)));
  const edges = transitions.map((t): SmEdge => {
    const a = byId.get(t.from ?? 'start')!;
    const b = byId.get(t.to)!;
    const paired = t.from !== null && keys.has(edgeKey(t.to, t.from));
    const base = paired ? PAIR_BEND : 0;
    let chosen = arrow(a, b, base);
    let bend = base;
    for (const step of [40, -40, 80, -80, 120, -120]) {
      if (!crossesOther(chosen.line, nodes, a, b)) break;
      bend = base + step;
      chosen = arrow(a, b, bend);
    }
    return { key: edgeKey(t.from, t.to), from: t.from, to: t.to, when: t.when, d: chosen.d, head: chosen.head, mid: chosen.mid, bend };
  });
  return { ...SM_SIZE[shape], nodes, edges };
}

/** A transition as the model keeps it (`Transition` in model/types.ts), as far as this needs it. */
export interface SmStep {
  from: ConnState | null;
  to: ConnState;
  synthetic?: boolean;
}

/** What the diagram marks for a connection: its state's box and the arrow it last took. */
export interface SmFocus {
  state: ConnState | null;
  /** The key of the last transition's arrow, or null (none seen, or a snapshot stand-in). */
  edge: string | null;
}

/**
 * The state box and the arrow to mark for a connection (its current state and its last
 * transition). A snapshot stand-in says where the connection is, not how it got there: no arrow.
 * Neither is an arrow a transition the table lacks (which the manager never makes).
 */
export function focusOf(layout: SmLayout, conn: { state: ConnState; history: readonly SmStep[] } | undefined): SmFocus {
  if (!conn) return { state: null, edge: null };
  const last = conn.history.at(-1);
  const key = last && !last.synthetic && last.to === conn.state ? edgeKey(last.from, last.to) : null;
  return { state: conn.state, edge: key !== null && layout.edges.some((e) => e.key === key) ? key : null };
}
