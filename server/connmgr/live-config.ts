/**
 * Changing the rules live (README "Changing the rules live"): `setTargetOutbound`'s argument check
 * and `configure`'s application of a patch. options.ts checks a patch and says what differs; this
 * writes it where the manager reads its rules, tells it (`config:changed`), and says what must be
 * redone at once. What is already scheduled (a waiting retry, a pending dial's timeout) keeps its
 * time, since those read the rules when they are set, not when they fire.
 */
import { ConnMgrError } from './errors.ts';
import { checkLivePatch, type LiveOptions, type ResolvedOptions } from './options.ts';

/** The manager's side of a live change; every effect is optional work the manager performs. */
export interface LiveHost {
  /** The manager's own options object: written in place, since every policy holds it. */
  readonly opts: ResolvedOptions;
  getTarget(): number;
  setTarget(n: number): void;
  /** Emits `config:changed` with what changed. */
  changed(changed: LiveOptions): void;
  /** The idle timeout changed: re-arm every connection's timer now. */
  rearmIdle(): void;
  /** The inbound limit or policy changed: pause or resume accepting now. */
  reconsiderInbound(): void;
  /** The target changed: dial up to it now (lowering closes nothing). */
  refill(): void;
}

/** `setTargetOutbound(n)`'s check. @throws ConnMgrError `ERR_INVALID_ARGUMENT`. */
export function checkTarget(n: unknown): number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new ConnMgrError('ERR_INVALID_ARGUMENT', `target outbound must be an integer >= 0, got ${JSON.stringify(n)}`);
  }
  return n;
}

/**
 * Applies what of `patch` differs from now; returns it (empty: nothing changed, nothing told).
 * @throws ConnMgrError `ERR_INVALID_ARGUMENT` naming the option; nothing is changed then.
 */
export function applyLive(host: LiveHost, patch: LiveOptions): LiveOptions {
  const changed = checkLivePatch({ ...host.opts, targetOutbound: host.getTarget() }, patch);
  if (Object.keys(changed).length === 0) return changed;
  const { targetOutbound, ...rest } = changed;
  Object.assign(host.opts, rest);
  if (targetOutbound !== undefined) host.setTarget(targetOutbound);
  host.changed(changed);
  if (changed.idleTimeoutMs !== undefined) host.rearmIdle();
  if (changed.maxInbound !== undefined || changed.inboundPolicy !== undefined) host.reconsiderInbound();
  if (targetOutbound !== undefined) host.refill();
  return changed;
}
