/**
 * `ConnManager`: keeps outbound connections at a target, retries persistent peers, admits inbound
 * connections under a limit, kicks idle ones, and shuts down cleanly — on real sockets.
 * The README's "Rules, and the choices where the spec left room" is the rule book; rule numbers in comments refer to it.
 *
 * Ownership, as in dcrd: a connection record lives in `#conns` (and `#byAddr`) from its first
 * transition until a final one; which of its fields are set *is* its state:
 *   pending      → `dial` (an AbortController, a token and the dial-timeout timer)
 *   established  → `socket` (and `idleTimer` when idle kicks are on)
 *   failing      → `retryTimer`
 * Every state change goes through `#transition`, which checks the table of states.ts, updates the
 * counters, and only then emits the event (rule 9: state is updated before listeners run).
 *
 * With `onConnection`, an established socket is shared: the application reads and writes it, the
 * manager never reads it (bytes and activity come from the socket's counters) and still closes it
 * for its own reasons; who closed it first is told apart in handoff.ts.
 */
import type { Socket } from 'node:net';
import { formatAddress, normalizeAddress } from './address.ts';
import { backoffDelayMs } from './backoff.ts';
import { SafeEmitter, type Listener } from './emitter.ts';
import { ConnMgrError } from './errors.ts';
import { watchLocalClose } from './handoff.ts';
import { ListenerSet } from './listener-set.ts';
import { transitionRule, type OutboundCause, type RuleId } from './rule-ids.ts';
import { checkLivePatch, resolveOptions, type ConnManagerOptions, type LiveOptions, type ResolvedOptions } from './options.ts';
import { assertTransition, isFinal, type ConnState, type LiveConnState } from './states.ts';
import type {
  ConnInfo,
  ConnManagerConfig,
  ConnManagerEvents,
  ConnReason,
  ConnSnapshot,
  ConnStats,
  ConnType,
  ListenerInfo,
  ManagerState,
  OpenResources,
  RejectReason,
} from './types.ts';

interface PendingDial {
  readonly token: number;
  readonly controller: AbortController;
  timer: unknown;
}

interface Waiter {
  resolve(info: ConnInfo): void;
  reject(err: ConnMgrError): void;
}

interface ConnRecord {
  readonly id: number;
  readonly type: ConnType;
  readonly persistent: boolean;
  readonly addr: string;
  state: ConnState | null;
  attempt: number;
  retryAt?: number;
  readonly createdAt: number;
  establishedAt?: number;
  endedAt?: number;
  reason?: ConnReason;
  /** Bytes of earlier sockets of the same (persistent) entry; the current one's are on it. */
  bytesInBefore: number;
  bytesOutBefore: number;
  lastActivityAt: number;
  /**
   * The socket's `bytesRead`/`bytesWritten` when activity was last noted. Bytes the manager does
   * not see one by one (its own writes, and everything the application moves) show up as a
   * change of these counters (rule 7).
   */
  seenRead: number;
  seenWritten: number;
  localAddr: string | null;
  /** When the latest dial started: the stable-connection rule measures from here (rule 2). */
  lastAttemptAt: number;
  /** Automatic only: why the filler dialed it (its first transition's rule). */
  outboundCause?: OutboundCause;
  dial?: PendingDial;
  socket?: Socket;
  /** Why we are closing the socket ourselves; unset means the remote side (or the app) closed it. */
  closing?: ConnReason;
  /** The application ended or destroyed the current socket first (see handoff.ts). */
  appClosed?: boolean;
  socketError?: NodeJS.ErrnoException;
  retryTimer?: unknown;
  idleTimer?: unknown;
  /** `connect()`'s promise, for manual one-shot requests. */
  waiter?: Waiter;
}

export class ConnManager {
  readonly #opts: ResolvedOptions;
  readonly #emitter: SafeEmitter<ConnManagerEvents>;
  readonly #listeners: ListenerSet;
  #state: ManagerState = 'idle';
  #stopPromise?: Promise<void>;
  #startPromise?: Promise<void>;
  #targetOutbound: number;

  #nextId = 1;
  #nextDialToken = 1;
  readonly #conns = new Map<number, ConnRecord>();
  /** Live records by exact address: one connection per `host:port` (rule 3). */
  readonly #byAddr = new Map<string, ConnRecord>();
  readonly #countByType: Record<ConnType, number> = { inbound: 0, outbound: 0, manual: 0 };
  readonly #countByState: Record<LiveConnState, number> = { pending: 0, established: 0, failing: 0 };
  #persistentEntries = 0;

  /** Every socket we own until its 'close' (admitted, shed, or dialed after cancel). */
  readonly #sockets = new Map<Socket, Promise<void>>();
  /** Dial promises not yet settled (a dialer may settle after we stopped waiting for it). */
  readonly #inflightDials = new Set<Promise<unknown>>();
  readonly #timers = new Set<unknown>();

  // automatic outbound (rule 1)
  #addressRequests = 0;
  #consecutiveFailures = 0;
  #throttleTimer: unknown;

  // inbound pause (rule 6)
  #pausedSince: number | null = null;
  /** The rule of the latest pause of accepting (rule 6), carried by its listener events. */
  #pauseRule: RuleId | undefined;
  #pausedForExhaustion = false;
  #exhaustionTimer: unknown;

