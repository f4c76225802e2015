/**
 * Reads the live connections' byte counts from `/api/snapshot` every `periodMs` while started
 * (the table starts it only while it is shown and the page is live: a stale page stands still).
 * A thin rune wrapper around `readBytes` / `mergeBytes`.
 */
import type { ConnectionsStore } from '../model/ConnectionsStore.svelte.ts';
import { mergeBytes, readBytes } from './bytes.ts';
import type { Bytes } from './rows.ts';

export interface BytesPollerOptions {
  url?: string;
  periodMs?: number;
  fetch?: typeof fetch;
}

export class BytesPoller {
  /** Byte counts by connection id (the latest reading, plus the last of those ended since). */
  bytes = $state.raw<ReadonlyMap<number, Bytes>>(new Map());
  /** Local time of the last good reading; null before one. */
  readAt = $state<number | null>(null);
  /** Why the last reading failed, or null. */
  problem = $state<string | null>(null);

  readonly #store: ConnectionsStore;
  readonly #url: string;
  readonly #periodMs: number;
  readonly #fetch: typeof fetch;
  #timer: ReturnType<typeof setInterval> | null = null;
  #inFlight = false;
  #runId: string | null = null;

  constructor(store: ConnectionsStore, options: BytesPollerOptions = {}) {
    this.#store = store;
    this.#url = options.url ?? '/api/snapshot';
    this.#periodMs = options.periodMs ?? 2000;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** Reads now and then every period, until `stop()`. Idempotent. */
  start(): void {
    if (this.#timer !== null) return;
    void this.poll();
    this.#timer = setInterval(() => void this.poll(), this.#periodMs);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** One reading (skipped while one is on its way: a slow server is not asked twice). */
  async poll(): Promise<void> {
    if (this.#inFlight) return;
    this.#inFlight = true;
    try {
      const res = await this.#fetch(this.#url, { cache: 'no-store', signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`GET ${this.#url}: HTTP ${res.status}`);
      const reading = readBytes(await res.json());
      if ('error' in reading) throw new Error(reading.error);
      // Counts of another server run (a restart the link has not caught up with) mean nothing here.
      if (reading.runId !== this.#store.runId) return;
      const prev = this.#runId === reading.runId ? this.bytes : new Map<number, Bytes>();
      this.#runId = reading.runId;
      this.bytes = mergeBytes(prev, reading.bytes, (id) => this.#store.conns.has(id));
      this.readAt = Date.now();
      this.problem = null;
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err);
    } finally {
      this.#inFlight = false;
    }
  }
}
