/**
 * `ConnManager`: keeps outbound connections at a target, retries persistent peers, admits inbound
 * connections under a limit, kicks idle ones, and shuts down cleanly — on real sockets.
 * The README's "Rules, and the choices where the spec left room" is the rule book; rule numbers in comments refer to it.
 *
 * Ownership, as in dcrd: a connection record lives in the registry (registry.ts) from its first
 * transition until a final one; which of its fields are set *is* its state (conn-record.ts):
 *   pending      → `dial` (how to abort it, a token and the dial-timeout timer)
 *   established  → `socket` (and `idleTimer` when idle kicks are on)
 *   failing      → `retryTimer`
 * Every state change goes through `#transition`, which checks the table of states.ts, updates the
 * counters, and only then emits the event (rule 9: state is updated before listeners run).
 *
 * The policies decide, the manager transitions: automatic outbound is outbound-filler.ts (rule 1),
 * the persistent retry decision retry.ts (rule 2), the inbound listeners, limit and pause
 * inbound-gate.ts (rules 3 and 6; per-host admission inbound-admission.ts), idle kicks idle.ts
 * (rule 7), what is held open resources.ts (rule 8), and the ban score bans.ts (rule 11). The
 * records and their counts are registry.ts. Around the transitions: which ending fits a record's
 * state is lifecycle.ts, the sockets of established connections sockets.ts, the counters and
 * snapshot stats.ts, live rule changes live-config.ts, the dials and their timeouts dials.ts.
 * What stays here is the transitions, what a dial's outcome means, `connect()`'s waiters, and the
 * public API.
 *
 * With `onConnection`, an established socket is shared: the application reads and writes it, the
 * manager never reads it (bytes and activity come from the socket's counters) and still closes it
 * for its own reasons; who closed it first is told apart in handoff.ts.
 */
import type { Socket } from 'node:net';
import { hostOf, normalizeAddress, normalizeHost } from './address.ts';
import { BanKeeper, type PenaltyInput } from './bans.ts';
import { addWaiter, infoNow, newRecord, stateEvent } from './conn-record.ts';
import type { ConnRecord, PendingDial } from './conn-record.ts';
import { SafeEmitter, type Listener } from './emitter.ts';
import { Dials } from './dials.ts';
import { canceledError, ConnMgrError, dialError, shutdownError } from './errors.ts';
import { IdleTimer } from './idle.ts';
import { InboundGate } from './inbound-gate.ts';
import { endLive, endRequest, retriesAfterClose, settleWaiter, type Enders, type RetryEnd } from './lifecycle.ts';
import { applyLive, checkTarget, type LiveHost } from './live-config.ts';
import { configView, resolveOptions, type ConnManagerOptions, type LiveOptions, type ResolvedOptions } from './options.ts';
import { OutboundFiller, reportToAddressBook } from './outbound-filler.ts';
import { Registry } from './registry.ts';
import { ResourceTracker, STOP_DIAL_GRACE_MS } from './resources.ts';
import { decideRetry } from './retry.ts';
import { transitionRule, type OutboundCause } from './rule-ids.ts';
import { SocketWiring } from './sockets.ts';
import { assertTransition, isFinal, type ConnState } from './states.ts';
import { buildSnapshot, buildStats, newTotals, type StatsSources } from './stats.ts';
import type { BanInfo, ConnInfo, ConnManagerConfig, ConnManagerEvents, ConnReason, ConnSnapshot, ConnStats, HostScore } from './types.ts';
import type { ConnType, ListenerInfo, ManagerState, OpenResources } from './types.ts';

