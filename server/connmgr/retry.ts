/**
 * Rule 2 (README "Rules"), the persistent retry decision, as a pure function: from the facts of a
 * failed dial or a closed connection to what happens next — redial at once (the stable-connection
 * rule) or wait the backoff. The manager performs the transition it names; this only decides, so
 * the rule is table-tested (retry.test.ts) without sockets or timers.
 */
import { backoffDelayMs, type BackoffKind } from './backoff.ts';
import type { ConnReason } from './types.ts';

export interface RetryRules {
  readonly backoff: BackoffKind;
  /** `retryDelayMs`: the backoff step, and the stable-connection window. */
  readonly retryDelayMs: number;
  /** `maxRetryDelayMs`: the backoff cap. */
  readonly maxRetryDelayMs: number;
  /** Jitter for the exponential backoff, in [0, 1). */
  readonly random: () => number;
}

export interface RetryFacts {
  /** Failures counted so far (the record's `attempt`). */
  readonly attempt: number;
  /** When the latest dial started. */
  readonly lastAttemptAt: number;
  readonly now: number;
  /** A connection closed (true), or a dial failed or was canceled (false). */
  readonly wasEstablished: boolean;
  readonly reason: ConnReason;
}

export type RetryDecision =
  /** `established → pending` at once, the count reset (`stable-connection`). */
  | { readonly kind: 'redial'; readonly attempt: 0 }
  /** `→ failing` with one more failure counted; the retry timer fires after `delayMs` (`persistent-backoff`). */
  | { readonly kind: 'wait'; readonly attempt: number; readonly delayMs: number; readonly retryAt: number };

/**
 * A connection that lived at least `retryDelayMs` (measured from the start of the dial that made
 * it) and dropped is redialed at once; anything else counts one more failure and waits the
 * backoff for that count. Two choices: a failed dial always waits — a dial that times out after
 * longer than `retryDelayMs` is no long-lived connection, and resetting there would redial a black
 * hole at once forever — and a local `disconnect` always waits: the operator asked for a break.
 */
export function decideRetry(rules: RetryRules, facts: RetryFacts): RetryDecision {
  const stable = facts.wasEstablished && facts.reason !== 'local-disconnect' && facts.now - facts.lastAttemptAt >= rules.retryDelayMs;
  if (stable) return { kind: 'redial', attempt: 0 };
  const attempt = facts.attempt + 1;
  const delayMs = backoffDelayMs({ kind: rules.backoff, stepMs: rules.retryDelayMs, capMs: rules.maxRetryDelayMs }, attempt, rules.random);
  return { kind: 'wait', attempt, delayMs, retryAt: facts.now + delayMs };
}
