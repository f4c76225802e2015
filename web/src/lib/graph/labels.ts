/**
 * Where the graph's text goes: sector captions (the slot gauges' "6/8 outbound"), the "this node"
 * tag, peer labels along the radius, and the pill of the selected / keyboard-focused peer. Every
 * piece of text gets a box in screen pixels, and nothing is drawn whose box would cross another's:
 * captions are placed first (always shown, nudged clear of each other and of the HTML overlays),
 * then pills, then peer labels greedily — a label that does not fit drops its countdown line,
 * then is hidden (the peer still has its tooltip, its pill when selected or focused, and its
 * entry in the accessible list). Pure: no Svelte, no DOM; text is measured through an injected
 * function, cached per string.
 */

/** An oriented rectangle: centre, half extents along its own axes, and the angle of its x axis. */
export interface Box {
  cx: number;
  cy: number;
  hw: number;
  hh: number;
  angle: number;
}

/** An axis-aligned rectangle (the pane, an HTML overlay). */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The box of an axis-aligned rectangle. */
export function rectBox(r: Rect): Box {
  return { cx: r.x + r.w / 2, cy: r.y + r.h / 2, hw: r.w / 2, hh: r.h / 2, angle: 0 };
}

/** The four corners of a box. */
export function corners(b: Box): [number, number][] {
  const c = Math.cos(b.angle);
  const s = Math.sin(b.angle);
  const out: [number, number][] = [];
  for (const [u, v] of [
    [-1, -1],
    [1, -1],
    [1, 1],
    [-1, 1],
  ] as const) {
    out.push([b.cx + u * b.hw * c - v * b.hh * s, b.cy + u * b.hw * s + v * b.hh * c]);
  }
  return out;
}

/** Half the extent of `b` projected on the unit axis (ax, ay). */
function reach(b: Box, ax: number, ay: number): number {
  const c = Math.cos(b.angle);
  const s = Math.sin(b.angle);
  return b.hw * Math.abs(c * ax + s * ay) + b.hh * Math.abs(-s * ax + c * ay);
}

/**
 * Whether two boxes overlap (separating-axis test over both boxes' axes). Boxes that only touch
 * do not overlap; `gap` demands at least that much clear space between them.
 */
export function boxesOverlap(a: Box, b: Box, gap = 0): boolean {
  const dx = b.cx - a.cx;
  const dy = b.cy - a.cy;
  // Cheap reject: bounding circles apart.
  const ra = Math.hypot(a.hw, a.hh);
  const rb = Math.hypot(b.hw, b.hh);
  if (dx * dx + dy * dy >= (ra + rb + gap) ** 2) return false;
  for (const angle of [a.angle, a.angle + Math.PI / 2, b.angle, b.angle + Math.PI / 2]) {
    const ax = Math.cos(angle);
    const ay = Math.sin(angle);
    if (Math.abs(dx * ax + dy * ay) >= reach(a, ax, ay) + reach(b, ax, ay) + gap) return false;
  }
  return true;
}

/** Whether every corner of `b` lies within `r`. */
export function boxInside(b: Box, r: Rect): boolean {
  const eps = 1e-6;
  return corners(b).every(([x, y]) => x >= r.x - eps && x <= r.x + r.w + eps && y >= r.y - eps && y <= r.y + r.h + eps);
}

/** Measures a string's width (CSS px) in a CSS font. */
export type MeasureText = (text: string, font: string) => number;

/**
 * Text widths, measured once per (font, string). Canvas `measureText` is slow next to a map
 * lookup, and the graph asks for the same few addresses every frame. The cache forgets everything
 * past `limit` strings (a churning flood brings new ports all the time), and on `clear()` (a theme
 * or font change).
 */
export class TextWidths {
  private readonly cache = new Map<string, number>();
  private misses = 0;

  constructor(
    private readonly measure: MeasureText,
    private readonly limit = 4096,
  ) {}

  width(text: string, font: string): number {
    const key = `${font}\u0000${text}`;
    let w = this.cache.get(key);
    if (w === undefined) {
      if (this.cache.size >= this.limit) this.cache.clear();
      w = this.measure(text, font);
      this.cache.set(key, w);
      this.misses++;
    }
    return w;
  }

