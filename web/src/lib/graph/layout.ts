/**
 * The graph's node set and force layout. Keeps one node object per connection id across updates
 * (so positions are stable), decides fades, and runs one d3-force simulation per sector, ticked by
 * the caller (the simulations' own timers are stopped: the component ticks once per animation
 * frame, or to rest at once when motion is reduced). Pure: no Svelte, no DOM.
 *
 * Why one simulation per sector: sectors never interact, so a peer joining the inbound flood
 * reheats only the inbound sector — the few outbound and persistent peers the operator is
 * watching do not move at all — and each sector gets forces fitted to its size (no many-body
 * repulsion for thousands of dots, where collision alone packs them well and costs far less).
 */
import { forceCollide, forceManyBody, forceSimulation, type Force, type Simulation, type SimulationNodeDatum } from 'd3-force';
import type { ConnState, ConnView } from '../model/types.ts';
import { BIG_SECTOR, bandsFor, constrainToSector, packedPositions, sizingsFor, startPosition, type Band, type Sizing } from './geometry.ts';
import { countInto, emptyCounts, GROUP_ORDER, groupOf, isLive, SECTORS, type GroupCounts, type GroupKey } from './groups.ts';

/** A new peer fades in over this long (local clock). */
export const FADE_IN_MS = 400;
/** A state colour change cross-fades over this long (local clock). */
export const STATE_FADE_MS = 450;
/** An ended connection fades out over this long after its `endedAt` (server clock), then leaves the layout. */
export const END_FADE_MS = 1500;
/**
 * At most this many ended peers fade out per sector at once; later leavers leave at once. Under
 * churn (hundreds of closes a second) every fading ghost is a path of its own on every frame, in
 * the simulation and in the sync: a few show that peers leave, hundreds only cost. Live peers are
 * never affected.
 */
export const MAX_FADING_PER_SECTOR = 24;
/** Opacity of an ended peer while it is still shown, when motion is reduced (no fade, one step). */
export const REDUCED_END_OPACITY = 0.4;
/** How hot a sector gets when peers come or go: gentle, so the rest barely moves. */
export const REHEAT_ALPHA = 0.3;
/** A sector that grows by at least this many peers at once from empty is packed, not simulated into place. */
const PACK_FROM = 12;

/** One drawn peer. Position and velocity belong to d3-force; the rest is ours. */
export interface GraphNode extends SimulationNodeDatum {
  x: number;
  y: number;
  id: number;
  group: GroupKey;
  /** The latest view of the connection (the store's object; read, never written). */
  conn: ConnView;
  state: ConnState;
  /** The state before the last change, for the colour cross-fade (null: nothing to fade from). */
  fromState: ConnState | null;
  /** Local time of the last state change. */
  stateAt: number;
  /** Local time the node appeared (fade-in). */
  bornAt: number;
  /** Server time the node was first seen ended (fallback when the view has no `endedAt`). */
  endSeenAt: number | null;
  /** Whether the connection is live (pending / established / failing). */
  live: boolean;
  /** 0..1: drawn opacity from fade-in and fade-out. */
  opacity: number;
  /** 0..1: progress of the colour change from `fromState` to `state` (1 = done). */
  mix: number;
  /** Sync round that last saw it in the model. */
  seen: number;
  /** Big sectors: a newcomer took this (ended, fading) node's spot. */
  claimed: boolean;
  /**
   * It finished fading in while live. Only such peers ask for a label: a churning crowd's peers
   * that come and go within a fade never do (a label each, drawn for a frame or two, was most of
   * the graph's text work under churn).
   */
  fadedIn: boolean;
}

/** What one `sync` changed. */
export interface SyncResult {
  added: number;
  removed: number;
  /** Whether any fade or colour transition is still running (the caller keeps animating). */
  animating: boolean;
}

/** The connections to show: the model's Map (walked twice per sync, hence not a one-shot iterator). */
export interface ConnSource {
  values(): Iterable<ConnView>;
}

/** Clock inputs of a sync round. */
export interface SyncClock {
  /** The server's clock now (ended connections fade relative to their `endedAt`). */
  serverNow: number;
  /** The local monotonic clock now (fade-ins and colour changes). */
  localNow: number;
  /** `prefers-reduced-motion`: no fades, no cross-fades. */
  reducedMotion: boolean;
}

