/**
 * Canvas painter of the Timeline component. The only timeline module that touches the DOM; all
 * decisions (which lanes, which segments, which pixels, which ticks) come from the pure helpers in
 * lib/timeline, so this file only turns their output into paint.
 *
 * Colour is never the only cue: each state also has its own height and texture —
 * established = tall solid bar, pending = thin hatched bar, failing = thin dotted bar with a
 * dotted outline, disconnected = end bar "⊣", canceled = end cross "×".
 */
import type { ConnState, ConnView } from '../lib/model/types.ts';
import type { TimelineLayout } from '../lib/timeline/hit-test.ts';
import type { Mark, Run, Segment } from '../lib/timeline/segments.ts';
import { laneRuns } from '../lib/timeline/segments.ts';
import type { TimeScale } from '../lib/timeline/time-scale.ts';
import { xOfTime } from '../lib/timeline/time-scale.ts';
import { chooseTickStep, formatClock, formatTick, tickTimes } from '../lib/timeline/ticks.ts';
import { visibleRange } from '../lib/timeline/lanes.ts';
import type { ThemeTokens } from '../lib/ui/theme-tokens.ts';

/** Theme tokens as the painter uses them: the CSS strings (theme-tokens.ts reads them). */
export type Theme = ThemeTokens;

/** Bar height per state (px). Different heights and textures are the non-colour cue. */
const BAR: Record<ConnState, number> = { established: 14, pending: 10, failing: 12, disconnected: 14, canceled: 14 };
const TILE = 8;

/** Everything one frame needs. */
export interface FrameInput {
  ctx: CanvasRenderingContext2D;
  dpr: number;
  layout: TimelineLayout;
  scale: TimeScale;
  ids: readonly number[];
  conns: ReadonlyMap<number, ConnView>;
  segmentsOf: (id: number) => Segment[];
  /** Where open segments end (server now, or the frozen now of a paused view). */
  nowMs: number;
  maxSeq: number;
  following: boolean;
  /** The link is down: `nowMs` is the moment it was lost, and the "now" pill says so. */
  stale: boolean;
  selectedId: number | null;
  hoverId: number | null;
  /** Hovered tick: lane id and segment index. */
  hoverMark: { id: number; segIndex: number } | null;
  tzOffsetMs: number;
  emptyText: string;
  /** Live rule changes to mark (a dashed line across every lane and a ⚙ under the axis). */
  configMarks: Iterable<{ seq: number; at: number; text: string }>;
}

/** Per-canvas paint resources: patterns and truncated labels, rebuilt when theme or DPR change. */
export class TimelinePainter {
  #theme: Theme | null = null;
  #dpr = 0;
  #patterns: Partial<Record<'pending' | 'failing', CanvasPattern>> = {};
  #labels = new Map<string, string>();
  #charPx = 7;

  setTheme(theme: Theme): void {
    this.#theme = theme;
    this.#patterns = {};
    this.#labels.clear();
  }

  get theme(): Theme | null {
    return this.#theme;
  }

