/**
 * Options of `ConnManager`, their defaults (btcd/dcrd values) in one place, and their validation:
 * an invalid option throws a `TypeError` at construction, never later.
 */
import { BanPolicy } from './ban-score.ts';
import type { InboundRate } from './inbound-admission.ts';
import { BACKOFF_KINDS, type BackoffKind } from './backoff.ts';
import { realClock } from './clock.ts';
import { tcpDialer } from './dialer.ts';
import { ConnMgrError } from './errors.ts';
import {
  INBOUND_POLICIES,
  type Clock,
  type ConnManagerConfig,
  type ConnectionHandler,
  type Dialer,
  type InboundPolicy,
  type ListenAddress,
} from './types.ts';

export interface Logger {
  warn(message: string, ...details: unknown[]): void;
}

export interface ConnManagerOptions {
  /** Listeners for inbound connections. @default [] */
  listen?: ListenAddress[];
  /**
   * Each listener's backlog: connections the kernel completes and queues before we accept them
   * (`server.listen({ backlog })`; the kernel caps it at `net.core.somaxconn`). @default 511, as Node
   */
  backlog?: number;
  /** Automatic outbound connections to keep; persistent ones do not count. @default 8 */
  targetOutbound?: number;
  /** Address source for automatic outbound; none = connect-only mode. @default undefined */
  getNewAddress?: () => Promise<string>;
  /**
   * An address source that also learns what became of each address (e.g. `AddressBook`): the
   * manager takes its addresses from `getNewAddress()` and reports every automatic outbound dial
   * with `markGood` / `markFailed`, and its end with `markClosed`. Give this or `getNewAddress`.
   */
  addressBook?: AddressSource;
  /** Opens a TCP connection; injectable for tests. @default net.connect with the signal */
  dial?: Dialer;
  /** A dial still pending after this fails with `ERR_DIAL_TIMEOUT`. @default 30000 */
  dialTimeoutMs?: number;
  /** Base retry step; also the automatic throttle delay and the stable-connection window. @default 5000 */
  retryDelayMs?: number;
  /** Backoff cap. @default 300000 */
  maxRetryDelayMs?: number;
  /** `'linear'` (btcd) or `'exponential'` with jitter (dcrd). @default 'linear' */
  backoff?: BackoffKind;
  /** Consecutive automatic failures before new automatic attempts wait `retryDelayMs`. @default 25 */
  maxFailedAttempts?: number;
  /** Persistent entries allowed. @default 8 */
  maxPersistent?: number;
  /** Inbound connections allowed at once. @default 117 */
  maxInbound?: number;
  /**
   * Inbound connections allowed at once from one host (an IPv4 address, an IPv6 /64); more are
   * refused with reason `per-host-limit`. 0 = no per-host limit. @default 0 (README "Inbound admission")
   */
  maxInboundPerHost?: number;
  /**
   * Per host, a token bucket for accepting: `burst` connections at once, then `perSecond`; past it a
   * connection is refused with reason `rate-limit`. null = no rate limit. @default null
   */
  inboundRate?: InboundRate | null;
  /**
   * Hosts (addresses, CIDR ranges) exempt from the per-host limit and the rate limit, and never
   * banned (btcd's whitelist). @default []
   */
  allowHosts?: readonly string[];
  /** A host's ban score at which a warning is logged (README "Ban score"). @default 50 */
  banWarnThreshold?: number;
  /** A host's ban score at which it is banned. @default 100 */
  banThreshold?: number;
  /** How long a ban by score lasts (and `ban()`'s default). @default 86400000 (24 h) */
  banDurationMs?: number;
  /** The transient part of a ban score halves this often. @default 60000 */
  banHalfLifeMs?: number;
  /** At the inbound limit: `'shed'` (accept and close) or `'pause'` (stop accepting). @default 'shed' */
  inboundPolicy?: InboundPolicy;
  /** One line written to a shed connection before closing it; '' writes nothing. @default 'ERROR Too many open connections\r\n' */
  shedMessage?: string;
  /** Close established connections silent for this long; 0 = off. @default 0 */
  idleTimeoutMs?: number;
  /** Time source. @default the real clock */
  clock?: Clock;
  /** Randomness in [0, 1) for backoff jitter. @default Math.random */
  random?: () => number;
  /** Where listener exceptions and other non-fatal problems are reported. @default console */
  logger?: Logger;
  /**
   * Gets every connection once it is established, with its socket, to read and write freely.
   * Without it the manager reads and discards what peers send (counted, and kept alive by it).
   * @default undefined
   */
  onConnection?: ConnectionHandler;
}

