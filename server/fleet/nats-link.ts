/**
 * One NATS connection that outlives NATS: it keeps trying until the first connect succeeds (NATS
 * unreachable at start is not an error for a node or a fleet dashboard), reconnects for ever after
 * a loss, and tells its owner when it is up (first time and after every reconnect: streams and
 * buckets are checked again then, since the server may have come back with an empty store).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';

/** Pause between attempts while NATS is unreachable (first connect and reconnects). */
export const RECONNECT_MS = 500;

export interface NatsLinkOptions {
  /** `nats://host:port`, or several. */
  readonly servers: string | readonly string[];
  /** The connection's name on the server (`connscope node a`, `connscope fleet`). */
  readonly name: string;
  /** Called on each (re)connect with the connection; errors are the owner's to report. */
  readonly onUp: (nc: NatsConnection) => Promise<void> | void;
  /** Called when the connection drops (it keeps reconnecting). */
  readonly onDown?: () => void;
  /** Gets what `onUp` threw (the link stays up; the owner retries on its own terms). */
  readonly onError?: (err: Error) => void;
  readonly reconnectMs?: number;
}

export class NatsLink {
  readonly #o: NatsLinkOptions;
  #nc: NatsConnection | undefined;
  #up = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #disconnects = 0;
  /** Resolves when the first attempt has settled (connected or failed once): start-up waits no longer. */
  readonly firstAttempt: Promise<void>;

  constructor(o: NatsLinkOptions) {
    this.#o = o;
    this.firstAttempt = this.#attempt();
  }

  /** Whether the connection is up now. */
  get connected(): boolean {
    return this.#up;
  }

  get connection(): NatsConnection | undefined {
    return this.#up ? this.#nc : undefined;
  }

  /** Times the connection was lost after being up. */
  get disconnects(): number {
    return this.#disconnects;
  }

  get server(): string {
    return ([] as string[]).concat(this.#o.servers).join(',');
  }

  async #attempt(): Promise<void> {
    if (this.#closed) return;
    const ms = this.#o.reconnectMs ?? RECONNECT_MS;
    try {
      const nc = await connect({
        servers: [...([] as string[]).concat(this.#o.servers)],
        name: this.#o.name,
        maxReconnectAttempts: -1,
        reconnectTimeWait: ms,
        reconnectJitter: 0,
        // A lost server is noticed within a few seconds even without a TCP reset.
        pingInterval: 2000,
        maxPingOut: 2,
        timeout: 2000,
      });
      if (this.#closed) {
        await nc.close();
        return;
      }
      this.#nc = nc;
      void this.#watch(nc);
      await this.#markUp(nc);
    } catch {
      if (this.#closed) return;
      this.#timer = setTimeout(() => void this.#attempt(), ms);
      this.#timer.unref();
    }
  }

  async #markUp(nc: NatsConnection): Promise<void> {
    this.#up = true;
    try {
      await this.#o.onUp(nc);
    } catch (err) {
      this.#o.onError?.(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async #watch(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' && this.#up) {
        this.#up = false;
        this.#disconnects += 1;
        this.#o.onDown?.();
      } else if (s.type === 'reconnect') {
        void this.#markUp(nc);
      }
    }
  }

  /** Closes the connection (flushing what it can quickly); stops retrying. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const nc = this.#nc;
    this.#nc = undefined;
    this.#up = false;
    if (nc && !nc.isClosed()) await nc.close().catch(() => undefined);
  }
}
