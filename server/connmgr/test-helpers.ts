/**
 * Test doubles for the manager's injected parts: a virtual clock, in-memory sockets and a
 * controllable dialer (the way btcd's and dcrd's own suites test their connection managers).
 * Used by unit tests only; integration tests dial real sockets. The jobs every suite has (waiting
 * for a condition, a refused address, a quiet logger) are in server/test-support.ts.
 */
import assert from 'node:assert/strict';
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { ConnManager } from './conn-manager.ts';
import type { ConnManagerOptions } from './options.ts';
import type { Clock, ConnManagerEvents, ConnStateEvent } from './types.ts';
import { quietLogger, waitFor } from '../test-support.ts';

/** A manager on a virtual clock with a steered dialer, and the log of its events. */
export interface VirtualRig {
  cm: ConnManager;
  clock: FakeClock;
  dialer: FakeDialer;
  log: EventLog;
}

/**
 * The unit tests' manager: no automatic outbound and a quiet logger unless `options` say
 * otherwise, on a FakeClock, dialing through `dialer`. The caller stops it (stopAndAssertClean).
 */
export function virtualRig(options: ConnManagerOptions = {}, dialer = new FakeDialer()): VirtualRig {
  const clock = new FakeClock();
  const cm = new ConnManager({ targetOutbound: 0, logger: quietLogger, ...options, clock, dial: dialer.dial });
  return { cm, clock, dialer, log: new EventLog(cm) };
}

/** Lets pending promise callbacks and nextTicks run. */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

interface VirtualTimer {
  at: number;
  order: number;
  fn: () => void;
}

/** A clock whose time moves only when the test says so. */
export class FakeClock implements Clock {
  #now: number;
  #order = 0;
  readonly #timers = new Map<number, VirtualTimer>();
  #nextHandle = 1;

  constructor(start = 1_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const handle = this.#nextHandle++;
    this.#timers.set(handle, { at: this.#now + Math.max(0, ms), order: this.#order++, fn });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, running due timers in order and settling promises after each. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    await settle();
    for (;;) {
      let next: [number, VirtualTimer] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].at > end) continue;
        if (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].order < next[1].order)) {
          next = entry;
        }
      }
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#now = Math.max(this.#now, next[1].at);
      next[1].fn();
      await settle();
    }
    this.#now = end;
    await settle();
  }
}

/** An in-memory socket: enough of `net.Socket` for the manager (data, close, error, bytes). */
export class FakeSocket extends Duplex {
  remoteAddress: string;
  remotePort: number;
  localAddress = '127.0.0.1';
  localPort: number;
  /** Like `net.Socket`: counted when bytes arrive, whether or not anyone has read them yet. */
  bytesRead = 0;
  bytesWritten = 0;
  static #nextPort = 40000;

  constructor(addr: string) {
    super();
    const colon = addr.lastIndexOf(':');
    this.remoteAddress = addr.slice(0, colon);
    this.remotePort = Number(addr.slice(colon + 1));
    this.localPort = FakeSocket.#nextPort++;
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytesWritten += chunk.length;
    callback();
  }

  /** The peer sends bytes. */
  receive(data: string | Buffer): void {
    this.bytesRead += Buffer.byteLength(data);
    this.push(data);
  }

  // The peer's side closes the socket from below, as the kernel would: not through the socket's
  // own `destroy()`, which is what an application holding the socket calls.

  /** The peer closes cleanly. */
  remoteClose(): void {
    Duplex.prototype.destroy.call(this);
  }

  /** The peer resets the connection. */
  remoteReset(): void {
    const err = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET', errno: -104, syscall: 'read' });
    Duplex.prototype.destroy.call(this, err);
  }

  asSocket(): Socket {
    return this as unknown as Socket;
  }
}

export interface DialCall {
  readonly addr: string;
  readonly signal: AbortSignal;
  succeed(): FakeSocket;
  fail(code: string): void;
  readonly settled: boolean;
}

