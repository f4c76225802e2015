/**
 * The lab's *lively* scenario (README, "The lab"): what keeps `npm start` showing the manager's
 * rules at work instead of settling, after ~20 s, on eight stable peers and nothing to see.
 * Four threads, each on its own seeded stream (so one thread's timing never shifts another's
 * numbers: the same seed gives the same peers, addresses and schedule):
 *
 * 1. A persistent peer that keeps failing: one more `stable` peer, outside the address book (an
 *    operator-configured peer, as `--persistent` would be), which the scenario adds to the
 *    manager and then takes down and up again. Down for `outageDownMs`: every retry is refused and
 *    the backoff grows (2, 4, 6, 8… s). Then up: the next retry connects, and `outageUpMs` after
 *    that (counted from the manager's `established`, not from the peer coming up, so the
 *    connection is long-lived) it goes down again: the entry starts over at attempt 1, and the
 *    growth is seen again and again instead of sitting at the 30 s cap.
 * 2. Restarts: every `restartEveryMs` one of the mix's `stable` peers (in turn, in a seeded
 *    order) goes down for
 *    `restartDownMs`; its connections drop, so an automatic slot must be filled again. Just
 *    before, gossip brings the address of a departed node (a `refuse` or `blackhole` peer of the
 *    mix) around again as news: the book hands untried addresses out first, so the refill dials
 *    it, the dial fails and is replaced by another. (Without the gossip the book's oldest-tried
 *    addresses come first, and those are the stable peers restarted before: the dead ones would
 *    hardly be tried again. Without restarts the slots end up on stable peers and stay there.)
 *    Refills also land on `hang` peers now and then, which the idle timeout kicks.
 * 3. A silent inbound client (when the manager has an idle timeout): it never sends a byte, so
 *    the manager kicks it (`idle-timeout`); `silentPauseMs` later the next one connects.
 * 4. Bursts: first after `firstBurstMs`, then every `burstEveryMs`, `maxInbound + BURST_EXTRA`
 *    inbound connections at once (at most MAX_BURST): past the limit, some are shed (`limit`).
 *
 * The `quiet` scenario is none of this: the mix and the trickle only (tests that count connections).
 */
import type { ConnManager } from '../connmgr/index.ts';
import type { AddressBook } from './address-book.ts';
import { MAX_BURST, type InboundDialers } from './inbound.ts';
import type { Peer } from './peer.ts';
import { createRng, type Rng } from './prng.ts';
import type { LabTimings } from './timings.ts';

export const LAB_SCENARIOS = ['quiet', 'lively'] as const;
export type LabScenario = (typeof LAB_SCENARIOS)[number];

/** A burst opens this many more connections than `maxInbound`, so that a few are always shed. */
export const BURST_EXTRA = 4;

export interface ScenarioPeerRef {
  peerId: string;
  addr: string;
}
/** One outage of the persistent peer: down, then up. */
export interface ScenarioOutage {
  downMs: number;
  upMs: number;
}
/**
 * One restart of a mix `stable` peer, `afterMs` after the previous one; `gossip` is the departed
 * peer whose address comes around again just before (none when the mix has no dead peer).
 */
export interface ScenarioRestart extends ScenarioPeerRef {
  afterMs: number;
  downMs: number;
  gossip?: ScenarioPeerRef;
}
/** One inbound burst, `afterMs` after the previous one (or the start). */
export interface ScenarioBurst {
  afterMs: number;
  lifetimeMs: number;
}
/** The scenario's steps per thread, in order: what it will do (a plan) or has done (its log). */
export interface ScenarioPlan {
  persistent: ScenarioPeerRef;
  outages: ScenarioOutage[];
  restarts: ScenarioRestart[];
  bursts: ScenarioBurst[];
  /** Pauses before each silent client. */
  silentPauses: number[];
}

/** What the scenario needs of the manager (its public API). */
export type ScenarioManager = Pick<ConnManager, 'config' | 'addPersistent' | 'on' | 'state'>;

const draw = (rng: Rng, [min, max]: readonly [number, number]): number => Math.round(rng.between(min, max));

/** The seeded steps, one stream per thread. Pure: the same inputs give the same steps. */
class Planner {
  readonly #timings: LabTimings;
  readonly #dead: readonly ScenarioPeerRef[];
  readonly #outages: Rng;
  readonly #restarts: Rng;
  readonly #bursts: Rng;
  readonly #silent: Rng;
  #firstBurst = true;
  /** The stable peers in the (seeded) order they restart in, round after round. */
  readonly #restartOrder: readonly ScenarioPeerRef[];
  #restartCount = 0;

