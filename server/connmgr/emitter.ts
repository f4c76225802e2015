/**
 * A small typed event emitter whose listeners cannot break the emitter: a throwing listener is
 * caught and reported, and the other listeners still run (README, Rules: rule 9).
 */
export type Listener<T> = (event: T) => void;

export class SafeEmitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  readonly #onError: (name: keyof Events, err: unknown) => void;

  constructor(onError: (name: keyof Events, err: unknown) => void) {
    this.#onError = onError;
  }

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(name);
    if (!set) {
      set = new Set();
      this.#listeners.set(name, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(name, listener);
  }

  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(name)?.delete(listener as Listener<never>);
  }

  emit<K extends keyof Events>(name: K, event: Events[K]): void {
    const set = this.#listeners.get(name);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(event);
      } catch (err) {
        this.#onError(name, err);
      }
    }
  }

  listenerCount(name: keyof Events): number {
    return this.#listeners.get(name)?.size ?? 0;
  }
}