type AutoMode = 'manual' | 'succeed' | { fail: string };

/**
 * A dialer the test steers: each call waits for `succeed()`/`fail()`, unless an automatic mode
 * answers at once. Honours the abort signal unless `ignoreAbort` is set (a misbehaving dialer).
 */
export class FakeDialer {
  readonly calls: DialCall[] = [];
  readonly sockets: FakeSocket[] = [];
  mode: AutoMode;
  ignoreAbort = false;

  constructor(mode: AutoMode = 'manual') {
    this.mode = mode;
  }

  readonly dial = (addr: string, signal: AbortSignal): Promise<Socket> =>
    new Promise<Socket>((resolve, reject) => {
      let settled = false;
      const call: DialCall = {
        addr,
        signal,
        succeed: () => {
          assert.equal(settled, false, `dial to ${addr} settled twice`);
          settled = true;
          const socket = new FakeSocket(addr);
          this.sockets.push(socket);
          resolve(socket.asSocket());
          return socket;
        },
        fail: (code: string) => {
          assert.equal(settled, false, `dial to ${addr} settled twice`);
          settled = true;
          reject(Object.assign(new Error(`connect ${code} ${addr}`), { code }));
        },
        get settled() {
          return settled;
        },
      };
      this.calls.push(call);
      if (!this.ignoreAbort) {
        signal.addEventListener('abort', () => {
          if (settled) return;
          settled = true;
          reject(Object.assign(new Error('aborted'), { code: 'ABORT_ERR' }));
        });
      }
      const mode = this.mode;
      if (mode === 'succeed') call.succeed();
      else if (typeof mode === 'object') call.fail(mode.fail);
    });

  callsTo(addr: string): DialCall[] {
    return this.calls.filter((c) => c.addr === addr);
  }

  last(): DialCall {
    const call = this.calls.at(-1);
    assert.ok(call, 'no dial was made');
    return call;
  }

  /** The socket of the latest successful dial to `addr`. */
  socketTo(addr: string): FakeSocket {
    const socket = this.sockets.filter((s) => `${s.remoteAddress}:${s.remotePort}` === addr).at(-1);
    assert.ok(socket, `no socket to ${addr}`);
    return socket;
  }
}

/** Records every event of a manager, in order. */
export class EventLog {
  readonly all: Array<{ name: keyof ConnManagerEvents; event: ConnManagerEvents[keyof ConnManagerEvents] }> = [];

  constructor(cm: ConnManager) {
    const names: Array<keyof ConnManagerEvents> = [
      'conn:state',
      'inbound:rejected',
      'listener:state',
      'outbound:throttled',
      'manager:state',
      'config:changed',
      'peer:penalized',
      'peer:banned',
      'peer:unbanned',
    ];
    for (const name of names) cm.on(name, (event) => this.all.push({ name, event }));
  }

  of<K extends keyof ConnManagerEvents>(name: K): Array<ConnManagerEvents[K]> {
    return this.all.filter((e) => e.name === name).map((e) => e.event as ConnManagerEvents[K]);
  }

  states(id?: number): ConnStateEvent[] {
    return this.of('conn:state').filter((e) => id === undefined || e.id === id);
  }

  /** `from>to:reason` for one connection, compact for deepEqual. */
  path(id: number): string[] {
    return this.states(id).map((e) => `${e.from ?? '-'}>${e.to}:${e.reason}`);
  }

  /** Resolves with the first event (already seen or future) that matches. */
  async waitFor<K extends keyof ConnManagerEvents>(
    name: K,
    match: (e: ConnManagerEvents[K]) => boolean,
    timeoutMs = 5000,
  ): Promise<ConnManagerEvents[K]> {
    return waitFor(() => this.of(name).find(match), name, timeoutMs).catch((err: Error) => {
      throw new Error(`${err.message}; seen: ${JSON.stringify(this.of(name)).slice(0, 2000)}`);
    });
  }
}