/** What `addressBook` must offer (README "Address sources"); the `mark*` reports are optional. */
export interface AddressSource {
  getNewAddress(): Promise<string>;
  /** An automatic dial to `addr` succeeded. */
  markGood?(addr: string): void;
  /** An automatic dial to `addr` failed (refused, timed out, errored). */
  markFailed?(addr: string): void;
  /** An automatic connection to `addr` ended, or its request was dropped before a dial came to anything. */
  markClosed?(addr: string): void;
  /** Given once by the manager: addresses whose host it has banned, not to be handed out. */
  setBanCheck?(isBanned: (addr: string) => boolean): void;
}

export type ResolvedOptions = Required<Omit<ConnManagerOptions, 'getNewAddress' | 'onConnection' | 'addressBook'>> &
  Pick<ConnManagerOptions, 'getNewAddress' | 'onConnection' | 'addressBook'>;

export const DEFAULTS = {
  listen: [] as ListenAddress[],
  backlog: 511,
  targetOutbound: 8,
  dialTimeoutMs: 30_000,
  retryDelayMs: 5_000,
  maxRetryDelayMs: 300_000,
  backoff: 'linear' as BackoffKind,
  maxFailedAttempts: 25,
  maxPersistent: 8,
  maxInbound: 117,
  maxInboundPerHost: 0,
  inboundRate: null as InboundRate | null,
  allowHosts: [] as readonly string[],
  banWarnThreshold: 50,
  banThreshold: 100,
  banDurationMs: 86_400_000,
  banHalfLifeMs: 60_000,
  inboundPolicy: 'shed' as InboundPolicy,
  shedMessage: 'ERROR Too many open connections\r\n',
  idleTimeoutMs: 0,
} as const;

