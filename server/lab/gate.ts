/**
 * The parent side of a gate (see gate-worker.mjs): a listener whose TCP handshakes do not
 * complete while it is closed. It backs the `blackhole` (never opens: dials time out) and `slow`
 * (opens after a delay: dials complete late) behaviours.
 *
 * Why a worker thread: the trick needs a listener that accepts nothing while its accept queue is
 * full, and Node has no way to stop accepting short of closing the port (which would refuse dials
 * instead). Blocking a worker's event loop with Atomics.wait does exactly that; the main thread
 * (manager, lab, bridge) keeps running. Linux only — elsewhere the kernel may answer with RST.
 *
 * Why "late" is quantized: a dropped SYN is retransmitted by the client after 1 s, then 3 s, 7 s, …
 * (Linux's initial RTO), so a slow dial completes at the first retransmission after the gate opens.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { LabError } from './errors.ts';

const RUN = 0;
const STOP = 1;
const OPEN = 2;

export interface GateOptions {
  host: string;
  port: number;
  /** `null`: never opens (blackhole). A number: how long the gate stays closed in auto mode (slow). */
  delayMs: number | null;
  /** Auto mode: open `delayMs` after each arming. Off: open only when `open()` is called. @default true */
  autoOpen?: boolean;
  /** How long an opened gate waits for a client before closing again. */
  openIdleMs: number;
  /** Heartbeat to accepted clients; 0 = none. */
  heartbeatMs: number;
  heartbeatLine: string;
  greeting: string;
  onAccepted(): void;
  /** The gate was armed (closed) or opened. */
  onState?(state: 'armed' | 'open'): void;
}

interface GateMessage {
  type: 'listening' | 'armed' | 'open' | 'accepted' | 'error';
  port?: number;
  code?: string;
  message?: string;
}

export class Gate {
  readonly #worker: Worker;
  readonly #control: Int32Array;
  readonly #exited: Promise<void>;
  #armed = false;
  #stopPromise?: Promise<void>;

  private constructor(worker: Worker, control: Int32Array) {
    this.#worker = worker;
    this.#control = control;
    this.#exited = once(worker, 'exit').then(() => undefined);
  }

  /**
   * Starts the worker; resolves once the gate listens and is armed (closed).
   * @throws LabError `ERR_LAB_LISTEN_FAILED` (e.g. the port is taken) with the system code in the message.
   */
  static async start(options: GateOptions): Promise<Gate> {
    const buffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT);
    const control = new Int32Array(buffer);
    Atomics.store(control, 1, options.autoOpen === false ? 0 : 1);
    const worker = new Worker(new URL('./gate-worker.mjs', import.meta.url), {
      workerData: {
        host: options.host,
        port: options.port,
        delayMs: options.delayMs,
        openIdleMs: options.openIdleMs,
        heartbeatMs: options.heartbeatMs,
        heartbeatLine: options.heartbeatLine,
        greeting: options.greeting,
        control: buffer,
      },
      stdout: false,
      stderr: false,
    });
    const gate = new Gate(worker, control);
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number): void => reject(new LabError('ERR_LAB_LISTEN_FAILED', `gate worker exited early (code ${code})`));
      const onError = (err: Error): void => reject(new LabError('ERR_LAB_LISTEN_FAILED', `gate worker failed: ${err.message}`, { cause: err }));
      worker.once('exit', onExit);
      worker.once('error', onError);
      worker.on('message', (msg: GateMessage) => {
        switch (msg.type) {
          case 'armed':
            gate.#armed = true;
            options.onState?.('armed');
            worker.off('exit', onExit);
            resolve();
            break;
          case 'open':
            gate.#armed = false;
            options.onState?.('open');
            break;
          case 'accepted':
            options.onAccepted();
            break;
          case 'error':
            reject(new LabError('ERR_LAB_LISTEN_FAILED', `cannot listen on ${options.host}:${options.port}: ${msg.code ?? ''} ${msg.message ?? ''}`.trim()));
            break;
          case 'listening':
            break;
        }
      });
    }).catch(async (err: unknown) => {
      await gate.stop();
      throw err;
    });
    // A worker crash after start is not fatal to the lab: the gate just stops answering.
    worker.on('error', () => undefined);
    return gate;
  }

  /** True while closed (handshakes are not completed). */
  get isArmed(): boolean {
    return this.#armed;
  }

  /** Opens a closed gate now (slow peers); a no-op while open or for a stopped gate. */
  open(): void {
    if (this.#stopPromise) return;
    Atomics.compareExchange(this.#control, 0, RUN, OPEN);
    Atomics.notify(this.#control, 0);
  }

  /** Switches auto mode; takes effect at the next arming. */
  setAutoOpen(on: boolean): void {
    Atomics.store(this.#control, 1, on ? 1 : 0);
  }

  /** Wakes the worker, closes its listener and sockets, and resolves when the thread has exited. Idempotent. */
  stop(): Promise<void> {
    this.#stopPromise ??= this.#shutdown();
    return this.#stopPromise;
  }

  async #shutdown(): Promise<void> {
    Atomics.store(this.#control, 0, STOP);
    Atomics.notify(this.#control, 0);
    this.#worker.postMessage({ type: 'stop' });
    // Backstop: a worker that does not exit on its own within 2 s is terminated.
    const backstop = setTimeout(() => void this.#worker.terminate(), 2000);
    await this.#exited;
    clearTimeout(backstop);
  }
}
