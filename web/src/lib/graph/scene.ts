/**
 * One frame of the graph, everything but the painting: sync the layout with the model and move
 * it, dim what the filter leaves out, move the view (viewport.ts), place every piece of text
 * (text-plan.ts), and decide when the next frame is needed. Graph.svelte calls `frame` once per
 * frame of its FrameScheduler, paints the result (render.ts) and asks for the frame `wakeMs` says.
 *
 * Two clocks, both injected: `now` is the model's (server time while live, the loss time while
 * stale, a recorded position in a replay) and drives countdowns and the ending of peers; the
 * frame's own timestamp drives only local motion (fades, marching ants). Pure: no DOM, no Svelte;
 * text is measured through the function it is given.
 */
import { limitsView, limitsWakeMs, markTexts, type LimitSignals, type LimitsView } from '../model/limits.ts';
import type { ConnView, SlotLimits } from '../model/types.ts';
import { sectorExtents } from './geometry.ts';
import { gauges, type Gauge, type GroupCounts, type GroupKey } from './groups.ts';
import { GridHash } from './hit.ts';
import { TextWidths, type LabelFonts, type MeasureText, type Rect } from './labels.ts';
import { GraphLayout, type ConnSource, type GraphNode } from './layout.ts';
import { labelRoomFor, nodeRadiusPx, planText, type TextPlan } from './text-plan.ts';
import { FIT_PAD, fitRings, labelAllowance, toWorld, type Transform } from './view.ts';
import { Viewport } from './viewport.ts';

/** Above this many peers, marching-ants animation runs at a lower rate (the CPU has better things to do). */
export const SLOW_ANIMATION_ABOVE = 600;
/** The frame interval (ms) of that lower rate (about 15 frames/s). */
export const SLOW_ANIMATION_MS = 66;
/** While peers are failing (and nothing else moves), their countdowns are redrawn this often (ms). */
export const FAILING_WAKE_MS = 250;
/** Reduced motion: ended peers still have to leave on time; their fade is checked this often (ms). */
export const REDUCED_FADE_WAKE_MS = 100;
/** Reduced motion: how long one frame may spend running the layout to rest (ms). */
export const SETTLE_BUDGET_MS = 30;

/** What decides the next frame (see `wakeAfter`). */
export interface WakeInputs {
  /** Fades or colour changes are running (the layout's sync said so). */
  animating: boolean;
  reducedMotion: boolean;
  /** The simulation still moves nodes. */
  hot: boolean;
  /** The view is still easing towards its fit. */
  moving: boolean;
  /** When the limits' drawing changes by itself (limits.ts `limitsWakeMs`): 0 animate, null never. */
  limitsWake: number | null;
  /** Pending edges march (motion allowed, view live). */
  animateDash: boolean;
  /** Peers drawn. */
  peers: number;
  /** Some peer is failing (a countdown is drawn). */
  failing: boolean;
}

/**
 * When the next frame is needed: 0 for the next paint (something moves), a delay in ms to wake
 * for (the earliest of the limits' next change and the view's own needs), or null when the
 * picture stands still until the model, the filter or the user changes something.
 */
export function wakeAfter(w: WakeInputs): number | null {
  const limits = w.limitsWake !== null && w.limitsWake > 0 ? w.limitsWake : null;
  let own: number | null = null;
  if ((w.animating && !w.reducedMotion) || w.hot || w.moving || w.limitsWake === 0) own = 0;
  else if (w.animating) own = REDUCED_FADE_WAKE_MS;
  else if (w.animateDash) own = w.peers > SLOW_ANIMATION_ABOVE ? SLOW_ANIMATION_MS : 0;
  else if (w.failing) own = FAILING_WAKE_MS;
  if (own === null) return limits;
  return limits === null ? own : Math.min(own, limits);
}