function checkInt(name: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    throw new TypeError(`option ${name} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkFn<T>(name: string, value: unknown): T {
  if (typeof value !== 'function') throw new TypeError(`option ${name} must be a function`);
  return value as T;
}

/** Applies defaults and validates; throws `TypeError` naming the bad option. */
export function resolveOptions(options: ConnManagerOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const o = { ...DEFAULTS, ...stripUndefined(options) };
  if (!Array.isArray(o.listen)) throw new TypeError('option listen must be an array of { host, port }');
  const listen = o.listen.map((l, i) => {
    if (typeof l !== 'object' || l === null || typeof l.host !== 'string' || l.host === '') {
      throw new TypeError(`option listen[${i}].host must be a non-empty string`);
    }
    if (typeof l.port !== 'number' || !Number.isInteger(l.port) || l.port < 0 || l.port > 65535) {
      throw new TypeError(`option listen[${i}].port must be an integer in 0-65535`);
    }
    return { host: l.host, port: l.port };
  });
  if (!BACKOFF_KINDS.includes(o.backoff)) {
    throw new TypeError(`option backoff must be one of ${BACKOFF_KINDS.join(', ')}, got ${JSON.stringify(o.backoff)}`);
  }
  if (!INBOUND_POLICIES.includes(o.inboundPolicy)) {
    throw new TypeError(`option inboundPolicy must be one of ${INBOUND_POLICIES.join(', ')}, got ${JSON.stringify(o.inboundPolicy)}`);
  }
  if (typeof o.shedMessage !== 'string') throw new TypeError('option shedMessage must be a string');
  const resolved: ResolvedOptions = {
    listen,
    backlog: checkInt('backlog', o.backlog, 1),
    targetOutbound: checkInt('targetOutbound', o.targetOutbound, 0),
    getNewAddress: addressSourceOf(o),
    addressBook: o.addressBook,
    dial: o.dial === undefined ? tcpDialer : checkFn<Dialer>('dial', o.dial),
    dialTimeoutMs: checkInt('dialTimeoutMs', o.dialTimeoutMs, 1),
    retryDelayMs: checkInt('retryDelayMs', o.retryDelayMs, 1),
    maxRetryDelayMs: checkInt('maxRetryDelayMs', o.maxRetryDelayMs, 1),
    backoff: o.backoff,
    maxFailedAttempts: checkInt('maxFailedAttempts', o.maxFailedAttempts, 1),
    maxPersistent: checkInt('maxPersistent', o.maxPersistent, 0),
    maxInbound: checkInt('maxInbound', o.maxInbound, 0),
    maxInboundPerHost: checkInt('maxInboundPerHost', o.maxInboundPerHost, 0),
    inboundRate: checkRate(o.inboundRate),
    allowHosts: checkHosts(o.allowHosts),
    banWarnThreshold: checkInt('banWarnThreshold', o.banWarnThreshold, 1),
    banThreshold: checkInt('banThreshold', o.banThreshold, 1),
    banDurationMs: checkInt('banDurationMs', o.banDurationMs, 1),
    banHalfLifeMs: checkInt('banHalfLifeMs', o.banHalfLifeMs, 1),
    inboundPolicy: o.inboundPolicy,
    shedMessage: o.shedMessage,
    idleTimeoutMs: checkInt('idleTimeoutMs', o.idleTimeoutMs, 0),
    clock: o.clock === undefined ? realClock : checkClock(o.clock),
    random: o.random === undefined ? Math.random : checkFn<() => number>('random', o.random),
    logger: o.logger === undefined ? console : o.logger,
    onConnection: o.onConnection === undefined ? undefined : checkFn<ConnectionHandler>('onConnection', o.onConnection),
  };
  if (resolved.maxRetryDelayMs < resolved.retryDelayMs) {
    throw new TypeError(`option maxRetryDelayMs (${resolved.maxRetryDelayMs}) must be >= retryDelayMs (${resolved.retryDelayMs})`);
  }
  if (resolved.banWarnThreshold > resolved.banThreshold) {
    throw new TypeError(`option banWarnThreshold (${resolved.banWarnThreshold}) must be <= banThreshold (${resolved.banThreshold})`);
  }
  return resolved;
}

function checkClock(clock: Clock): Clock {
  if (typeof clock !== 'object' || clock === null) throw new TypeError('option clock must be an object');
  checkFn('clock.now', clock.now);
  checkFn('clock.setTimeout', clock.setTimeout);
  checkFn('clock.clearTimeout', clock.clearTimeout);
  return clock;
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The serializable configuration `config()` reports (the options minus functions). */
export function configView(o: ResolvedOptions, targetOutbound: number): ConnManagerConfig {
  return {
    listen: o.listen.map((l) => ({ ...l })),
    targetOutbound,
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
    banWarnThreshold: o.banWarnThreshold,
    banThreshold: o.banThreshold,
    banDurationMs: o.banDurationMs,
  };
}

/** Options `configure()` changes at run time (README "Changing the rules live"). */
export const LIVE_OPTIONS = [
  'targetOutbound',
  'backoff',
  'retryDelayMs',
  'maxRetryDelayMs',
  'dialTimeoutMs',
  'idleTimeoutMs',
  'inboundPolicy',
  'maxInbound',
] as const;
export type LiveOptionName = (typeof LIVE_OPTIONS)[number];
export type LiveOptions = Partial<Pick<ResolvedOptions, LiveOptionName>>;

/**
 * Checks a `configure()` patch against the current values and returns only what changes. Same
 * rules as the constructor's options (and `maxRetryDelayMs >= retryDelayMs` after the change);
 * an unknown or fixed option is refused by name. Throws ConnMgrError `ERR_INVALID_ARGUMENT`.
 */
export function checkLivePatch(current: Pick<ResolvedOptions, LiveOptionName>, patch: unknown): LiveOptions {
  const bad = (message: string): never => {
    throw new ConnMgrError('ERR_INVALID_ARGUMENT', message);
  };
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) bad('configure() takes an object of options');
  const entries = Object.entries(patch as Record<string, unknown>).filter(([, value]) => value !== undefined);
  if (entries.length === 0) bad(`configure() needs at least one of ${LIVE_OPTIONS.join(', ')}`);
  const changed: Record<string, unknown> = {};
  for (const [name, value] of entries) {
    if (!(LIVE_OPTIONS as readonly string[]).includes(name)) {
      bad(`option ${name} cannot be changed at run time (these can: ${LIVE_OPTIONS.join(', ')})`);
    }
    const key = name as LiveOptionName;
    if (key === 'backoff') {
      if (!BACKOFF_KINDS.includes(value as BackoffKind))
        bad(`backoff must be one of ${BACKOFF_KINDS.join(', ')}, got ${JSON.stringify(value)}`);
    } else if (key === 'inboundPolicy') {
      if (!INBOUND_POLICIES.includes(value as InboundPolicy)) {
        bad(`inboundPolicy must be one of ${INBOUND_POLICIES.join(', ')}, got ${JSON.stringify(value)}`);
      }
    } else {
      const min = key === 'retryDelayMs' || key === 'maxRetryDelayMs' || key === 'dialTimeoutMs' ? 1 : 0;
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
        bad(`${key} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
    }
    if (current[key] !== value) changed[key] = value;
  }
  const next = { ...current, ...changed };
  if (next.maxRetryDelayMs < next.retryDelayMs) {
    bad(`maxRetryDelayMs (${next.maxRetryDelayMs}) must be >= retryDelayMs (${next.retryDelayMs})`);
  }
  return changed as LiveOptions;
}

