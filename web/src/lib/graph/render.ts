/**
 * Canvas drawing of the graph view. NOT pure: it uses CanvasRenderingContext2D and
 * getComputedStyle, so unit tests do not import it (the maths it relies on lives in the pure
 * modules beside it). One `drawGraph` call per animation frame; drawing is batched by style (one
 * path per state × emphasis), so thousands of peers cost a handful of stroke/fill calls.
 */
import type { ConnState, ConnType } from '../model/types.ts';
import { css, mixColor, parseColor, type Rgba } from './color.ts';
import { BIG_SECTOR, gaugeRadiusPx } from './geometry.ts';
import { GROUP_ORDER, SECTORS, type Gauge, type GroupKey } from './groups.ts';
import { labelFonts, LINE_PX, PILL_LINE_PX, type LabelFonts, type PlacedCaption, type PlacedLabel, type PlacedPill } from './labels.ts';
import type { GraphLayout, GraphNode } from './layout.ts';
import { CAPTION_PLACE, centerRadiusPx, nodeRadiusPx, type TextPlan } from './text-plan.ts';
import { HALO_PX, type LabelStyle, type Sprite, SpriteCache, spriteKey } from './text-sprites.ts';
import type { Transform } from './view.ts';
import { readThemeTokens } from '../ui/dom.ts';
import { STATES, TYPES } from '../ui/theme-tokens.ts';

/** Theme colours read from CSS custom properties (re-read on theme change). */
export interface Palette {
  bg: Rgba;
  panel: Rgba;
  panel2: Rgba;
  border: Rgba;
  text: Rgba;
  muted: Rgba;
  accent: Rgba;
  focus: Rgba;
  state: Record<ConnState, Rgba>;
  type: Record<ConnType, Rgba>;
  font: string;
  mono: string;
  /** Fonts of the graph's text, in the theme's family. */
  fonts: LabelFonts;
}

/** Parses the theme's tokens into the colours the graph blends (re-read on theme change). */
export function readPalette(el: Element): Palette {
  const t = readThemeTokens(el);
  const state = {} as Record<ConnState, Rgba>;
  for (const s of STATES) state[s] = parseColor(t.state[s]);
  const type = {} as Record<ConnType, Rgba>;
  for (const g of TYPES) type[g] = parseColor(t.type[g]);
  return {
    bg: parseColor(t.bg),
    panel: parseColor(t.panel),
    panel2: parseColor(t.panel2),
    border: parseColor(t.border),
    text: parseColor(t.text),
    muted: parseColor(t.muted),
    accent: parseColor(t.accent),
    focus: parseColor(t.focus),
    state,
    type,
    font: t.font,
    mono: t.mono,
    fonts: labelFonts(t.font),
  };
}

/** Everything one frame draws. */
export interface Scene {
  /** Viewport in CSS pixels. */
  width: number;
  height: number;
  transform: Transform;
  layout: GraphLayout;
  palette: Palette;
  gauges: Record<GroupKey, Gauge>;
  /** Server clock now (countdowns). */
  serverNow: number;
  /** Marching-ants offset for pending edges (0 when motion is reduced). */
  dashOffset: number;
  /** Node ids that do not match the filter (drawn dimmed). */
  dimmed: ReadonlySet<number>;
  selectedId: number | null;
  activeId: number | null;
  hoverId: number | null;
  /** Whether the keyboard focus is in the graph (draws the active node's focus ring). */
  focused: boolean;
  /** Room taken by radial labels outside labelled sectors (screen px; see `labelRoomPx`). */
  labelPx: number;
  /** Where every caption, pill and label goes this frame (text-plan.ts): nothing overlaps. */
  text: TextPlan;
}

/** A ring buffer of timings (ms) with mean and 95th percentile, for the dev harness and benchmarks. */
export class TimingStats {
  private readonly samples = new Float64Array(240);
  private count = 0;

  /** Records one sample. */
  add(ms: number): void {
    this.samples[this.count % this.samples.length] = ms;
    this.count++;
  }