  readonly #totals = {
    dials: 0,
    established: 0,
    failedDials: 0,
    accepted: 0,
    retries: 0,
    idleKicks: 0,
    listenDisabledNum: 0,
    timeInListenDisabledMs: 0,
    throttledAttempts: 0,
  };
  readonly #rejected: Record<RejectReason, number> = { limit: 0, duplicate: 0, shutdown: 0 };
  readonly #disconnects: Partial<Record<ConnReason, number>> = {};

  /** @throws TypeError for an invalid option, naming it. */
  constructor(options: ConnManagerOptions = {}) {
    this.#opts = resolveOptions(options);
    this.#targetOutbound = this.#opts.targetOutbound;
    this.#emitter = new SafeEmitter((name, err) => {
      this.#opts.logger.warn(`connmgr: a '${String(name)}' listener threw; ignored`, err);
    });
    this.#listeners = new ListenerSet(this.#opts.listen, {
      onConnection: (socket, listener) => this.#onInbound(socket, listener),
      onState: (address, state, reason) =>
        this.#emitter.emit('listener:state', {
          address,
          state,
          ...(reason === undefined ? {} : { reason }),
          // A pause, and the later listening again, carry the rule that paused (after start(),
          // 'listening' only ever follows a pause).
          ...(this.#pauseRule !== undefined && (state === 'paused' || state === 'listening') ? { rule: this.#pauseRule } : {}),
          at: this.#now(),
        }),
      onAcceptExhausted: (address, code) => this.#onAcceptExhausted(address, code),
    });
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
    await this.#listeners.start();
    if (this.#state !== 'idle') {
      // stop() ran while we were binding.
      await this.#listeners.close();
      throw shutdownError();
    }
    this.#setManagerState('running');
    if (this.#opts.inboundPolicy === 'pause' && this.#countByType.inbound >= this.#opts.maxInbound) {
      this.#pauseAccepting('limit'); // maxInbound 0: never accept
    }
    this.#fillOutbound('outbound-fill');
  }

  /**
   * Dials `addr` once (type `manual`); resolves with the connection once established.
   * @throws ConnMgrError `ERR_INVALID_ADDRESS`, `ERR_DUPLICATE_PERSISTENT`, `ERR_ALREADY_PENDING`,
   *   `ERR_ALREADY_CONNECTED`, `ERR_DIAL_FAILED` (with `sysCode`), `ERR_DIAL_TIMEOUT`,
   *   `ERR_ABORTED` (signal fired, or disconnected/removed while pending), `ERR_SHUTDOWN`.
   */
  async connect(addr: string, options: { signal?: AbortSignal } = {}): Promise<ConnInfo> {
    this.#assertUsable();
    const normalized = normalizeAddress(addr);
    this.#assertNotDuplicate(normalized);
    const { signal } = options;
    if (signal?.aborted) throw new ConnMgrError('ERR_ABORTED', `connect to ${normalized} aborted before it started`);
    const rec = this.#newRecord('manual', false, normalized);
    const result = new Promise<ConnInfo>((resolve, reject) => {
      rec.waiter = { resolve, reject };
    });
    if (signal) {
      const onAbort = (): void => {
        if (rec.state === 'pending') this.#cancelPending(rec, 'aborted');
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const cleanup = (): void => signal.removeEventListener('abort', onAbort);
      result.then(cleanup, cleanup);
    }
    this.#startDial(rec, 'requested');
    return result;
  }

  /**
   * Adds a persistent peer (type `manual`, `persistent: true`), dialed at once and retried
   * forever with backoff; its id stays the same across reconnects.
   * @throws ConnMgrError `ERR_INVALID_ADDRESS`, a duplicate code, `ERR_MAX_PERSISTENT`, `ERR_SHUTDOWN`.
   */
  addPersistent(addr: string): number {
    this.#assertUsable();
    const normalized = normalizeAddress(addr);
    this.#assertNotDuplicate(normalized);
    if (this.#persistentEntries >= this.#opts.maxPersistent) {
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
    const rec = this.#mustGet(id);
    this.#endRequest(rec, 'local-disconnect');
  }

  /**
   * Like `disconnect`, and forgets the request: never retried; a persistent slot is freed.
   * @throws ConnMgrError `ERR_NOT_FOUND`, `ERR_SHUTDOWN`.
   */
  remove(id: number): void {
    this.#assertUsable();
    const rec = this.#mustGet(id);
    this.#endRequest(rec, 'local-remove');
  }

  /**
   * Changes how many automatic outbound connections to keep. Raising it dials at once; lowering it
   * closes nothing, but closed ones are no longer replaced until below the new target.
   * @throws ConnMgrError `ERR_INVALID_ARGUMENT`, `ERR_SHUTDOWN`.
   */
  setTargetOutbound(n: number): void {
    this.#assertUsable();
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new ConnMgrError('ERR_INVALID_ARGUMENT', `target outbound must be an integer >= 0, got ${JSON.stringify(n)}`);
    }
    this.configure({ targetOutbound: n });
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
    const changed = checkLivePatch({ ...this.#opts, targetOutbound: this.#targetOutbound }, patch);
    if (Object.keys(changed).length === 0) return changed;
    const { targetOutbound, ...rest } = changed;
    Object.assign(this.#opts, rest);
    if (targetOutbound !== undefined) this.#targetOutbound = targetOutbound;
    this.#emitter.emit('config:changed', { ...changed, at: this.#now() });
    if (changed.idleTimeoutMs !== undefined) {
      for (const rec of this.#conns.values()) {
        if (rec.state !== 'established' || !rec.socket) continue;
        this.#clearTimer(rec.idleTimer);
        rec.idleTimer = undefined;
        this.#armIdle(rec);
      }
    }
    if (changed.maxInbound !== undefined || changed.inboundPolicy !== undefined) this.#reconsiderAccepting();
    if (targetOutbound !== undefined) this.#fillOutbound('outbound-fill');
    return changed;
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
    return this.#listeners.info();
  }

  config(): ConnManagerConfig {
    const o = this.#opts;
    return {
      listen: o.listen.map((l) => ({ ...l })),
      targetOutbound: this.#targetOutbound,
      hasAddressSource: o.getNewAddress !== undefined,
      dialTimeoutMs: o.dialTimeoutMs,
      retryDelayMs: o.retryDelayMs,
      maxRetryDelayMs: o.maxRetryDelayMs,
      backoff: o.backoff,
      maxFailedAttempts: o.maxFailedAttempts,
      maxPersistent: o.maxPersistent,
      maxInbound: o.maxInbound,
      inboundPolicy: o.inboundPolicy,
      idleTimeoutMs: o.idleTimeoutMs,
    };
  }

  stats(): ConnStats {
    // max(0, …): a wall clock stepped backwards must not make a duration negative.
    const pausedNow = this.#pausedSince === null ? 0 : Math.max(0, this.#now() - this.#pausedSince);
    return {
      currByType: { ...this.#countByType },
      currByState: { ...this.#countByState },
      currConnections: this.#countByState.established,
      persistentEntries: this.#persistentEntries,
      targetOutbound: this.#targetOutbound,
      maxInbound: this.#opts.maxInbound,
      maxPersistent: this.#opts.maxPersistent,
      totalDials: this.#totals.dials,
      totalEstablished: this.#totals.established,
      totalFailedDials: this.#totals.failedDials,
      totalAccepted: this.#totals.accepted,
      rejected: { ...this.#rejected },
      disconnects: { ...this.#disconnects },
      retries: this.#totals.retries,
      idleKicks: this.#totals.idleKicks,
      acceptingConns:
        this.#pausedSince === null && this.#state === 'running' && this.#listeners.info().some((l) => l.state === 'listening'),
      listenDisabledNum: this.#totals.listenDisabledNum,
      timeInListenDisabledMs: this.#totals.timeInListenDisabledMs + pausedNow,
      consecutiveFailedAttempts: this.#consecutiveFailures,
      throttledAttempts: this.#totals.throttledAttempts,
    };
  }

  snapshot(): ConnSnapshot {
    return {
      state: this.#state,
      at: this.#now(),
      config: this.config(),
      conns: this.list(),
      listeners: this.listeners(),
      stats: this.stats(),
    };
  }

  /** What the manager still holds; every number is 0 once `stop()` has resolved. */
  openResources(): OpenResources {
    return {
      conns: this.#conns.size,
      sockets: this.#sockets.size,
      dials: this.#inflightDials.size,
      timers: this.#timers.size,
      listeners: this.#listeners.openCount(),
    };
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
    if (from === null) {
      this.#countByType[rec.type] += 1;
      if (rec.persistent) this.#persistentEntries += 1;
    } else {
      this.#countByState[from as LiveConnState] -= 1;
    }
    if (from === 'established') {
      this.#disconnects[reason] = (this.#disconnects[reason] ?? 0) + 1;
    }
    if (to === 'established') rec.establishedAt = at;
    if (isFinal(to)) {
      rec.endedAt = at;
      this.#conns.delete(rec.id);
      if (this.#byAddr.get(rec.addr) === rec) this.#byAddr.delete(rec.addr);
      this.#countByType[rec.type] -= 1;
      if (rec.persistent) this.#persistentEntries -= 1;
    } else {
      this.#countByState[to as LiveConnState] += 1;
    }
    const rule = transitionRule({ type: rec.type, persistent: rec.persistent, to, reason, outboundCause: rec.outboundCause });
    this.#emitter.emit('conn:state', {
      id: rec.id,
      type: rec.type,
      persistent: rec.persistent,
      addr: rec.addr,
      from,
      to,
      reason,
      rule,
      ...(to === 'failing' || to === 'pending' ? { attempt: rec.attempt } : {}),
      ...(to === 'failing' && extra.retryAt !== undefined ? { retryAt: extra.retryAt } : {}),
      ...(extra.code === undefined ? {} : { code: extra.code }),
      at,
    });
  }

  #newRecord(type: ConnType, persistent: boolean, addr: string): ConnRecord {
    const now = this.#now();
    const rec: ConnRecord = {
      id: this.#nextId++,
      type,
      persistent,
      addr,
      state: null,
      attempt: 0,
      createdAt: now,
      bytesInBefore: 0,
      bytesOutBefore: 0,
      lastActivityAt: now,
      seenRead: 0,
      seenWritten: 0,
      localAddr: null,
      lastAttemptAt: now,
    };
    this.#conns.set(rec.id, rec);
    this.#byAddr.set(addr, rec);
    return rec;
  }

  // ---- dialing -------------------------------------------------------------------------------

  #startDial(rec: ConnRecord, reason: 'requested' | 'retry'): void {
    this.#transition(rec, 'pending', reason);
    this.#dialIfStillPending(rec);
  }

  /** After the `pending` event: its listeners may have removed the request or stopped us (rule 9). */
  #dialIfStillPending(rec: ConnRecord): void {
    if (rec.state === 'pending' && !rec.dial) this.#dial(rec);
  }

  /** Starts the dial of a record already `pending`. */
  #dial(rec: ConnRecord): void {
    rec.lastAttemptAt = this.#now();
    const dial: PendingDial = { token: this.#nextDialToken++, controller: new AbortController(), timer: undefined };
    rec.dial = dial;
    this.#totals.dials += 1;
    dial.timer = this.#setTimer(() => {
      dial.timer = undefined;
      // Fail now, on our clock, even if the dialer ignores the signal; a late socket is closed.
      dial.controller.abort(new Error('dial timeout'));
      this.#onDialFailed(rec, dial.token, 'dial-timeout', undefined);
    }, this.#opts.dialTimeoutMs);
    let attempt: Promise<Socket>;
    try {
      attempt = Promise.resolve(this.#opts.dial(rec.addr, dial.controller.signal));
    } catch (err) {
      attempt = Promise.reject(err);
    }
    const settled = attempt.then(
      (socket) => this.#onDialSucceeded(rec, dial.token, socket),
      (err: NodeJS.ErrnoException) => {
        const reason: ConnReason = err?.code === 'ECONNREFUSED' ? 'dial-refused' : 'dial-error';
        this.#onDialFailed(rec, dial.token, reason, typeof err?.code === 'string' ? err.code : undefined, err);
      },
    );
    this.#inflightDials.add(settled);
    void settled.finally(() => this.#inflightDials.delete(settled));
  }

  /** Ends the current dial attempt's bookkeeping; false if `token` is no longer the current one. */
  #takeDial(rec: ConnRecord, token: number): boolean {
    if (rec.dial?.token !== token || rec.state !== 'pending') return false;
    this.#clearTimer(rec.dial.timer);
    rec.dial = undefined;
    return true;
  }

  #onDialSucceeded(rec: ConnRecord, token: number, socket: Socket): void {
    // Re-check after the await: the request may have been canceled, timed out or shut down.
    if (!this.#takeDial(rec, token) || this.#state === 'stopping' || this.#state === 'stopped') {
      this.#discardSocket(socket);
      return;
    }
    if (socket.destroyed) {
      this.#afterDialFailure(rec, 'dial-error', undefined, new Error('dialer returned a closed socket'));
      return;
    }
    this.#totals.established += 1;
    this.#adoptSocket(rec, socket);
    this.#transition(rec, 'established', 'dial-succeeded');
    this.#handOff(rec, socket);
    if (rec.type === 'outbound') {
      // Only a successful automatic dial ends an outage: fill the target at full speed again.
      this.#resetAutomaticFailures();
      this.#fillOutbound('outbound-fill');
    }
    if (rec.waiter) {
      const waiter = rec.waiter;
      rec.waiter = undefined;
      waiter.resolve(this.#info(rec));
    }
  }

  #onDialFailed(rec: ConnRecord, token: number, reason: ConnReason, code: string | undefined, err?: Error): void {
    if (!this.#takeDial(rec, token)) return;
    this.#afterDialFailure(rec, reason, code, err);
  }

  #afterDialFailure(rec: ConnRecord, reason: ConnReason, code: string | undefined, err?: Error): void {
    this.#totals.failedDials += 1;
    if (rec.persistent) {
      this.#retryPersistent(rec, reason, code, false);
      return;
    }
    this.#transition(rec, 'canceled', reason, code === undefined ? {} : { code });
    if (rec.waiter) {
      const waiter = rec.waiter;
      rec.waiter = undefined;
      waiter.reject(
        reason === 'dial-timeout'
          ? new ConnMgrError('ERR_DIAL_TIMEOUT', `dial to ${rec.addr} timed out after ${this.#opts.dialTimeoutMs} ms`)
          : new ConnMgrError(
              'ERR_DIAL_FAILED',
              `dial to ${rec.addr} failed: ${code ?? err?.message ?? 'unknown error'}${code === 'ECONNREFUSED' ? ' (nothing listens there)' : ''}`,
              { sysCode: code, cause: err },
            ),
      );
    }
    if (rec.type === 'outbound') {
      this.#countAutomaticFailure();
      this.#fillOutbound('replace-failed-outbound');
    }
  }

  /**
   * Rule 2 — a persistent entry's dial failed or its connection ended: back off if the last
   * attempt was recent, else (a long-lived connection dropped) redial at once. Two choices:
   * a failed dial always backs off — a dial that times out after longer than `retryDelayMs` is
   * no long-lived connection, and resetting there would redial a black hole at once forever —
   * and a local `disconnect` always backs off: the operator asked for a break.
   */
  #retryPersistent(rec: ConnRecord, reason: ConnReason, code: string | undefined, wasEstablished: boolean): void {
    const now = this.#now();
    const recent = now - rec.lastAttemptAt < this.#opts.retryDelayMs;
    if (recent || !wasEstablished || reason === 'local-disconnect') {
      rec.attempt += 1;
    } else {
      rec.attempt = 0;
    }
    if (rec.attempt === 0 && wasEstablished) {
      this.#transition(rec, 'pending', reason, code === undefined ? {} : { code });
      this.#totals.retries += 1;
      this.#dialIfStillPending(rec);
      return;
    }
    const delayMs =
      rec.attempt === 0
        ? 0
        : backoffDelayMs(
            { kind: this.#opts.backoff, stepMs: this.#opts.retryDelayMs, capMs: this.#opts.maxRetryDelayMs },
            rec.attempt,
            this.#opts.random,
          );
    const retryAt = now + delayMs;
    rec.retryTimer = this.#setTimer(() => {
      rec.retryTimer = undefined;
      if (rec.state !== 'failing') return;
      this.#totals.retries += 1;
      this.#startDial(rec, 'retry');
    }, delayMs);
    this.#transition(rec, 'failing', reason, { retryAt, at: now, ...(code === undefined ? {} : { code }) });
  }

  /**
   * Aborts a pending dial; the request then follows the reason's rule. No dial yet means we are
   * inside the `pending` event's listeners: the request ends all the same, and is never dialed.
   */
  #cancelPending(rec: ConnRecord, reason: ConnReason): void {
    if (rec.state !== 'pending') return;
    const dial = rec.dial;
    if (dial) {
      this.#clearTimer(dial.timer);
      rec.dial = undefined;
      dial.controller.abort(new Error(reason));
    }
    if (rec.persistent && reason === 'local-disconnect') {
      this.#retryPersistent(rec, reason, undefined, false);
      return;
    }
    this.#transition(rec, 'canceled', reason);
    if (rec.waiter) {
      const waiter = rec.waiter;
      rec.waiter = undefined;
      waiter.reject(
        reason === 'shutdown'
          ? shutdownError()
          : new ConnMgrError('ERR_ABORTED', `connect to ${rec.addr} was ${describeCancel(reason)} while pending`),
      );
    }
    if (rec.type === 'outbound' && reason !== 'shutdown') this.#fillOutbound('replace-failed-outbound');
  }

  /** Rule 4: disconnect or remove, whatever state the request is in. */
  #endRequest(rec: ConnRecord, reason: 'local-disconnect' | 'local-remove'): void {
    switch (rec.state) {
      case 'pending':
        this.#cancelPending(rec, reason);
        return;
      case 'established':
        this.#closeSocket(rec, reason);
        return;
      case 'failing':
        if (reason === 'local-remove') {
          this.#clearTimer(rec.retryTimer);
          rec.retryTimer = undefined;
          this.#transition(rec, 'canceled', reason);
        }
        // disconnect of a peer already waiting to retry: nothing to close; it keeps its schedule.
        return;
      case null:
      case 'disconnected':
      case 'canceled':
        return;
      default:
        assertNever(rec.state);
    }
  }

  // ---- sockets -------------------------------------------------------------------------------

  #adoptSocket(rec: ConnRecord, socket: Socket): void {
    rec.socket = socket;
    rec.closing = undefined;
    rec.socketError = undefined;
    rec.localAddr = socket.localAddress && socket.localPort ? formatAddress(socket.localAddress, socket.localPort) : null;
    rec.lastActivityAt = this.#now();
    rec.appClosed = false;
    rec.seenRead = socket.bytesRead ?? 0;
    rec.seenWritten = socket.bytesWritten ?? 0;
    this.#track(socket);
    if (this.#opts.onConnection) {
      // The application reads: we must not. A 'data' listener (or resume()) here would switch the
      // socket to flowing mode and pour what the peer already sent to nobody before the handler
      // attached its own reader. Byte counts and idle activity come from the socket's counters.
      watchLocalClose(socket, () => {
        if (rec.socket === socket && rec.closing === undefined) rec.appClosed = true;
      });
    } else {
      // No application: read and discard, so that a peer's greetings and heartbeats cannot fill
      // the buffers, and note the activity at the very moment it happens.
      socket.on('data', () => {
        rec.seenRead = socket.bytesRead ?? rec.seenRead;
        rec.lastActivityAt = this.#now();
      });
    }
    // Always ours, even when the application has its own: an 'error' nobody listens to would
    // crash the process, and the reason of the close comes from it.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (rec.socket === socket) rec.socketError ??= err; // not a later socket's of the same entry
    });
    socket.once('close', () => this.#onSocketClosed(rec, socket));
    this.#armIdle(rec);
  }

  /**
   * Gives an established connection's socket to the application (`onConnection`).
   *
   * Order: the transition first (state updated, then `established` emitted — rule 9), then the
   * handler, in the same synchronous run. So the handler sees the connection as `get()` and every
   * listener do, may call `disconnect`/`remove` on it like on any established one, and the events
   * show it established before the application's first byte. Nothing can be lost in between: no
   * I/O callback runs inside a synchronous run, and the manager never reads a handed-off socket
   * (#adoptSocket), so the peer's first bytes wait in the socket until the application reads.
   * If a listener of that `established` event already closed the connection, there is no socket
   * left to give: the handler is not called.
   */
  #handOff(rec: ConnRecord, socket: Socket): void {
    const handler = this.#opts.onConnection;
    if (!handler || rec.state !== 'established' || rec.socket !== socket) return;
    const failed = (err: unknown): void => {
      this.#opts.logger.warn(`connmgr: onConnection failed for #${rec.id} ${rec.addr}: ${errorMessage(err)}; closing it (app-error)`, err);
      // Only this connection, and only if it is still the one the handler got.
      if (rec.socket === socket && rec.state === 'established') this.#closeSocket(rec, 'app-error');
    };
    try {
      const result = handler(this.#info(rec), socket);
      if (isThenable(result)) result.then(undefined, failed);
    } catch (err) {
      failed(err);
    }
  }

  #onSocketClosed(rec: ConnRecord, socket: Socket): void {
    if (rec.socket !== socket) return;
    this.#noteActivity(rec);
    rec.socket = undefined;
    rec.bytesInBefore += socket.bytesRead ?? 0;
    rec.bytesOutBefore += socket.bytesWritten ?? 0;
    this.#clearTimer(rec.idleTimer);
    rec.idleTimer = undefined;
    const err = rec.socketError;
    // Whoever started closing first names it: the manager (its own reason), else the
    // application (`app-closed`, even if the peer then reset), else the peer or the network.
    const remote = rec.closing === undefined && !rec.appClosed;
    const reason: ConnReason =
      rec.closing ??
      (rec.appClosed
        ? 'app-closed'
        : err === undefined
          ? 'remote-closed'
          : err.code === 'ECONNRESET' || err.code === 'EPIPE'
            ? 'remote-reset'
            : 'socket-error');
    const code = remote ? err?.code : undefined;
    rec.closing = undefined;
    rec.appClosed = false;
    if (rec.state !== 'established') return;
    if (rec.persistent && reason !== 'local-remove' && reason !== 'shutdown' && this.#state !== 'stopping') {
      this.#retryPersistent(rec, reason, code, true);
    } else {
      this.#transition(rec, 'disconnected', reason, code === undefined ? {} : { code });
    }
    if (rec.type === 'inbound') this.#maybeResumeAccepting();
    if (rec.type === 'outbound') this.#fillOutbound('replace-failed-outbound');
  }

  /**
   * Closes the socket ourselves and ends the connection now, not at the socket's later 'close':
   * once `remove()` returns the entry is forgotten (slot and address free), and a `remove()` right
   * after a `disconnect()` is not lost in between (rule 4). The socket stays tracked until closed.
   */
  #closeSocket(rec: ConnRecord, reason: ConnReason): void {
    const socket = rec.socket;
    if (!socket || rec.closing) return;
    rec.closing = reason;
    socket.destroy();
    this.#onSocketClosed(rec, socket);
  }

  /** Closes a socket we will not use (late dial, shed or duplicate inbound); tracked until closed. */
  #discardSocket(socket: Socket, farewell?: string): void {
    this.#track(socket);
    socket.on('error', () => undefined);
    if (farewell && !socket.destroyed) {
      socket.end(farewell);
      // A peer that never reads must not keep the socket: give the line a moment, then cut.
      const timer = this.#setTimer(() => socket.destroy(), 1000);
      socket.once('close', () => this.#clearTimer(timer));
    } else {
      socket.destroy();
    }
  }

  #track(socket: Socket): void {
    if (this.#sockets.has(socket)) return;
    const closed = new Promise<void>((resolve) => {
      if (socket.closed) resolve();
      else socket.once('close', () => resolve());
    }).then(() => {
      this.#sockets.delete(socket);
    });
    this.#sockets.set(socket, closed);
  }

  // ---- idle timeout (rule 7) ---------------------------------------------------------------

  #armIdle(rec: ConnRecord): void {
    const idleMs = this.#opts.idleTimeoutMs;
    if (idleMs <= 0) return;
    const due = rec.lastActivityAt + idleMs - this.#now();
    rec.idleTimer = this.#setTimer(
      () => {
        rec.idleTimer = undefined;
        if (rec.state !== 'established' || !rec.socket) return;
        this.#noteActivity(rec);
        // One timer per connection, re-armed for the remainder: no timer churn on every byte.
        if (this.#now() - rec.lastActivityAt >= idleMs) {
          this.#totals.idleKicks += 1;
          this.#closeSocket(rec, 'idle-timeout');
        } else {
          this.#armIdle(rec);
        }
      },
      Math.max(0, due),
    );
  }

  /**
   * Bytes either way count as activity ("no bytes either way"). Those not observed one by one —
   * every write, and reads when the application reads — show up as a change of the socket's
   * counters since the last look, which counts as activity now: a kick can only come later than
   * the exact one (at most `idleTimeoutMs` later), never earlier.
   */
  #noteActivity(rec: ConnRecord): void {
    const socket = rec.socket;
    if (!socket) return;
    const read = socket.bytesRead ?? 0;
    const written = socket.bytesWritten ?? 0;
    if (read === rec.seenRead && written === rec.seenWritten) return;
    rec.seenRead = read;
    rec.seenWritten = written;
    rec.lastActivityAt = this.#now();
  }

  // ---- automatic outbound (rule 1) -----------------------------------------------------------

  /** `cause`: towards the target (start, a raised target, after a success) or replacing a failed/closed one. */
  #fillOutbound(cause: 'outbound-fill' | 'replace-failed-outbound'): void {
    if (this.#state !== 'running' || !this.#opts.getNewAddress) return;
    while (this.#countByType.outbound + this.#addressRequests < this.#targetOutbound) {
      if (this.#consecutiveFailures >= this.#opts.maxFailedAttempts) {
        this.#scheduleThrottledAttempt();
        return;
      }
      void this.#requestAutomatic(cause);
    }
  }

  /**
   * Past `maxFailedAttempts` failures in a row the network is probably down: allow one new
   * automatic attempt per `retryDelayMs`, instead of spinning through the address book.
   */
  #scheduleThrottledAttempt(): void {
    if (this.#throttleTimer !== undefined) return;
    const delayMs = this.#opts.retryDelayMs;
    this.#emitter.emit('outbound:throttled', {
      failedAttempts: this.#consecutiveFailures,
      delayMs,
      rule: 'outage-pause',
      at: this.#now(),
    });
    this.#throttleTimer = this.#setTimer(() => {
      this.#throttleTimer = undefined;
      if (this.#state !== 'running') return;
      if (this.#countByType.outbound + this.#addressRequests >= this.#targetOutbound) return;
      this.#totals.throttledAttempts += 1;
      void this.#requestAutomatic('outage-pause');
    }, delayMs);
  }

  async #requestAutomatic(cause: OutboundCause): Promise<void> {
    const source = this.#opts.getNewAddress;
    if (!source) return;
    this.#addressRequests += 1;
    let addr: string;
    try {
      addr = normalizeAddress(await source());
    } catch (err) {
      this.#addressRequests -= 1;
      if (this.#state !== 'running') return;
      // An expected condition (e.g. no address to give): its message says it all, a stack would
      // only multiply the output.
      this.#opts.logger.warn(`connmgr: address source failed: ${err instanceof Error ? err.message : String(err)}`);
      this.#countAutomaticFailure();
      this.#fillOutbound('replace-failed-outbound');
      return;
    }
    this.#addressRequests -= 1;
    // Re-check after the await: stopped, or the target lowered meanwhile.
    if (this.#state !== 'running') return;
    if (this.#countByType.outbound >= this.#targetOutbound) return;
    if (this.#byAddr.has(addr)) {
      this.#countAutomaticFailure();
      this.#fillOutbound('replace-failed-outbound');
      return;
    }
    const rec = this.#newRecord('outbound', false, addr);
    rec.outboundCause = cause;
    this.#startDial(rec, 'requested');
  }

  #countAutomaticFailure(): void {
    this.#consecutiveFailures += 1;
  }

  #resetAutomaticFailures(): void {
    this.#consecutiveFailures = 0;
    if (this.#throttleTimer !== undefined) {
      this.#clearTimer(this.#throttleTimer);
      this.#throttleTimer = undefined;
    }
  }

  // ---- inbound (rules 3 and 6) ----------------------------------------------------------------

  #onInbound(socket: Socket, listener: string): void {
    const remote = socket.remoteAddress && socket.remotePort ? formatAddress(socket.remoteAddress, socket.remotePort) : null;
    if (remote === null) {
      // Closed before we saw it: nothing to admit or count.
      this.#discardSocket(socket);
      return;
    }
    if (this.#state !== 'running') {
      this.#reject(socket, remote, listener, 'shutdown');
      return;
    }
    if (this.#byAddr.has(remote)) {
      this.#reject(socket, remote, listener, 'duplicate');
      return;
    }
    if (this.#countByType.inbound >= this.#opts.maxInbound) {
      this.#reject(socket, remote, listener, 'limit', this.#opts.shedMessage);
      return;
    }
    const rec = this.#newRecord('inbound', false, remote);
    this.#totals.accepted += 1;
    this.#adoptSocket(rec, socket);
    this.#transition(rec, 'established', 'accepted');
    if (this.#opts.inboundPolicy === 'pause' && this.#countByType.inbound >= this.#opts.maxInbound) {
      this.#pauseAccepting('limit');
    }
    this.#handOff(rec, socket);
  }

  #reject(socket: Socket, remote: string, listener: string, reason: RejectReason, farewell?: string): void {
    this.#rejected[reason] += 1;
    this.#discardSocket(socket, farewell);
    this.#emitter.emit('inbound:rejected', { remote, listener, reason, rule: REJECT_RULE[reason], at: this.#now() });
  }

  #pauseAccepting(reason: string): void {
    if (this.#pausedSince !== null) return;
    this.#pausedSince = this.#now();
    this.#totals.listenDisabledNum += 1;
    this.#pauseRule = reason === 'limit' ? 'inbound-limit-pause' : 'accept-exhausted';
    this.#listeners.pause(reason);
  }

  /** After a live change of the inbound limit or policy: pause at the limit under 'pause', else listen. */
  #reconsiderAccepting(): void {
    if (this.#state !== 'running') return;
    const full = this.#countByType.inbound >= this.#opts.maxInbound;
    if (this.#opts.inboundPolicy === 'pause' && full) this.#pauseAccepting('limit');
    else if (!this.#pausedForExhaustion) this.#resumeAccepting();
  }

  #maybeResumeAccepting(): void {
    if (this.#pausedSince === null || this.#state !== 'running') return;
    if (this.#countByType.inbound >= this.#opts.maxInbound) return;
    if (this.#pausedForExhaustion) return; // the exhaustion timer resumes
    this.#resumeAccepting();
  }

  #resumeAccepting(): void {
    if (this.#pausedSince === null) return;
    this.#totals.timeInListenDisabledMs += Math.max(0, this.#now() - this.#pausedSince);
    this.#pausedSince = null;
    this.#listeners.resume();
  }

  /** Rule 6: out of file descriptors — pause instead of spinning on accept(), retry later. */
  #onAcceptExhausted(address: string, code: string): void {
    this.#opts.logger.warn(`connmgr: accept on ${address} failed with ${code}; pausing listeners`);
    if (this.#state !== 'running') return;
    this.#pausedForExhaustion = true;
    this.#pauseAccepting(code);
    if (this.#exhaustionTimer !== undefined) return;
    this.#exhaustionTimer = this.#setTimer(
      () => {
        this.#exhaustionTimer = undefined;
        this.#pausedForExhaustion = false;
        this.#maybeResumeAccepting();
      },
      Math.min(1000, this.#opts.retryDelayMs),
    );
  }

  // ---- shutdown (rule 8) -------------------------------------------------------------------

  async #shutdown(): Promise<void> {
    if (this.#state === 'stopped') return;
    this.#setManagerState('stopping');
    if (this.#pausedSince !== null) {
      this.#totals.timeInListenDisabledMs += Math.max(0, this.#now() - this.#pausedSince);
      this.#pausedSince = null;
    }
    const listenersClosed = this.#listeners.close();
    for (const rec of [...this.#conns.values()]) {
      switch (rec.state) {
        case 'pending':
          this.#cancelPending(rec, 'shutdown');
          break;
        case 'failing':
          this.#clearTimer(rec.retryTimer);
          rec.retryTimer = undefined;
          this.#transition(rec, 'canceled', 'shutdown');
          break;
        case 'established':
          this.#closeSocket(rec, 'shutdown');
          break;
        case null:
        case 'disconnected':
        case 'canceled':
          break;
        default:
          assertNever(rec.state);
      }
    }
    for (const socket of this.#sockets.keys()) socket.destroy();
    // Dialers were aborted; wait for them to settle so that a late socket is closed too.
    await Promise.allSettled([...this.#inflightDials]);
    await Promise.all([listenersClosed, ...this.#sockets.values()]);
    for (const timer of this.#timers) this.#opts.clock.clearTimeout(timer);
    this.#timers.clear();
    this.#throttleTimer = undefined;
    this.#exhaustionTimer = undefined;
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

  #assertNotDuplicate(addr: string): void {
    const existing = this.#byAddr.get(addr);
    if (!existing) return;
    if (existing.persistent) {
      throw new ConnMgrError('ERR_DUPLICATE_PERSISTENT', `${addr} is already a persistent peer (id ${existing.id})`);
    }
    if (existing.state === 'pending') {
      throw new ConnMgrError('ERR_ALREADY_PENDING', `a dial to ${addr} is already pending (id ${existing.id})`);
    }
    throw new ConnMgrError('ERR_ALREADY_CONNECTED', `already connected to ${addr} (id ${existing.id})`);
  }

  #mustGet(id: number): ConnRecord {
    const rec = typeof id === 'number' ? this.#conns.get(id) : undefined;
    if (!rec) throw new ConnMgrError('ERR_NOT_FOUND', `no connection with id ${JSON.stringify(id)}`);
    return rec;
  }

  #info(rec: ConnRecord): ConnInfo {
    this.#noteActivity(rec); // so that `lastActivityAt` is never older than the byte counts
    return {
      id: rec.id,
      type: rec.type,
      persistent: rec.persistent,
      addr: rec.addr,
      localAddr: rec.socket ? rec.localAddr : null,
      state: rec.state ?? 'pending',
      attempt: rec.attempt,
      ...(rec.retryAt === undefined ? {} : { retryAt: rec.retryAt }),
      createdAt: rec.createdAt,
      ...(rec.establishedAt === undefined ? {} : { establishedAt: rec.establishedAt }),
      ...(rec.endedAt === undefined ? {} : { endedAt: rec.endedAt }),
      ...(rec.reason === undefined ? {} : { reason: rec.reason }),
      // `bytesRead` counts what arrived, read by the application (or by us) or not yet.
      bytesIn: rec.bytesInBefore + (rec.socket?.bytesRead ?? 0),
      bytesOut: rec.bytesOutBefore + (rec.socket?.bytesWritten ?? 0),
      lastActivityAt: rec.lastActivityAt,
    };
  }

  #now(): number {
    return this.#opts.clock.now();
  }

  #setTimer(fn: () => void, ms: number): unknown {
    const handle = this.#opts.clock.setTimeout(() => {
      this.#timers.delete(handle);
      fn();
    }, ms);
    this.#timers.add(handle);
    return handle;
  }

  #clearTimer(handle: unknown): void {
    if (handle === undefined) return;
    this.#opts.clock.clearTimeout(handle);
    this.#timers.delete(handle);
  }
}

function shutdownError(): ConnMgrError {
  return new ConnMgrError('ERR_SHUTDOWN', 'the connection manager is shut down');
}

/** Rule ids of inbound refusals (rules 3, 6 and 8). */
const REJECT_RULE: Record<RejectReason, RuleId> = { limit: 'inbound-limit-shed', duplicate: 'duplicate', shutdown: 'shutdown' };

function describeCancel(reason: ConnReason): string {
  switch (reason) {
    case 'aborted':
      return 'aborted by its signal';
    case 'local-disconnect':
      return 'disconnected';
    case 'local-remove':
      return 'removed';
    default:
      return reason;
  }
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function assertNever(value: never): never {
  throw new Error(`unexpected state ${String(value)}`);
}