  #pattern(ctx: CanvasRenderingContext2D, kind: 'pending' | 'failing', dpr: number): CanvasPattern | null {
    if (dpr !== this.#dpr) {
      this.#patterns = {};
      this.#dpr = dpr;
    }
    const cached = this.#patterns[kind];
    if (cached) return cached;
    const theme = this.#theme!;
    const size = Math.round(TILE * dpr);
    const tile = new OffscreenCanvas(size, size);
    const g = tile.getContext('2d');
    if (!g) return null;
    g.scale(size / TILE, size / TILE);
    const color = theme.state[kind];
    g.globalAlpha = 0.28;
    g.fillStyle = color;
    g.fillRect(0, 0, TILE, TILE);
    g.globalAlpha = 1;
    if (kind === 'pending') {
      // diagonal hatching, continuous across tiles
      g.strokeStyle = color;
      g.lineWidth = 2;
      g.beginPath();
      for (const o of [-TILE, 0, TILE]) {
        g.moveTo(o, TILE);
        g.lineTo(o + TILE, 0);
      }
      g.stroke();
    } else {
      // dots
      g.fillStyle = color;
      for (const [cx, cy] of [
        [2, 2],
        [6, 6],
      ] as const) {
        g.beginPath();
        g.arc(cx, cy, 1.5, 0, Math.PI * 2);
        g.fill();
      }
    }
    const p = ctx.createPattern(tile, 'repeat');
    if (p) this.#patterns[kind] = p;
    return p;
  }

  #truncate(ctx: CanvasRenderingContext2D, text: string, maxW: number): string {
    const key = `${maxW}|${text}`;
    const hit = this.#labels.get(key);
    if (hit !== undefined) return hit;
    // Cut at the start: the end of an address ("…0.1:9001", the port) tells peers apart.
    let out = text;
    if (ctx.measureText(text).width > maxW) {
      let lo = 0;
      let hi = text.length;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (ctx.measureText(`…${text.slice(text.length - mid)}`).width <= maxW) lo = mid;
        else hi = mid - 1;
      }
      out = `…${text.slice(text.length - lo)}`;
    }
    if (this.#labels.size > 20_000) this.#labels.clear();
    this.#labels.set(key, out);
    return out;
  }

  /** Paint one frame. Cost: O(visible lanes × visible segments), bounded by the plot width. */
  /** Paints one frame; returns how many rule-change marks it drew (the e2e suite reads it). */
  draw(f: FrameInput): number {
    const theme = this.#theme;
    if (!theme) return 0;
    const { ctx, dpr, layout: L, scale } = f;
    const W = L.width;
    const H = L.height;
    const plotX = L.labelWidth;
    const plotW = W - plotX;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = theme.panel;
    ctx.fillRect(0, 0, W, H);

    const axisFont = `12px ${theme.font}`;
    ctx.font = axisFont;
    this.#charPx = ctx.measureText('0').width || 7;
    const step = chooseTickStep(scale.spanMs, plotW, this.#charPx);
    const t0 = scale.startMs;
    const t1 = scale.startMs + scale.spanMs;
    const ticks = tickTimes(t0, t1, step, f.tzOffsetMs);
    const nowX = xOfTime(scale, f.nowMs);

    const { first, end } = visibleRange(L.scrollTop, H - L.axisHeight, L.laneHeight, f.ids.length);
    const laneY = (i: number): number => L.axisHeight + i * L.laneHeight - L.scrollTop;

    // ---- lane backgrounds -------------------------------------------------------------------
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, L.axisHeight, W, H - L.axisHeight);
    ctx.clip();
    for (let i = first; i < end; i++) {
      const y = laneY(i);
      const id = f.ids[i]!;
      if (id === f.selectedId) {
        ctx.globalAlpha = 0.2;
        ctx.fillStyle = theme.accent;
        ctx.fillRect(0, y, W, L.laneHeight);
        ctx.globalAlpha = 0.9;
        ctx.fillRect(0, y, W, 1);
        ctx.fillRect(0, y + L.laneHeight - 1, W, 1);
        ctx.globalAlpha = 1;
      } else if (i % 2 === 1) {
        ctx.fillStyle = theme.panel2;
        ctx.globalAlpha = 0.55;
        ctx.fillRect(0, y, W, L.laneHeight);
        ctx.globalAlpha = 1;
      }
      if (id === f.hoverId && id !== f.selectedId) {
        ctx.globalAlpha = 0.06;
        ctx.fillStyle = theme.text;
        ctx.fillRect(0, y, W, L.laneHeight);
        ctx.globalAlpha = 1;
      }
    }

    // future (right of now) is shaded, grid lines at ticks
    if (nowX < W) {
      ctx.globalAlpha = 0.5;
      ctx.fillStyle = theme.panel2;
      ctx.fillRect(Math.max(plotX, nowX), L.axisHeight, W - Math.max(plotX, nowX), H);
      ctx.globalAlpha = 1;
    }
    ctx.strokeStyle = theme.border;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const t of ticks) {
      const x = Math.round(xOfTime(scale, t)) + 0.5;
      if (x < plotX) continue;
      ctx.moveTo(x, L.axisHeight);
      ctx.lineTo(x, H);
    }
    ctx.stroke();

    // ---- segments ----------------------------------------------------------------------------
    ctx.save();
    ctx.beginPath();
    ctx.rect(plotX, L.axisHeight, plotW, H - L.axisHeight);
    ctx.clip();
    const k = scale.widthPx / scale.spanMs;
    // Patterns are anchored to time, so hatching travels with the data instead of shimmering.
    const phase = ((((-t0 * k) % TILE) + TILE) % TILE) + plotX;
    const patMatrix = new DOMMatrix([1 / dpr, 0, 0, 1 / dpr, phase, 0]);
    const pending = this.#pattern(ctx, 'pending', dpr);
    const failing = this.#pattern(ctx, 'failing', dpr);
    pending?.setTransform(patMatrix);
    failing?.setTransform(patMatrix);
    const runOpts = { nowMs: f.nowMs, maxSeq: f.maxSeq };
    for (let i = first; i < end; i++) {
      const id = f.ids[i]!;
      const segs = f.segmentsOf(id);
      if (segs.length === 0) continue;
      const cy = laneY(i) + L.laneHeight / 2;
      const { runs, marks } = laneRuns(segs, scale, runOpts);
      this.#drawRuns(ctx, theme, runs, cy, pending, failing);
      this.#drawMarks(ctx, theme, marks, cy, f.hoverMark && f.hoverMark.id === id ? f.hoverMark.segIndex : -1);
    }
    ctx.restore();

    // ---- rule changes (config:changed): a dashed line across the lanes, a ⚙ under the axis ----
    ctx.save();
    ctx.strokeStyle = theme.focus;
    ctx.fillStyle = theme.focus;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([3, 3]);
    ctx.font = `12px ${theme.font}`;
    ctx.textBaseline = 'top';
    let marksDrawn = 0;
    for (const m of f.configMarks) {
      if (m.seq > f.maxSeq) continue; // after a pause: not in the frozen picture
      const x = Math.round(xOfTime(scale, m.at)) + 0.5;
      if (x < plotX || x > W) continue;
      marksDrawn++;
      ctx.beginPath();
      ctx.moveTo(x, L.axisHeight);
      ctx.lineTo(x, H);
      ctx.stroke();
      ctx.fillText('⚙', x + 3, L.axisHeight + 2);
    }
    ctx.restore();

    // ---- now line ----------------------------------------------------------------------------
    if (nowX >= plotX && nowX <= W) {
      ctx.strokeStyle = f.following && !f.stale ? theme.accent : theme.muted;
      ctx.lineWidth = 2;
      ctx.setLineDash(f.following && !f.stale ? [] : [5, 4]);
      ctx.beginPath();
      ctx.moveTo(Math.round(nowX), L.axisHeight);
      ctx.lineTo(Math.round(nowX), H);
      ctx.stroke();
      ctx.setLineDash([]);
    }

    // ---- label column ------------------------------------------------------------------------
    ctx.fillStyle = theme.panel;
    ctx.fillRect(0, L.axisHeight, plotX, H - L.axisHeight);
    for (let i = first; i < end; i++) {
      const id = f.ids[i]!;
      const y = laneY(i);
      if (id === f.selectedId) {
        ctx.globalAlpha = 0.2;
        ctx.fillStyle = theme.accent;
        ctx.fillRect(0, y, plotX, L.laneHeight);
        ctx.globalAlpha = 0.9;
        ctx.fillRect(0, y, plotX, 1);
        ctx.fillRect(0, y + L.laneHeight - 1, plotX, 1);
        ctx.globalAlpha = 1;
        ctx.fillRect(0, y, 5, L.laneHeight);
      } else if (i % 2 === 1) {
        ctx.globalAlpha = 0.55;
        ctx.fillStyle = theme.panel2;
        ctx.fillRect(0, y, plotX, L.laneHeight);
        ctx.globalAlpha = 1;
      }
      const c = f.conns.get(id);
      if (c) this.#drawLabel(ctx, theme, c, y, L.laneHeight, plotX, id === f.selectedId);
    }
    ctx.strokeStyle = theme.border;
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(plotX - 0.5, L.axisHeight);
    ctx.lineTo(plotX - 0.5, H);
    ctx.stroke();

    if (f.ids.length === 0) {
      ctx.fillStyle = theme.muted;
      ctx.font = `15px ${theme.font}`;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(f.emptyText, plotX + plotW / 2, L.axisHeight + (H - L.axisHeight) / 2);
    }
    ctx.restore();

    // ---- axis --------------------------------------------------------------------------------
    ctx.fillStyle = theme.panel;
    ctx.fillRect(0, 0, W, L.axisHeight);
    ctx.strokeStyle = theme.border;
    ctx.beginPath();
    ctx.moveTo(0, L.axisHeight - 0.5);
    ctx.lineTo(W, L.axisHeight - 0.5);
    ctx.moveTo(plotX - 0.5, 0);
    ctx.lineTo(plotX - 0.5, L.axisHeight);
    ctx.stroke();
    ctx.font = `600 12px ${theme.font}`;
    ctx.fillStyle = theme.muted;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.fillText(`Connection (${f.ids.length})`, 12, L.axisHeight / 2);

    // now / paused pill on the axis (placed first: tick labels under it are skipped)
    let pill: { x: number; w: number; text: string } | null = null;
    if (nowX >= plotX && nowX <= W) {
      const at = formatClock(f.nowMs, f.tzOffsetMs);
      const text = f.stale ? `link lost ${at}` : f.following ? 'now' : `paused ${at}`;
      ctx.font = `700 11px ${theme.font}`;
      const w = ctx.measureText(text).width + 14;
      pill = { x: Math.min(W - w - 2, Math.max(plotX + 2, nowX - w / 2)), w, text };
    }

    ctx.font = axisFont;
    ctx.textAlign = 'center';
    ctx.fillStyle = theme.text;
    ctx.strokeStyle = theme.muted;
    ctx.beginPath();
    for (const t of ticks) {
      const x = xOfTime(scale, t);
      const label = formatTick(t, step, f.tzOffsetMs);
      const half = ctx.measureText(label).width / 2;
      if (x - half < plotX + 4 || x + half > W - 4) continue;
      if (pill && x + half > pill.x - 6 && x - half < pill.x + pill.w + 6) continue;
      ctx.fillText(label, x, L.axisHeight / 2 - 2);
      ctx.moveTo(Math.round(x) + 0.5, L.axisHeight - 6);
      ctx.lineTo(Math.round(x) + 0.5, L.axisHeight);
    }
    ctx.stroke();

    if (pill) {
      const h = 20;
      const y = (L.axisHeight - h) / 2;
      ctx.fillStyle = f.following && !f.stale ? theme.accent : theme.muted;
      ctx.beginPath();
      ctx.roundRect(pill.x, y, pill.w, h, h / 2);
      ctx.fill();
      ctx.font = `700 11px ${theme.font}`;
      ctx.fillStyle = theme.panel;
      ctx.textAlign = 'center';
      ctx.fillText(pill.text, pill.x + pill.w / 2, L.axisHeight / 2 + 0.5);
    }
    return marksDrawn;
  }

  #drawRuns(
    ctx: CanvasRenderingContext2D,
    theme: Theme,
    runs: readonly Run[],
    cy: number,
    pending: CanvasPattern | null,
    failing: CanvasPattern | null,
  ): void {
    for (const r of runs) {
      const color = theme.state[r.state];
      if (r.cap) {
        const x = Math.round(r.x0);
        ctx.strokeStyle = color;
        ctx.lineWidth = 2.5;
        ctx.beginPath();
        if (r.state === 'canceled') {
          ctx.moveTo(x - 4.5, cy - 4.5);
          ctx.lineTo(x + 4.5, cy + 4.5);
          ctx.moveTo(x + 4.5, cy - 4.5);
          ctx.lineTo(x - 4.5, cy + 4.5);
        } else {
          // "⊣": a full-height bar with a short stub into the lane
          ctx.moveTo(x, cy - 8);
          ctx.lineTo(x, cy + 8);
          ctx.moveTo(x - 5, cy);
          ctx.lineTo(x, cy);
        }
        ctx.stroke();
        continue;
      }
      const w = r.x1 - r.x0;
      const h = r.merged ? BAR.established : BAR[r.state];
      const y = cy - h / 2;
      if (r.merged || r.state === 'established' || r.state === 'disconnected' || r.state === 'canceled') {
        ctx.fillStyle = color;
        ctx.fillRect(r.x0, y, w, h);
      } else if (r.state === 'pending') {
        ctx.fillStyle = pending ?? color;
        ctx.fillRect(r.x0, y, w, h);
        ctx.fillStyle = color;
        ctx.fillRect(r.x0, y, w, 1.5);
        ctx.fillRect(r.x0, y + h - 1.5, w, 1.5);
      } else {
        ctx.fillStyle = failing ?? color;
        ctx.fillRect(r.x0, y, w, h);
        ctx.strokeStyle = color;
        ctx.lineWidth = 2;
        ctx.setLineDash([2, 3]);
        ctx.beginPath();
        ctx.moveTo(r.x0, y + 1);
        ctx.lineTo(r.x1, y + 1);
        ctx.moveTo(r.x0, y + h - 1);
        ctx.lineTo(r.x1, y + h - 1);
        ctx.stroke();
        ctx.setLineDash([]);
      }
    }
  }

  #drawMarks(ctx: CanvasRenderingContext2D, theme: Theme, marks: readonly Mark[], cy: number, hoverSeg: number): void {
    if (marks.length === 0) return;
    ctx.strokeStyle = theme.text;
    ctx.globalAlpha = 0.75;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    for (const m of marks) {
      const x = Math.round(m.x) + 0.25;
      ctx.moveTo(x, cy - 11);
      ctx.lineTo(x, cy - 8);
      ctx.moveTo(x, cy + 8);
      ctx.lineTo(x, cy + 11);
    }
    ctx.stroke();
    ctx.globalAlpha = 1;
    if (hoverSeg >= 0) {
      const m = marks.find((mk) => mk.segIndex === hoverSeg);
      if (m) {
        ctx.strokeStyle = theme.focus;
        ctx.lineWidth = 3;
        ctx.beginPath();
        ctx.moveTo(Math.round(m.x), cy - 13);
        ctx.lineTo(Math.round(m.x), cy + 13);
        ctx.stroke();
      }
    }
  }

  #drawLabel(ctx: CanvasRenderingContext2D, theme: Theme, c: ConnView, y: number, h: number, width: number, selected: boolean): void {
    const cy = y + h / 2;
    drawTypeIcon(ctx, c, 20, cy, theme);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'middle';
    ctx.font = `${selected ? 700 : 600} 13px ${theme.mono}`;
    ctx.fillStyle = theme.text;
    const idText = `#${c.id}`;
    ctx.fillText(idText, 36, cy);
    const idW = Math.max(ctx.measureText(idText).width, ctx.measureText('#0000').width);
    ctx.font = `13px ${theme.mono}`;
    ctx.fillStyle = selected ? theme.text : theme.muted;
    const x = 36 + idW + 10;
    ctx.fillText(this.#truncate(ctx, c.addr, width - x - 10), x, cy);
  }
}