  /** Mean, 95th percentile and maximum over the kept samples. */
  summary(): { mean: number; p95: number; max: number; n: number } {
    const n = Math.min(this.count, this.samples.length);
    if (n === 0) return { mean: 0, p95: 0, max: 0, n: 0 };
    const xs = Array.from(this.samples.subarray(0, n)).sort((a, b) => a - b);
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    return { mean, p95: xs[Math.min(n - 1, Math.floor(n * 0.95))]!, max: xs[n - 1]!, n };
  }

  /** Forgets every sample. */
  reset(): void {
    this.count = 0;
  }
}

/** Time spent in `drawGraph` per frame. */
export const drawStats = new TimingStats();
/** Time of the whole frame: layout sync + simulation tick + draw + DOM mirror. */
export const frameStats = new TimingStats();

/** Dimmed (filtered-out) opacity. */
const DIM = 0.16;

type Emphasis = 0 | 1; // 0 = dimmed, 1 = normal
interface Bucket {
  group: GroupKey;
  state: ConnState;
  emphasis: Emphasis;
  nodes: GraphNode[];
}

/** Style buckets: group (node size) × state × emphasis; reused every frame (no garbage). */
const buckets: Bucket[] = GROUP_ORDER.flatMap((group) =>
  STATES.flatMap((state) => [
    { group, state, emphasis: 0 as Emphasis, nodes: [] as GraphNode[] },
    { group, state, emphasis: 1 as Emphasis, nodes: [] as GraphNode[] },
  ]),
);
const bucketIndex = (group: GroupKey, state: ConnState, emphasis: Emphasis): number =>
  (GROUP_ORDER.indexOf(group) * STATES.length + STATES.indexOf(state)) * 2 + emphasis;
const singles: GraphNode[] = [];

/** Dash patterns (CSS px): colour is never the only cue. */
const EDGE_DASH: Record<ConnState, number[]> = {
  established: [],
  pending: [7, 5],
  failing: [1, 5],
  disconnected: [2, 3],
  canceled: [2, 3],
};
const NODE_DASH: Record<ConnState, number[]> = {
  established: [],
  pending: [3, 2.5],
  failing: [1, 2.5],
  disconnected: [],
  canceled: [],
};

/** On-screen node radius of a sector at zoom k (never below 2 px). */
export function screenRadius(layout: GraphLayout, group: GroupKey, k: number): number {
  return nodeRadiusPx(layout.sizings[group], k);
}

/** Edge opacity by sector population: thousands of established edges would be a solid fan. */
function edgeAlpha(count: number, labelled: boolean, state: ConnState): number {
  if (labelled) return 0.75;
  if (count > BIG_SECTOR) return state === 'established' ? 0.06 : 0.4;
  return state === 'established' ? 0.22 : 0.6;
}