export class ConnManager {
  readonly #opts: ResolvedOptions;
  readonly #emitter: SafeEmitter<ConnManagerEvents>;
  readonly #resources: ResourceTracker;
  readonly #outbound: OutboundFiller;
  readonly #inbound: InboundGate;
  readonly #idle: IdleTimer;
  readonly #bans: BanKeeper;
  readonly #sockets: SocketWiring;
  /** The dials of pending records and their timeouts (dials.ts). */
  readonly #dials: Dials;
  readonly #live: LiveHost;
  readonly #statsFrom: StatsSources;
  /** How lifecycle.ts ends a record: the manager's three endings, bound once. */
  readonly #enders: Enders = {
    cancelPending: (rec, reason) => this.#cancelPending(rec, reason),
    closeSocket: (rec, reason) => this.#sockets.close(rec, reason),
    cancelRetry: (rec, reason) => this.#cancelRetry(rec, reason),
  };
  #state: ManagerState = 'idle';
  #stopPromise?: Promise<void>;
  #startPromise?: Promise<void>;
  #targetOutbound: number;

  #nextId = 1;
  readonly #conns = new Registry();
  readonly #totals = newTotals();

  /** @throws TypeError for an invalid option, naming it. */
  constructor(options: ConnManagerOptions = {}) {
    this.#opts = resolveOptions(options);
    this.#targetOutbound = this.#opts.targetOutbound;
    this.#emitter = new SafeEmitter((name, err) => {
      this.#opts.logger.warn(`connmgr: a '${String(name)}' listener threw; ignored`, err);
    });
    this.#resources = new ResourceTracker(this.#opts.clock);
    this.#dials = new Dials(this.#opts, this.#resources, {
      now: () => this.#now(),
      succeeded: (dial, socket) => this.#onDialSucceeded(dial, socket),
      failed: (dial, reason, code, err) => this.#onDialFailed(dial, reason, code, err),
    });
    this.#idle = new IdleTimer(
      this.#opts,
      this.#resources,
      () => this.#now(),
      (rec) => {
        this.#totals.idleKicks += 1;
        this.#sockets.close(rec, 'idle-timeout');
      },
    );
    this.#bans = new BanKeeper(this.#opts, this.#resources, {
      now: () => this.#now(),
      emit: (name, event) => this.#emitter.emit(name, event),
      warn: (message) => this.#opts.logger.warn(message),
      enforce: (host) => this.#enforceBan(host),
    });
    // What both policies may ask of the manager; each decides, the manager performs.
    const view = {
      running: () => this.#state === 'running',
      inUse: (addr: string) => this.#conns.atAddr(addr) !== undefined,
      isBanned: (host: string) => this.#bans.isBanned(host),
      isAllowed: (host: string) => this.#bans.isAllowed(host),
      warn: (message: string) => this.#opts.logger.warn(message),
      now: () => this.#now(),
    };
    const book = this.#opts.addressBook;
    if (book) {
      this.#emitter.on('conn:state', (e) => reportToAddressBook(book, e));
      book.setBanCheck?.((addr) => this.#bans.isBanned(hostOf(addr)));
    }
    this.#outbound = new OutboundFiller(this.#opts, this.#resources, {
      ...view,
      count: () => this.#conns.countOf('outbound'),
      target: () => this.#targetOutbound,
      dial: (addr, cause) => this.#startDial(this.#newRecord('outbound', false, addr, cause), 'requested'),
      throttled: (event) => this.#emitter.emit('outbound:throttled', { ...event, at: this.#now() }),
    });
    this.#inbound = new InboundGate(this.#opts, this.#resources, {
      ...view,
      count: () => this.#conns.countOf('inbound'),
      admit: (socket, remote) => this.#admit(socket, remote),
      rejected: (event) => this.#emitter.emit('inbound:rejected', { ...event, at: this.#now() }),
      listenerState: (event) => this.#emitter.emit('listener:state', { ...event, at: this.#now() }),
    });
    this.#sockets = new SocketWiring(this.#opts, this.#resources, this.#idle, {
      now: () => this.#now(),
      closed: (rec, reason, code) => this.#onEstablishedClosed(rec, reason, code),
    });
    this.#live = {
      opts: this.#opts,
      getTarget: () => this.#targetOutbound,
      setTarget: (n) => {
        this.#targetOutbound = n;
      },
      changed: (changed) => this.#emitter.emit('config:changed', { ...changed, at: this.#now() }),
      rearmIdle: () => this.#idle.rearmAll(this.#conns.values()),
      reconsiderInbound: () => this.#inbound.reconsider(),
      refill: () => this.#outbound.fill('outbound-fill'),
    };
    this.#statsFrom = {
      registry: this.#conns,
      totals: this.#totals,
      opts: this.#opts,
      inbound: this.#inbound,
      outbound: this.#outbound,
      bans: this.#bans,
    };
  }

  // ---- public API ----------------------------------------------------------------------

  /** Subscribes to a typed event; returns the unsubscribe function. Listeners may throw safely. */
  on<K extends keyof ConnManagerEvents>(name: K, listener: Listener<ConnManagerEvents[K]>): () => void {
    return this.#emitter.on(name, listener);
  }

  off<K extends keyof ConnManagerEvents>(name: K, listener: Listener<ConnManagerEvents[K]>): void {
    this.#emitter.off(name, listener);
  }

  get state(): ManagerState {
    return this.#state;
  }

  /**
   * Binds the listeners and starts automatic outbound. A second call is a no-op.
   * @throws ConnMgrError `ERR_LISTEN_FAILED` (with `sysCode`, e.g. `EADDRINUSE`), `ERR_SHUTDOWN`.
   */
  start(): Promise<void> {
    // One start: a second call while the first is still binding shares it (a second bind of the
    // same servers would fail and close the first call's listeners).
    if (this.#state === 'running') return Promise.resolve();
    if (this.#state !== 'idle') return Promise.reject(shutdownError());
    this.#startPromise ??= this.#start();
    return this.#startPromise;
  }

  async #start(): Promise<void> {
    await this.#inbound.listen();
    if (this.#state !== 'idle') {
      // stop() ran while we were binding.
      await this.#inbound.close();
      throw shutdownError();
    }
    this.#setManagerState('running');
    this.#inbound.reconsider(); // maxInbound 0 under 'pause': never accept
    this.#outbound.fill('outbound-fill');
  }

  /**
   * Dials `addr` once (type `manual`); resolves with the connection once established.
   * @throws ConnMgrError `ERR_INVALID_ADDRESS`, `ERR_DUPLICATE_PERSISTENT`, `ERR_ALREADY_PENDING`,
   *   `ERR_ALREADY_CONNECTED`, `ERR_DIAL_FAILED` (with `sysCode`), `ERR_DIAL_TIMEOUT`,
   *   `ERR_ABORTED` (signal fired, or disconnected/removed while pending), `ERR_BANNED` (the host is
   *   banned, or was banned while pending), `ERR_SHUTDOWN`.
   */
  connect(addr: string, options: { signal?: AbortSignal } = {}): Promise<ConnInfo> {
    // Not `async`: the promise is the waiter's own, not one more wrapped around it. A refusal
    // still comes as a rejection, never a throw.
    try {
      return this.#connect(addr, options.signal);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #connect(addr: string, signal: AbortSignal | undefined): Promise<ConnInfo> {
    this.#assertUsable();
    const normalized = normalizeAddress(addr);
    this.#conns.assertFree(normalized);
    this.#bans.assertNotBanned(normalized);
    if (signal?.aborted) throw new ConnMgrError('ERR_ABORTED', `connect to ${normalized} aborted before it started`);
    const rec = this.#newRecord('manual', false, normalized);
    const result = addWaiter(rec, signal, () => {
      if (rec.state === 'pending') this.#cancelPending(rec, 'aborted');
    });
    this.#startDial(rec, 'requested');
    return result;
  }

  /**
   * Adds a persistent peer (type `manual`, `persistent: true`), dialed at once and retried
   * forever with backoff; its id stays the same across reconnects.
   * @throws ConnMgrError `ERR_INVALID_ADDRESS`, a duplicate code, `ERR_BANNED`, `ERR_MAX_PERSISTENT`, `ERR_SHUTDOWN`.
   */
  addPersistent(addr: string): number {
    this.#assertUsable();
    const normalized = normalizeAddress(addr);
    this.#conns.assertFree(normalized);
    this.#bans.assertNotBanned(normalized);
    if (this.#conns.persistentEntries >= this.#opts.maxPersistent) {
      throw new ConnMgrError(
        'ERR_MAX_PERSISTENT',
        `cannot add ${normalized}: all ${this.#opts.maxPersistent} persistent slots are taken (remove one first)`,
      );
    }
    const rec = this.#newRecord('manual', true, normalized);
    this.#startDial(rec, 'requested');
    return rec.id;
  }

  /**
   * Closes an established connection or cancels a pending dial; the rules may reconnect
   * (a persistent entry retries after its backoff, an automatic one is replaced).
   * @throws ConnMgrError `ERR_NOT_FOUND`, `ERR_SHUTDOWN`.
   */
  disconnect(id: number): void {
    this.#assertUsable();
    endRequest(this.#conns.mustGet(id), 'local-disconnect', this.#enders);
  }

  /**
   * Like `disconnect`, and forgets the request: never retried; a persistent slot is freed.
   * @throws ConnMgrError `ERR_NOT_FOUND`, `ERR_SHUTDOWN`.
   */
  remove(id: number): void {
    this.#assertUsable();
    endRequest(this.#conns.mustGet(id), 'local-remove', this.#enders);
  }

  /**
   * Changes how many automatic outbound connections to keep. Raising it dials at once; lowering it
   * closes nothing, but closed ones are no longer replaced until below the new target.
   * @throws ConnMgrError `ERR_INVALID_ARGUMENT`, `ERR_SHUTDOWN`.
   */
  setTargetOutbound(n: number): void {
    this.#assertUsable();
    this.configure({ targetOutbound: checkTarget(n) });
  }

  /**
   * Changes rules at run time (README "Changing the rules live"): the target, the backoff (kind,
   * step, cap), the dial and idle timeouts, the inbound limit and policy. Only what differs from
   * now changes, and one `config:changed` event lists it. What is already scheduled keeps its
   * time (a waiting retry, a pending dial's timeout); what comes next follows the new rules. The
   * idle timeout is re-armed at once for every connection, and the inbound limit and policy take
   * effect at once (pause or resume accepting), closing nothing. Returns what changed.
   * @throws ConnMgrError `ERR_INVALID_ARGUMENT` (naming the option), `ERR_SHUTDOWN`.
   */
  configure(patch: LiveOptions): LiveOptions {
    this.#assertUsable();
    return applyLive(this.#live, patch);
  }

  // ---- ban score (README "Ban score", rule 11) ------------------------------------------------

  /**
   * Adds to the ban score of connection `id`'s host: `persistent` for good, `transient` fading
   * (halving every `banHalfLifeMs`). At `banThreshold` the host is banned for `banDurationMs`
   * (never a host of `allowHosts`), which closes this connection and every other of its host.
   * @throws ConnMgrError `ERR_NOT_FOUND`, `ERR_INVALID_ARGUMENT`, `ERR_SHUTDOWN`.
   */
  penalize(id: number, penalty: PenaltyInput): { score: number; banned: boolean } {
    this.#assertUsable();
    const rec = this.#conns.mustGet(id);
    const { score, banned } = this.#bans.penalize(hostOf(rec.addr), rec.id, penalty);
    return { score, banned };
  }

  /**
   * Bans `host` (an IP address or a name, no port) for `durationMs` (default `banDurationMs`); a ban
   * in force is replaced. Its connections close with reason `banned`. Returns the ban.
   * @throws ConnMgrError `ERR_INVALID_ADDRESS`, `ERR_INVALID_ARGUMENT` (a bad duration, or a host of
   *   `allowHosts`, which is never banned), `ERR_SHUTDOWN`.
   */
  ban(host: string, options: { durationMs?: number; reason?: string } = {}): BanInfo {
    this.#assertUsable();
    return this.#bans.ban(normalizeHost(host), options);
  }

  /**
   * Lifts `host`'s ban and forgets its score; returns whether it was banned.
   * @throws ConnMgrError `ERR_INVALID_ADDRESS`, `ERR_SHUTDOWN`.
   */
  unban(host: string): boolean {
    this.#assertUsable();
    return this.#bans.unban(normalizeHost(host));
  }

  /** Bans in force, soonest to end first. */
  bans(): BanInfo[] {
    return this.#bans.bans().map((b) => ({ ...b }));
  }

  /** `host`'s ban score now (0 if never penalized, or faded). @throws ConnMgrError `ERR_INVALID_ADDRESS`. */
  score(host: string): number {
    return this.#bans.score(normalizeHost(host));
  }

  /** Every host with a ban score above 0, highest first. */
  scores(): HostScore[] {
    return this.#bans.scores();
  }

  /**
   * The manager's clock, in ms: the time every event's `at` and every `retryAt` is on (the wall
   * clock unless an injected clock says otherwise, e.g. a slowed-down one in the lab).
   */
  now(): number {
    return this.#now();
  }

  /** The connection with this id, or undefined once it has ended. */
  get(id: number): ConnInfo | undefined {
    const rec = this.#conns.get(id);
    return rec ? this.#info(rec) : undefined;
  }

  /** Every live connection (pending, established, failing), by id. */
  list(): ConnInfo[] {
    return [...this.#conns.values()].map((rec) => this.#info(rec));
  }

  listeners(): ListenerInfo[] {
    return this.#inbound.info();
  }

  config(): ConnManagerConfig {
    return configView(this.#opts, this.#targetOutbound);
  }

  stats(): ConnStats {
    return buildStats(this.#statsFrom, this.#targetOutbound);
  }

  snapshot(): ConnSnapshot {
    return buildSnapshot(this);
  }

  /** What the manager still holds; every number is 0 once `stop()` has resolved. */
  openResources(): OpenResources {
    const held = this.#resources.counts();
    return { conns: this.#conns.size, ...held, timers: held.timers + this.#dials.timers, listeners: this.#inbound.openCount() };
  }

  /**
   * Closes listeners, cancels every dial and timer, closes every connection (each emits its final
   * transition with reason `shutdown`) and resolves when nothing is left open. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopPromise ??= this.#shutdown();
    return this.#stopPromise;
  }

  // ---- transitions -----------------------------------------------------------------------

  #transition(rec: ConnRecord, to: ConnState, reason: ConnReason, extra: { code?: string; retryAt?: number; at?: number } = {}): void {
    const from = rec.state;
    assertTransition(from, to);
    // `at` may be given so that `retryAt − at` is exactly the backoff, however busy the loop.
    const at = extra.at ?? this.#now();
    rec.state = to;
    rec.reason = reason;
    rec.retryAt = to === 'failing' ? extra.retryAt : undefined;
    this.#conns.record(rec, from, to, reason);
    if (to === 'established') rec.establishedAt = at;
    if (isFinal(to)) rec.endedAt = at;
    if (this.#emitter.listenerCount('conn:state') === 0) return; // no one to build the event for
    const rule = transitionRule({ type: rec.type, persistent: rec.persistent, to, reason, outboundCause: rec.outboundCause });
    this.#emitter.emit('conn:state', stateEvent(rec, from, rule, extra.code, at));
  }

  #newRecord(type: ConnType, persistent: boolean, addr: string, outboundCause?: OutboundCause): ConnRecord {
    const rec = newRecord(this.#nextId++, type, persistent, addr, this.#now());
    if (outboundCause) rec.outboundCause = outboundCause;
    this.#conns.add(rec);
    return rec;
  }

  /** The inbound gate admitted `socket` (rules 3 and 6): a record, established at once. */
  #admit(socket: Socket, remote: string): () => void {
    const rec = this.#newRecord('inbound', false, remote);
    this.#sockets.adopt(rec, socket);
    this.#transition(rec, 'established', 'accepted');
    return () => this.#sockets.handOff(rec, socket);
  }

  // ---- dialing -------------------------------------------------------------------------------

  #startDial(rec: ConnRecord, reason: 'requested' | 'retry'): void {
    this.#transition(rec, 'pending', reason);
    this.#dialIfStillPending(rec);
  }

  /** After the `pending` event: its listeners may have removed the request or stopped us (rule 9). */
  #dialIfStillPending(rec: ConnRecord): void {
    if (rec.state !== 'pending' || rec.dial) return;
    this.#totals.dials += 1;
    this.#dials.start(rec);
  }

  #onDialSucceeded(dial: PendingDial, socket: Socket): void {
    const rec = dial.rec;
    // Re-check: the request may have been canceled, timed out or shut down meanwhile.
    if (!this.#dials.take(dial) || this.#state === 'stopping' || this.#state === 'stopped') {
      this.#resources.discard(socket);
      return;
    }
    if (socket.destroyed) {
      this.#afterDialFailure(rec, 'dial-error', undefined, new Error('dialer returned a closed socket'));
      return;
    }
    this.#totals.established += 1;
    this.#sockets.adopt(rec, socket);
    this.#transition(rec, 'established', 'dial-succeeded');
    this.#sockets.handOff(rec, socket);
    if (rec.type === 'outbound') this.#outbound.succeeded();
    settleWaiter(rec, (w) => w.resolve(this.#info(rec)));
  }

  #onDialFailed(dial: PendingDial, reason: ConnReason, code: string | undefined, err?: Error): void {
    if (!this.#dials.take(dial)) return;
    this.#afterDialFailure(dial.rec, reason, code, err);
  }

  #afterDialFailure(rec: ConnRecord, reason: ConnReason, code: string | undefined, err?: Error): void {
    this.#totals.failedDials += 1;
    if (rec.persistent) {
      this.#retryPersistent(rec, reason, code, false);
      return;
    }
    this.#transition(rec, 'canceled', reason, code === undefined ? {} : { code });
    settleWaiter(rec, (w) => w.reject(dialError(rec.addr, reason, code, err, this.#opts.dialTimeoutMs)));
    if (rec.type === 'outbound') this.#outbound.failed();
  }

  /** Rule 2: retry.ts decides (redial at once, or wait the backoff); this performs it. */
  #retryPersistent(rec: ConnRecord, reason: ConnReason, code: string | undefined, wasEstablished: boolean): void {
    const now = this.#now();
    const decision = decideRetry(this.#opts, { attempt: rec.attempt, lastAttemptAt: rec.lastAttemptAt, now, wasEstablished, reason });
    rec.attempt = decision.attempt;
    const withCode = code === undefined ? {} : { code };
    if (decision.kind === 'redial') {
      this.#transition(rec, 'pending', reason, withCode);
      this.#totals.retries += 1;
      this.#dialIfStillPending(rec);
      return;
    }
    rec.retryTimer = this.#resources.setTimer(() => {
      rec.retryTimer = undefined;
      if (rec.state !== 'failing') return;
      this.#totals.retries += 1;
      this.#startDial(rec, 'retry');
    }, decision.delayMs);
    this.#transition(rec, 'failing', reason, { retryAt: decision.retryAt, at: now, ...withCode });
  }

  /**
   * Aborts a pending dial; the request then follows the reason's rule. No dial yet means we are
   * inside the `pending` event's listeners: the request ends all the same, and is never dialed.
   */
  #cancelPending(rec: ConnRecord, reason: ConnReason): void {
    if (rec.state !== 'pending') return;
    this.#dials.abort(rec, reason);
    if (rec.persistent && reason === 'local-disconnect') {
      this.#retryPersistent(rec, reason, undefined, false);
      return;
    }
    this.#transition(rec, 'canceled', reason);
    settleWaiter(rec, (w) => w.reject(canceledError(rec.addr, reason)));
    if (rec.type === 'outbound' && reason !== 'shutdown') this.#outbound.fill('replace-failed-outbound');
  }

  /** A persistent entry waiting to retry is removed or shut down: its timer goes, it ends. */
  #cancelRetry(rec: ConnRecord, reason: RetryEnd): void {
    this.#resources.clearTimer(rec.retryTimer);
    rec.retryTimer = undefined;
    this.#transition(rec, 'canceled', reason);
  }

  /**
   * Rule 11: every request and connection of a banned host ends, with reason `banned` — pending
   * dials are canceled, persistent entries end for good (a banned host is not retried), open
   * connections close.
   */
  #enforceBan(host: string): void {
    for (const rec of [...this.#conns.values()]) if (hostOf(rec.addr) === host) endLive(rec, 'banned', this.#enders);
  }

  /** An established connection's socket closed (sockets.ts): rule 2 retries it, else it ends; its slot frees. */
  #onEstablishedClosed(rec: ConnRecord, reason: ConnReason, code: string | undefined): void {
    if (retriesAfterClose(rec, reason, this.#state === 'stopping')) this.#retryPersistent(rec, reason, code, true);
    else this.#transition(rec, 'disconnected', reason, code === undefined ? {} : { code });
    if (rec.type === 'inbound') {
      this.#inbound.released(rec.addr);
      this.#inbound.reconsider();
    }
    if (rec.type === 'outbound') this.#outbound.fill('replace-failed-outbound');
  }

  // ---- shutdown (rule 8) -------------------------------------------------------------------

  async #shutdown(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#setManagerState('stopping');
    const listenersClosed = this.#inbound.close();
    this.#outbound.stop();
    this.#bans.stop();
    for (const rec of [...this.#conns.values()]) endLive(rec, 'shutdown', this.#enders);
    this.#resources.destroyAllSockets();
    // Dialers were aborted: wait (a moment at most) for them to settle so that a late socket is
    // closed too; one that brings a socket after that finds it destroyed on sight.
    await this.#resources.settleDials(STOP_DIAL_GRACE_MS);
    this.#resources.release();
    this.#dials.clear();
    await Promise.all([listenersClosed, this.#resources.socketsClosed()]);
    this.#setManagerState('stopped');
  }

  // ---- helpers -----------------------------------------------------------------------------

  #setManagerState(state: ManagerState): void {
    this.#state = state;
    this.#emitter.emit('manager:state', { state, at: this.#now() });
  }

  #assertUsable(): void {
    if (this.#state === 'stopping' || this.#state === 'stopped') throw shutdownError();
  }

  /** The public copy, its activity noted first (`lastActivityAt` never older than the byte counts). */
  #info(rec: ConnRecord): ConnInfo {
    return infoNow(rec, this.#now());
  }

  #now(): number {
    return this.#opts.clock.now();
  }
}