/** The manager's address source: `getNewAddress`, or the address book's. @throws TypeError for both, or a book without `getNewAddress`. */
function addressSourceOf(o: ConnManagerOptions): (() => Promise<string>) | undefined {
  if (o.addressBook === undefined) return o.getNewAddress === undefined ? undefined : checkFn('getNewAddress', o.getNewAddress);
  if (o.getNewAddress !== undefined) throw new TypeError('give option getNewAddress or addressBook, not both');
  const book = o.addressBook;
  if (typeof book?.getNewAddress !== 'function') throw new TypeError('option addressBook must have a getNewAddress() method');
  return () => book.getNewAddress();
}

function checkRate(rate: unknown): InboundRate | null {
  if (rate === null || rate === undefined) return null;
  const r = rate as Partial<InboundRate>;
  if (
    typeof r !== 'object' ||
    !(typeof r.perSecond === 'number' && r.perSecond > 0) ||
    !(Number.isSafeInteger(r.burst) && (r.burst ?? 0) >= 1)
  ) {
    throw new TypeError(`option inboundRate must be null or { perSecond > 0, burst >= 1 (an integer) }, got ${JSON.stringify(rate)}`);
  }
  return { perSecond: r.perSecond, burst: r.burst as number };
}

function checkHosts(hosts: unknown): readonly string[] {
  if (hosts === undefined) return [];
  if (!Array.isArray(hosts) || hosts.some((h) => typeof h !== 'string'))
    throw new TypeError('option allowHosts must be an array of addresses and CIDR ranges');
  // BanPolicy parses them (and says which entry is wrong).
  new BanPolicy({ allowHosts: hosts as string[] });
  return [...(hosts as string[])];
}