/** Draws one frame. The context must already be scaled for devicePixelRatio (CSS px units). */
export function drawGraph(ctx: CanvasRenderingContext2D, s: Scene): void {
  const { width, height, transform: t, layout, palette: p } = s;
  const k = t.k;
  const radii: Record<GroupKey, number> = {
    outbound: screenRadius(layout, 'outbound', k),
    inbound: screenRadius(layout, 'inbound', k),
    manual: screenRadius(layout, 'manual', k),
  };
  const counts = layout.counts;
  const cx = t.x;
  const cy = t.y;
  const centerR = centerRadiusPx(k);

  ctx.clearRect(0, 0, width, height);
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';

  drawSectors(ctx, s, centerR);

  // Sort into style buckets; fading / cross-fading nodes are drawn one by one.
  for (const b of buckets) b.nodes.length = 0;
  singles.length = 0;
  for (const node of layout.nodes) {
    if (node.opacity < 1 || node.mix < 1) singles.push(node);
    else buckets[bucketIndex(node.group, node.state, s.dimmed.has(node.id) ? 0 : 1)]!.nodes.push(node);
  }

  // Edges.
  for (const b of buckets) {
    if (b.nodes.length === 0) continue;
    const nodeR = radii[b.group];
    ctx.beginPath();
    for (const node of b.nodes) edgePath(ctx, node, t, centerR, nodeR);
    const alpha = (b.emphasis ? 1 : DIM) * edgeAlpha(counts[b.group], layout.sizings[b.group].labels, b.state);
    strokeEdge(ctx, b.state, p.state[b.state], alpha, counts[b.group] > BIG_SECTOR ? 1 : 1.6, s.dashOffset);
  }
  for (const node of singles) {
    ctx.beginPath();
    edgePath(ctx, node, t, centerR, radii[node.group]);
    const alpha =
      (s.dimmed.has(node.id) ? DIM : 1) * edgeAlpha(counts[node.group], layout.sizings[node.group].labels, node.state) * node.opacity;
    strokeEdge(ctx, node.state, nodeColor(node, p), alpha, counts[node.group] > BIG_SECTOR ? 1 : 1.6, s.dashOffset);
  }

  // Direction arrows at mid-edge (dial direction: outwards for ours, inwards for inbound).
  for (const b of buckets) {
    if (b.nodes.length === 0 || !layout.sizings[b.group].labels) continue;
    ctx.beginPath();
    for (const node of b.nodes) arrowPath(ctx, node, t, centerR, radii[b.group]);
    ctx.fillStyle = css(
      p.state[b.state],
      (b.emphasis ? 1 : DIM) * Math.min(1, edgeAlpha(counts[b.group], layout.sizings[b.group].labels, b.state) + 0.2),
    );
    ctx.fill();
  }

  // Centre node: "this node".
  ctx.beginPath();
  ctx.arc(cx, cy, centerR, 0, Math.PI * 2);
  ctx.fillStyle = css(p.accent);
  ctx.fill();
  ctx.lineWidth = 3;
  ctx.strokeStyle = css(p.panel);
  ctx.stroke();
  const tag = s.text.captions.find((c) => c.key === 'center');
  if (tag) centerTag(ctx, tag, p);

  // Nodes.
  for (const b of buckets) {
    if (b.nodes.length === 0) continue;
    const nodeR = radii[b.group];
    ctx.beginPath();
    for (const node of b.nodes) {
      const x = node.x * k + t.x;
      const y = node.y * k + t.y;
      ctx.moveTo(x + nodeR, y);
      ctx.arc(x, y, nodeR, 0, Math.PI * 2);
    }
    paintNode(ctx, b.state, p.state[b.state], p, b.emphasis ? 1 : DIM, nodeR);
  }
  for (const node of singles) {
    const nodeR = radii[node.group];
    ctx.beginPath();
    ctx.arc(node.x * k + t.x, node.y * k + t.y, nodeR, 0, Math.PI * 2);
    paintNode(ctx, node.state, nodeColor(node, p), p, (s.dimmed.has(node.id) ? DIM : 1) * node.opacity, nodeR);
  }

  // Persistent peers: a second ring ("pinned"); dimmed ones in their own batch.
  for (const dim of [false, true]) {
    ctx.beginPath();
    let any = false;
    for (const node of layout.nodes) {
      if (!node.conn.persistent || s.dimmed.has(node.id) !== dim) continue;
      const nodeR = radii[node.group];
      const x = node.x * k + t.x;
      const y = node.y * k + t.y;
      const r = nodeR + Math.max(2.5, nodeR * 0.4);
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, Math.PI * 2);
      any = true;
    }
    if (!any) continue;
    ctx.setLineDash([]);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = css(p.type.manual, dim ? DIM : 0.9);
    ctx.stroke();
  }

  // Labels where they fit (text-plan.ts placed them clear of each other and of the captions).
  const ratio = ctx.getTransform().a || 1;
  for (const label of s.text.labels) {
    const node = layout.byId.get(label.id);
    if (!node) continue;
    radialLabel(ctx, label, p, (s.dimmed.has(node.id) ? 0.35 : 1) * node.opacity, ratio);
  }

  // Rings: hover, selection, keyboard focus.
  const ring = (id: number | null, color: Rgba, gap: number, width: number, dash: number[]): void => {
    const node = id === null ? undefined : layout.byId.get(id);
    if (!node) return;
    ctx.beginPath();
    ctx.arc(node.x * k + t.x, node.y * k + t.y, radii[node.group] + gap, 0, Math.PI * 2);
    ctx.setLineDash(dash);
    ctx.lineWidth = width;
    ctx.strokeStyle = css(color);
    ctx.stroke();
    ctx.setLineDash([]);
  };
  if (s.hoverId !== s.selectedId) ring(s.hoverId, p.text, 4, 1.5, []);
  ring(s.selectedId, p.accent, 5, 3, []);
  if (s.focused) ring(s.activeId, p.focus, 9.5, 2.5, [5, 3]);

  // Hover has the HTML tooltip; selection and keyboard focus get a label pill on the canvas.
  for (const pill of s.text.pills) boxedLabel(ctx, pill, p);
}