/**
 * The connection type glyph: inbound "→●" (arrives at us), outbound "●→" (we dial), manual
 * "◆→", persistent a loop arrow (redialed forever). Drawn in the type's colour.
 */
export function drawTypeIcon(
  ctx: CanvasRenderingContext2D,
  c: Pick<ConnView, 'type' | 'persistent'>,
  cx: number,
  cy: number,
  theme: Theme,
): void {
  const color = theme.type[c.type];
  ctx.strokeStyle = color;
  ctx.fillStyle = color;
  ctx.lineWidth = 2;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  if (c.persistent) {
    // "↻": an open ring with a filled arrowhead at its end
    const r = 5.5;
    const end = Math.PI * 1.22;
    ctx.arc(cx, cy, r, -Math.PI * 0.28, end);
    ctx.stroke();
    const ex = cx + r * Math.cos(end);
    const ey = cy + r * Math.sin(end);
    const dir = end + Math.PI / 2; // clockwise tangent
    const ux = Math.cos(dir);
    const uy = Math.sin(dir);
    ctx.beginPath();
    ctx.moveTo(ex + ux * 4.5, ey + uy * 4.5);
    ctx.lineTo(ex - uy * 3.5 - ux * 1, ey + ux * 3.5 - uy * 1);
    ctx.lineTo(ex + uy * 3.5 - ux * 1, ey - ux * 3.5 - uy * 1);
    ctx.closePath();
    ctx.fill();
  } else if (c.type === 'inbound') {
    ctx.moveTo(cx - 8, cy);
    ctx.lineTo(cx + 1, cy);
    ctx.moveTo(cx - 3, cy - 4);
    ctx.lineTo(cx + 1, cy);
    ctx.lineTo(cx - 3, cy + 4);
    ctx.stroke();
    ctx.beginPath();
    ctx.arc(cx + 5.5, cy, 3, 0, Math.PI * 2);
    ctx.fill();
  } else {
    if (c.type === 'manual') {
      ctx.moveTo(cx - 8.5, cy);
      ctx.lineTo(cx - 5.5, cy - 3);
      ctx.lineTo(cx - 2.5, cy);
      ctx.lineTo(cx - 5.5, cy + 3);
      ctx.closePath();
      ctx.fill();
    } else {
      ctx.arc(cx - 5.5, cy, 3, 0, Math.PI * 2);
      ctx.fill();
    }
    ctx.beginPath();
    ctx.moveTo(cx - 1, cy);
    ctx.lineTo(cx + 8, cy);
    ctx.moveTo(cx + 4, cy - 4);
    ctx.lineTo(cx + 8, cy);
    ctx.lineTo(cx + 4, cy + 4);
    ctx.stroke();
  }
  ctx.lineCap = 'butt';
  ctx.lineJoin = 'miter';
}
