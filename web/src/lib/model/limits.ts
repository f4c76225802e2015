/**
 * The manager's limits as the page shows them: inbound connections shed at `maxInbound`, accepting
 * paused there (policy `pause`), and automatic outbound throttled after `maxFailedAttempts`
 * failures in a row. The reducer records what the events say (`noteShed`, `noteFailures`); this
 * module turns that into what the graph draws and the DOM says at a given model time — a shed
 * pulse at most every `SHED_PULSE_EVERY_MS` however many are shed, "paused: N/N", and the
 * throttle's countdown. Time is always the model's (`model.now()`), so a stale view freezes the
 * countdown with everything else. Pure: no Svelte, no DOM.
 */
import type { ListenerInfo, ManagerState } from '$protocol';
import type { SlotLimits } from './types.ts';

/** A new shed pulse starts at most this often: a flood shedding 1,000/s still flashes 2.5 times a second. */
export const SHED_PULSE_EVERY_MS = 400;
/** How long one pulse lasts (it fades out over this time). */
export const SHED_PULSE_MS = 350;
/** "shed" stays on the graph this long after the latest shed, so the mark does not blink in and out. */
export const SHED_RECENT_MS = 2000;

/** Inbound connections shed at the limit (`inbound:rejected` with reason `limit`), as seen live. */
export interface ShedTrack {
  /** Shed connections seen since the page loaded (or the server restarted). */
  seen: number;
  /** Model-clock time of the latest one. */
  lastAt: number | null;
  /** When the latest pulse started. */
  pulseAt: number | null;
  /** Pulses started so far (rate-limited: see `SHED_PULSE_EVERY_MS`). */
  pulses: number;
}

export function emptyShedTrack(): ShedTrack {
  return { seen: 0, lastAt: null, pulseAt: null, pulses: 0 };
}

/** One connection shed at `at`: counted, and a new pulse if the last one began long enough ago. */
export function noteShed(t: ShedTrack, at: number): void {
  t.seen += 1;
  t.lastAt = t.lastAt === null ? at : Math.max(t.lastAt, at);
  if (t.pulseAt === null || at - t.pulseAt >= SHED_PULSE_EVERY_MS) {
    t.pulseAt = at;
    t.pulses += 1;
  }
}

/** Automatic outbound is paused after too many failures in a row (the `outbound:throttled` event). */
export interface ThrottleInfo {
  failedAttempts: number;
  delayMs: number;
  at: number;
}

/**
 * Consecutive automatic failures, and when that was true. Events (a throttle, a successful
 * automatic dial) and `stats` both tell it; the newer one wins, so every view shows one number.
 */
export interface FailureCount {
  count: number;
  at: number;
}

/** `prev` updated with a reading of `count` at `at`, unless `prev` is newer. */
export function noteFailures(prev: FailureCount | null, count: number, at: number): FailureCount {
  return prev !== null && prev.at > at ? prev : { count, at };
}

/** What the limits' view needs from the model (the store derives it once per change). */
export interface LimitSignals {
  running: boolean;
  shed: Readonly<ShedTrack>;
  /** The first paused listener, if accepting is paused. */
  paused: ListenerInfo | null;
  /** Live inbound and outbound connections (the model's counts) and their limits. */
  inbound: number;
  maxInbound: number;
  outbound: number;
  targetOutbound: number;
  /** The latest throttle event since the last successful automatic dial. */
  throttle: ThrottleInfo | null;
  /** Consecutive automatic failures now. */
  failures: number;
  /** null before the configuration is known. */
  maxFailedAttempts: number | null;
}

/** The model's state the signals are read from. */
export interface LimitSources {
  managerState: ManagerState | null;
  shed: Readonly<ShedTrack>;
  listeners: Iterable<ListenerInfo>;
  limits: SlotLimits;
  throttle: ThrottleInfo | null;
  failures: FailureCount | null;
  config: { maxFailedAttempts: number } | null;
}

export function limitSignals(src: LimitSources, counts: { inbound: number; outbound: number }): LimitSignals {
  let paused: ListenerInfo | null = null;
  for (const l of src.listeners) {
    if (l.state === 'paused') {
      paused = l;
      break;
    }
  }
  return {
    running: src.managerState === 'running',
    shed: src.shed,
    paused,
    inbound: counts.inbound,
    maxInbound: src.limits.maxInbound,
    outbound: counts.outbound,
    targetOutbound: src.limits.targetOutbound,
    throttle: src.throttle,
    failures: src.failures?.count ?? 0,
    maxFailedAttempts: src.config?.maxFailedAttempts ?? null,
  };
}

export interface ThrottleView {
  /** When the next automatic attempt is let through (model clock); null when not known (page opened while throttled). */
  until: number | null;
  /** Whole seconds to `until`, rounded up (0: trying now); null with `until`. */
  secondsLeft: number | null;
  /** Consecutive automatic failures. */
  failedAttempts: number;
  maxFailedAttempts: number;
}

export interface LimitsView {
  /** A connection was shed within `SHED_RECENT_MS`. */
  shedding: boolean;
  /** The current pulse's strength, 1 at its start fading to 0 (0 between pulses). */
  shedPulse: number;
  shedSeen: number;
  shedPulses: number;
  inbound: { used: number; limit: number };
  /** Accepting is paused (policy `pause` at the limit, or out of file descriptors). */
  acceptingPaused: { used: number; limit: number; reason: string | null } | null;
  /** Automatic outbound is throttled and short of its target. */
  throttle: ThrottleView | null;
}