/** The colour of a node now: its state colour, cross-faded from the previous state's. */
function nodeColor(node: GraphNode, p: Palette): Rgba {
  const to = p.state[node.state];
  if (node.mix >= 1 || node.fromState === null) return to;
  return mixColor(p.state[node.fromState], to, easeInOut(node.mix));
}

const easeInOut = (u: number): number => (u < 0.5 ? 2 * u * u : 1 - (-2 * u + 2) ** 2 / 2);

function edgePath(ctx: CanvasRenderingContext2D, node: GraphNode, t: Transform, centerR: number, nodeR: number): void {
  const x = node.x * t.k + t.x;
  const y = node.y * t.k + t.y;
  const dx = x - t.x;
  const dy = y - t.y;
  const len = Math.hypot(dx, dy);
  if (len <= centerR + nodeR) return;
  const ux = dx / len;
  const uy = dy / len;
  ctx.moveTo(t.x + ux * (centerR + 2), t.y + uy * (centerR + 2));
  ctx.lineTo(x - ux * (nodeR + 2), y - uy * (nodeR + 2));
}

function strokeEdge(ctx: CanvasRenderingContext2D, state: ConnState, color: Rgba, alpha: number, width: number, dashOffset: number): void {
  ctx.setLineDash(EDGE_DASH[state]);
  ctx.lineDashOffset = state === 'pending' ? dashOffset : 0;
  ctx.lineWidth = state === 'failing' ? width + 0.8 : width;
  ctx.strokeStyle = css(color, alpha);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.lineDashOffset = 0;
}

/** A small triangle at 55 % of the edge pointing the way the connection was dialled. */
function arrowPath(ctx: CanvasRenderingContext2D, node: GraphNode, t: Transform, centerR: number, nodeR: number): void {
  const x = node.x * t.k + t.x;
  const y = node.y * t.k + t.y;
  const dx = x - t.x;
  const dy = y - t.y;
  const len = Math.hypot(dx, dy);
  if (len < centerR + nodeR + 24) return;
  let ux = dx / len;
  let uy = dy / len;
  const inward = node.conn.type === 'inbound';
  const at = centerR + (len - centerR - nodeR) * 0.55;
  const mx = t.x + ux * at;
  const my = t.y + uy * at;
  if (inward) {
    ux = -ux;
    uy = -uy;
  }
  const size = 5;
  ctx.moveTo(mx + ux * size, my + uy * size);
  ctx.lineTo(mx - ux * size - uy * size * 0.8, my - uy * size + ux * size * 0.8);
  ctx.lineTo(mx - ux * size + uy * size * 0.8, my - uy * size - ux * size * 0.8);
  ctx.closePath();
}

/**
 * Fills/strokes the current path of node circles in a state's style: established is solid,
 * pending hollow with a dashed rim, failing tinted with a dotted rim, ended greyed.
 */
function paintNode(ctx: CanvasRenderingContext2D, state: ConnState, color: Rgba, p: Palette, alpha: number, nodeR: number): void {
  const rim = Math.max(1.25, Math.min(2.5, nodeR * 0.28));
  switch (state) {
    case 'established':
      ctx.fillStyle = css(color, alpha);
      ctx.fill();
      ctx.setLineDash([]);
      ctx.lineWidth = 1;
      ctx.strokeStyle = css(p.panel, alpha);
      ctx.stroke();
      break;
    case 'pending':
      ctx.fillStyle = css(p.panel, alpha);
      ctx.fill();
      ctx.setLineDash(nodeR >= 6 ? NODE_DASH.pending : []);
      ctx.lineWidth = rim;
      ctx.strokeStyle = css(color, alpha);
      ctx.stroke();
      break;
    case 'failing':
      ctx.fillStyle = css(mixColor(p.panel, color, 0.3), alpha);
      ctx.fill();
      ctx.setLineDash(nodeR >= 6 ? NODE_DASH.failing : []);
      ctx.lineWidth = rim;
      ctx.strokeStyle = css(color, alpha);
      ctx.stroke();
      break;
    default:
      ctx.fillStyle = css(color, alpha * 0.8);
      ctx.fill();
  }
  ctx.setLineDash([]);
}

