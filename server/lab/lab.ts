/**
 * The embedded lab (README, "The lab"): loopback peers with behaviours, a btcd-like address book
 * feeding the manager's `getNewAddress`, and inbound dialers (trickle, flood) aimed at the
 * manager's listener. Deterministic from a seed: the same seed gives the same peer mix, ports,
 * lifetimes and address-book picks (ports move on only when one is taken on this machine).
 *
 * Typical wiring (server/app.ts):
 *   const lab = await Lab.start({ seed, scenario: 'lively', managerListen: () => cm.listeners()[0]?.address });
 *   const cm = new ConnManager({ getNewAddress: lab.getNewAddress, listen: [...] });
 *   lab.attach(cm); await cm.start();
 * With the `lively` scenario (scenario.ts) the lab also keeps the network moving once the manager
 * it is attached to runs: a failing persistent peer, restarts, idle kicks and inbound bursts.
 */
import { setImmediate as setImmediateP } from 'node:timers/promises';
import { realClock, type ConnStateEvent } from '../connmgr/index.ts';
import { PEER_BEHAVIOURS, type FloodOptions, type LabApi, type LabPeer, type LabState, type PeerBehaviour } from '../protocol/lab.ts';
import type { LessonName, LessonState } from '../protocol/lessons.ts';
import { AddressBook } from './address-book.ts';
import { LabError } from './errors.ts';
import { InboundDialers } from './inbound.ts';
import { LESSON_DEFS, LessonRunner, type LessonManager, type LessonScene, type LessonStage } from './lessons/index.ts';
import { Peer } from './peer.ts';
import { createRng, type Rng } from './prng.ts';
import { LAB_SCENARIOS, Scenario, type ScenarioPlan } from './scenario.ts';
import { scaleTimings, type LabTimings } from './timings.ts';
import type { ScaledClock } from '../connmgr/scaled-clock.ts';
import { defaultLabMix, HOST, misbehaveHost, type LabStartOptions } from './lab-options.ts';
import { clearOutage, removeAll } from './lessons/reset.ts';

export { defaultLabMix, misbehaveHost, type LabStartOptions, type PeerMixEntry } from './lab-options.ts';

/** What the lab uses of a manager it is attached to (its public API; lessons use the most). */
export type LabManager = LessonManager;

/**
 * The lab. Create with `Lab.start`; pass `lab.getNewAddress` to the manager; optionally
 * `lab.attach(manager)`; `stop()` at the end. Commands throw `LabError` with a `code`.
 */
export class Lab implements LabApi {
  readonly seed: number;
  readonly timings: LabTimings;
  readonly #book: AddressBook;
  readonly #inbound: InboundDialers;
  readonly #portRng: Rng;
  readonly #portRange: readonly [number, number];
  readonly #usedPorts = new Set<number>();
  readonly #peers = new Map<string, Peer>();
  readonly #peersByAddr = new Map<string, Peer>();
  readonly #maxPeers: number;
  readonly #maxStoppedPeers: number;
  readonly #changeThrottleMs: number;
  readonly #changeListeners = new Set<(state: LabState) => void>();
  readonly #detachers = new Set<() => void>();
  #nextPeer = 1;
  /** Peers being started: they hold a slot against `maxPeers`; `stop()` waits for them. */
  readonly #starting = new Set<Promise<Peer>>();
  #attached = false;
  #scenario?: Scenario;
  #changeTimer?: NodeJS.Timeout;
  #stopPromise?: Promise<void>;
  readonly #managerClock: ScaledClock | undefined;
  readonly #managerListen: (() => string | undefined) | undefined;
  /** The first manager attached: the one lessons act on. */
  #manager?: LabManager;
  readonly #lessons: LessonRunner;
  readonly #lessonTimeScale: number;