  /** How many strings were measured (not served from the cache) so far. */
  get measured(): number {
    return this.misses;
  }

  clear(): void {
    this.cache.clear();
  }
}

/** The fonts text is set in (family from the theme). */
export interface LabelFonts {
  /** Peer address along the radius. */
  label: string;
  /** "retry in 3s" under it. */
  retry: string;
  /** Sector captions. */
  caption: string;
  /** The "this node" tag. */
  center: string;
  /** Pill: address, then the smaller lines. */
  pillTitle: string;
  pillLine: string;
  pillRetry: string;
  /** The limits' marks ("shed", "paused: 8/8", the throttle banner): title, then its second line. */
  mark: string;
  markSub: string;
}

export function labelFonts(family: string): LabelFonts {
  return {
    label: `500 12px ${family}`,
    retry: `600 11px ${family}`,
    caption: `600 13px ${family}`,
    center: `600 12px ${family}`,
    pillTitle: `600 12px ${family}`,
    pillLine: `11px ${family}`,
    pillRetry: `600 11px ${family}`,
    mark: `700 12px ${family}`,
    markSub: `600 11px ${family}`,
  };
}

/** Line pitch of two-line radial labels and of pills (px). */
export const LINE_PX = 14;
export const PILL_LINE_PX = 15;
/** Thickness of a one-line radial label's box, and of a two-line one (text plus its halo). */
const ONE_LINE_H = 16;
const TWO_LINE_H = ONE_LINE_H + LINE_PX;
/** Clear space kept between any two pieces of text (px). */
export const TEXT_GAP = 1;
/** Caption text height (13 px font plus a little). */
const CAPTION_H = 16;

// ---- captions ---------------------------------------------------------------------------------

/** A caption to place: text and the anchor it would like (canvas text alignment conventions). */
export interface CaptionRequest {
  key: string;
  text: string;
  font: string;
  x: number;
  y: number;
  align: 'left' | 'right' | 'center';
  baseline: 'top' | 'bottom' | 'middle';
  /** Extra room around the text (the "this node" tag is a pill). */
  padX?: number;
  height?: number;
  /** A second line under the text (the throttle banner's countdown); `height` must hold both. */
  sub?: { text: string; font: string };
}

/** A placed caption: where to draw it (same alignment) and the box it takes. */
export interface PlacedCaption {
  key: string;
  text: string;
  font: string;
  x: number;
  y: number;
  align: 'left' | 'right' | 'center';
  baseline: 'top' | 'bottom' | 'middle';
  sub?: { text: string; font: string };
  box: Box;
}

function captionRect(req: CaptionRequest, x: number, y: number, w: number): Rect {
  const padX = req.padX ?? 0;
  const h = req.height ?? CAPTION_H;
  const left = req.align === 'left' ? x : req.align === 'right' ? x - w : x - w / 2;
  const top = req.baseline === 'top' ? y : req.baseline === 'bottom' ? y - h : y - h / 2;
  return { x: left - padX, y: top, w: w + 2 * padX, h };
}

/** Offsets tried, nearest first, when a caption's own spot is taken or off the pane. */
const NUDGES: readonly [number, number][] = (() => {
  const out: [number, number][] = [[0, 0]];
  for (let i = 1; i <= 12; i++) {
    const dy = i * (CAPTION_H / 2 + 1);
    out.push([0, -dy], [0, dy], [i * 12, 0], [-i * 12, 0], [i * 12, -dy], [-i * 12, -dy], [i * 12, dy], [-i * 12, dy]);
  }
  return out;
})();

/**
 * Places captions in order: each at its anchor if that is inside `bounds` and clear of the
 * captions placed before it and of `obstacles` (HTML overlays), else at the nearest nudge that
 * is; a caption with no free spot at all stays clamped inside the pane (never off-screen).
 */
