/**
 * The persistent-peer retry schedule as the page explains it (README, "Connection manager" › Options: `backoff`): the
 * same formula as server/connmgr/backoff.ts, restated here because the page may import only the
 * protocol. Exponential delays are random within bounds, so a step is a range.
 */
import { assertNever, type ConnManagerConfig } from '$protocol';
import { formatDuration } from '../format.ts';

export type BackoffConfig = Pick<ConnManagerConfig, 'backoff' | 'retryDelayMs' | 'maxRetryDelayMs'>;

/** The wait before retry number `attempt`: exactly `minMs` for linear, within [minMs, maxMs) for exponential. */
export interface RetryStep {
  attempt: number;
  minMs: number;
  maxMs: number;
}

/** Bounds of the wait before retry `attempt` (1 = first retry). */
export function retryBounds(config: BackoffConfig, attempt: number): RetryStep {
  const n = Math.max(1, Math.floor(attempt));
  switch (config.backoff) {
    case 'linear': {
      const d = Math.min(n * config.retryDelayMs, config.maxRetryDelayMs);
      return { attempt: n, minMs: d, maxMs: d };
    }
    case 'exponential': {
      const ceiling = Math.min(config.retryDelayMs * 2 ** (n - 1), config.maxRetryDelayMs);
      return { attempt: n, minMs: ceiling / 2, maxMs: ceiling };
    }
    default:
      return assertNever(config.backoff, 'backoff kind');
  }
}

/** `count` steps starting at retry `fromAttempt`. */
export function retrySchedule(config: BackoffConfig, fromAttempt: number, count: number): RetryStep[] {
  const out: RetryStep[] = [];
  for (let i = 0; i < count; i += 1) out.push(retryBounds(config, fromAttempt + i));
  return out;
}

/** `15 s` or `2.5 s – 5.0 s`. */
export function formatStep(step: RetryStep): string {
  return step.minMs === step.maxMs ? formatDuration(step.minMs) : `${formatDuration(step.minMs)} – ${formatDuration(step.maxMs)}`;
}

/** The rule in words, e.g. `linear: min(n × 5.0 s, 5 min)`. */
export function describeBackoff(config: BackoffConfig): string {
  const step = formatDuration(config.retryDelayMs);
  const cap = formatDuration(config.maxRetryDelayMs);
  switch (config.backoff) {
    case 'linear':
      return `linear: min(n × ${step}, ${cap})`;
    case 'exponential':
      return `exponential: b = min(${step} × 2^(n−1), ${cap}), wait in [b/2, b)`;
    default:
      return assertNever(config.backoff, 'backoff kind');
  }
}
