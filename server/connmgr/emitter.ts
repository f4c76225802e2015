/**
 * A small typed event emitter whose listeners cannot break the emitter: a throwing listener is
 * caught and reported, and the other listeners still run (README, Rules: rule 9).
 */
export type Listener<T> = (event: T) => void;

export class SafeEmitter<Events extends object> {
  /**
   * Each event's listeners, as an array replaced (never changed) on subscribe and unsubscribe:
   * an emit walks the array it started with, so a listener added or removed meanwhile takes
   * effect from the next event, and an emit copies nothing.
   */
  readonly #listeners = new Map<keyof Events, readonly Listener<never>[]>();
  readonly #onError: (name: keyof Events, err: unknown) => void;

  constructor(onError: (name: keyof Events, err: unknown) => void) {
    this.#onError = onError;
  }

  /** Subscribes (a listener already subscribed stays subscribed once); returns the function that unsubscribes. */
  on<K extends keyof Events>(name: K, listener: Listener<Events[K]>): () => void {
    const list = this.#listeners.get(name) ?? [];
    if (!list.includes(listener as Listener<never>)) this.#listeners.set(name, [...list, listener as Listener<never>]);
    return () => this.off(name, listener);
  }

  off<K extends keyof Events>(name: K, listener: Listener<Events[K]>): void {
    const list = this.#listeners.get(name);
    if (!list?.includes(listener as Listener<never>)) return;
    const rest = list.filter((l) => l !== listener);
    if (rest.length > 0) this.#listeners.set(name, rest);
    else this.#listeners.delete(name);
  }

  emit<K extends keyof Events>(name: K, event: Events[K]): void {
    const list = this.#listeners.get(name);
    if (list === undefined) return;
    for (const listener of list) {
      try {
        (listener as Listener<Events[K]>)(event);
      } catch (err) {
        this.#onError(name, err);
      }
    }
  }

  listenerCount(name: keyof Events): number {
    return this.#listeners.get(name)?.length ?? 0;
  }
}
