/**
 * One frame's text for the graph: which captions, limit marks, pills and peer labels are drawn,
 * and where (labels.ts does the placing). Here is the policy: captions are always shown; the
 * limits' marks next ("shed" and "paused: N/N" beside the inbound gauge, the throttle banner
 * beside the outbound one); the selected and the keyboard-focused peer get a pill; peers in a sector whose peers fit on one ring ask for a
 * radial label, live before fading, matching before dimmed, last frame's labels before new ones.
 * Pure: no Svelte, no DOM — the unit tests run it over every population from 1 to 300 per sector.
 */
import { gaugeRadiusPx, type Band, type Sizing } from './geometry.ts';
import type { MarkText } from '../model/limits.ts';
import { GROUP_ORDER, retryText, SECTORS, type Gauge, type GroupKey } from './groups.ts';
import {
  labelRoomPx,
  placeCaptions,
  placeLabels,
  placePills,
  rectBox,
  type Box,
  type CaptionRequest,
  type LabelFonts,
  type LabelRequest,
  type PillLine,
  type PillRequest,
  type PlacedCaption,
  type PlacedLabel,
  type PlacedPill,
  type Rect,
  type TextWidths,
} from './labels.ts';
import type { GraphNode } from './layout.ts';
import type { Transform } from './view.ts';

/** Radius of "this node" in world units. */
export const CENTER_RADIUS = 18;

/** The centre node's radius on screen at zoom k. */
export function centerRadiusPx(k: number): number {
  return Math.max(10, CENTER_RADIUS * Math.min(k, 1.6));
}

/** On-screen node radius of a sector at zoom k (never below 2 px; 7 px where labelled). */
export function nodeRadiusPx(sizing: Sizing, k: number): number {
  return Math.max(sizing.labels ? 7 : 2, sizing.radius * Math.min(k, 2.2));
}

/** Where each sector's caption sits: the gauge's end nearest the vertical axis, away from the labels. */
export const CAPTION_PLACE: Record<GroupKey, { end: boolean; align: 'left' | 'right'; baseline: 'top' | 'bottom' }> = {
  outbound: { end: false, align: 'left', baseline: 'bottom' },
  inbound: { end: true, align: 'right', baseline: 'bottom' },
  manual: { end: true, align: 'left', baseline: 'top' },
};

/** What a frame's text depends on. Positions are the layout's (world units); the rest is screen px. */
export interface TextPlanInput {
  width: number;
  height: number;
  transform: Transform;
  nodes: readonly GraphNode[];
  sizings: Record<GroupKey, Sizing>;
  bands: Record<GroupKey, Band>;
  gauges: Record<GroupKey, Gauge>;
  /** Room left for radial labels outside labelled sectors (the gauges sit past it). */
  labelPx: number;
  serverNow: number;
  selectedId: number | null;
  /** The keyboard-focused peer (null when the graph has no focus). */
  activeId: number | null;
  /** Peers the filter leaves out (their labels yield to the others'). */
  dimmed: ReadonlySet<number>;
  /** HTML drawn over the canvas (zoom buttons, the caption line), in pane px. */
  overlays: readonly Rect[];
  /** Peers labelled in the previous frame (they keep their labels first: no flicker). */
  previous: ReadonlySet<number>;
  /** The limits' marks to show (limits.ts `markTexts`); none when absent. */
  marks?: readonly MarkText[];
}

export interface TextPlan {
  captions: PlacedCaption[];
  /** The limits' marks, keyed `shed`, `paused`, `throttle`. */
  marks: PlacedCaption[];
  pills: PlacedPill[];
  labels: PlacedLabel[];
  /** The overlays' boxes (for the debug hook; nothing is drawn there). */
  overlays: Box[];
}

/** Margin kept between text and the pane's border (px). */
const EDGE = 2;