export function placeCaptions(
  requests: readonly CaptionRequest[],
  bounds: Rect,
  obstacles: readonly Box[],
  widths: TextWidths,
): PlacedCaption[] {
  const placed: PlacedCaption[] = [];
  for (const req of requests) {
    const w = Math.max(widths.width(req.text, req.font), req.sub ? widths.width(req.sub.text, req.sub.font) : 0);
    const base = captionRect(req, req.x, req.y, w);
    // Clamp the anchor so the caption is inside the pane before nudging.
    const cx = clampInto(base.x, base.w, bounds.x, bounds.w) - base.x;
    const cy = clampInto(base.y, base.h, bounds.y, bounds.h) - base.y;
    let chosen: { x: number; y: number; box: Box } | null = null;
    for (const [dx, dy] of NUDGES) {
      const x = req.x + cx + dx;
      const y = req.y + cy + dy;
      const box = rectBox(captionRect(req, x, y, w));
      if (!boxInside(box, bounds)) continue;
      if (placed.some((p) => boxesOverlap(p.box, box, TEXT_GAP)) || obstacles.some((o) => boxesOverlap(o, box, TEXT_GAP))) continue;
      chosen = { x, y, box };
      break;
    }
    chosen ??= { x: req.x + cx, y: req.y + cy, box: rectBox(captionRect(req, req.x + cx, req.y + cy, w)) };
    placed.push({
      key: req.key,
      text: req.text,
      font: req.font,
      x: chosen.x,
      y: chosen.y,
      align: req.align,
      baseline: req.baseline,
      ...(req.sub && { sub: req.sub }),
      box: chosen.box,
    });
  }
  return placed;
}

function clampInto(start: number, size: number, lo: number, span: number): number {
  if (size >= span) return lo;
  return Math.min(Math.max(start, lo), lo + span - size);
}

// ---- pills (selected / focused peer) ------------------------------------------------------------

/** A line of a pill. */
export interface PillLine {
  text: string;
  font: string;
  kind: 'title' | 'line' | 'retry';
}

/** A peer that gets a pill: the selected one, and the keyboard-focused one. */
export interface PillRequest {
  id: number;
  x: number;
  y: number;
  /** Outward angle of the peer (the pill prefers that side). */
  angle: number;
  /** Distance from the node centre to the pill's near edge. */
  gap: number;
  lines: PillLine[];
}

export interface PlacedPill {
  id: number;
  /** The pill's rectangle (axis-aligned). */
  rect: Rect;
  box: Box;
  lines: PillLine[];
  /** Text anchor: left edge of the text, first line's middle. */
  textX: number;
  textY: number;
}

const PILL_PAD_X = 6;
const PILL_PAD_Y = 4;

/**
 * Pills go on the peer's outer side, else the other side, above or below (then slid along those
 * sides, then further out all around): the first spot inside the pane and clear of captions and
 * earlier pills; if none is, the outer side clamped into the pane (the selection must show).
 */
export function placePills(requests: readonly PillRequest[], bounds: Rect, blockers: readonly Box[], widths: TextWidths): PlacedPill[] {
  const placed: PlacedPill[] = [];
  for (const req of requests) {
    let w = 0;
    for (const l of req.lines) w = Math.max(w, widths.width(l.text, l.font));
    const pw = w + 2 * PILL_PAD_X;
    const ph = req.lines.length * PILL_LINE_PX + 2 * PILL_PAD_Y;
    const right = Math.cos(req.angle) >= -0.05;
    const g = req.gap;
    const sides: Rect[] = [
      { x: req.x + g, y: req.y - ph / 2, w: pw, h: ph },
      { x: req.x - g - pw, y: req.y - ph / 2, w: pw, h: ph },
      { x: req.x - pw / 2, y: req.y - g - ph, w: pw, h: ph },
      { x: req.x - pw / 2, y: req.y + g, w: pw, h: ph },
    ];
    if (!right) [sides[0], sides[1]] = [sides[1]!, sides[0]!];
    // Then slid along those sides, then further out all around: a cramped pane still has room
    // somewhere near the peer.
    for (const f of [0.5, -0.5, 1, -1]) {
      sides.push({ ...sides[0]!, y: sides[0]!.y + f * ph }, { ...sides[1]!, y: sides[1]!.y + f * ph });
      sides.push({ ...sides[2]!, x: sides[2]!.x + f * pw * 0.5 }, { ...sides[3]!, x: sides[3]!.x + f * pw * 0.5 });
    }
    for (let d = g + 12; d <= g + 240; d += 12) {
      for (let i = 0; i < 16; i++) {
        const a = req.angle + (i % 2 === 0 ? 1 : -1) * Math.ceil(i / 2) * (Math.PI / 8);
        const cx = req.x + Math.cos(a) * (d + pw / 2);
        const cy = req.y + Math.sin(a) * (d + ph / 2);
        sides.push({ x: cx - pw / 2, y: cy - ph / 2, w: pw, h: ph });
      }
    }
    const clear = (r: Rect): boolean => {
      const b = rectBox(r);
      return (
        boxInside(b, bounds) && !blockers.some((o) => boxesOverlap(o, b, TEXT_GAP)) && !placed.some((p) => boxesOverlap(p.box, b, TEXT_GAP))
      );
    };
    let rect = sides.find(clear);
    if (!rect) {
      const r = sides[0]!;
      rect = { x: clampInto(r.x, r.w, bounds.x, bounds.w), y: clampInto(r.y, r.h, bounds.y, bounds.h), w: r.w, h: r.h };
    }
    placed.push({
      id: req.id,
      rect,
      box: rectBox(rect),
      lines: req.lines,
      textX: rect.x + PILL_PAD_X,
      textY: rect.y + PILL_PAD_Y + PILL_LINE_PX / 2,
    });
  }
  return placed;
}