/** One sector's simulation and its node list. */
interface SectorSim {
  nodes: GraphNode[];
  /** Big sectors: spots left by dropped nodes, taken by the next newcomers (no reheat needed). */
  vacancies: { x: number; y: number }[];
  /** Big sectors: ended nodes still fading whose spot a newcomer may take at once. */
  leaving: GraphNode[];
  sim: Simulation<GraphNode, undefined>;
  /** Whether the many-body force is on (small sectors only). */
  charged: boolean;
}

/**
 * Node set + per-sector simulations. `sync` once per frame when the model changed (or while fades
 * run), then `step` (animated) or `settle` (reduced motion) to move nodes.
 */
export class GraphLayout {
  /** Nodes by connection id. */
  readonly byId = new Map<number, GraphNode>();
  /** All nodes, grouped by sector in GROUP_ORDER (rebuilt when nodes come or go). */
  nodes: GraphNode[] = [];
  /** Live counts per group from the last sync. */
  counts: GroupCounts = emptyCounts();
  /** Node sizes per sector (each sized by its own population). */
  sizings: Record<GroupKey, Sizing> = sizingsFor({ outbound: 0, inbound: 0, manual: 0 });
  bands: Record<GroupKey, Band> = bandsFor({ outbound: 0, inbound: 0, manual: 0 }, this.sizings);
  private readonly sectors: Record<GroupKey, SectorSim>;
  private round = 0;

  constructor() {
    const make = (g: GroupKey): SectorSim => ({
      nodes: [],
      vacancies: [],
      leaving: [],
      charged: false,
      sim: forceSimulation<GraphNode>([])
        .stop()
        .alphaDecay(0.035)
        .velocityDecay(0.5)
        .force('collide', forceCollide<GraphNode>().strength(0.8).iterations(1))
        .force('sector', sectorForce(this, g)),
    });
    this.sectors = { outbound: make('outbound'), inbound: make('inbound'), manual: make('manual') };
    for (const g of GROUP_ORDER) this.applySizing(g);
  }

