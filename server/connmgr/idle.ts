/**
 * Rule 7 (README "Rules"), the idle timeout: one timer per established connection, re-armed for
 * the remainder when bytes moved, so that no byte costs a timer. Activity the manager does not see
 * one by one is read off the socket's byte counters when the timer comes due (conn-record.ts
 * `noteActivity`): a kick comes between `idleTimeoutMs` and twice that after the last byte, never
 * earlier. The kick itself is the manager's (`kick`): it closes the socket and transitions.
 */
import { noteActivity, type ConnRecord } from './conn-record.ts';
import type { ResolvedOptions } from './options.ts';
import type { Timers } from './resources.ts';

export class IdleTimer {
  readonly #rules: Pick<ResolvedOptions, 'idleTimeoutMs'>;
  readonly #timers: Timers;
  readonly #now: () => number;
  readonly #kick: (rec: ConnRecord) => void;

  /** `rules` is read live: `configure({ idleTimeoutMs })` re-arms every connection (`rearm`). */
  constructor(rules: Pick<ResolvedOptions, 'idleTimeoutMs'>, timers: Timers, now: () => number, kick: (rec: ConnRecord) => void) {
    this.#rules = rules;
    this.#timers = timers;
    this.#now = now;
    this.#kick = kick;
  }

  /** Arms the timer of an established connection, due `idleTimeoutMs` after its last activity. */
  arm(rec: ConnRecord): void {
    const idleMs = this.#rules.idleTimeoutMs;
    if (idleMs <= 0) return;
    const due = rec.lastActivityAt + idleMs - this.#now();
    rec.idleTimer = this.#timers.setTimer(
      () => {
        rec.idleTimer = undefined;
        if (rec.state !== 'established' || !rec.socket) return;
        noteActivity(rec, this.#now());
        if (this.#now() - rec.lastActivityAt >= idleMs) this.#kick(rec);
        else this.arm(rec);
      },
      Math.max(0, due),
    );
  }

  disarm(rec: ConnRecord): void {
    this.#timers.clearTimer(rec.idleTimer);
    rec.idleTimer = undefined;
  }

  /** After a live change of `idleTimeoutMs`: a connection already silent for longer is kicked at once. */
  rearm(rec: ConnRecord): void {
    this.disarm(rec);
    this.arm(rec);
  }

  /** `rearm` for every established connection of `recs` (the others have no socket to watch). */
  rearmAll(recs: Iterable<ConnRecord>): void {
    for (const rec of recs) if (rec.state === 'established' && rec.socket) this.rearm(rec);
  }
}
