/**
 * A shared coarse clock for countdowns and "ago" labels: one interval for the whole page,
 * running only while something reads it.
 */
import { createSubscriber } from 'svelte/reactivity';

export class Ticker {
  readonly #subscribe: () => void;
  constructor(periodMs: number) {
    this.#subscribe = createSubscriber((update) => {
      const timer = setInterval(update, periodMs);
      return () => clearInterval(timer);
    });
  }
  /** Local time now; reading it in an effect or template re-runs it every period. */
  get now(): number {
    this.#subscribe();
    return Date.now();
  }
}

/** Ticks twice a second. */
export const ticker = new Ticker(500);