/** The caption anchors: one per sector at its gauge's tip, and "this node" under the centre. */
export function captionRequests(input: TextPlanInput, fonts: LabelFonts): CaptionRequest[] {
  const { transform: t, bands, sizings, gauges, labelPx } = input;
  const out: CaptionRequest[] = [];
  for (const g of GROUP_ORDER) {
    const sector = SECTORS[g];
    const place = CAPTION_PLACE[g];
    const rg = gaugeRadiusPx(bands[g], sizings[g], t.k, labelPx);
    const la = sector.center + (place.end ? 1 : -1) * (sector.span / 2);
    out.push({
      key: g,
      text: gauges[g].label,
      font: fonts.caption,
      x: t.x + Math.cos(la) * rg + (place.align === 'left' ? 2 : -2),
      y: t.y + Math.sin(la) * rg + (place.baseline === 'bottom' ? -8 : 8),
      align: place.align,
      baseline: place.baseline,
    });
  }
  // "this node" is a tag under the centre node: placed last, so a gauge caption keeps its spot.
  out.push({
    key: 'center',
    text: 'this node',
    font: fonts.center,
    x: t.x,
    y: t.y + centerRadiusPx(t.k) + 14,
    align: 'center',
    baseline: 'middle',
    padX: 6,
    height: 18,
  });
  return out;
}

/** Line pitch and padding of a mark's tag (px). */
export const MARK_LINE_PX = 15;
const MARK_PAD_Y = 3;
export const MARK_PAD_X = 7;
/** Gap between a gauge and the marks beside it (px). */
const MARK_GAP = 12;
/** Where the throttle banner sits: beside the outbound gauge, below its middle (away from its caption). */
const THROTTLE_ANGLE = -26 * (Math.PI / 180);

/**
 * The marks' anchors: the inbound ones just outside the inbound gauge's outermost point (left),
 * "shed" above "paused" when both show; the throttle banner outside the outbound gauge.
 */
export function markRequests(input: TextPlanInput, fonts: LabelFonts): CaptionRequest[] {
  const marks = input.marks ?? [];
  if (marks.length === 0) return [];
  const { transform: t, bands, sizings, labelPx } = input;
  const inboundR = gaugeRadiusPx(bands.inbound, sizings.inbound, t.k, labelPx) + MARK_GAP;
  const outboundR = gaugeRadiusPx(bands.outbound, sizings.outbound, t.k, labelPx) + MARK_GAP;
  const both = marks.some((m) => m.key === 'shed') && marks.some((m) => m.key === 'paused');
  return marks.map((m): CaptionRequest => {
    const lines = m.sub === null ? 1 : 2;
    const common = {
      key: m.key,
      text: m.text,
      font: fonts.mark,
      padX: MARK_PAD_X,
      height: lines * MARK_LINE_PX + 2 * MARK_PAD_Y,
      ...(m.sub !== null && { sub: { text: m.sub, font: fonts.markSub } }),
    };
    if (m.key === 'throttle') {
      return {
        ...common,
        x: t.x + Math.cos(THROTTLE_ANGLE) * outboundR + MARK_PAD_X,
        y: t.y + Math.sin(THROTTLE_ANGLE) * outboundR,
        align: 'left',
        baseline: 'middle',
      };
    }
    const x = t.x - inboundR - MARK_PAD_X;
    if (!both) return { ...common, x, y: t.y, align: 'right', baseline: 'middle' };
    return m.key === 'shed'
      ? { ...common, x, y: t.y - 2, align: 'right', baseline: 'bottom' }
      : { ...common, x, y: t.y + 2, align: 'right', baseline: 'top' };
  });
}

function pillLines(node: GraphNode, serverNow: number, fonts: LabelFonts): PillLine[] {
  const c = node.conn;
  const lines: PillLine[] = [
    { text: c.addr, font: fonts.pillTitle, kind: 'title' },
    { text: `${c.type}${c.persistent ? ' · persistent' : ''} · ${node.state}`, font: fonts.pillLine, kind: 'line' },
  ];
  if (node.state === 'failing' && c.retryAt !== undefined)
    lines.push({ text: retryText(c.retryAt, serverNow, true), font: fonts.pillRetry, kind: 'retry' });
  return lines;
}

