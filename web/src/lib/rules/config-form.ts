/**
 * The "Rules" form's logic (Controls › Rules): which of the live options the user changed, checked
 * as the manager will check them, so a slip is answered beside the field before anything is sent.
 * The manager checks again (README "Changing the rules live"); this only saves a round trip.
 */
import type { BackoffKind, ConnManagerConfig, InboundPolicy } from '$protocol';
import { MAX_CONFIG_DELAY_MS } from '$protocol';

/** The form's fields: what `configure` can change, minus the target (it has its own form). */
export interface RulesForm {
  backoff: BackoffKind;
  retryDelayMs: number | null;
  maxRetryDelayMs: number | null;
  dialTimeoutMs: number | null;
  idleTimeoutMs: number | null;
  inboundPolicy: InboundPolicy;
  maxInbound: number | null;
}

export type RulesPatch = Partial<{ [K in keyof RulesForm]: NonNullable<RulesForm[K]> }>;

export function formFrom(config: ConnManagerConfig): RulesForm {
  return {
    backoff: config.backoff,
    retryDelayMs: config.retryDelayMs,
    maxRetryDelayMs: config.maxRetryDelayMs,
    dialTimeoutMs: config.dialTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    inboundPolicy: config.inboundPolicy,
    maxInbound: config.maxInbound,
  };
}

/** The changed fields, or the first problem (`field` names the input). */
export function rulesPatch(
  config: ConnManagerConfig,
  form: RulesForm,
): { ok: true; patch: RulesPatch } | { ok: false; field: keyof RulesForm; message: string } {
  const whole = (field: keyof RulesForm, min: number, max: number, what: string): { field: keyof RulesForm; message: string } | null => {
    const value = form[field];
    return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max
      ? null
      : { field, message: `${what} must be a whole number from ${min} to ${max}` };
  };
  const problem =
    whole('retryDelayMs', 1, MAX_CONFIG_DELAY_MS, 'retry step (ms)') ??
    whole('maxRetryDelayMs', 1, MAX_CONFIG_DELAY_MS, 'backoff cap (ms)') ??
    whole('dialTimeoutMs', 1, MAX_CONFIG_DELAY_MS, 'dial timeout (ms)') ??
    whole('idleTimeoutMs', 0, MAX_CONFIG_DELAY_MS, 'idle timeout (ms)') ??
    whole('maxInbound', 0, 100_000, 'inbound limit');
  if (problem) return { ok: false, ...problem };
  if ((form.maxRetryDelayMs as number) < (form.retryDelayMs as number)) {
    return {
      ok: false,
      field: 'maxRetryDelayMs',
      message: `the cap (${form.maxRetryDelayMs} ms) must be at least the step (${form.retryDelayMs} ms)`,
    };
  }
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(form) as Array<keyof RulesForm>) if (form[key] !== config[key]) patch[key] = form[key];
  return { ok: true, patch: patch as RulesPatch };
}

/** `backoff exponential, retryDelayMs 500` — what a reply's `changed` says, for the status line. */
export function describeChange(changed: Record<string, unknown>): string {
  const parts = Object.entries(changed).map(([k, v]) => `${k} ${String(v)}`);
  return parts.length === 0 ? 'nothing changed (the values were already in force)' : `changed: ${parts.join(', ')}`;
}
