/**
 * One lab peer: a real TCP endpoint on 127.0.0.1 with a behaviour (README, "The lab").
 *
 * | behaviour | what the manager sees | how |
 * |---|---|---|
 * | stable    | established, stays (heartbeats count as bytes in) | accept; greeting + heartbeat line |
 * | refuse    | `dial-refused` (ECONNREFUSED) | nothing listens: a port checked free, then closed |
 * | hang      | established, then `idle-timeout` if idle kicks are on | accept, never write |
 * | flap      | established, then `remote-closed` | accept, heartbeat, FIN after a seeded lifetime |
 * | reset     | established, then `remote-reset` (ECONNRESET) | accept, heartbeat, `resetAndDestroy()` |
 * | slow      | established only after a delay | a gate (gate.ts) that completes handshakes late |
 * | blackhole | `dial-timeout` | a gate that never opens: SYNs go unanswered |
 * | misbehave | established, penalized, then `banned` | accept, greeting, then a garbage line per heartbeat, on its own loopback address |
 *
 * A gate's listening socket is held by a small child process while closed (see gate.ts).
 *
 * A listening peer (not a gated one) can also be taken *down* for a while (`setDown`), as a node
 * that restarts: its connections drop and dials are refused until it listens again on the same
 * port. The lively scenario (scenario.ts) uses it; the peer's behaviour and state do not change.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { LabPeer, PeerBehaviour } from '../protocol/lab.ts';
import { LabError } from './errors.ts';
import { Gate } from './gate.ts';
import type { Rng } from './prng.ts';
import type { LabTimings } from './timings.ts';

/** Most connections one peer holds at once; more are closed on arrival (bounded memory). */
export const MAX_CONNS_PER_PEER = 64;
/** What a `misbehave` peer sends for a heartbeat: control bytes, which no lab line has. */
export const GARBAGE_LINE = Buffer.from([0x00, 0xff, 0x13, 0x37, 0xde, 0xad, 0x0a]);
/** How many candidate ports a peer tries before giving up. */
const PORT_TRIES = 50;

export interface PeerOptions {
  /** Lab-local name, e.g. `p3`. */
  id: string;
  behaviour: PeerBehaviour;
  host: string;
  /** The next candidate port (seeded); called again when one is taken. */
  nextPort: () => number;
  timings: LabTimings;
  /** This peer's own random stream (flap lifetimes). */
  rng: Rng;
  /** Slow peers: open `slowDelayMs` after arming by themselves (true), or only via `dialStarted()`. */
  autoOpen: boolean;
  /** Called after `accepted` or `state` changes. */
  onChange(): void;
}

export class Peer {
  readonly id: string;
  readonly behaviour: PeerBehaviour;
  readonly #opts: PeerOptions;
  #port = 0;
  #state: 'running' | 'stopped' = 'running';
  #accepted = 0;
  #server?: Server;
  #gate?: Gate;
  /** Live accepted sockets and the timers that belong to each. */
  readonly #sockets = new Map<Socket, Set<NodeJS.Timeout>>();
  #openTimer?: NodeJS.Timeout;
  #stopPromise?: Promise<void>;
  /** Taken down by `setDown(true)`: no listener, dials refused. */
  #down = false;
  /** `setDown` calls run one after the other (a close and a listen must not interleave). */
  #downChain: Promise<void> = Promise.resolve();
  /** A lesson's hang-up: given each accepted connection's `hangUp`, calls it when it is time. */
  #hangUp: ((hangUp: () => void) => void) | undefined;

  private constructor(options: PeerOptions) {
    this.id = options.id;
    this.behaviour = options.behaviour;
    this.#opts = options;
  }

  /**
   * Binds the peer's port (seeded candidates, skipping taken ones) and starts its behaviour.
   * @throws LabError `ERR_LAB_LISTEN_FAILED` when no candidate port could be bound, or a gate's
   *   holder process could not be started.
   */
  static async start(options: PeerOptions): Promise<Peer> {
    const peer = new Peer(options);
    try {
      await peer.#bind();
    } catch (err) {
      await peer.stop();
      throw err;
    }
    return peer;
  }

  get addr(): string {
    return `${this.#opts.host}:${this.#port}`;
  }

  get port(): number {
    return this.#port;
  }

  get state(): 'running' | 'stopped' {
    return this.#state;
  }