/** Places all of a frame's text. */
export function planText(input: TextPlanInput, widths: TextWidths, fonts: LabelFonts): TextPlan {
  const { transform: t, width, height } = input;
  const k = t.k;
  const bounds: Rect = { x: EDGE, y: EDGE, w: Math.max(0, width - 2 * EDGE), h: Math.max(0, height - 2 * EDGE) };
  const overlays = input.overlays.map(rectBox);
  const captions = placeCaptions(captionRequests(input, fonts), bounds, overlays, widths);
  // Marks after the captions (which never move for them), before pills and labels (which yield).
  const marks = placeCaptions(markRequests(input, fonts), bounds, overlays.concat(captions.map((c) => c.box)), widths);
  const fixed = overlays.concat(
    captions.map((c) => c.box),
    marks.map((m) => m.box),
  );

  const screen = (n: GraphNode): { x: number; y: number; angle: number; r: number } => ({
    x: n.x * k + t.x,
    y: n.y * k + t.y,
    angle: Math.atan2(n.y, n.x),
    r: nodeRadiusPx(input.sizings[n.group], k),
  });

  // One pass over the nodes (thousands in a flood): the pill peers, and who asks for a label.
  const pillIds: number[] = [];
  if (input.selectedId !== null) pillIds.push(input.selectedId);
  if (input.activeId !== null && input.activeId !== input.selectedId) pillIds.push(input.activeId);
  const pillNodes: GraphNode[] = [];
  const wanted: GraphNode[] = [];
  for (const n of input.nodes) {
    if (pillIds.includes(n.id)) pillNodes.push(n);
    else if (input.sizings[n.group].labels && n.opacity > 0 && (n.fadedIn || input.previous.has(n.id))) wanted.push(n);
  }
  pillNodes.sort((a, b) => pillIds.indexOf(a.id) - pillIds.indexOf(b.id));
  const pillRequests: PillRequest[] = pillNodes.map((n) => {
    const s = screen(n);
    return {
      id: n.id,
      x: s.x,
      y: s.y,
      angle: s.angle,
      gap: s.r + (n.conn.persistent ? 12 : 9),
      lines: pillLines(n, input.serverNow, fonts),
    };
  });
  const pills = placePills(pillRequests, bounds, fixed, widths);

  const rank = (n: GraphNode): number => (n.live ? 0 : 4) + (input.dimmed.has(n.id) ? 2 : 0) + (input.previous.has(n.id) ? 0 : 1);
  wanted.sort((a, b) => rank(a) - rank(b) || a.id - b.id);
  const requests: LabelRequest[] = wanted.map((n) => {
    const s = screen(n);
    const c = n.conn;
    return {
      id: n.id,
      x: s.x,
      y: s.y,
      angle: s.angle,
      gap: s.r + (c.persistent ? 9 : 6),
      text: c.addr,
      sub: n.state === 'failing' && c.retryAt !== undefined ? retryText(c.retryAt, input.serverNow, true) : null,
    };
  });
  const labels = placeLabels(requests, bounds, fixed.concat(pills.map((p) => p.box)), widths, fonts);
  return { captions, marks, pills, labels, overlays };
}

/** The room labels of labelled sectors take beyond their nodes (see `labelRoomPx`). */
export function labelRoomFor(
  nodes: readonly GraphNode[],
  sizings: Record<GroupKey, Sizing>,
  widths: TextWidths,
  fonts: LabelFonts,
): number {
  const texts: string[] = [];
  for (const n of nodes) if (sizings[n.group].labels) texts.push(n.conn.addr);
  return labelRoomPx(texts, widths, fonts);
}

/** Rounds for the debug hook (data attributes stay short). */
const r1 = (v: number): number => Math.round(v * 10) / 10;
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/** A box as the debug hook writes it: `[cx, cy, hw, hh, angle]`. */
export function boxTuple(b: Box): [number, number, number, number, number] {
  return [r1(b.cx), r1(b.cy), r1(b.hw), r1(b.hh), r3(b.angle)];
}

/**
 * The debug hook's text: every drawn box as `[cx, cy, hw, hh, angle]` in pane px, by kind —
 * `labels` and `pills` as `[id, box]`, `captions`, `marks` and `overlays` as `[key, box]`. Graph.svelte
 * writes it on its accessible mirror (`data-text-boxes`), so an e2e test can check, in a real
 * browser, that no two drawn pieces of text overlap.
 */
export function textBoxesAttr(plan: TextPlan): string {
  return JSON.stringify({
    labels: plan.labels.map((l) => [l.id, boxTuple(l.box)]),
    pills: plan.pills.map((p) => [p.id, boxTuple(p.box)]),
    captions: plan.captions.map((c) => [c.key, boxTuple(c.box)]),
    marks: plan.marks.map((m) => [m.key, boxTuple(m.box)]),
    overlays: plan.overlays.map((o, i) => [`overlay-${i}`, boxTuple(o)]),
  });
}
