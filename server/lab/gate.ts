/**
 * A gate: a listener whose TCP handshakes do not complete while it is closed. It backs the
 * `blackhole` (never opens: dials time out) and `slow` (opens after a delay: dials complete late)
 * behaviours. Linux only: elsewhere the kernel may answer a full queue with RST.
 *
 * Mechanism. Linux drops a SYN while the listener's accept queue is full — and with backlog 1 the
 * queue is full at two connections. Node cannot hold a listening socket without accepting from it,
 * so the socket is handed to a tiny holder process (`/bin/sh -c 'read _'`, about 0.3 MB) that
 * never calls accept(): the gate listens, spawns the holder with the socket as its fd 3, closes
 * its own copy (the socket stays listening through the holder's) and fills the queue with two
 * connections of its own. It resets those at once: Linux keeps a queued connection until accept()
 * takes it, reset or not, so they hold the queue without holding a descriptor here. A dial then
 * stays pending and retransmits its SYN after 1 s, 3 s, 7 s, … (Linux's initial RTO).
 *   - blackhole: closed until stop().
 *   - slow: `open()` (or `delayMs` after arming, in auto mode) kills the holder — the socket closes
 *     with it, dropping the queued fillers — and listens again on the same port in this process,
 *     greeting whoever comes; a pending dial completes at its next SYN retransmission, so "late"
 *     is quantized. When the last client leaves, or nobody came within `openIdleMs`, the gate
 *     arms again with a new holder.
 *
 * Why not a worker thread blocked in Atomics.wait (the earlier design): each one cost ≈14 MB, so
 * `maxPeers` gated peers put gigabytes within a controller's reach (`npm run bench`: lab memory).
 *
 * The holder reads its stdin, a pipe from this process: if this process dies, `read` sees EOF and
 * the holder exits too — no orphan keeps the port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { LabError } from './errors.ts';

/** Linux holds backlog + 1 connections in the accept queue before it drops SYNs. */
const BACKLOG = 1;
const QUEUE_SLOTS = BACKLOG + 1;
/**
 * A filler still pending after this long had its SYN dropped: the queue was already full (a
 * client's dial took the slot while arming). The gate is closed either way.
 */
const FILL_TIMEOUT_MS = 500;

export interface GateOptions {
  host: string;
  port: number;
  /** `null`: never opens (blackhole). A number: how long the gate stays closed in auto mode (slow). */
  delayMs: number | null;
  /** Auto mode: open `delayMs` after each arming. Off: open only when `open()` is called. @default true */
  autoOpen?: boolean;
  /** How long an opened gate waits for a client before closing again. */
  openIdleMs: number;
  /** Most clients an open gate holds at once; more are closed on arrival. */
  maxClients: number;
  /** Heartbeat to accepted clients; 0 = none. */
  heartbeatMs: number;
  heartbeatLine: string;
  greeting: string;
  onAccepted(): void;
  /** The gate was armed (closed) or opened. */
  onState?(state: 'armed' | 'open'): void;
}

/**
 * `arming`: handing the socket to a holder and filling the queue; `armed`: closed; `opening`: the
 * holder is being ended; `open`: listening here; `failed`: the holder died on its own or the port
 * was lost on reopening — nothing listens, dials are refused.
 */
type GateState = 'arming' | 'armed' | 'opening' | 'open' | 'failed' | 'stopped';

export class Gate {
  readonly #opts: GateOptions;
  /** The port bound (the options' port, or the one the kernel chose for 0). */
  #port: number;
  #state: GateState = 'arming';
  #autoOpen: boolean;
  /** This process's listener: while arming (until the holder has its copy) and while open. */
  #server?: Server;
  #holder?: Holder;
  /** Every holder not yet fully closed (an ended one's pipe closes a moment after its exit). */
  readonly #holders = new Set<Holder>();
  readonly #fillers = new Set<Socket>();
  /** Accepted clients and their heartbeat timers. */
  readonly #clients = new Map<Socket, NodeJS.Timeout | undefined>();
  #autoTimer?: NodeJS.Timeout;
  #idleTimer?: NodeJS.Timeout;
  /** `open()` came while arming: open as soon as armed. */
  #openWanted = false;
  /** The arming or opening in progress; stop() waits for it. */
  #busy: Promise<void> = Promise.resolve();
  #stopPromise?: Promise<void>;

  private constructor(options: GateOptions) {
    this.#opts = options;
    this.#port = options.port;
    this.#autoOpen = options.autoOpen ?? true;
  }

  /**
   * Listens, hands the socket to a holder process and fills the queue; resolves once closed.
   * @throws the listen error as is (`EADDRINUSE`… — the caller may try another port); LabError
   *   `ERR_LAB_LISTEN_FAILED` when the holder process cannot be started.
   */
  static async start(options: GateOptions): Promise<Gate> {
    const gate = new Gate(options);
    try {
      const server = await gate.#listen();
      await gate.#run(() => gate.#arm(server, { throwOnSpawnError: true }));
    } catch (err) {
      await gate.stop();
      throw err;
    }
    return gate;
  }