// ---- peer labels along the radius -----------------------------------------------------------------

/** A peer that would like a label. */
export interface LabelRequest {
  id: number;
  /** Node centre (screen px). */
  x: number;
  y: number;
  /** The direction the label runs: outwards from the centre node. */
  angle: number;
  /** Distance from the node centre to where the text starts. */
  gap: number;
  text: string;
  /** Second line ("retry in 3s"), or null. */
  sub: string | null;
}

/** A drawn label: its box, and whether the second line fitted. */
export interface PlacedLabel {
  id: number;
  x: number;
  y: number;
  angle: number;
  gap: number;
  text: string;
  sub: string | null;
  box: Box;
}

/** The box of a radial label with `w` px of text and `h` px of thickness. */
function radialBox(req: LabelRequest, w: number, h: number): Box {
  const along = req.gap + w / 2;
  return {
    cx: req.x + Math.cos(req.angle) * along,
    cy: req.y + Math.sin(req.angle) * along,
    hw: w / 2 + 1,
    hh: h / 2,
    angle: req.angle,
  };
}

/**
 * Greedy placement in the order given (the caller puts what matters first: live before fading,
 * labels shown last frame before new ones, so labels do not flicker): each label is drawn with
 * its second line if that fits, else with its address alone, else not at all. "Fits" means inside
 * `bounds` and clear of every box in `blockers` (captions, pills, overlays) and of the labels
 * already placed.
 */
export function placeLabels(
  requests: readonly LabelRequest[],
  bounds: Rect,
  blockers: readonly Box[],
  widths: TextWidths,
  fonts: LabelFonts,
): PlacedLabel[] {
  const placed: PlacedLabel[] = [];
  const clear = (box: Box): boolean =>
    boxInside(box, bounds) &&
    !blockers.some((b) => boxesOverlap(b, box, TEXT_GAP)) &&
    !placed.some((p) => boxesOverlap(p.box, box, TEXT_GAP));
  for (const req of requests) {
    const wText = widths.width(req.text, fonts.label);
    if (req.sub !== null) {
      const w = Math.max(wText, widths.width(req.sub, fonts.retry));
      const box = radialBox(req, w, TWO_LINE_H);
      if (clear(box)) {
        placed.push({ ...req, box });
        continue;
      }
    }
    const box = radialBox(req, wText, ONE_LINE_H);
    if (clear(box)) placed.push({ ...req, sub: null, box });
  }
  return placed;
}

/**
 * The room radial labels may take beyond their nodes (px): the widest address (or countdown)
 * among `texts` plus the gap to the node, never less than a full loopback address so the graph
 * does not breathe with port numbers.
 */
export function labelRoomPx(texts: Iterable<string>, widths: TextWidths, fonts: LabelFonts): number {
  let w = widths.width('127.0.0.1:65535', fonts.label);
  for (const t of texts) w = Math.max(w, widths.width(t, fonts.label));
  return Math.ceil(w + 9 * 2.2 + 12);
}