/** Text with a panel-coloured halo, so labels stay readable over edges. */
function haloText(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, p: Palette, alpha = 1): void {
  ctx.save();
  ctx.lineWidth = 3.5;
  ctx.strokeStyle = css(p.panel, 0.9 * alpha);
  ctx.strokeText(text, x, y);
  ctx.restore();
  ctx.fillText(text, x, y);
}

/** The "this node" tag under the centre node. */
function centerTag(ctx: CanvasRenderingContext2D, tag: PlacedCaption, p: Palette): void {
  const b = tag.box;
  ctx.beginPath();
  ctx.roundRect(b.cx - b.hw, b.cy - b.hh, b.hw * 2, b.hh * 2, b.hh);
  ctx.fillStyle = css(p.panel, 0.92);
  ctx.fill();
  ctx.font = tag.font;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillStyle = css(p.text);
  ctx.fillText(tag.text, b.cx, b.cy + 0.5);
}

/**
 * The label of the selected or keyboard-focused peer: horizontal, in a pill (address, type ·
 * state, countdown), where text-plan.ts found room, so it stands out in a dense graph.
 */
function boxedLabel(ctx: CanvasRenderingContext2D, pill: PlacedPill, p: Palette): void {
  const { rect } = pill;
  ctx.beginPath();
  ctx.roundRect(rect.x, rect.y, rect.w, rect.h, 5);
  ctx.fillStyle = css(p.panel, 0.96);
  ctx.fill();
  ctx.lineWidth = 1;
  ctx.strokeStyle = css(p.border);
  ctx.stroke();
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  pill.lines.forEach((l, i) => {
    ctx.font = l.font;
    ctx.fillStyle = css(l.kind === 'title' ? p.text : l.kind === 'retry' ? p.state.failing : p.muted);
    ctx.fillText(l.text, pill.textX, pill.textY + i * PILL_LINE_PX);
  });
}

/**
 * A label along the radius (like a radial tree): the address, and the countdown of a failing
 * peer when it fitted. Text on the left half is turned over so it never reads upside down.
 */
function radialLabel(ctx: CanvasRenderingContext2D, label: PlacedLabel, p: Palette, alpha: number, ratio: number): void {
  let ang = label.angle;
  const flip = Math.cos(ang) < 0;
  if (flip) ang += Math.PI;
  ctx.save();
  ctx.translate(label.x, label.y);
  ctx.rotate(ang);
  ctx.globalAlpha = alpha;
  const lx = flip ? -label.gap : label.gap;
  const halo = css(p.panel, 0.9);
  blitLabel(ctx, label.text, { font: p.fonts.label, fill: css(p.text), halo, ratio }, lx, label.sub ? -LINE_PX / 2 : 0, flip);
  if (label.sub) blitLabel(ctx, label.sub, { font: p.fonts.retry, fill: css(p.state.failing), halo, ratio }, lx, LINE_PX / 2, flip);
  ctx.restore();
}

/** Each distinct label drawn once (text-sprites.ts); bounded, so departed peers' labels go in time. */
const labelSprites = new SpriteCache<Sprite<HTMLCanvasElement>>();