/** What a frame reads from the model and the page. */
export interface SceneInput {
  conns: ConnSource;
  counts: GroupCounts;
  limits: SlotLimits;
  /** The manager's limits (shed, paused, throttled); absent in dev fakes. */
  signals: LimitSignals | undefined;
  /** The link is down: the picture stands still at the loss. */
  stale: boolean;
  matches: (c: ConnView) => boolean;
  selectedId: number | null;
  /** The keyboard-focused peer (null when the graph has no focus). */
  activeId: number | null;
}

/** One frame's result: what render.ts draws, plus what the component does next. */
export interface SceneFrame {
  transform: Transform;
  gauges: Record<GroupKey, Gauge>;
  /** The model's clock at this frame. */
  serverNow: number;
  /** Marching-ants offset for pending edges (0 when they stand still). */
  dashOffset: number;
  dimmed: ReadonlySet<number>;
  /** Room for radial labels in this pane (see view.ts `labelAllowance`). */
  labelPx: number;
  text: TextPlan;
  /** The limits to draw, null when there are none to know of. */
  limits: LimitsView | null;
  /** Animate the limits' shed pulse (motion allowed, view live). */
  animateLimits: boolean;
  /** Some peer is failing (the mirror's countdowns need refreshing). */
  failing: boolean;
  /** The next frame: see `wakeAfter`. */
  wakeMs: number | null;
  /** Time spent placing text (ms, by the monotonic clock): part of the draw time the harness reports. */
  planMs: number;
}

export interface SceneOptions {
  /** The model's clock (ms): countdowns, ages, peers ending. */
  now: () => number;
  /** A monotonic clock (ms) for the reduced-motion settle budget. */
  clock: () => number;
  /** Canvas text measure (fonts as CSS font strings). */
  measure: MeasureText;
}

export class GraphScene {
  readonly layout = new GraphLayout();
  readonly view = new Viewport();
  /** Peers the filter leaves out this frame (drawn dimmed, kept in place). */
  readonly dimmed = new Set<number>();
  /** `prefers-reduced-motion`: no fades, no easing, the layout runs to rest at once. */
  reducedMotion = false;
  /** HTML drawn over the canvas (zoom buttons, caption line), pane px: canvas text keeps clear of it. */
  overlays: readonly Rect[] = [];
  readonly #grid = new GridHash<GraphNode>();
  /** Text widths, each string measured once (measureText per label per frame was a hot spot). */
  readonly #widths: TextWidths;
  readonly #now: () => number;
  readonly #clock: () => number;
  #fonts: LabelFonts | null = null;
  /** Room radial labels take beyond their nodes (px), re-measured when peers come or go. */
  #labelPx = 0;
  /** Peers labelled last frame (they keep their labels: no flicker as nodes move). */
  #labelled = new Set<number>();

  constructor(options: SceneOptions) {
    this.#now = options.now;
    this.#clock = options.clock;
    this.#widths = new TextWidths(options.measure);
  }

  /** The theme's fonts (again after a theme change: widths are measured anew). */
  setFonts(fonts: LabelFonts): void {
    this.#fonts = fonts;
    this.#widths.clear();
    this.#labelPx = 0;
  }

  /** The model's clock now. */
  now(): number {
    return this.#now();
  }