  constructor(seed: number, timings: LabTimings, candidates: readonly ScenarioPeerRef[], dead: readonly ScenarioPeerRef[]) {
    this.#timings = timings;
    this.#dead = dead;
    this.#outages = createRng(seed, 'scenario:outages');
    this.#restarts = createRng(seed, 'scenario:restarts');
    this.#bursts = createRng(seed, 'scenario:bursts');
    this.#silent = createRng(seed, 'scenario:silent');
    this.#restartOrder = this.#restarts.shuffle(candidates);
  }

  outage(): ScenarioOutage {
    const t = this.#timings;
    return { downMs: draw(this.#outages, t.outageDownMs), upMs: draw(this.#outages, t.outageUpMs) };
  }

  /** Undefined when the mix has no stable peer to restart. */
  restart(): ScenarioRestart | undefined {
    if (this.#restartOrder.length === 0) return undefined;
    const t = this.#timings;
    const afterMs = draw(this.#restarts, t.restartEveryMs);
    // In turn, not at random: a peer restarted lately has lost its slot (and may not have one
    // again yet), so restarting it again would free nothing.
    const peer = this.#restartOrder[this.#restartCount++ % this.#restartOrder.length]!;
    const downMs = draw(this.#restarts, t.restartDownMs);
    const gossip = this.#dead.length > 0 ? this.#restarts.pick(this.#dead) : undefined;
    return { peerId: peer.peerId, addr: peer.addr, afterMs, downMs, ...(gossip ? { gossip: { ...gossip } } : {}) };
  }

  burst(): ScenarioBurst {
    const t = this.#timings;
    const afterMs = draw(this.#bursts, this.#firstBurst ? t.firstBurstMs : t.burstEveryMs);
    this.#firstBurst = false;
    return { afterMs, lifetimeMs: draw(this.#bursts, t.burstLifetimeMs) };
  }

  silentPause(): number {
    return draw(this.#silent, this.#timings.silentPauseMs);
  }
}

export interface ScenarioOptions {
  seed: number;
  timings: LabTimings;
  /** The persistent peer (a `stable` peer outside the address book). */
  target: Peer;
  /** The mix's `stable` peers, in id order: those that restart. */
  candidates: readonly Peer[];
  /** The mix's `refuse` and `blackhole` peers, in id order: departed nodes that gossip brings back. */
  dead: readonly Peer[];
  book: AddressBook;
  inbound: InboundDialers;
}

/** The lively scenario, started once on a running manager (`start`) and stopped with `stop`. */
export class Scenario {
  readonly #opts: ScenarioOptions;
  readonly #planner: Planner;
  readonly #candidates: ReadonlyMap<string, Peer>;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #log: ScenarioPlan;
  #state: 'idle' | 'running' | 'stopped' = 'idle';
  /** Unsubscribes from the manager's events. */
  #off?: () => void;
  #attached = false;

  constructor(options: ScenarioOptions) {
    this.#opts = options;
    this.#planner = this.#newPlanner();
    this.#candidates = new Map(options.candidates.map((p) => [p.id, p]));
    this.#log = { persistent: ref(options.target), outages: [], restarts: [], bursts: [], silentPauses: [] };
  }

  /** The first `count` steps of each thread, from the seed (what `start` will do, in this order). */
  plan(count: number): ScenarioPlan {
    const planner = this.#newPlanner();
    const n = Math.max(0, Math.floor(count));
    const times = <T>(next: () => T | undefined): T[] => Array.from({ length: n }, next).filter((step): step is T => step !== undefined);
    return {
      persistent: ref(this.#opts.target),
      outages: times(() => planner.outage()),
      restarts: times(() => planner.restart()),
      bursts: times(() => planner.burst()),
      silentPauses: times(() => planner.silentPause()),
    };
  }

  #newPlanner(): Planner {
    const o = this.#opts;
    return new Planner(o.seed, o.timings, o.candidates.map(ref), o.dead.map(ref));
  }

  /** The steps taken so far (each thread's scheduled next step included): a prefix of `plan`. */
  log(): ScenarioPlan {
    const l = this.#log;
    return {
      persistent: { ...l.persistent },
      outages: [...l.outages],
      restarts: [...l.restarts],
      bursts: [...l.bursts],
      silentPauses: [...l.silentPauses],
    };
  }

  /**
   * Runs the scenario for this manager once it runs — on the next turn of the loop, so that code
   * awaiting `manager.start()` (app.ts adding the `--persistent` peers) goes first and the
   * scenario's entry never takes one of their slots. Only the first manager attached gets it
   * (undefined for any later one), until it detaches: the returned function stops the scenario
   * (its peers come back up).
   */
  attach(manager: ScenarioManager): (() => void) | undefined {
    if (this.#attached) return undefined;
    this.#attached = true;
    let immediate: NodeJS.Immediate | undefined;
    const begin = (): void => {
      immediate ??= setImmediate(() => this.start(manager));
    };
    const offState = manager.state === 'running' ? undefined : manager.on('manager:state', (e) => e.state === 'running' && begin());
    if (!offState) begin();
    return () => {
      offState?.();
      clearImmediate(immediate);
      this.stop();
    };
  }

  /** Starts the four threads against a running manager. Only the first call counts (none after `stop`). */
  start(manager: ScenarioManager): void {
    if (this.#state !== 'idle') return;
    this.#state = 'running';
    const config = manager.config();
    void this.#startPersistent(manager);
    this.#nextRestart();
    this.#nextBurst(Math.min(config.maxInbound + BURST_EXTRA, MAX_BURST));
    // Without an idle timeout a silent client would only sit there: nothing to show.
    if (config.idleTimeoutMs > 0) {
      this.#opts.inbound.startSilent(() => {
        const pauseMs = this.#planner.silentPause();
        this.#log.silentPauses.push(pauseMs);
        return pauseMs;
      });
    }
  }

  /**
   * Stops every thread: timers, the silent client and burst connections; peers it took down come
   * back up (unless `restore` is false, as when the whole lab stops). The manager keeps its
   * persistent entry. Idempotent; a stopped scenario does not start again.
   */
  stop(restore = true): void {
    if (this.#state === 'stopped') return;
    this.#state = 'stopped';
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#off?.();
    this.#off = undefined;
    this.#opts.inbound.stopSilent();
    this.#opts.inbound.stopBursts();
    if (!restore) return;
    for (const peer of [this.#opts.target, ...this.#candidates.values()]) {
      if (peer.down) void peer.setDown(false);
    }
  }

  async #startPersistent(manager: ScenarioManager): Promise<void> {
    const target = this.#opts.target;
    // Down before the manager knows it: its very first dial is refused.
    await target.setDown(true);
    if (this.#state !== 'running') return;
    let id: number;
    try {
      id = manager.addPersistent(target.addr);
    } catch {
      // Every persistent slot taken (by --persistent flags), or the manager stopping: the other
      // threads still run; this one cannot.
      await target.setDown(false);
      return;
    }
    let upMs: number | undefined;
    // One outage (the peer is down when this runs), then up until `upMs` after the connection.
    // If the operator removes the entry, no connection comes: the peer stays up, the thread ends.
    const outage = (): void => {
      const step = this.#planner.outage();
      this.#log.outages.push(step);
      this.#after(step.downMs, () => {
        upMs = step.upMs;
        void target.setDown(false);
      });
    };
    // The up time counts from the connection, not from the peer coming up: the manager may be
    // waiting out a long backoff then, and a peer gone again right after the connect would make
    // a short-lived connection, which keeps the backoff growing instead of starting it over.
    this.#off = manager.on('conn:state', (e) => {
      if (e.id !== id || e.to !== 'established' || upMs === undefined) return;
      const ms = upMs;
      upMs = undefined;
      this.#after(ms, () => {
        void target.setDown(true).then(() => {
          if (this.#state === 'running') outage();
        });
      });
    });
    outage();
  }

  #nextRestart(): void {
    const step = this.#planner.restart();
    if (!step) return;
    this.#log.restarts.push(step);
    this.#after(step.afterMs, () => {
      // Refused while the gossiped peer's address is in use (a black-hole dial still pending).
      if (step.gossip) this.#opts.book.refresh(step.gossip.addr);
      const peer = this.#candidates.get(step.peerId);
      // A peer stopped from the Lab panel (or already down) skips its turn; the schedule goes on.
      if (peer && peer.state === 'running' && !peer.down) {
        void peer.setDown(true);
        this.#after(step.downMs, () => void peer.setDown(false));
      }
      this.#nextRestart();
    });
  }

  #nextBurst(size: number): void {
    const step = this.#planner.burst();
    this.#log.bursts.push(step);
    this.#after(step.afterMs, () => {
      this.#opts.inbound.burst(size, step.lifetimeMs);
      this.#nextBurst(size);
    });
  }

  /** A timer that runs `fn` only while the scenario runs; `stop` clears it. */
  #after(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#state === 'running') fn();
    }, ms);
    this.#timers.add(timer);
  }
}

function ref(peer: Peer | ScenarioPeerRef): ScenarioPeerRef {
  return 'peerId' in peer ? { peerId: peer.peerId, addr: peer.addr } : { peerId: peer.id, addr: peer.addr };
}
