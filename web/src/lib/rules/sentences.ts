/**
 * The rule behind an event, in one sentence (README "Rule ids"): the manager names the rule
 * (`rule`), this module adds the event's numbers and the configuration, so that the log, the
 * details, the timeline and the graph say the same thing in the same words. Pure: no DOM, no clock
 * (durations are differences of the event's own times).
 */
import { assertNever, type ConnManagerConfig, type RuleId, type WireEvent } from '$protocol';
import { formatDuration } from '../format.ts';
import { retryBounds } from '../model/schedule.ts';

export type RuleConfig = Pick<
  ConnManagerConfig,
  | 'backoff'
  | 'retryDelayMs'
  | 'maxRetryDelayMs'
  | 'maxFailedAttempts'
  | 'maxInbound'
  | 'inboundPolicy'
  | 'idleTimeoutMs'
  | 'dialTimeoutMs'
  | 'targetOutbound'
>;

/** What an event says, as far as the sentence needs it. */
export interface RuleFacts {
  rule: RuleId;
  /** When the event happened (manager clock). */
  at: number;
  reason?: string;
  attempt?: number;
  retryAt?: number;
  code?: string;
  /** `outbound:throttled`: failures in a row, and the wait before the next attempt. */
  failedAttempts?: number;
  delayMs?: number;
}

/** The README rule number(s) each id comes from ("Rules, and the choices where the spec left room"). */
export const RULE_SECTION: Record<RuleId, string> = {
  'connect-request': 'rule 5',
  'persistent-add': 'rule 2',
  'outbound-fill': 'rule 1',
  'replace-failed-outbound': 'rule 1',
  'outage-pause': 'rule 1',
  'dial-succeeded': 'rules 1, 2, 5',
  'inbound-accept': 'rule 6',
  'persistent-backoff': 'rule 2',
  'persistent-retry': 'rule 2',
  'stable-connection': 'rule 2',
  'one-shot-dial-failed': 'rules 1, 5',
  'dial-timeout': 'rules 1, 5',
  'peer-closed': 'states',
  'idle-timeout': 'rule 7',
  disconnect: 'rule 4',
  remove: 'rule 4',
  'connect-aborted': 'errors',
  'handoff-close': 'rule 10',
  shutdown: 'rule 8',
  duplicate: 'rule 3',
  'inbound-limit-shed': 'rule 6',
  'inbound-limit-pause': 'rule 6',
  'accept-exhausted': 'rule 6',
  'inbound-per-host-limit': 'rule 6',
  'inbound-rate-limit': 'rule 6',
  banned: 'rule 11',
  'inbound-banned': 'rule 11',
};

/** The wait the backoff chose, as a formula with its numbers: `6.0 s = 3 × 2.0 s`, capped where it bites. */
export function backoffFormula(config: RuleConfig, attempt: number): string {
  const n = Math.max(1, Math.floor(attempt));
  const step = formatDuration(config.retryDelayMs);
  const cap = formatDuration(config.maxRetryDelayMs);
  const b = retryBounds(config, n);
  switch (config.backoff) {
    case 'linear': {
      const raw = n * config.retryDelayMs;
      return raw > config.maxRetryDelayMs
        ? `${formatDuration(b.minMs)} = ${n} × ${step}, capped at ${cap}`
        : `${formatDuration(b.minMs)} = ${n} × ${step}`;
    }
    case 'exponential': {
      const raw = config.retryDelayMs * 2 ** (n - 1);
      const capped = raw > config.maxRetryDelayMs ? `, capped at ${cap}` : '';
      return `drawn from [${formatDuration(b.minMs)}, ${formatDuration(b.maxMs)}) = half to all of ${step} × 2^${n - 1}${capped}`;
    }
    default:
      return assertNever(config.backoff, 'backoff kind');
  }
}