  /**
   * Brings the node set in line with the model: creates nodes for new connections (near their
   * sector, or packed when a sector fills from empty), records state changes, fades ended ones and
   * drops them after `END_FADE_MS`, drops ids the model forgot. Reheats a sector (to
   * `REHEAT_ALPHA`) only when its nodes were added or removed — a state change never moves anything.
   */
  sync(conns: ConnSource, clock: SyncClock): SyncResult {
    const { serverNow, localNow, reducedMotion } = clock;
    const round = ++this.round;
    const counts = emptyCounts();
    const wasEmpty = this.nodes.length === 0;
    let animating = false;

    // Count first: sizes and bands decide where new nodes start.
    for (const c of conns.values()) if (isLive(c.state)) countInto(counts, c);
    this.counts = counts;
    const sizings = sizingsFor(counts);
    const resized = GROUP_ORDER.filter((g) => sizings[g].spacing !== this.sizings[g].spacing);
    this.sizings = sizings;
    this.bands = bandsFor(counts, sizings);

    const fresh: Record<GroupKey, GraphNode[]> = { outbound: [], inbound: [], manual: [] };
    // Ghosts already fading take their places first; a new leaver gets one only if one is free.
    const fading = emptyCounts();
    for (const n of this.nodes) if (!n.live) fading[n.group] += 1;
    for (const c of conns.values()) {
      const live = isLive(c.state);
      let node = this.byId.get(c.id);
      let dropNow = false;
      if (!live && !node) {
        // Ended before we ever drew it: show its fade only if it is still within it, and room is left.
        const endedAt = c.endedAt ?? serverNow;
        if (serverNow - endedAt >= END_FADE_MS) continue;
        const g = groupOf(c);
        if (fading[g] >= MAX_FADING_PER_SECTOR) continue;
        fading[g] += 1;
      } else if (!live && node?.live) {
        // Ends now: it fades if a place is free, else it leaves at once.
        if (fading[node.group] >= MAX_FADING_PER_SECTOR) dropNow = true;
        else fading[node.group] += 1;
      }
      if (!node) {
        const group = groupOf(c);
        const p = startPosition(c.id, SECTORS[group], this.bands[group], sizings[group].spacing);
        node = {
          id: c.id,
          group,
          conn: c,
          state: c.state,
          fromState: null,
          stateAt: localNow,
          bornAt: reducedMotion || wasEmpty ? -Infinity : localNow,
          endSeenAt: null,
          live,
          opacity: 1,
          mix: 1,
          seen: round,
          claimed: false,
          fadedIn: false,
          x: p.x,
          y: p.y,
        };
        this.byId.set(c.id, node);
        fresh[group].push(node);
      } else if (node.state !== c.state) {
        node.fromState = node.state;
        node.stateAt = localNow;
        node.state = c.state;
      }
      if (node.live && !live && counts[node.group] > BIG_SECTOR) this.sectors[node.group].leaving.push(node);
      node.conn = c;
      node.seen = round;
      node.live = live;
      if (!live && node.endSeenAt === null) node.endSeenAt = c.endedAt ?? serverNow;

      node.mix = reducedMotion || node.fromState === null ? 1 : Math.min(1, (localNow - node.stateAt) / STATE_FADE_MS);
      const fadeIn = Math.min(1, (localNow - node.bornAt) / FADE_IN_MS);
      let fadeOut = 1;
      if (!live) {
        const since = serverNow - (c.endedAt ?? node.endSeenAt ?? serverNow);
        fadeOut = since >= END_FADE_MS ? 0 : reducedMotion ? REDUCED_END_OPACITY : 1 - Math.max(0, since) / END_FADE_MS;
        if (fadeOut > 0) animating = true; // it still has to leave on time
      }
      node.opacity = dropNow ? 0 : Math.max(0, fadeIn * fadeOut);
      if (live && fadeIn >= 1) node.fadedIn = true;
      if (node.mix < 1 || fadeIn < 1) animating = true;
    }

    // Per sector: pack a sector that fills from empty, drop what the model forgot or what has
    // faded out, and reheat only sectors whose membership changed.
    let added = 0;
    let removed = 0;
    let membership = false;
    for (const g of GROUP_ORDER) {
      const sector = this.sectors[g];
      const news = fresh[g];
      if (sector.nodes.length === 0 && news.length >= PACK_FROM) {
        news.sort((a, b) => a.id - b.id);
        const spots = packedPositions(news.length, SECTORS[g], this.bands[g], sizings[g].spacing);
        for (const [i, n] of news.entries()) Object.assign(n, spots[i]);
      }
      const big = counts[g] > BIG_SECTOR;
      const before = sector.nodes.length;
      const kept = sector.nodes.filter((n) => {
        const keep = n.seen === round && n.opacity > 0;
        if (!keep) {
          this.byId.delete(n.id);
          if (big && !n.claimed) sector.vacancies.push({ x: n.x, y: n.y });
        }
        return keep;
      });
      const gone = before - kept.length;
      if (gone > 0 && sector.leaving.length > 0) sector.leaving = sector.leaving.filter((n) => this.byId.has(n.id));
      added += news.length;
      removed += gone;
      const sizeChanged = resized.includes(g);
      // Big sectors under churn: a newcomer takes the spot of a peer that just ended (drawn over
      // its fading ghost) or that a leaver freed, so nothing else has to move.
      let placed = 0;
      if (big && !sizeChanged) {
        for (const n of news) {
          let spot: { x: number; y: number } | undefined;
          while (!spot && sector.leaving.length > 0) {
            const ghost = sector.leaving.pop()!;
            if (ghost.claimed || !this.byId.has(ghost.id)) continue;
            ghost.claimed = true;
            spot = ghost;
          }
          spot ??= sector.vacancies.pop();
          if (!spot) break;
          n.x = spot.x;
          n.y = spot.y;
          placed++;
        }
      }
      const holes = big && sector.vacancies.length > Math.max(8, kept.length * 0.05);
      if (!big || sizeChanged || holes) {
        sector.vacancies.length = 0;
        sector.leaving.length = 0;
      }
      if (news.length > 0 || gone > 0 || sizeChanged) {
        sector.nodes = news.length > 0 ? kept.concat(news) : kept;
        sector.sim.nodes(sector.nodes);
        if (sizeChanged) this.applySizing(g);
        const settled = big && !sizeChanged && !holes && placed === news.length;
        if (!settled) sector.sim.alpha(Math.max(sector.sim.alpha(), REHEAT_ALPHA));
        membership = true;
      }
    }
    if (membership) this.nodes = GROUP_ORDER.flatMap((g) => this.sectors[g].nodes);
    return { added, removed, animating };
  }

