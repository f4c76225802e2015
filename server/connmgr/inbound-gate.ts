/**
 * Rules 3 and 6 (README "Rules"), the inbound side: the listeners, the verdict on each accepted
 * socket (admit, let it wait, or refuse as a duplicate, at the limit, or while stopping), the
 * pause and resume of accepting at `maxInbound` (policy `pause`) and on file-descriptor
 * exhaustion, and the counters of all that (`rejected`, `totalAccepted`, `listenDisabledNum`,
 * `timeInListenDisabledMs`).
 *
 * A pause at the limit keeps the listening socket open (listener-set.ts says why): what the
 * kernel had already queued, and what comes meanwhile, is still accepted. Up to `maxInbound` such
 * connections wait, unread and unanswered, and are admitted oldest first as slots free; one more
 * is shed with `shedMessage`, counted in `rejected.limit` and reported with the pause's rule. So
 * every connection a client saw succeed is admitted, or told and counted — never reset unseen.
 *
 * The gate decides; the manager transitions. An admitted socket is handed to `InboundHost.admit`,
 * which creates the record and performs the `established` transition; a refused one never becomes
 * a connection: it is closed here, counted, and reported with `inbound:rejected`.
 */
import type { Socket } from 'node:net';
import { socketAddress, splitAddress } from './address.ts';
import { InboundAdmission } from './inbound-admission.ts';
import { ListenerSet } from './listener-set.ts';
import type { ResolvedOptions } from './options.ts';
import type { ResourceTracker } from './resources.ts';
import type { RuleId } from './rule-ids.ts';
import type { ConnStats, InboundRejectedEvent, ListenerInfo, ListenerStateEvent, RejectReason } from './types.ts';

export interface InboundHost {
  /** Only a running manager admits. */
  running(): boolean;
  /** Inbound connections live now. */
  count(): number;
  /** The address is taken by any connection or persistent entry (rule 3). */
  inUse(remote: string): boolean;
  /** The host is banned (rule 11): its connections are refused. */
  isBanned(host: string): boolean;
  /** The host is on `allowHosts`: exempt from the per-host limit and the rate limit. */
  isAllowed(host: string): boolean;
  /**
   * Makes `socket` an established inbound connection (record, transition); returns the hand-off
   * to the application, which the gate runs once it has paused at the limit if it must — so the
   * events tell the pause before anything the application does.
   */
  admit(socket: Socket, remote: string): () => void;
  rejected(event: Omit<InboundRejectedEvent, 'at'>): void;
  listenerState(event: Omit<ListenerStateEvent, 'at'>): void;
  warn(message: string): void;
  now(): number;
}

/** The options the gate reads, live (the manager's options object, changed in place by `configure`). */
export type InboundRules = Pick<
  ResolvedOptions,
  | 'listen'
  | 'backlog'
  | 'maxInbound'
  | 'inboundPolicy'
  | 'shedMessage'
  | 'retryDelayMs'
  | 'maxInboundPerHost'
  | 'inboundRate'
  | 'allowHosts'
>;

/** What becomes of one accepted socket: admitted, waiting for a slot (policy `pause`), or refused. */
type Verdict = 'admit' | 'wait' | RejectReason;

/** An accepted connection waiting, at the limit under `pause`, for a slot. */
interface Waiting {
  readonly socket: Socket;
  readonly remote: string;
  readonly listener: string;
}

/** Rule ids of inbound refusals (rules 3, 6 and 8); `limit` under the `pause` policy is `inbound-limit-pause`. */
const REJECT_RULE: Record<RejectReason, RuleId> = {
  limit: 'inbound-limit-shed',
  duplicate: 'duplicate',
  shutdown: 'shutdown',
  'per-host-limit': 'inbound-per-host-limit',
  'rate-limit': 'inbound-rate-limit',
  banned: 'inbound-banned',
};