  get port(): number {
    return this.#port;
  }

  /** True while closed or closing (handshakes are not completed). */
  get isArmed(): boolean {
    return this.#state === 'armed' || this.#state === 'arming';
  }

  /** Opens a closed gate now (slow peers); while arming, as soon as armed. A no-op otherwise. */
  open(): void {
    if (this.#state === 'arming') this.#openWanted = true;
    else if (this.#state === 'armed') void this.#run(() => this.#open());
  }

  /** Switches auto mode; takes effect at the next arming. */
  setAutoOpen(on: boolean): void {
    this.#autoOpen = on;
  }

  /** Ends the holder, closes the listener, clients and fillers; resolves when all are gone. Idempotent. */
  stop(): Promise<void> {
    this.#stopPromise ??= this.#shutdown();
    return this.#stopPromise;
  }

  async #shutdown(): Promise<void> {
    this.#state = 'stopped';
    clearTimeout(this.#autoTimer);
    clearTimeout(this.#idleTimer);
    for (const f of this.#fillers) f.destroy();
    for (const [socket, timer] of this.#clients) {
      clearInterval(timer);
      socket.destroy();
    }
    this.#clients.clear();
    // An arming or opening in flight sees `stopped` at its next step and closes what it made.
    await this.#busy;
    await Promise.all([...[...this.#holders].map((h) => h.endAndClose()), this.#server && closeServer(this.#server)]);
    this.#holder = undefined;
    this.#server = undefined;
  }

  /** Runs state changes one at a time (an arm never overlaps an open). */
  #run(step: () => Promise<void>): Promise<void> {
    const next = this.#busy.then(step);
    this.#busy = next.catch(() => undefined);
    return next;
  }

  get #stopped(): boolean {
    return this.#state === 'stopped';
  }

  /** Listens on the gate's port in this process (greeting whoever comes). Rejects with the listen error. */
  #listen(): Promise<Server> {
    const server = createServer({ allowHalfOpen: false }, (socket) => this.#onConnection(socket));
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: this.#opts.host, port: this.#port, backlog: BACKLOG }, () => {
        server.off('error', reject);
        this.#port = (server.address() as AddressInfo).port;
        server.on('error', () => undefined); // accept errors later (EMFILE…) must not crash the lab
        resolve(server);
      });
    });
  }

  /** Hands `server`'s socket to a new holder, closes `server` here, fills the queue. */
  async #arm(server: Server, { throwOnSpawnError = false } = {}): Promise<void> {
    if (this.#stopped) return;
    this.#state = 'arming';
    clearTimeout(this.#idleTimer);
    let holder: Holder;
    try {
      holder = await Holder.spawn(listeningFd(server), (h) => this.#onHolderExit(h));
    } catch (err) {
      if (throwOnSpawnError) throw err;
      // A gate that cannot close stays open (a slow peer then answers at once) and tries again
      // after its next client or idle spell.
      if (!this.#stopped) this.#becomeOpen();
      return;
    }
    this.#holder = holder;
    this.#holders.add(holder);
    void holder.closed.then(() => this.#holders.delete(holder));
    if (this.#stopped) return; // stop() ends the holder
    // The holder has its copy: ours can go. Clients accepted meanwhile stay (a net.Server's close keeps them).
    server.close();
    if (this.#server === server) this.#server = undefined;
    await this.#fill();
    if (this.#state !== 'arming') return; // stopped, or the holder died meanwhile
    this.#state = 'armed';
    this.#opts.onState?.('armed');
    if (this.#openWanted) {
      this.#openWanted = false;
      await this.#open();
    } else if (this.#autoOpen && this.#opts.delayMs !== null) {
      this.#autoTimer = setTimeout(() => this.open(), this.#opts.delayMs);
    }
  }

  /** Queues connections of our own until the accept queue is full, resetting each once queued. */
  #fill(): Promise<void> {
    const settled: Promise<void>[] = [];
    for (let i = 0; i < QUEUE_SLOTS; i++) {
      const filler = connect({ host: this.#opts.host, port: this.#port });
      this.#fillers.add(filler);
      filler.on('error', () => undefined);
      filler.once('connect', () => filler.resetAndDestroy());
      const timer = setTimeout(() => filler.destroy(), FILL_TIMEOUT_MS);
      settled.push(
        new Promise((resolve) =>
          filler.once('close', () => {
            clearTimeout(timer);
            this.#fillers.delete(filler);
            resolve();
          }),
        ),
      );
    }
    return Promise.all(settled).then(() => undefined);
  }

  async #open(): Promise<void> {
    if (this.#state !== 'armed') return;
    this.#state = 'opening';
    this.#openWanted = false;
    clearTimeout(this.#autoTimer);
    // The socket closes with the holder. From then until the listen below the port is closed: a
    // SYN retransmission landing in that gap (well under a millisecond on an idle loop, against
    // retransmissions a second or more apart) is refused.
    await this.#holder?.end();
    this.#holder = undefined;
    if (this.#state !== 'opening') return;
    try {
      await this.#listen();
    } catch {
      // Someone else took the port in the gap: this gate is gone.
      this.#server = undefined;
      if (!this.#stopped) this.#state = 'failed';
      return;
    }
    if (this.#state !== 'opening') return; // stop() closes the server
    this.#becomeOpen();
  }

  #becomeOpen(): void {
    this.#state = 'open';
    this.#opts.onState?.('open');
    // Open and nobody came (the dial gave up meanwhile): close again so the next dial is slow too.
    this.#idleTimer = setTimeout(() => this.#rearmIfIdle(), this.#opts.openIdleMs);
  }

  #rearmIfIdle(): void {
    const idle = (): Server | undefined => (this.#state === 'open' && this.#clients.size === 0 ? this.#server : undefined);
    if (!idle()) return;
    // Checked again when its turn comes: a client may have arrived meanwhile.
    void this.#run(async () => {
      const server = idle();
      if (server) await this.#arm(server);
    });
  }

  #onHolderExit(holder: Holder): void {
    // Ended by us (open, stop) — or killed from outside, which closes the port for good.
    if (this.#holder !== holder || holder.ending) return;
    this.#holder = undefined;
    if (this.#state === 'armed' || this.#state === 'arming') {
      clearTimeout(this.#autoTimer);
      this.#state = 'failed';
    }
  }

  #onConnection(socket: Socket): void {
    socket.on('error', () => undefined);
    if (this.#stopped || this.#clients.size >= this.#opts.maxClients) {
      socket.destroy();
      return;
    }
    clearTimeout(this.#idleTimer);
    const { greeting, heartbeatMs, heartbeatLine } = this.#opts;
    if (greeting) socket.write(greeting);
    const timer = heartbeatMs > 0 ? setInterval(() => socket.write(heartbeatLine), heartbeatMs) : undefined;
    this.#clients.set(socket, timer);
    socket.resume(); // read and discard
    socket.once('close', () => {
      clearInterval(timer);
      this.#clients.delete(socket);
      this.#rearmIfIdle();
    });
    this.#opts.onAccepted();
  }
}

/** The child process that holds a gate's listening socket without ever accepting from it. */
class Holder {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  /** Resolves once it has exited and its stdin pipe is closed (nothing of it left in this process). */
  readonly closed: Promise<void>;
  /** Set once we end it: its exit is then expected. */
  ending = false;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.closed = new Promise((resolve) => child.once('close', () => resolve()));
  }

  /**
   * Starts `/bin/sh -c 'read _'` with `fd` as its fd 3 (libuv opens every other descriptor
   * close-on-exec, so it inherits nothing else); resolves once it runs.
   * @throws LabError `ERR_LAB_LISTEN_FAILED` if it cannot be started (EAGAIN, EMFILE, no /bin/sh…).
   */
  static spawn(fd: number, onExit: (holder: Holder) => void): Promise<Holder> {
    const failed = (err: Error): LabError =>
      new LabError('ERR_LAB_LISTEN_FAILED', `cannot start the gate's holder process (/bin/sh): ${err.message}`, { cause: err });
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', 'read _'], { stdio: ['pipe', 'ignore', 'ignore', fd], env: {} });
    } catch (err) {
      return Promise.reject(failed(err as Error));
    }
    const holder = new Holder(child);
    child.stdin?.on('error', () => undefined); // EPIPE if it died first
    return new Promise((resolve, reject) => {
      // Also later errors (a failed kill): never an unhandled 'error' event.
      child.on('error', (err) => reject(failed(err)));
      child.once('spawn', () => {
        child.once('exit', () => onExit(holder));
        resolve(holder);
      });
    });
  }

  /** Kills the holder (its socket closes as it exits); resolves at its exit. */
  async end(): Promise<void> {
    this.ending = true;
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  /** Ends the holder; resolves once it has exited and its pipe is closed. */
  async endAndClose(): Promise<void> {
    await this.end();
    await this.closed;
  }
}

/**
 * The OS descriptor of a listening net.Server. Node has no public API for it; `_handle.fd` is
 * internal (libuv's TCP handle, Unix only), so it is read here alone and fails loudly if missing.
 */
function listeningFd(server: Server): number {
  const fd = (server as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new LabError(
      'ERR_LAB_LISTEN_FAILED',
      "the gate needs the listening socket's descriptor (net.Server's internal _handle.fd), which this platform or Node version does not expose; blackhole and slow peers need Linux",
    );
  }
  return fd;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