/** Draws `text` with its halo into a new canvas sized for it (browser only). */
function makeLabelSprite(text: string, s: LabelStyle): Sprite<HTMLCanvasElement> {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d')!;
  ctx.font = s.font;
  const m = ctx.measureText(text);
  const pad = Math.ceil(HALO_PX / 2) + 1;
  const half = Math.ceil(Math.max(m.fontBoundingBoxAscent ?? 10, m.fontBoundingBoxDescent ?? 4, 7)) + pad;
  const w = Math.ceil(m.width) + 2 * pad;
  const h = 2 * half;
  canvas.width = Math.max(1, Math.ceil(w * s.ratio));
  canvas.height = Math.max(1, Math.ceil(h * s.ratio));
  ctx.scale(s.ratio, s.ratio);
  ctx.font = s.font; // resizing the canvas reset it
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.lineJoin = 'round';
  ctx.lineWidth = HALO_PX;
  ctx.strokeStyle = s.halo;
  ctx.strokeText(text, pad, half);
  ctx.fillStyle = s.fill;
  ctx.fillText(text, pad, half);
  return { image: canvas, w, h, pad };
}

/** Places a label's bitmap with its text's middle at `y`, starting (or, `alignRight`, ending) at `x`. */
function blitLabel(ctx: CanvasRenderingContext2D, text: string, style: LabelStyle, x: number, y: number, alignRight: boolean): void {
  const sp = labelSprites.get(spriteKey(text, style), () => makeLabelSprite(text, style));
  const left = alignRight ? x - sp.w + sp.pad : x - sp.pad;
  ctx.drawImage(sp.image, left, y - sp.h / 2, sp.w, sp.h);
}

/** Faint sector wedges and the slot gauges (count / limit) just outside each sector. */
function drawSectors(ctx: CanvasRenderingContext2D, s: Scene, centerR: number): void {
  const { transform: t, layout, palette: p } = s;
  const k = t.k;
  for (const g of GROUP_ORDER) {
    const sector = SECTORS[g];
    const band = layout.bands[g];
    const gauge = s.gauges[g];
    const color = p.type[g];
    const a0 = sector.center - sector.span / 2;
    const a1 = sector.center + sector.span / 2;
    const rg = gaugeRadiusPx(band, layout.sizings[g], k, s.labelPx);

    // Wedge: a whisper of the type colour so groups read as areas.
    ctx.beginPath();
    ctx.arc(t.x, t.y, rg, a0, a1);
    ctx.arc(t.x, t.y, centerR + 10, a1, a0, true);
    ctx.closePath();
    ctx.fillStyle = css(color, 0.045);
    ctx.fill();

    // Gauge: small limits as discrete slots (free slots hollow), large ones as a filled arc; both
    // fill from the end where the caption sits.
    const place = CAPTION_PLACE[g];
    const from = place.end ? a1 : a0;
    const dir = place.end ? -1 : 1;
    const used = gauge.used;
    const limit = gauge.limit;
    ctx.lineWidth = 6;
    ctx.lineCap = 'butt';
    const arc = (start: number, end: number, stroke: string): void => {
      ctx.beginPath();
      ctx.arc(t.x, t.y, rg, Math.min(start, end), Math.max(start, end));
      ctx.strokeStyle = stroke;
      ctx.stroke();
    };
    if (limit > 0 && limit <= 32) {
      const gapAngle = Math.min(0.04, (sector.span / limit) * 0.25);
      const seg = (sector.span - gapAngle * (limit - 1)) / limit;
      for (let i = 0; i < limit; i++) {
        const s0 = from + dir * i * (seg + gapAngle);
        arc(s0, s0 + dir * seg, i < used ? css(color, 0.9) : css(p.border, 0.9));
      }
    } else {
      arc(a0, a1, css(p.border, 0.9));
      const frac = limit > 0 ? Math.min(1, used / limit) : 0;
      if (frac > 0) arc(from, from + dir * sector.span * frac, css(color, 0.9));
    }
    ctx.lineCap = 'round';
    // Over the limit (e.g. a flood being shed): mark the gauge's end.
    const over = limit > 0 && used > limit;

    // The caption, where text-plan.ts placed it (at the gauge's tip unless that was taken).
    const caption = s.text.captions.find((c) => c.key === g);
    if (!caption) continue;
    ctx.textAlign = caption.align;
    ctx.textBaseline = caption.baseline;
    ctx.font = caption.font;
    ctx.fillStyle = css(over ? p.state.failing : color);
    haloText(ctx, caption.text, caption.x, caption.y, p);
  }
}