/** The limits at model time `now`. */
export function limitsView(sig: LimitSignals, now: number): LimitsView {
  const { shed } = sig;
  const shedding = shed.lastAt !== null && now - shed.lastAt < SHED_RECENT_MS;
  const sincePulse = shed.pulseAt === null ? Number.POSITIVE_INFINITY : Math.max(0, now - shed.pulseAt);
  const shedPulse = sincePulse < SHED_PULSE_MS ? 1 - sincePulse / SHED_PULSE_MS : 0;
  const inbound = { used: sig.inbound, limit: sig.maxInbound };
  const acceptingPaused = sig.running && sig.paused !== null ? { ...inbound, reason: sig.paused.reason ?? null } : null;
  return {
    shedding,
    shedPulse,
    shedSeen: shed.seen,
    shedPulses: shed.pulses,
    inbound,
    acceptingPaused,
    throttle: throttleView(sig, now),
  };
}

function throttleView(sig: LimitSignals, now: number): ThrottleView | null {
  const max = sig.maxFailedAttempts;
  // Throttled means: past the failure limit, and the manager still wants more automatic outbound.
  if (!sig.running || max === null || sig.failures < max || sig.outbound >= sig.targetOutbound) return null;
  const until = sig.throttle === null ? null : sig.throttle.at + sig.throttle.delayMs;
  return {
    until,
    secondsLeft: until === null ? null : Math.max(0, Math.ceil((until - now) / 1000)),
    failedAttempts: sig.failures,
    maxFailedAttempts: max,
  };
}

/** The inbound limit in words, for the DOM mirror: "accepting paused 16/16", "inbound: shedding connections at the limit, 8/8". */
export function inboundText(v: LimitsView): string {
  const { used, limit } = v.inbound;
  const parts: string[] = [];
  if (v.acceptingPaused) {
    const why = v.acceptingPaused.reason !== null && v.acceptingPaused.reason !== 'limit' ? ` (${v.acceptingPaused.reason})` : '';
    parts.push(`accepting paused ${used}/${limit}${why}`);
  }
  if (v.shedding) parts.push(`inbound: shedding connections at the limit, ${used}/${limit}`);
  return parts.length > 0 ? parts.join('; ') : `inbound accepting, ${used}/${limit}`;
}

/** The throttle in words, for the DOM mirror: "outbound throttled, next try in 3 s". */
export function outboundText(v: LimitsView): string {
  const t = v.throttle;
  if (t === null) return 'outbound not throttled';
  if (t.secondsLeft === null) return `outbound throttled after ${t.failedAttempts} failures in a row`;
  return t.secondsLeft > 0 ? `outbound throttled, next try in ${t.secondsLeft} s` : 'outbound throttled, trying now';
}

export type MarkKey = 'shed' | 'paused' | 'throttle';

/** A mark on the graph: a short tag, optionally with a second line. */
export interface MarkText {
  key: MarkKey;
  text: string;
  sub: string | null;
}

/** The graph's marks, in placing order: the inbound sector's, then the outbound banner. */
export function markTexts(v: LimitsView): MarkText[] {
  const out: MarkText[] = [];
  if (v.shedding) out.push({ key: 'shed', text: 'shed', sub: null });
  if (v.acceptingPaused) out.push({ key: 'paused', text: `paused: ${v.acceptingPaused.used}/${v.acceptingPaused.limit}`, sub: null });
  const t = v.throttle;
  if (t) {
    // Short: the banner must find room even in a phone's pane (the counters give the failures).
    const sub =
      t.secondsLeft === null ? `after ${t.failedAttempts} failures` : t.secondsLeft > 0 ? `next try in ${t.secondsLeft}s` : 'trying now';
    out.push({ key: 'throttle', text: 'outbound throttled', sub });
  }
  return out;
}

/**
 * What a screen reader is told when the limits change: the state, without the countdown (which
 * would change every second). Empty when no limit is reached.
 */
export function limitsAnnouncement(v: LimitsView): string {
  const parts: string[] = [];
  if (v.acceptingPaused) parts.push(`Accepting paused at the inbound limit, ${v.acceptingPaused.used} of ${v.acceptingPaused.limit}.`);
  if (v.shedding) parts.push('Inbound connections are being shed at the limit.');
  if (v.throttle) parts.push(`Automatic outbound throttled after ${v.throttle.failedAttempts} failures in a row.`);
  return parts.join(' ');
}

/**
 * How long until the drawing of the limits changes by itself (ms, model clock): 0 while a pulse
 * fades (animate; unless `pulses` is false: reduced motion draws none), the end of "shed", the
 * countdown's next second; null when nothing will.
 */
export function limitsWakeMs(v: LimitsView, sig: LimitSignals, now: number, options: { pulses?: boolean } = {}): number | null {
  if (v.shedPulse > 0 && options.pulses !== false) return 0;
  let wake = Number.POSITIVE_INFINITY;
  if (v.shedding && sig.shed.lastAt !== null) wake = Math.min(wake, sig.shed.lastAt + SHED_RECENT_MS - now);
  const t = v.throttle;
  if (t && t.until !== null && t.secondsLeft !== null && t.secondsLeft > 0)
    wake = Math.min(wake, t.until - (t.secondsLeft - 1) * 1000 - now);
  return Number.isFinite(wake) ? Math.max(1, Math.ceil(wake)) : null;
}