export class InboundGate {
  readonly #rules: InboundRules;
  readonly #host: InboundHost;
  readonly #resources: ResourceTracker;
  readonly #listeners: ListenerSet;
  #accepted = 0;
  readonly #rejected: Record<RejectReason, number> = {
    limit: 0,
    duplicate: 0,
    shutdown: 0,
    'per-host-limit': 0,
    'rate-limit': 0,
    banned: 0,
  };
  #pausedSince: number | null = null;
  /** The rule of the latest pause of accepting, carried by its listener events. */
  #pauseRule: RuleId | undefined;
  #pauses = 0;
  #pausedMsBefore = 0;
  #pausedForExhaustion = false;
  #exhaustionTimer: unknown;
  /** Oldest first; at most `maxInbound`. */
  readonly #waiting: Waiting[] = [];
  /** Per-host admission (README "Inbound admission"); null when neither limit is set. */
  readonly #admission: InboundAdmission | null;

  constructor(rules: InboundRules, resources: ResourceTracker, host: InboundHost) {
    this.#rules = rules;
    this.#host = host;
    this.#resources = resources;
    this.#admission =
      rules.maxInboundPerHost > 0 || rules.inboundRate !== null
        ? new InboundAdmission({
            maxInboundPerHost: rules.maxInboundPerHost > 0 ? rules.maxInboundPerHost : Number.POSITIVE_INFINITY,
            inboundRate: rules.inboundRate,
            isAllowed: (h) => host.isAllowed(h),
            now: () => host.now(),
          })
        : null;
    this.#listeners = new ListenerSet(
      rules.listen,
      {
        onConnection: (socket, listener) => this.#onConnection(socket, listener),
        onState: (address, state, reason) =>
          host.listenerState({
            address,
            state,
            ...(reason === undefined ? {} : { reason }),
            // A pause, and the later listening again, carry the rule that paused (after start(),
            // 'listening' only ever follows a pause).
            ...(this.#pauseRule !== undefined && (state === 'paused' || state === 'listening') ? { rule: this.#pauseRule } : {}),
          }),
        onAcceptExhausted: (address, code) => this.#onAcceptExhausted(address, code),
      },
      rules.backlog,
    );
  }

  /** Binds every listener. @throws ConnMgrError `ERR_LISTEN_FAILED`. */
  listen(): Promise<void> {
    return this.#listeners.start();
  }

  /** Closes every listener for good, ending the pause accounting; the waiting are refused (`shutdown`). */
  close(): Promise<void> {
    this.#endPause();
    for (const w of this.#waiting.splice(0)) this.#reject(w, 'shutdown');
    return this.#listeners.close();
  }

  info(): ListenerInfo[] {
    return this.#listeners.info();
  }

  openCount(): number {
    return this.#listeners.openCount();
  }

  /** An admitted inbound connection from `remote` ended: its host's per-host count goes down. */
  released(remote: string): void {
    this.#admission?.release(hostOf(remote));
  }

  stats(): Pick<ConnStats, 'totalAccepted' | 'rejected' | 'acceptingConns' | 'listenDisabledNum' | 'timeInListenDisabledMs'> {
    // max(0, …): a wall clock stepped backwards must not make a duration negative.
    const pausedNow = this.#pausedSince === null ? 0 : Math.max(0, this.#host.now() - this.#pausedSince);
    return {
      totalAccepted: this.#accepted,
      rejected: { ...this.#rejected },
      acceptingConns: this.#pausedSince === null && this.#host.running() && this.#listeners.info().some((l) => l.state === 'listening'),
      listenDisabledNum: this.#pauses,
      timeInListenDisabledMs: this.#pausedMsBefore + pausedNow,
    };
  }

  /**
   * The limit or the policy may call for a pause, or allow accepting again: after start(), after
   * a live change of `maxInbound` or `inboundPolicy`, and when an inbound connection ends.
   */
  reconsider(): void {
    if (!this.#host.running()) return;
    this.#admitWaiting();
    if (this.#mustPause()) this.#pause('limit');
    else if (!this.#pausedForExhaustion) this.#resume(); // else the exhaustion timer resumes
  }

  #mustPause(): boolean {
    return this.#rules.inboundPolicy === 'pause' && this.#host.count() >= this.#rules.maxInbound;
  }

  #onConnection(socket: Socket, listener: string): void {
    const remote = socketAddress(socket.remoteAddress, socket.remotePort);
    if (remote === null) {
      // Closed before we saw it: nothing to admit or count.
      this.#resources.discard(socket);
      return;
    }
    this.#decide({ socket, remote, listener });
  }

  #decide(w: Waiting): void {
    const verdict = this.#verdict(w.remote);
    if (verdict === 'admit') this.#admit(w);
    else if (verdict === 'wait') this.#wait(w);
    else this.#reject(w, verdict);
  }

  /**
   * The checks, in order: a banned host (rule 11) after the duplicate check; the per-host
   * admission (limit and rate) only once there is a slot, so that a refusal by count never spends
   * the host's tokens.
   */
  #verdict(remote: string): Verdict {
    if (!this.#host.running()) return 'shutdown';
    if (this.#host.inUse(remote)) return 'duplicate';
    if (this.#host.isBanned(hostOf(remote))) return 'banned';
    if (this.#host.count() < this.#rules.maxInbound) return this.#admission?.admit(hostOf(remote)) ?? 'admit';
    if (this.#rules.inboundPolicy === 'pause' && this.#waiting.length < this.#rules.maxInbound) return 'wait';
    return 'limit';
  }

  #admit(w: Waiting): void {
    this.#accepted += 1;
    const handOff = this.#host.admit(w.socket, w.remote);
    if (this.#mustPause()) this.#pause('limit');
    handOff();
  }

  /** Held, unread, until a slot frees (`#admitWaiting`); one whose socket closes meanwhile is let go. */
  #wait(w: Waiting): void {
    this.#resources.track(w.socket);
    w.socket.on('error', () => undefined);
    w.socket.once('close', () => {
      const i = this.#waiting.indexOf(w);
      if (i >= 0) this.#waiting.splice(i, 1);
    });
    this.#waiting.push(w);
  }

  /**
   * Slots free (or the limit rose): the waiting are admitted, oldest first. Without `pause` (the
   * policy changed) nobody waits any more, and under a lowered limit at most `maxInbound` do: the
   * rest are shed like any connection past the limit.
   */
  #admitWaiting(): void {
    while (this.#waiting.length > 0 && this.#host.count() < this.#rules.maxInbound) {
      const w = this.#waiting.shift()!;
      if (!w.socket.destroyed) this.#decide(w);
    }
    const room = this.#rules.inboundPolicy === 'pause' ? this.#rules.maxInbound : 0;
    while (this.#waiting.length > room) this.#reject(this.#waiting.pop()!, 'limit');
  }

  #reject(w: Waiting, reason: RejectReason): void {
    this.#rejected[reason] += 1;
    this.#resources.discard(w.socket, reason === 'limit' ? this.#rules.shedMessage : undefined);
    const rule = reason === 'limit' && this.#rules.inboundPolicy === 'pause' ? 'inbound-limit-pause' : REJECT_RULE[reason];
    this.#host.rejected({ remote: w.remote, listener: w.listener, reason, rule });
  }

  #pause(reason: string): void {
    if (this.#pausedSince !== null) return;
    this.#pausedSince = this.#host.now();
    this.#pauses += 1;
    this.#pauseRule = reason === 'limit' ? 'inbound-limit-pause' : 'accept-exhausted';
    this.#listeners.pause(reason, reason === 'limit' ? 'hold' : 'close');
  }

  #resume(): void {
    if (this.#pausedSince === null) return;
    this.#endPause();
    this.#listeners.resume();
  }

  #endPause(): void {
    if (this.#pausedSince === null) return;
    this.#pausedMsBefore += Math.max(0, this.#host.now() - this.#pausedSince);
    this.#pausedSince = null;
  }

  /** Rule 6: out of file descriptors — pause instead of spinning on accept(), retry later. */
  #onAcceptExhausted(address: string, code: string): void {
    this.#host.warn(`connmgr: accept on ${address} failed with ${code}; pausing listeners`);
    if (!this.#host.running()) return;
    this.#pausedForExhaustion = true;
    this.#pause(code);
    this.#listeners.pause(code, 'close'); // also when already paused (held open) at the limit
    if (this.#exhaustionTimer !== undefined) return;
    this.#exhaustionTimer = this.#resources.setTimer(
      () => {
        this.#exhaustionTimer = undefined;
        this.#pausedForExhaustion = false;
        this.reconsider();
      },
      Math.min(1000, this.#rules.retryDelayMs),
    );
  }
}

/** The host part of a remote address this gate wrote (`socketAddress`): split, not checked again. */
function hostOf(remote: string): string {
  return splitAddress(remote).host;
}