  /** Connections accepted so far (real ones; a gate's own fillers do not count). */
  get accepted(): number {
    return this.#accepted;
  }

  info(): LabPeer {
    return { peerId: this.id, behaviour: this.behaviour, addr: this.addr, state: this.#state, accepted: this.#accepted };
  }

  /**
   * A dial to this peer started (the lab learns it from the manager's events). A `slow` peer in
   * attached mode opens its gate `slowDelayMs` later; other behaviours ignore it.
   */
  dialStarted(): void {
    if (this.behaviour !== 'slow' || !this.#gate) return;
    if (!this.#gate.isArmed) return; // already open: this dial completes at once
    this.#scheduleOpen();
  }

  #scheduleOpen(): void {
    // Only a slow gate ever opens: a blackhole stays closed until shutdown.
    if (this.behaviour !== 'slow' || this.#openTimer || this.#state !== 'running') return;
    this.#openTimer = setTimeout(() => {
      this.#openTimer = undefined;
      this.#gate?.open();
    }, this.#opts.timings.slowDelayMs);
  }

  /** Slow peers: switch between opening on their own (true) and on `dialStarted()` (false). */
  setAutoOpen(on: boolean): void {
    this.#opts.autoOpen = on;
    this.#gate?.setAutoOpen(on);
    // Detached while closed and waiting for a dial signal that will not come: open on the timer.
    if (on && this.#gate?.isArmed) this.#scheduleOpen();
  }

  /** True while taken down by `setDown(true)` (dials are refused). */
  get down(): boolean {
    return this.#down;
  }

  /**
   * Takes a listening peer down (its listener closes, its connections drop, dials are refused) or
   * brings it back up on the same port. Resolves once done; a no-op for a gated peer (`slow`,
   * `blackhole`), a stopped one, or one already in that state. If the port was taken meanwhile
   * (not expected: lab ports lie below the ephemeral range), the peer stays down.
   */
  setDown(down: boolean): Promise<void> {
    this.#downChain = this.#downChain.then(() => this.#applyDown(down)).catch(() => undefined);
    return this.#downChain;
  }

  async #applyDown(down: boolean): Promise<void> {
    if (this.#state !== 'running' || this.#gate || this.behaviour === 'refuse' || down === this.#down) return;
    if (down) {
      this.#down = true;
      const server = this.#server;
      this.#server = undefined;
      this.#dropSockets();
      if (server) await closeServer(server);
    } else {
      const server = await this.#listenOnce(
        createServer({ allowHalfOpen: false }, (s) => this.#onConnection(s)),
        this.#port,
      );
      // Stopped while binding: #shutdown already ran without this server, so close it here.
      if (this.#state !== 'running') {
        await closeServer(server);
        return;
      }
      this.#server = server;
      this.#down = false;
    }
    this.#opts.onChange();
  }

  /**
   * Lessons (README "Lessons"): from now on, each accepted connection is handed to `schedule`,
   * which calls its `hangUp` when the peer should close it (at once, or after a while on the
   * manager's clock); undefined: never. Connections already open are not affected.
   */
  setHangUp(schedule: ((hangUp: () => void) => void) | undefined): void {
    this.#hangUp = schedule;
  }

  /** Closes the listener (or gate), every socket and timer. Idempotent. */
  stop(): Promise<void> {
    this.#stopPromise ??= this.#shutdown();
    return this.#stopPromise;
  }

  async #shutdown(): Promise<void> {
    this.#state = 'stopped';
    clearTimeout(this.#openTimer);
    this.#openTimer = undefined;
    // A setDown under way finishes first (a listen in flight closes its own server, seeing us stopped).
    await this.#downChain;
    const closing: Promise<unknown>[] = [];
    if (this.#server?.listening) closing.push(new Promise((resolve) => this.#server!.close(resolve)));
    this.#dropSockets();
    if (this.#gate) closing.push(this.#gate.stop());
    await Promise.all(closing);
    this.#opts.onChange();
  }

  /** Destroys every accepted socket and its timers. */
  #dropSockets(): void {
    for (const [socket, timers] of this.#sockets) {
      for (const t of timers) clearTimeout(t);
      socket.destroy();
    }
    this.#sockets.clear();
  }

  async #bind(): Promise<void> {
    let lastErr: unknown;
    for (let i = 0; i < PORT_TRIES; i++) {
      if (this.#state !== 'running') throw new LabError('ERR_LAB_STOPPED', `peer ${this.id} was stopped while starting`);
      const port = this.#opts.nextPort();
      try {
        switch (this.behaviour) {
          case 'refuse':
            // Check the port is free, then leave it closed: dials get RST → ECONNREFUSED.
            await this.#listenOnce(createServer(), port).then((s) => closeServer(s));
            break;
          case 'slow':
          case 'blackhole':
            // A taken port fails the gate's own listen (EADDRINUSE) before any holder process starts.
            this.#gate = await this.#startGate(port);
            break;
          default:
            this.#server = await this.#listenOnce(
              createServer({ allowHalfOpen: false }, (s) => this.#onConnection(s)),
              port,
            );
        }
        this.#port = port;
        return;
      } catch (err) {
        lastErr = err;
        // Only a taken port is worth another candidate (not, say, a gate that cannot start its holder).
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
      }
    }
    throw new LabError('ERR_LAB_LISTEN_FAILED', `peer ${this.id}: no free port after ${PORT_TRIES} tries`, { cause: lastErr });
  }

  #listenOnce(server: Server, port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen({ host: this.#opts.host, port }, () => {
        server.off('error', onError);
        server.on('error', () => undefined); // accept errors later (EMFILE…) must not crash the lab
        resolve(server);
      });
    });
  }

  #startGate(port: number): Promise<Gate> {
    const t = this.#opts.timings;
    const slow = this.behaviour === 'slow';
    return Gate.start({
      host: this.#opts.host,
      port,
      delayMs: slow ? t.slowDelayMs : null,
      autoOpen: this.#opts.autoOpen,
      // Once open, a waiting dial completes at its next SYN retransmission: at most ~delay + 1 s
      // later (the retransmission gaps double). Real seconds: the kernel's schedule is not scaled.
      openIdleMs: t.slowDelayMs + 2000,
      maxClients: MAX_CONNS_PER_PEER,
      heartbeatMs: slow ? t.heartbeatMs : 0,
      heartbeatLine: 'ping\n',
      greeting: slow ? `hello from lab peer ${this.id} (${this.behaviour})\n` : '',
      onAccepted: () => {
        this.#accepted += 1;
        this.#opts.onChange();
      },
    });
  }

  #onConnection(socket: Socket): void {
    socket.on('error', () => undefined); // the manager may reset us; that is its right
    if (this.#state !== 'running' || this.#sockets.size >= MAX_CONNS_PER_PEER) {
      socket.destroy();
      return;
    }
    this.#accepted += 1;
    const timers = new Set<NodeJS.Timeout>();
    this.#sockets.set(socket, timers);
    socket.once('close', () => {
      for (const t of timers) clearTimeout(t);
      this.#sockets.delete(socket);
    });
    socket.resume(); // read and discard: the kernel buffer never fills
    const t = this.#opts.timings;
    const later = (ms: number, fn: () => void): void => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        fn();
      }, ms);
      timers.add(timer);
    };
    if (this.behaviour !== 'hang') {
      socket.write(`hello from lab peer ${this.id} (${this.behaviour})\n`);
      // A misbehaving peer's heartbeat is garbage: bytes no lab line has (judge.ts).
      const beat = this.behaviour === 'misbehave' ? GARBAGE_LINE : 'ping\n';
      const heartbeat = setInterval(() => socket.write(beat), t.heartbeatMs);
      timers.add(heartbeat);
    }
    switch (this.behaviour) {
      case 'flap': {
        const [min, max] = t.flapLifetimeMs;
        later(Math.round(this.#opts.rng.between(min, max)), () => {
          socket.end();
          // A peer that never answers our FIN must not keep the socket.
          later(1000, () => socket.destroy());
        });
        break;
      }
      case 'reset':
        later(t.resetAfterMs, () => socket.resetAndDestroy());
        break;
      case 'stable':
      case 'misbehave':
      case 'hang':
      case 'refuse':
      case 'slow':
      case 'blackhole':
        break;
    }
    this.#hangUp?.(() => {
      if (socket.destroyed) return;
      socket.end();
      // A manager that never answers our FIN must not keep the socket (as a flap's close).
      later(1000, () => socket.destroy());
    });
    this.#opts.onChange();
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