/** Stops the manager and asserts its own accounting is empty. */
export async function stopAndAssertClean(cm: ConnManager): Promise<void> {
  await cm.stop();
  assert.deepEqual(cm.openResources(), { conns: 0, sockets: 0, dials: 0, timers: 0, listeners: 0 });
}

/** Counts of the process's socket and server handles (for "nothing left open" checks). */
export function tcpHandleCount(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TCPServerWrap').length;
}

/** Waits until the process's TCP handles fall back to `baseline` (closing is asynchronous). */
export async function assertHandlesBackTo(baseline: number, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (tcpHandleCount() > baseline && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.ok(
    tcpHandleCount() <= baseline,
    `TCP handles leaked: ${tcpHandleCount()} > ${baseline} (${process.getActiveResourcesInfo().join(',')})`,
  );
}

/** A TCP server on 127.0.0.1 for tests; `close()` destroys its connections too. */
export async function testServer(
  onConnection: (socket: Socket) => void = () => undefined,
): Promise<{ server: Server; port: number; addr: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    addr: `127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export type TestClient = Socket & {
  /** Resolves once the socket has closed. */
  closed$: Promise<void>;
  /** Everything received so far, as text. */
  received(): string;
  /** Destroys the socket and waits for its close. */
  close(): Promise<void>;
};

/** A client of a manager's listener (or any loopback port); resolves once connected. */
export function testClient(port: number, onConnect?: (socket: Socket) => void): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: '127.0.0.1', port });
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    const closed$ = new Promise<void>((r) => socket.once('close', () => r()));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      onConnect?.(socket);
      resolve(
        Object.assign(socket, {
          closed$,
          received: () => data,
          close: async () => {
            socket.destroy();
            await closed$;
          },
        }),
      );
    });
  });
}

/**
 * Reads `socket` line by line (attaching a 'data' listener: the reader is the socket's consumer).
 * `next()` resolves with the next line, without its newline; it rejects if none comes in time.
 */
export function lineReader(socket: Socket, timeoutMs = 5000): { next(): Promise<string> } {
  const lines: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  let partial = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    partial += chunk;
    for (let nl = partial.indexOf('\n'); nl >= 0; nl = partial.indexOf('\n')) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  return {
    next: () => {
      const line = lines.shift();
      if (line !== undefined) return Promise.resolve(line);
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line within ${timeoutMs} ms`)), timeoutMs);
        waiters.push((l) => {
          clearTimeout(timer);
          resolve(l);
        });
      });
    },
  };
}

/** Sequential loopback addresses for an address source that never repeats. */
export function addressSequence(startPort = 20000): () => Promise<string> {
  let n = 0;
  return async () => {
    n += 1;
    return `127.0.${1 + Math.floor(n / 250)}.${1 + (n % 250)}:${startPort}`;
  };
}

/**
 * The leak accounting of a real-socket suite, registered once per file: before each test the
 * process's TCP handles are counted; after it, every manager handed to `track` is stopped and must
 * hold nothing, every `cleanup` runs (last first), and the handles must fall back to the count.
 */
export function realSocketSuite(hooks: { beforeEach(fn: () => void): void; afterEach(fn: () => Promise<void>): void }): {
  track(cm: ConnManager): ConnManager;
  cleanup(fn: () => Promise<void>): void;
} {
  let baseline = 0;
  const managers: ConnManager[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  hooks.beforeEach(() => {
    baseline = tcpHandleCount();
  });
  hooks.afterEach(async () => {
    for (const cm of managers.splice(0)) await stopAndAssertClean(cm);
    for (const fn of cleanups.splice(0).reverse()) await fn();
    await assertHandlesBackTo(baseline);
  });
  return {
    track: (cm) => {
      managers.push(cm);
      return cm;
    },
    cleanup: (fn) => {
      cleanups.push(fn);
    },
  };
}
