/**
 * The fleet view's WebSocket to a fleet dashboard's `/ws` (docs/fleet.md): it receives `fleet`
 * messages (the node list, every second) and nothing else, so it is a listener, not a second
 * `LinkClient` — a node's full view goes through the one LinkClient, pointed at `/ws?node=NAME`.
 * It reconnects with the live link's backoff (net/reconnect.ts) and keeps the last list shown.
 */
import { parseFleetMessage, type FleetMessage } from '$protocol';
import { reconnectDelayMs } from '../net/reconnect.ts';

/** Without a `fleet` message for this long (they come every second) the socket is replaced. */
export const FLEET_SILENT_MS = 5000;

export class FleetLink {
  /** The newest list; null before the first. */
  msg = $state.raw<FleetMessage | null>(null);
  status = $state<'connecting' | 'connected' | 'reconnecting'>('connecting');
  /** Local time the newest message arrived (the list's age when the link is down). */
  receivedAt = $state(0);
  invalidMessages = $state(0);
  lastProblem = $state<string | null>(null);

  readonly #url: string;
  #ws: WebSocket | null = null;
  #attempt = 0;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #watchdog: ReturnType<typeof setInterval> | null = null;
  #stopped = true;
  /** When this socket opened or last brought a message (the silence watchdog's yardstick). */
  #lastHeardAt = 0;

  constructor(url: string) {
    this.#url = url;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#open();
    this.#watchdog = setInterval(() => this.#checkSilent(), 1000);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#retry !== null) clearTimeout(this.#retry);
    if (this.#watchdog !== null) clearInterval(this.#watchdog);
    this.#retry = null;
    this.#watchdog = null;
    const ws = this.#ws;
    this.#ws = null;
    ws?.close(1000, 'page closed');
  }

  /**
   * No message for FLEET_SILENT_MS (they come every second), or an upgrade never answered: the
   * path is dead without a FIN. This socket is dropped and another one opened.
   */
  #checkSilent(): void {
    const ws = this.#ws;
    if (ws === null || Date.now() - this.#lastHeardAt <= FLEET_SILENT_MS) return;
    this.#ws = null;
    ws.close(4000, 'silent');
    this.lastProblem = `no fleet message for ${FLEET_SILENT_MS / 1000} s`;
    this.#retryLater();
  }

  #retryLater(): void {
    if (this.#stopped) return;
    this.status = 'reconnecting';
    this.#attempt += 1;
    this.#retry = setTimeout(() => this.#open(), reconnectDelayMs(this.#attempt, Math.random));
  }

  #open(): void {
    this.#retry = null;
    const ws = new WebSocket(this.#url);
    this.#ws = ws;
    this.#lastHeardAt = Date.now();
    ws.onmessage = (e: MessageEvent) => {
      if (this.#ws !== ws) return;
      this.#lastHeardAt = Date.now();
      const parsed = typeof e.data === 'string' ? parseFleetMessage(e.data) : { ok: false as const, message: 'binary message' };
      if (!parsed.ok) {
        this.invalidMessages += 1;
        this.lastProblem = parsed.message;
        return;
      }
      this.msg = parsed.msg;
      this.receivedAt = Date.now();
      this.status = 'connected';
      this.#attempt = 0;
    };
    ws.onclose = (e: CloseEvent) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.lastProblem = `connection closed${e.code ? ` (code ${e.code})` : ''}`;
      this.#retryLater();
    };
    ws.onerror = () => undefined;
  }
}