  /** Whether any sector still moves. */
  get hot(): boolean {
    return GROUP_ORDER.some((g) => this.isHot(g));
  }

  /** Whether one sector's simulation still moves. */
  isHot(g: GroupKey): boolean {
    const { sim } = this.sectors[g];
    return this.sectors[g].nodes.length > 0 && sim.alpha() > sim.alphaMin();
  }

  /** Current alpha of a sector's simulation (for tests and diagnostics). */
  alpha(g: GroupKey): number {
    return this.sectors[g].sim.alpha();
  }

  /** One tick of every hot sector; returns whether anything moved. */
  step(): boolean {
    let moved = false;
    for (const g of GROUP_ORDER) {
      if (!this.isHot(g)) continue;
      this.sectors[g].sim.tick();
      moved = true;
    }
    return moved;
  }

  /**
   * Runs the simulations to rest at once (reduced motion): ticks until cool, at most `maxTicks`
   * per sector (a sector still warm then is cooled so it stays put), or until `deadline()` says
   * this frame's time is up (the caller continues next frame). Returns the ticks run.
   */
  settle(maxTicks = 300, deadline: () => boolean = () => false): number {
    let ticks = 0;
    for (const g of GROUP_ORDER) {
      const { sim } = this.sectors[g];
      let n = 0;
      let late = false;
      while (this.isHot(g) && n < maxTicks) {
        late = deadline();
        if (late) break;
        sim.tick();
        n++;
      }
      if (this.isHot(g) && !late) sim.alpha(0);
      ticks += n;
    }
    return ticks;
  }

  /** Re-reads a sector's sizes into its forces (per-node values are cached at initialise). */
  private applySizing(g: GroupKey): void {
    const sector = this.sectors[g];
    const sizing = this.sizings[g];
    (sector.sim.force('collide') as ReturnType<typeof forceCollide<GraphNode>>).radius(sizing.spacing / 2);
    const charged = sizing.charge !== 0;
    // Stacked sectors cool faster: collision alone converges quickly and each tick is costly.
    sector.sim.alphaDecay(charged ? 0.035 : 0.06);
    if (charged) {
      sector.sim.force(
        'charge',
        forceManyBody<GraphNode>()
          .strength(sizing.charge)
          .theta(0.95)
          .distanceMax(sizing.spacing * 4),
      );
    } else if (sector.charged) {
      sector.sim.force('charge', null);
    }
    sector.charged = charged;
  }
}

/**
 * How strongly peers are drawn towards their sector's inner ring (so rings fill from the inside):
 * firm on a single ring, faint in stacked sectors (enough to close holes, not to squash the packing).
 */
const RING_PULL = 0.12;
const STACKED_PULL = 0.02;
/** How much of the way back into its sector an escaped node is pushed per tick. */
const CONSTRAINT = 0.5;

/**
 * Keeps each node inside its sector's band (a soft wall), and pulls it gently towards the band's
 * inner ring so sectors pack from the centre outwards.
 */
function sectorForce(layout: GraphLayout, g: GroupKey): Force<GraphNode, undefined> {
  let nodes: GraphNode[] = [];
  const sector = SECTORS[g];
  const force = (alpha: number): void => {
    const band = layout.bands[g];
    const margin = layout.sizings[g].spacing / 2;
    const pull = layout.sizings[g].labels ? RING_PULL : STACKED_PULL;
    for (const n of nodes) {
      const r = Math.sqrt(n.x * n.x + n.y * n.y);
      if (r > band.r0 && r > 0) {
        const f = ((band.r0 - r) / r) * pull * alpha;
        n.vx = (n.vx ?? 0) + n.x * f;
        n.vy = (n.vy ?? 0) + n.y * f;
      }
      const c = constrainToSector(n.x, n.y, sector, band, margin);
      if (!c.inside) {
        n.vx = (n.vx ?? 0) + (c.x - n.x) * CONSTRAINT;
        n.vy = (n.vy ?? 0) + (c.y - n.y) * CONSTRAINT;
      }
    }
  };
  force.initialize = (ns: GraphNode[]): void => {
    nodes = ns;
  };
  return force;
}