  private constructor(options: LabStartOptions) {
    this.#managerClock = options.managerClock;
    this.#managerListen = options.managerListen;
    this.#lessonTimeScale = options.lessonTimeScale ?? 1;
    if (!(this.#lessonTimeScale > 0 && this.#lessonTimeScale <= 1)) {
      throw new TypeError(`lessonTimeScale must be in (0, 1], got ${String(options.lessonTimeScale)}`);
    }
    this.#lessons = new LessonRunner({ defs: LESSON_DEFS, reset: () => this.#resetForLesson(), onChange: () => this.#changed() });
    this.seed = options.seed ?? 1;
    if (!Number.isSafeInteger(this.seed)) throw new TypeError(`seed must be an integer, got ${String(options.seed)}`);
    this.timings = scaleTimings(options.timings, options.timeScale ?? 1);
    this.#maxPeers = options.maxPeers ?? 200;
    this.#maxStoppedPeers = options.maxStoppedPeers ?? 50;
    this.#changeThrottleMs = options.changeThrottleMs ?? 100;
    const range = options.portRange ?? [20000, 32000];
    if (
      !(Number.isInteger(range[0]) && Number.isInteger(range[1]) && range[0] >= 1024 && range[1] <= 65536 && range[1] - range[0] >= 100)
    ) {
      throw new TypeError('portRange must be [min, max) within 1024-65536, at least 100 ports wide');
    }
    this.#portRange = range;
    this.#portRng = createRng(this.seed, 'ports');
    this.#book = new AddressBook({ rng: createRng(this.seed, 'book') });
    this.#inbound = new InboundDialers({
      target: options.managerListen,
      timings: this.timings,
      rng: createRng(this.seed, 'inbound'),
      onChange: () => this.#changed(),
    });
  }

  /**
   * Starts the peers of the mix (in parallel) and, if asked, the trickle.
   * @throws TypeError for bad options; LabError `ERR_LAB_LIMIT` if the mix exceeds `maxPeers`,
   *   `ERR_LAB_LISTEN_FAILED` if a peer cannot bind (everything started so far is stopped).
   */
  static async start(options: LabStartOptions = {}): Promise<Lab> {
    const lab = new Lab(options);
    const scenario = options.scenario ?? 'quiet';
    if (!(LAB_SCENARIOS as readonly string[]).includes(scenario)) {
      throw new TypeError(`unknown scenario ${JSON.stringify(scenario)}; use one of ${LAB_SCENARIOS.join(', ')}`);
    }
    const mix = options.peers ?? defaultLabMix;
    const behaviours: PeerBehaviour[] = [];
    for (const { behaviour, count } of mix) {
      checkBehaviour(behaviour);
      if (!Number.isSafeInteger(count) || count < 0) throw new TypeError(`peer count for ${behaviour} must be an integer >= 0`);
      for (let i = 0; i < count; i++) behaviours.push(behaviour);
    }
    if (behaviours.length > lab.#maxPeers) {
      throw new LabError('ERR_LAB_LIMIT', `the mix has ${behaviours.length} peers; at most ${lab.#maxPeers} may run`);
    }
    // Shuffled so the graph is not sorted by behaviour; ids and ports follow this order.
    const order = createRng(lab.seed, 'mix').shuffle(behaviours);
    try {
      // Ids and port candidates are drawn in order before any await, so the result is the same
      // whatever order the binds finish in.
      const peers = await Promise.all(order.map((b) => lab.#startPeer(b)));
      if (scenario === 'lively') {
        // After the mix, so the mix's ids and ports are the same as in a quiet lab of this seed.
        const target = await lab.#startPeer('stable', { inBook: false });
        lab.#scenario = new Scenario({
          seed: lab.seed,
          timings: lab.timings,
          target,
          candidates: byId(peers.filter((p) => p.behaviour === 'stable')),
          dead: byId(peers.filter((p) => p.behaviour === 'refuse' || p.behaviour === 'blackhole')),
          book: lab.#book,
          inbound: lab.#inbound,
        });
      }
    } catch (err) {
      await lab.stop();
      throw err;
    }
    if (options.trickle ?? options.managerListen !== undefined) lab.#inbound.startTrickle();
    return lab;
  }

  /**
   * The manager's address source (bound: pass it as is). Resolves with the next address of the
   * book; rejects with LabError `ERR_LAB_NO_ADDRESS` (empty, or all in use) or `ERR_LAB_STOPPED`.
   */
  readonly getNewAddress = (): Promise<string> => {
    if (this.#stopPromise) return Promise.reject(stoppedError());
    const result = this.#book.getNewAddress();
    this.#changed();
    return result;
  };

  /**
   * Follows a manager's `conn:state` events (its public API only): addresses in use are skipped
   * by the book, established ones are marked good, and a dial to a `slow` peer starts its delay
   * (without this, slow peers open on their own `slowDelayMs` after each arming). With the
   * `lively` scenario, the first manager attached also gets the scenario once it runs
   * (scenario.ts; detaching stops it). Returns the detach function; `stop()` detaches too.
   */
  attach(manager: LabManager): () => void {
    this.#setAttached(true);
    this.#manager ??= manager;
    const off = manager.on('conn:state', (e) => this.#onConnState(e));
    const offScenario = this.#scenario?.attach(manager); // the first manager only
    const detach = (): void => {
      if (!this.#detachers.delete(detach)) return;
      off();
      offScenario?.();
      if (this.#manager === manager) this.#manager = undefined;
      if (this.#detachers.size === 0) this.#setAttached(false);
    };
    this.#detachers.add(detach);
    return detach;
  }

  /**
   * The lively scenario's first `count` steps per thread, from the seed (the persistent peer,
   * its outages, the restarts, bursts and silent clients' pauses); undefined for a quiet lab.
   */
  scenarioPlan(count = 20): ScenarioPlan | undefined {
    return this.#scenario?.plan(count);
  }

  /** The lively scenario's steps so far (a prefix of `scenarioPlan`'s); undefined for a quiet lab. */
  scenarioLog(): ScenarioPlan | undefined {
    return this.#scenario?.log();
  }

  state(): LabState {
    return {
      enabled: this.#stopPromise === undefined,
      seed: this.seed,
      // By id number: peers start in parallel and finish in any order.
      peers: [...this.#peers.values()].sort((a, b) => idNumber(a.id) - idNumber(b.id)).map((p) => p.info()),
      flood: this.#inbound.floodInfo(),
      addressBook: { size: this.#book.size, tried: this.#book.tried },
      ...(this.#managerClock ? { speed: this.#managerClock.scale } : {}),
      ...lessonField(this.#lessons.state()),
    };
  }

  // ---- lessons (README "Lessons"; the stories are in lessons/) --------------------------------

  /**
   * Starts a lesson at step 1. The lab and its manager are reset to the lesson's scene first:
   * the lively scenario ends for good, the trickle and any flood stop, every manager connection
   * and persistent entry is removed, every lab peer stops and the address book is emptied.
   * @throws LabError `ERR_LAB_INVALID_ARGUMENT` (unknown lesson; no running manager attached), `ERR_LAB_STOPPED`.
   */
  startLesson(name: LessonName): Promise<LessonState> {
    return this.#lessons.start(name);
  }

  /**
   * The running lesson's next step (entered on the scene as it is) or previous one (the scene is
   * rebuilt up to it). @throws LabError `ERR_LAB_NO_LESSON`, `ERR_LAB_INVALID_ARGUMENT` past either end.
   */
  stepLesson(direction: 'next' | 'prev'): Promise<LessonState> {
    return this.#lessons.step(direction);
  }

  /** Ends the running lesson: its timers stop; the peers and connections it made stay. A no-op without one. */
  stopLesson(): Promise<void> {
    return this.#lessons.stop();
  }

  /** The current lesson's scene (tests: its peers and connections by name); undefined without a lesson. */
  get lessonScene(): LessonScene | undefined {
    return this.#lessons.scene;
  }

  async #resetForLesson(): Promise<LessonStage> {
    if (this.#stopPromise) throw stoppedError();
    const manager = this.#manager;
    if (manager?.state !== 'running') {
      throw new LabError('ERR_LAB_INVALID_ARGUMENT', 'lessons need the lab attached to a running manager');
    }
    this.#scenario?.stop();
    this.#inbound.stopTrickle();
    this.#inbound.stopFlood();
    removeAll(manager);
    await Promise.all([...this.#peers.values()].filter((p) => p.state === 'running').map((p) => p.stop()));
    this.#trimStopped();
    this.#book.clear();
    await clearOutage(
      manager,
      () => this.#startPeer('stable'),
      () => this.#book.clear(),
    );
    this.#changed();
    return {
      manager,
      clock: this.#managerClock ?? realClock,
      timeScale: this.#lessonTimeScale,
      startPeer: (behaviour, inBook) => this.#startPeer(behaviour, { inBook }),
      startFlood: (options) => this.startFlood(options),
      stopFlood: () => this.stopFlood(),
      managerListen: () => this.#managerListen?.(),
    };
  }

  /**
   * Slows the manager's clock down (0.1–0.5), freezes it (0) or sets it back to real time (1).
   * @throws LabError `ERR_LAB_INVALID_ARGUMENT` (no manager clock to steer, or a bad speed), `ERR_LAB_STOPPED`.
   */
  setSpeed(speed: number): void {
    if (this.#stopPromise) throw stoppedError();
    if (!this.#managerClock) {
      throw new LabError('ERR_LAB_INVALID_ARGUMENT', "this lab does not drive the manager's clock (start it with managerClock)");
    }
    try {
      this.#managerClock.setScale(speed);
    } catch (err) {
      throw new LabError('ERR_LAB_INVALID_ARGUMENT', (err as Error).message);
    }
    this.#changed();
  }

  /** The address book (read it; the manager takes from it through `getNewAddress`). */
  get addressBook(): AddressBook {
    return this.#book;
  }

  /**
   * Starts one more peer with this behaviour and adds its address to the book.
   * @throws LabError `ERR_LAB_INVALID_ARGUMENT` (unknown behaviour), `ERR_LAB_LIMIT`,
   *   `ERR_LAB_LISTEN_FAILED`, `ERR_LAB_STOPPED`.
   */
  async addPeer(behaviour: PeerBehaviour): Promise<LabPeer> {
    if (this.#stopPromise) throw stoppedError();
    if (!(PEER_BEHAVIOURS as readonly string[]).includes(behaviour)) {
      throw new LabError(
        'ERR_LAB_INVALID_ARGUMENT',
        `unknown behaviour ${JSON.stringify(behaviour)}; use one of ${PEER_BEHAVIOURS.join(', ')}`,
      );
    }
    const peer = await this.#startPeer(behaviour);
    return peer.info();
  }

  /**
   * Starts `count` peers of one behaviour at once (a scene in one command). All or none: past
   * `maxPeers` nothing starts; a peer that fails to bind stops the ones started with it.
   * @throws LabError `ERR_LAB_INVALID_ARGUMENT`, `ERR_LAB_LIMIT`, `ERR_LAB_LISTEN_FAILED`, `ERR_LAB_STOPPED`.
   */
  async addPeers(behaviour: PeerBehaviour, count: number): Promise<LabPeer[]> {
    if (this.#stopPromise) throw stoppedError();
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new LabError('ERR_LAB_INVALID_ARGUMENT', `count must be an integer >= 1, got ${JSON.stringify(count)}`);
    }
    const running = [...this.#peers.values()].filter((p) => p.state === 'running').length + this.#starting.size;
    if (running + count > this.#maxPeers) {
      throw new LabError(
        'ERR_LAB_LIMIT',
        `${count} more peers would make ${running + count}; at most ${this.#maxPeers} lab peers may run at once`,
      );
    }
    const started = await Promise.allSettled(Array.from({ length: count }, () => this.addPeer(behaviour)));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((r) => (r.status === 'fulfilled' ? this.stopPeer(r.value.peerId) : undefined)));
      throw failed.reason;
    }
    return started.map((r) => (r as PromiseFulfilledResult<LabPeer>).value);
  }

  /** Stops every running peer of a behaviour (as `stopPeer` does each); resolves with how many. @throws LabError `ERR_LAB_STOPPED`. */
  async stopPeers(behaviour: PeerBehaviour): Promise<number> {
    if (this.#stopPromise) throw stoppedError();
    const peers = [...this.#peers.values()].filter((p) => p.behaviour === behaviour && p.state === 'running');
    await Promise.all(peers.map((p) => p.stop()));
    this.#trimStopped();
    if (peers.length > 0) this.#changed();
    return peers.length;
  }

  /**
   * Stops a peer: its port closes (dials to it are then refused) and open connections drop. Its
   * address stays in the book, as a departed node's would. Stopping a stopped peer is a no-op.
   * @throws LabError `ERR_LAB_NOT_FOUND`, `ERR_LAB_STOPPED`.
   */
  async stopPeer(peerId: string): Promise<void> {
    if (this.#stopPromise) throw stoppedError();
    const peer = this.#peers.get(peerId);
    if (!peer) {
      throw new LabError('ERR_LAB_NOT_FOUND', `no lab peer ${JSON.stringify(peerId)}; state().peers lists them`);
    }
    await peer.stop();
    this.#trimStopped();
    this.#changed();
  }

  /**
   * Floods the manager's listener: up to `connections` held at once, `ratePerSec` new ones per
   * second (default 50); closed ones are counted (`closedByServer`) and replaced. Replaces a running flood.
   * @throws LabError `ERR_LAB_INVALID_ARGUMENT`, `ERR_LAB_NO_TARGET`, `ERR_LAB_STOPPED`.
   */
  startFlood(options: FloodOptions): void {
    if (this.#stopPromise) throw stoppedError();
    this.#inbound.startFlood(options);
  }

  /** Closes the flood's connections. A no-op without a flood. @throws LabError `ERR_LAB_STOPPED`. */
  stopFlood(): void {
    if (this.#stopPromise) throw stoppedError();
    this.#inbound.stopFlood();
  }

  /** Listener called (throttled to `changeThrottleMs`) after changes of `state()`; returns unsubscribe. */
  onChange(listener: (state: LabState) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  /**
   * Closes every peer, gate holder process, inbound socket and timer, detaches from managers, and resolves
   * when all are closed. Idempotent. Commands afterwards throw `ERR_LAB_STOPPED`.
   */
  stop(): Promise<void> {
    this.#stopPromise ??= this.#shutdown();
    return this.#stopPromise;
  }

  async #shutdown(): Promise<void> {
    this.#lessons.close();
    this.#scenario?.stop(false); // every peer closes below: none to bring back up
    for (const detach of [...this.#detachers]) detach();
    // A peer still binding is stopped once bound (#startPeer does it too, but without us waiting).
    await Promise.allSettled([...this.#starting].map((starting) => starting.then((peer) => peer.stop())));
    await Promise.all([this.#inbound.close(), ...[...this.#peers.values()].map((p) => p.stop())]);
    // A net.Server emits 'close' before libuv has released its handle (that happens in the loop's
    // close phase); two turns of the loop later nothing of ours is left in getActiveResourcesInfo().
    await setImmediateP();
    await setImmediateP();
    clearTimeout(this.#changeTimer);
    this.#changeTimer = undefined;
    this.#emitChange(); // the final state: enabled false, every peer stopped
    this.#changeListeners.clear();
  }

  // ---- internals ---------------------------------------------------------------------------------

  /** `inBook: false` keeps the address out of the book (the scenario's persistent peer). */
  async #startPeer(behaviour: PeerBehaviour, { inBook = true } = {}): Promise<Peer> {
    const running = [...this.#peers.values()].filter((p) => p.state === 'running').length;
    if (running + this.#starting.size >= this.#maxPeers) {
      throw new LabError('ERR_LAB_LIMIT', `at most ${this.#maxPeers} lab peers may run at once; stop one first`);
    }
    const number = this.#nextPeer++;
    const id = `p${number}`;
    // The first candidate port is drawn now (synchronously) so parallel starts stay deterministic.
    const first = this.#drawPort();
    let usedFirst = false;
    const nextPort = (): number => {
      if (!usedFirst) {
        usedFirst = true;
        return first;
      }
      return this.#drawPort();
    };
    const starting = Peer.start({
      id,
      behaviour,
      host: behaviour === 'misbehave' ? misbehaveHost(number) : HOST,
      nextPort,
      timings: this.timings,
      rng: createRng(this.seed, `peer:${id}`),
      autoOpen: !this.#attached,
      onChange: () => this.#changed(),
    });
    this.#starting.add(starting);
    let peer: Peer;
    try {
      peer = await starting;
    } finally {
      this.#starting.delete(starting);
    }
    // Re-check after the await: the lab may have been stopped meanwhile.
    if (this.#stopPromise) {
      await peer.stop();
      throw stoppedError();
    }
    this.#usedPorts.add(peer.port);
    this.#peers.set(id, peer);
    this.#peersByAddr.set(peer.addr, peer);
    if (inBook) this.#book.add(peer.addr);
    this.#changed();
    return peer;
  }

  /** A seeded port in range, not yet used by this lab. */
  #drawPort(): number {
    const [min, max] = this.#portRange;
    for (;;) {
      const port = this.#portRng.int(min, max);
      if (!this.#usedPorts.has(port)) {
        this.#usedPorts.add(port);
        return port;
      }
    }
  }

  #trimStopped(): void {
    const stopped = [...this.#peers.values()].filter((p) => p.state === 'stopped');
    for (const p of stopped.slice(0, Math.max(0, stopped.length - this.#maxStoppedPeers))) {
      this.#peers.delete(p.id);
      if (this.#peersByAddr.get(p.addr) === p) this.#peersByAddr.delete(p.addr);
      this.#usedPorts.delete(p.port);
    }
  }

  #setAttached(on: boolean): void {
    this.#attached = on;
    for (const p of this.#peers.values()) p.setAutoOpen(!on);
  }

  #onConnState(e: ConnStateEvent): void {
    if (!this.#book.has(e.addr)) return; // inbound (ephemeral ports) or not a lab address
    const live = e.to === 'pending' || e.to === 'established' || e.to === 'failing';
    this.#book.setInUse(e.addr, live);
    if (e.to === 'established') this.#book.markGood(e.addr);
    if (e.to === 'pending') this.#peersByAddr.get(e.addr)?.dialStarted();
  }

  /** Coalesces notifications: at most one per `changeThrottleMs`. */
  #changed(): void {
    if (this.#changeTimer || this.#stopPromise || this.#changeListeners.size === 0) return;
    this.#changeTimer = setTimeout(() => {
      this.#changeTimer = undefined;
      this.#emitChange();
    }, this.#changeThrottleMs);
  }

  #emitChange(): void {
    if (this.#changeListeners.size === 0) return;
    const state = this.state();
    for (const listener of [...this.#changeListeners]) {
      try {
        listener(state);
      } catch {
        // A throwing listener must not break the lab (nor the others).
      }
    }
  }
}

function lessonField(lesson: LessonState | undefined): Pick<LabState, 'lesson'> {
  return lesson ? { lesson } : {};
}

function checkBehaviour(behaviour: unknown): asserts behaviour is PeerBehaviour {
  if (!(PEER_BEHAVIOURS as readonly unknown[]).includes(behaviour)) {
    throw new TypeError(`unknown behaviour ${JSON.stringify(behaviour)}; use one of ${PEER_BEHAVIOURS.join(', ')}`);
  }
}

function idNumber(peerId: string): number {
  return Number(peerId.slice(1));
}

function byId(peers: Peer[]): Peer[] {
  return peers.sort((a, b) => idNumber(a.id) - idNumber(b.id));
}

function stoppedError(): LabError {
  return new LabError('ERR_LAB_STOPPED', 'the lab is stopped; start a new one');
}