  /** One frame at local time `ts` (the frame's timestamp). Null while there is nothing to draw on. */
  frame(input: SceneInput, ts: number): SceneFrame | null {
    const fonts = this.#fonts;
    const { width, height } = this.view;
    if (!fonts || width === 0 || height === 0) return null;
    const started = this.#clock();
    const serverNow = this.#now();
    const { layout, reducedMotion } = this;

    // 1. Layout: sync with the model, then move.
    const firstLoad = layout.nodes.length === 0;
    const sync = layout.sync(input.conns, { serverNow, localNow: ts, reducedMotion });
    if (reducedMotion) {
      // No animation: run to rest now (within a frame's budget; the rest continues next frame).
      const deadline = started + SETTLE_BUDGET_MS;
      layout.settle(300, () => this.#clock() > deadline);
    } else layout.step();
    const { sizings } = layout;
    this.#grid.rebuild(layout.nodes, Math.max(sizings.outbound.spacing, sizings.inbound.spacing, sizings.manual.spacing));
    if (sync.added > 0 || sync.removed > 0 || this.#labelPx === 0) this.#labelPx = labelRoomFor(layout.nodes, sizings, this.#widths, fonts);

    // 2. Filter: dim what does not match (kept in place, never removed).
    this.dimmed.clear();
    let pending = false;
    let failing = false;
    for (const node of layout.nodes) {
      if (!input.matches(node.conn)) this.dimmed.add(node.id);
      if (node.state === 'pending') pending = true;
      else if (node.state === 'failing') failing = true;
    }

    // 3. View: follow the layout while auto-fit is on; keep a keyboard-chosen node in view.
    const labelPx = labelAllowance(this.#labelPx, width, height);
    const fit = (): Transform => fitRings(sectorExtents(layout.bands, sizings, labelPx), width, height, FIT_PAD);
    const moving = this.view.update(fit, (id) => layout.byId.get(id), reducedMotion || firstLoad);
    const transform = this.view.transform;

    // 4. Text and limits. Stale: nothing is moving out there that we know of, so nothing moves here either.
    const animateDash = pending && !reducedMotion && !input.stale;
    const animateLimits = !reducedMotion && !input.stale;
    const gaugeList = gauges(input.counts, input.limits);
    const signals = input.signals;
    const planStart = this.#clock();
    const limits = signals ? limitsView(signals, serverNow) : null;
    const text = planText(
      {
        width,
        height,
        transform,
        nodes: layout.nodes,
        sizings,
        bands: layout.bands,
        gauges: gaugeList,
        labelPx,
        serverNow,
        selectedId: input.selectedId,
        activeId: input.activeId,
        dimmed: this.dimmed,
        overlays: this.overlays,
        previous: this.#labelled,
        marks: limits ? markTexts(limits) : [],
      },
      this.#widths,
      fonts,
    );
    this.#labelled = new Set(text.labels.map((l) => l.id));
    const planMs = this.#clock() - planStart;

    // 5. The next frame: keep going while something moves; otherwise wake up for countdowns only.
    const limitsWake = limits && signals && !input.stale ? limitsWakeMs(limits, signals, serverNow, { pulses: animateLimits }) : null;
    const wakeMs = wakeAfter({
      animating: sync.animating,
      reducedMotion,
      hot: layout.hot,
      moving,
      limitsWake,
      animateDash,
      peers: layout.nodes.length,
      failing,
    });
    return {
      transform,
      gauges: gaugeList,
      serverNow,
      dashOffset: animateDash ? -((ts / 45) % 12) : 0,
      dimmed: this.dimmed,
      labelPx,
      text,
      limits,
      animateLimits,
      failing,
      wakeMs,
      planMs,
    };
  }

  /** The live peers, in layout order (the mirror sorts them). */
  live(): ConnView[] {
    const out: ConnView[] = [];
    for (const node of this.layout.nodes) if (node.live) out.push(node.conn);
    return out;
  }

  /** The live node under a screen point (CSS px), with a few pixels of slack. */
  pick(p: { x: number; y: number }): GraphNode | null {
    const t = this.view.transform;
    const w = toWorld(t, p.x, p.y);
    const k = t.k;
    const { sizings } = this.layout;
    const radius = (g: GroupKey): number => nodeRadiusPx(sizings[g], k);
    const maxR = Math.max(radius('outbound'), radius('inbound'), radius('manual'));
    // Within the largest radius, then within the node's own radius (+4 px slack).
    return this.#grid.find(w.x, w.y, (maxR + 4) / k, (n) => n.live && Math.hypot(n.x - w.x, n.y - w.y) * k <= radius(n.group) + 4);
  }
}
