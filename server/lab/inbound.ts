/**
 * Inbound load on the manager's listener: a gentle *trickle* of connections that come and go, and
 * a *flood* that tries to hold N connections at once (past `maxInbound`, to show shedding or
 * pausing). For the lively scenario (scenario.ts) also a *silent* client (one at a time; it never
 * sends, so the manager's idle timeout kicks it) and short *bursts*. Every socket is in a set that
 * shrinks on 'close'; the flood holds at most N, a burst at most MAX_BURST.
 */
import { connect, type Socket } from 'node:net';
import { parseAddress, type HostPort } from '../connmgr/index.ts';
import type { FloodOptions, LabFlood } from '../protocol/lab.ts';
import { LabError } from './errors.ts';
import type { Rng } from './prng.ts';
import type { LabTimings } from './timings.ts';

/** Flood default rate when `ratePerSec` is omitted. */
export const DEFAULT_FLOOD_RATE_PER_SEC = 50;
/** The trickle keeps at most this many connections open at once. */
export const TRICKLE_MAX_OPEN = 3;
/** Most connections one burst opens (bounded memory whatever `maxInbound` is). */
export const MAX_BURST = 64;
/** The flood tops up on this tick; per tick it may open `ratePerSec × tick` connections. */
const FLOOD_TICK_MS = 100;

export interface InboundOptions {
  /** `host:port` of the manager's listener, or undefined while it has none. */
  target?: () => string | undefined;
  timings: LabTimings;
  rng: Rng;
  onChange(): void;
}

interface FloodRun {
  readonly connections: number;
  readonly ratePerSec: number;
  readonly sockets: Set<Socket>;
  timer: NodeJS.Timeout;
  credit: number;
}

export class InboundDialers {
  readonly #opts: InboundOptions;
  readonly #trickle = new Map<Socket, NodeJS.Timeout[]>();
  #trickleTimer?: NodeJS.Timeout;
  #flood?: FloodRun;
  /** The silent client (at most one) and the pause before the next one. */
  #silent?: Socket;
  #silentTimer?: NodeJS.Timeout;
  #silentPause?: () => number;
  /** Burst connections and their timers. */
  readonly #burst = new Map<Socket, NodeJS.Timeout[]>();
  /** Last flood's settings and counters, kept for `floodInfo()` after it stops. */
  #floodInfo: LabFlood = { active: false, connections: 0, ratePerSec: 0, opened: 0, closedByServer: 0 };
  #closed = false;

  constructor(options: InboundOptions) {
    this.#opts = options;
  }

  get hasTarget(): boolean {
    return this.#opts.target !== undefined;
  }

  /** Sockets open right now (trickle and flood). */
  get openSockets(): number {
    return this.#trickle.size + (this.#flood?.sockets.size ?? 0) + this.#burst.size + (this.#silent ? 1 : 0);
  }

  // ---- trickle ---------------------------------------------------------------------------------