/** One sentence: what the rule decided here, with the numbers that made it decide so. */
export function ruleSentence(f: RuleFacts, config: RuleConfig | null): string {
  const retryDelay = config ? formatDuration(config.retryDelayMs) : 'retryDelayMs';
  switch (f.rule) {
    case 'connect-request':
      return 'connect(): one dial; if it fails, the request ends (no retry).';
    case 'persistent-add':
      return 'persistent peer added: it dials at once and is retried for as long as it is not removed.';
    case 'outbound-fill':
      return config
        ? `automatic outbound: dialing towards the target of ${config.targetOutbound} connections.`
        : 'automatic outbound: dialing towards the target.';
    case 'replace-failed-outbound':
      return 'automatic outbound: replacing one that failed or closed, with a fresh address and a new id.';
    case 'outage-pause': {
      const failures = f.failedAttempts ?? config?.maxFailedAttempts;
      const wait = f.delayMs !== undefined ? formatDuration(f.delayMs) : retryDelay;
      return failures !== undefined
        ? `outage: ${failures} automatic failures in a row (limit ${config?.maxFailedAttempts ?? failures}), so one new attempt per ${wait} until one succeeds.`
        : `outage: one new automatic attempt per ${wait} until one succeeds.`;
    }
    case 'dial-succeeded':
      return 'dial succeeded and the request was still wanted: established.';
    case 'inbound-accept':
      return config
        ? `inbound admitted: under the limit of ${config.maxInbound} inbound connections.`
        : 'inbound admitted: under the inbound limit.';
    case 'persistent-backoff': {
      const attempt = f.attempt ?? 1;
      const wait = f.retryAt !== undefined ? `next try in ${formatDuration(Math.max(0, f.retryAt - f.at))}` : 'next try after the backoff';
      const formula = config ? ` (${backoffFormula(config, attempt)})` : '';
      const why = f.reason === 'local-disconnect' ? '; a disconnect of a persistent peer always backs off' : '';
      return `attempt ${attempt}: ${wait}${formula}${why}.`;
    }
    case 'persistent-retry':
      return `backoff over: retry${f.attempt ? ` after ${f.attempt} failed attempt${f.attempt === 1 ? '' : 's'}` : ''}.`;
    case 'stable-connection':
      return `stable connection: it lived at least ${retryDelay}, so the failure count resets and it redials at once.`;
    case 'one-shot-dial-failed':
      return `one-shot dial failed${f.code ? ` (${f.code})` : ''}: the request ends; only persistent peers retry.`;
    case 'dial-timeout':
      return config
        ? `dial timed out after ${formatDuration(config.dialTimeoutMs)}: the request ends.`
        : 'dial timed out: the request ends.';
    case 'peer-closed':
      return `closed by the peer or the network (${f.reason ?? 'closed'}${f.code ? `, ${f.code}` : ''}): not persistent, so it ends.`;
    case 'idle-timeout':
      return config
        ? `idle: no byte either way for ${formatDuration(config.idleTimeoutMs)}, kicked.`
        : 'idle: no byte either way for the idle timeout, kicked.';
    case 'disconnect':
      return 'disconnect(): closed; a one-shot or inbound connection is gone.';
    case 'remove':
      return 'remove(): closed and forgotten (a persistent entry is deleted and its slot freed).';
    case 'connect-aborted':
      return 'connect() was aborted by its signal while dialing.';
    case 'handoff-close':
      return f.reason === 'app-error'
        ? 'the application’s handler failed: this connection was closed.'
        : 'the application closed its socket.';
    case 'shutdown':
      return 'the manager is stopping: everything ends.';
    case 'duplicate':
      return 'duplicate: one connection per host:port, and that address is already in use.';
    case 'inbound-limit-shed':
      return config
        ? `shed: ${config.maxInbound} of ${config.maxInbound} inbound slots used, policy shed.`
        : 'shed: every inbound slot used, policy shed.';
    case 'inbound-limit-pause':
      return config
        ? `paused: ${config.maxInbound} of ${config.maxInbound} inbound slots used, policy pause — not accepting until one frees.`
        : 'paused: every inbound slot used, policy pause — not accepting until one frees.';
    case 'accept-exhausted':
      return 'out of file descriptors: accepting paused, retried shortly.';
    case 'inbound-per-host-limit':
      return 'per-host limit: this host already has as many inbound connections as maxInboundPerHost allows.';
    case 'inbound-rate-limit':
      return 'rate limit: this host opened connections faster than inboundRate allows; refused until its bucket refills.';
    case 'banned':
      return 'banned: its host misbehaved past the ban threshold (or was banned by hand): closed, and never retried while the ban lasts.';
    case 'inbound-banned':
      return 'banned host: inbound connections from it are refused until the ban ends.';
    default:
      return assertNever(f.rule, 'rule id');
  }
}

/** `README § Rule ids: persistent-backoff (rule 2)` — what the link next to a sentence says. */
export function ruleCitation(rule: RuleId): string {
  return `${rule} (${RULE_SECTION[rule]})`;
}

/** A log row's event: a wire event, or the page's own mark of a jump to a fresh snapshot. */
type LoggedEvent = WireEvent | { kind: 'page:jump' };

/**
 * The rule facts of a wire event, or null for one that names no rule (a listener change other
 * than the limit's pause, the manager's state, a config change, the lab, a jump mark).
 */
export function ruleFactsOf(e: LoggedEvent): RuleFacts | null {
  switch (e.kind) {
    case 'conn:state':
      return { rule: e.rule, at: e.at, reason: e.reason, attempt: e.attempt, retryAt: e.retryAt, code: e.code };
    case 'inbound:rejected':
      return { rule: e.rule, at: e.at, reason: e.reason };
    case 'outbound:throttled':
      return { rule: e.rule, at: e.at, failedAttempts: e.failedAttempts, delayMs: e.delayMs };
    case 'listener:state':
      return e.rule ? { rule: e.rule, at: e.at, reason: e.reason } : null;
    default:
      return null;
  }
}

/** What an event log row says about its rule: the sentence and the citation its link shows. */
export interface RuleLine {
  rule: RuleId;
  sentence: string;
  /** The link's text, e.g. "rule 2"; it points at `#rule-<rule>` (the help's "Rule ids" table). */
  section: string;
}

/** The rule line of one event (the log computes it only for the rows it renders). */
export function ruleLineOf(ev: LoggedEvent, config: RuleConfig | null): RuleLine | null {
  const facts = ruleFactsOf(ev);
  return facts ? { rule: facts.rule, sentence: ruleSentence(facts, config), section: RULE_SECTION[facts.rule] } : null;
}
