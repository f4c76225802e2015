/**
 * Canvas drawing of the limits (see model/limits.ts): a flash of the inbound gauge when a
 * connection is shed, a line beside a gauge whose sector is held back (inbound paused, outbound
 * throttled), and the marks' tags where text-plan.ts placed them. NOT pure (canvas); drawn after
 * the rest of the graph, on top.
 */
import type { LimitsView, MarkKey } from '../model/limits.ts';
import { css, mixColor, type Rgba } from './color.ts';
import { gaugeRadiusPx } from './geometry.ts';
import { SECTORS, type GroupKey } from './groups.ts';
import type { PlacedCaption } from './labels.ts';
import type { GraphLayout } from './layout.ts';
import type { Palette } from './render.ts';
import { MARK_LINE_PX, MARK_PAD_X } from './text-plan.ts';
import type { Transform } from './view.ts';

export interface LimitsScene {
  transform: Transform;
  layout: GraphLayout;
  palette: Palette;
  /** Room taken by radial labels (as in the main scene: the gauges sit past it). */
  labelPx: number;
  view: LimitsView;
  marks: readonly PlacedCaption[];
  /** Animate the shed pulse; false with reduced motion or a stale view (a steady mark instead). */
  animate: boolean;
}

function markColor(key: MarkKey, p: Palette): Rgba {
  return key === 'shed' ? p.state.failing : p.state.pending;
}

/** Draws the limits over the graph. */
export function drawLimits(ctx: CanvasRenderingContext2D, s: LimitsScene): void {
  const { view, palette: p } = s;
  const pulse = s.animate ? view.shedPulse : 0;
  if (view.shedding) {
    // Steady: a line just outside the gauge for as long as "shed" shows. Moving: plus a flash
    // of the gauge itself, at most a few times a second (limits.ts rate-limits the pulses).
    besideGauge(ctx, s, 'inbound', p.state.failing, 0.9, []);
    if (pulse > 0) gaugeArc(ctx, s, 'inbound', 0, css(p.state.failing, 0.85 * pulse), 6 + 8 * pulse);
  }
  if (view.acceptingPaused) besideGauge(ctx, s, 'inbound', p.state.pending, 0.95, view.shedding ? [3, 4] : [6, 4], view.shedding ? 5 : 0);
  if (view.throttle) besideGauge(ctx, s, 'outbound', p.state.pending, 0.95, [6, 4]);
  for (const m of s.marks) tag(ctx, m, p, markColor(m.key as MarkKey, p), m.key === 'shed' ? pulse : 0);
}

/** An arc along a sector's gauge, `offset` px outside it. */
function gaugeArc(
  ctx: CanvasRenderingContext2D,
  s: LimitsScene,
  g: GroupKey,
  offset: number,
  stroke: string,
  width: number,
  dash: number[] = [],
): void {
  const t = s.transform;
  const sector = SECTORS[g];
  const r = gaugeRadiusPx(s.layout.bands[g], s.layout.sizings[g], t.k, s.labelPx) + offset;
  ctx.beginPath();
  ctx.arc(t.x, t.y, r, sector.center - sector.span / 2, sector.center + sector.span / 2);
  ctx.setLineDash(dash);
  ctx.lineCap = 'butt';
  ctx.lineWidth = width;
  ctx.strokeStyle = stroke;
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.lineCap = 'round';
}

function besideGauge(
  ctx: CanvasRenderingContext2D,
  s: LimitsScene,
  g: GroupKey,
  color: Rgba,
  alpha: number,
  dash: number[],
  extra = 0,
): void {
  gaugeArc(ctx, s, g, 6 + extra, css(color, alpha), 2, dash);
}

/** A mark's tag: tinted by its kind (brighter during a pulse), a title line and maybe a second line. */
function tag(ctx: CanvasRenderingContext2D, m: PlacedCaption, p: Palette, color: Rgba, pulse: number): void {
  const b = m.box;
  const x = b.cx - b.hw;
  const y = b.cy - b.hh;
  ctx.beginPath();
  ctx.roundRect(x, y, b.hw * 2, b.hh * 2, 5);
  ctx.fillStyle = css(mixColor(p.panel, color, 0.16 + 0.3 * pulse), 0.97);
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = css(color);
  ctx.stroke();
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  const tx = x + MARK_PAD_X;
  const lines = m.sub ? 2 : 1;
  const top = b.cy - (lines * MARK_LINE_PX) / 2 + MARK_LINE_PX / 2;
  ctx.font = m.font;
  ctx.fillStyle = css(p.text);
  ctx.fillText(m.text, tx, top + 0.5);
  if (m.sub) {
    ctx.font = m.sub.font;
    ctx.fillText(m.sub.text, tx, top + MARK_LINE_PX + 0.5);
  }
}