  /** Starts the trickle (no-op if running, closed, or there is no target). */
  startTrickle(): void {
    if (this.#closed || this.#trickleTimer || !this.#opts.target) return;
    this.#scheduleTrickle();
  }

  stopTrickle(): void {
    clearTimeout(this.#trickleTimer);
    this.#trickleTimer = undefined;
    for (const [socket, timers] of this.#trickle) {
      for (const t of timers) clearTimeout(t);
      socket.destroy();
    }
    this.#trickle.clear();
  }

  #scheduleTrickle(): void {
    const [min, max] = this.#opts.timings.trickleIntervalMs;
    this.#trickleTimer = setTimeout(
      () => {
        this.#trickleTimer = undefined;
        if (this.#closed) return;
        if (this.#trickle.size < TRICKLE_MAX_OPEN) this.#openTrickle();
        this.#scheduleTrickle();
      },
      Math.round(this.#opts.rng.between(min, max)),
    );
  }

  #openTrickle(): void {
    const target = this.#target();
    if (!target) return; // the manager is not listening (yet): try again next time
    const [min, max] = this.#opts.timings.trickleLifetimeMs;
    this.#openChatty(this.#trickle, target, Math.round(this.#opts.rng.between(min, max)), 'trickle');
  }

  /**
   * One client that greets, sends a heartbeat (so it is never idle) and ends after `lifetimeMs`;
   * kept in `set` (with its timers) until closed, whoever closes it.
   */
  #openChatty(set: Map<Socket, NodeJS.Timeout[]>, target: HostPort, lifetimeMs: number, name: string): void {
    const socket = connect({ host: target.host, port: target.port });
    const timers: NodeJS.Timeout[] = [];
    set.set(socket, timers);
    socket.on('error', () => undefined);
    socket.resume(); // also reads a shed line, so that the server's FIN is seen
    socket.once('connect', () => {
      socket.write(`hello from the lab ${name}\n`);
      timers.push(setInterval(() => socket.write('ping\n'), this.#opts.timings.heartbeatMs));
      timers.push(
        setTimeout(() => {
          socket.end();
          timers.push(setTimeout(() => socket.destroy(), 1000));
        }, lifetimeMs),
      );
    });
    socket.once('close', () => {
      for (const timer of timers) clearTimeout(timer);
      set.delete(socket);
    });
  }

  // ---- silent client and bursts (the lively scenario) ------------------------------------------

  /**
   * Keeps one silent client on the listener: it connects and never sends a byte, so the manager's
   * idle timeout closes it (as it would shed or refuse it); `nextPauseMs()` later comes the next
   * one. No-op if running, closed, or without a target.
   */
  startSilent(nextPauseMs: () => number): void {
    if (this.#closed || this.#silentPause || !this.#opts.target) return;
    this.#silentPause = nextPauseMs;
    this.#scheduleSilent();
  }

  stopSilent(): void {
    this.#silentPause = undefined;
    clearTimeout(this.#silentTimer);
    this.#silentTimer = undefined;
    this.#silent?.destroy();
    this.#silent = undefined;
  }

  #scheduleSilent(): void {
    const pause = this.#silentPause;
    if (!pause || this.#closed) return;
    this.#silentTimer = setTimeout(() => {
      this.#silentTimer = undefined;
      this.#openSilent();
    }, pause());
  }

  #openSilent(): void {
    const target = this.#target();
    if (!target) {
      this.#scheduleSilent(); // not listening (yet): after another pause
      return;
    }
    const socket = connect({ host: target.host, port: target.port });
    this.#silent = socket;
    socket.on('error', () => undefined);
    socket.resume(); // never writes; reads (and drops) whatever the server says
    socket.once('close', () => {
      if (this.#silent !== socket) return; // stopped: no next one
      this.#silent = undefined;
      this.#scheduleSilent();
    });
  }

  /**
   * Opens `count` (at most MAX_BURST) chatty connections at once; those the server keeps close
   * together after `lifetimeMs`. With more than the manager's free inbound slots, the rest are
   * shed (or, with the `pause` policy, as many as the limit wait for a slot and the rest are shed).
   * No-op when closed or without a target.
   */
  burst(count: number, lifetimeMs: number): void {
    if (this.#closed) return;
    const target = this.#target();
    if (!target) return;
    for (let i = 0; i < Math.min(count, MAX_BURST); i++) this.#openChatty(this.#burst, target, lifetimeMs, 'burst');
  }

  /** Closes every burst connection. */
  stopBursts(): void {
    for (const [socket, timers] of this.#burst) {
      for (const t of timers) clearTimeout(t);
      socket.destroy();
    }
    this.#burst.clear();
  }

  // ---- flood -----------------------------------------------------------------------------------

  /**
   * Opens up to `connections` connections at `ratePerSec` and holds them; one closed or refused by
   * the server is counted in `closedByServer` and replaced, so the pressure lasts until `stopFlood()`.
   * A running flood is replaced by the new one (counters restart).
   * @throws LabError `ERR_LAB_INVALID_ARGUMENT`, `ERR_LAB_NO_TARGET`, `ERR_LAB_STOPPED`.
   */
  startFlood(options: FloodOptions): void {
    if (this.#closed) throw new LabError('ERR_LAB_STOPPED', 'the lab is stopped');
    const connections = options?.connections;
    const ratePerSec = options?.ratePerSec ?? DEFAULT_FLOOD_RATE_PER_SEC;
    if (!Number.isSafeInteger(connections) || connections < 1 || connections > 2000) {
      throw new LabError('ERR_LAB_INVALID_ARGUMENT', `flood connections must be an integer in 1-2000, got ${JSON.stringify(connections)}`);
    }
    if (!Number.isSafeInteger(ratePerSec) || ratePerSec < 1 || ratePerSec > 1000) {
      throw new LabError('ERR_LAB_INVALID_ARGUMENT', `flood ratePerSec must be an integer in 1-1000, got ${JSON.stringify(ratePerSec)}`);
    }
    if (!this.#opts.target) {
      throw new LabError('ERR_LAB_NO_TARGET', "the lab was started without the manager's listener (managerListen), so it cannot flood it");
    }
    this.stopFlood();
    const run: FloodRun = {
      connections,
      ratePerSec,
      sockets: new Set(),
      // Start with one tick of credit so the first connections go out at once.
      credit: ratePerSec * (FLOOD_TICK_MS / 1000),
      timer: setInterval(() => this.#floodTick(run), FLOOD_TICK_MS),
    };
    this.#flood = run;
    this.#floodInfo = { active: true, connections, ratePerSec, opened: 0, closedByServer: 0 };
    this.#floodTick(run);
    this.#opts.onChange();
  }

  /** Closes every flood connection (those do not count as closed by the server). Idempotent. */
  stopFlood(): void {
    const run = this.#flood;
    if (!run) return;
    this.#flood = undefined;
    clearInterval(run.timer);
    for (const socket of run.sockets) socket.destroy();
    run.sockets.clear();
    this.#floodInfo = { ...this.#floodInfo, active: false };
    this.#opts.onChange();
  }

  floodInfo(): LabFlood {
    return { ...this.#floodInfo };
  }

  #floodTick(run: FloodRun): void {
    if (this.#flood !== run) return;
    const target = this.#target();
    if (!target) return;
    // Credit is capped at one second's worth so a stall does not turn into a burst.
    run.credit = Math.min(run.credit, run.ratePerSec);
    while (run.credit >= 1 && run.sockets.size < run.connections) {
      run.credit -= 1;
      this.#openFlood(run, target);
    }
    if (run.sockets.size < run.connections) run.credit += run.ratePerSec * (FLOOD_TICK_MS / 1000);
  }

  #openFlood(run: FloodRun, target: HostPort): void {
    const socket = connect({ host: target.host, port: target.port });
    run.sockets.add(socket);
    socket.on('error', () => undefined);
    socket.resume(); // read the shed line, if any, so the server's FIN is seen
    socket.once('connect', () => {
      if (this.#flood !== run) return;
      this.#floodInfo.opened += 1;
      this.#opts.onChange();
    });
    socket.once('close', () => {
      // Still in the set: we did not close it ourselves, so the server did (or refused it).
      if (run.sockets.delete(socket) && this.#flood === run) {
        this.#floodInfo.closedByServer += 1;
        this.#opts.onChange();
      }
    });
  }

  // ---- shared ----------------------------------------------------------------------------------

  /** Stops the trickle and the flood; resolves when every socket has closed. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    const sockets = [
      ...this.#trickle.keys(),
      ...(this.#flood?.sockets ?? []),
      ...this.#burst.keys(),
      ...(this.#silent ? [this.#silent] : []),
    ];
    this.stopTrickle();
    this.stopFlood();
    this.stopSilent();
    this.stopBursts();
    await Promise.all(sockets.map((s) => (s.closed ? undefined : new Promise((resolve) => s.once('close', resolve)))));
  }

  /** The manager's listener as a dialable `host:port` (a wildcard bind is dialed on loopback). */
  #target(): HostPort | undefined {
    try {
      const addr = this.#opts.target?.();
      if (!addr) return undefined;
      const { host, port } = parseAddress(addr);
      return { host: host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port };
    } catch {
      return undefined; // not listening yet, or a bad address: no inbound load this time
    }
  }
}
