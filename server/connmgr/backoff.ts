/**
 * Retry delays for persistent peers (README, "Connection manager" › Options: `backoff`). Pure: the same inputs (and the
 * same `random`) give the same delay, so schedules are table-tested and reproducible.
 */
export const BACKOFF_KINDS = ['linear', 'exponential'] as const;
export type BackoffKind = (typeof BACKOFF_KINDS)[number];

export interface BackoffParams {
  readonly kind: BackoffKind;
  /** Base retry step (`retryDelayMs`). */
  readonly stepMs: number;
  /** Cap (`maxRetryDelayMs`). */
  readonly capMs: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry).
 * - linear (btcd): `min(attempt × step, cap)`.
 * - exponential (dcrd): `b = min(step × 2^(attempt−1), cap)`, then uniform in `[b/2, b)` so that
 *   many peers dropped at once do not redial in lockstep.
 */
export function backoffDelayMs(params: BackoffParams, attempt: number, random: () => number): number {
  const n = Math.max(1, Math.floor(attempt));
  switch (params.kind) {
    case 'linear':
      return Math.min(n * params.stepMs, params.capMs);
    case 'exponential': {
      // 2^(n-1) overflows to Infinity for huge n; min() with the cap keeps it finite.
      const ceiling = Math.min(params.stepMs * 2 ** (n - 1), params.capMs);
      const r = Math.min(Math.max(random(), 0), 0.999999999);
      return Math.floor(ceiling / 2 + r * (ceiling / 2));
    }
    default:
      return assertNever(params.kind);
  }
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
