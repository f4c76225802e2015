/**
 * Test helpers for the bridge and protocol tests: real loopback peers, a manager with short
 * timeouts, a WebSocket client that validates every message it gets, and a fake lab.
 * Not used by the server itself. Waiting for a condition, a refused address and a quiet logger
 * are in server/test-support.ts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { ConnManager, type ConnManagerOptions } from '../connmgr/index.ts';
import {
  PROTOCOL_VERSION,
  parseServerMessage,
  type ClientMessage,
  type CommandType,
  type EventsMessage,
  type FloodOptions,
  type HelloMessage,
  type LabApi,
  type LabPeer,
  type LabState,
  type LessonName,
  type LessonState,
  type PeerBehaviour,
  type ReplyMessage,
  type ServerMessage,
  type WireEvent,
} from '../protocol/index.ts';
import { quietLogger } from '../test-support.ts';
import { startBridge, type Bridge, type BridgeOptions } from './bridge.ts';

/** A TCP server on a loopback address (127.0.0.1 unless told) that accepts and holds connections. */
export interface TcpPeer {
  readonly addr: string;
  readonly port: number;
  /** Resolves with the next accepted socket. */
  nextConnection(): Promise<Socket>;
  close(): Promise<void>;
}

export async function startTcpPeer(host = '127.0.0.1'): Promise<TcpPeer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, host);
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    addr: `${host}:${port}`,
    port,
    nextConnection: async () => (await once(server, 'connection'))[0] as Socket,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A record a `CapturingLogger` kept. */
export interface LogRecord {
  level: 'info' | 'warn';
  fields: Record<string, unknown>;
  message: string;
}

/** A structured logger (the bridge's, the app's) that keeps every record, for assertions. */
export interface CapturingLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  readonly records: LogRecord[];
}

export function capturingLogger(): CapturingLogger {
  const records: LogRecord[] = [];
  return {
    records,
    info: (fields, message) => void records.push({ level: 'info', fields: { ...fields }, message }),
    warn: (fields, message) => void records.push({ level: 'warn', fields: { ...fields }, message }),
  };
}

/** A started manager with one loopback listener and short timeouts. */
export async function startManager(options: ConnManagerOptions = {}): Promise<ConnManager> {
  const manager = new ConnManager({
    listen: [{ host: '127.0.0.1', port: 0 }],
    targetOutbound: 0,
    dialTimeoutMs: 2000,
    retryDelayMs: 50,
    maxRetryDelayMs: 200,
    logger: quietLogger,
    ...options,
  });
  await manager.start();
  return manager;
}

/** Manager + bridge, closed together by `stop()` (bridge first, then the manager). */
export async function startStack(
  bridgeOptions: Partial<BridgeOptions> = {},
  managerOptions: ConnManagerOptions = {},
): Promise<{ manager: ConnManager; bridge: Bridge; stop(): Promise<void> }> {
  const manager = await startManager(managerOptions);
  const bridge = await startBridge({ port: 0, staticDir: '/nonexistent', statsMs: 0, batchMs: 5, ...bridgeOptions, manager });
  return {
    manager,
    bridge,
    stop: async () => {
      await bridge.close();
      await manager.stop();
    },
  };
}

/** Parses Prometheus text exposition: `name{labels} value` lines, checking HELP/TYPE lines too (prom-client writes NaN as `Nan`, which Prometheus reads). */
export function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      assert.match(
        line,
        /^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .+|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/,
        line,
      );
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|Nan|[+-]Inf)$/.exec(
      line,
    );
    assert.ok(m, `not a Prometheus sample: ${line}`);
    samples.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return samples;
}

/** A raw GET whose path is sent exactly as written (fetch would normalize `..`). */
export function rawGet(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The manager's listener address (`host:port`). */
export function listenerAddr(manager: ConnManager): string {
  const l = manager.listeners()[0];
  if (!l) throw new Error('manager has no listener');
  return l.address;
}

let nextId = 1;

/**
 * A `ws` client that parses every server message with the protocol's own parser (an invalid one
 * fails the test through `invalid`), keeps them all, and lets tests await the next matching one.
 */
export class TestClient {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  /** The raw text of every message, in order. */
  readonly raw: string[] = [];
  /** Messages that failed `parseServerMessage`, with the reason: must stay empty. */
  readonly invalid: string[] = [];
  readonly #waiters = new Set<() => void>();
  #closed = false;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => {
      const text = (data as Buffer).toString('utf8');
      this.raw.push(text);
      const parsed = parseServerMessage(text);
      if (parsed.ok) this.messages.push(parsed.msg);
      else this.invalid.push(`${parsed.error.field ?? ''}: ${parsed.error.message} in ${text.slice(0, 300)}`);
      for (const w of [...this.#waiters]) w();
    });
    ws.on('close', () => {
      this.#closed = true;
      for (const w of [...this.#waiters]) w();
    });
  }

  static async connect(url: string, options: { origin?: string } = {}): Promise<TestClient> {
    const ws = new WebSocket(url, options.origin === undefined ? {} : { origin: options.origin });
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    return client;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Waits for the first message at index >= `from` that matches. */
  async waitFor<T extends ServerMessage>(
    match: (m: ServerMessage) => m is T,
    { from = 0, timeoutMs = 5000 }: { from?: number; timeoutMs?: number } = {},
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find(match);
      if (found) return found;
      if (this.#closed) throw new Error('socket closed while waiting for a message');
      if (Date.now() > deadline) throw new Error(`timed out waiting; got ${this.messages.map((m) => m.type).join(',')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.max(1, deadline - Date.now() + 1));
        const waiter = (): void => done();
        function done(): void {
          clearTimeout(timer);
          self.#waiters.delete(waiter);
          resolve();
        }
        const self = this;
        this.#waiters.add(waiter);
      });
    }
  }

  hello(from = 0): Promise<HelloMessage> {
    return this.waitFor((m): m is HelloMessage => m.type === 'hello', { from });
  }

  /** Sends a command (adding `v` and a fresh `id`) and waits for its reply. */
  async request<T extends CommandType>(command: { type: T } & Record<string, unknown>, timeoutMs = 5000): Promise<ReplyMessage> {
    const id = `c${nextId++}`;
    this.sendRaw(JSON.stringify({ v: PROTOCOL_VERSION, id, ...command }));
    return this.waitFor((m): m is ReplyMessage => m.type === 'reply' && m.id === id, { timeoutMs });
  }

  sendRaw(text: string): void {
    this.ws.send(text);
  }

  /** Every event received so far, in arrival order. */
  events(): WireEvent[] {
    return this.messages.filter((m): m is EventsMessage => m.type === 'events').flatMap((m) => m.events);
  }

  /** Waits until an event with `seq >= seq` has arrived. */
  async waitForSeq(seq: number, timeoutMs = 5000): Promise<void> {
    await this.waitFor((m): m is EventsMessage => m.type === 'events' && m.events.some((e) => e.seq >= seq), { timeoutMs });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = once(this.ws, 'close');
    this.ws.terminate();
    await closed;
  }
}

/** Client messages typed loosely, for tests that build them by hand. */
export type LooseCommand = Partial<ClientMessage> & Record<string, unknown>;

/** A LabApi stand-in that records calls and reports changes like the real lab. */
export class FakeLab implements LabApi {
  readonly calls: string[] = [];
  #peers: LabPeer[] = [];
  #flood = { active: false, connections: 0, ratePerSec: 0, opened: 0, closedByServer: 0 };
  readonly #listeners = new Set<(s: LabState) => void>();
  /** Extra padding per peer, to make states big (backpressure tests). */
  padding = '';

  state(): LabState {
    return {
      enabled: true,
      seed: 42,
      peers: this.#peers.map((p) => ({ ...p })),
      flood: { ...this.#flood },
      addressBook: { size: this.#peers.length, tried: 0 },
      speed: this.#speed,
      ...(this.#lesson ? { lesson: { ...this.#lesson } } : {}),
    };
  }

  #lesson: LessonState | undefined;
  async startLesson(name: LessonName): Promise<LessonState> {
    this.calls.push(`startLesson:${name}`);
    this.#lesson = { name, title: name, step: 1, steps: 2, stepTitle: 'first', narration: 'watch', rules: ['persistent-backoff'], log: [] };
    this.changed();
    return { ...this.#lesson };
  }

  async stepLesson(direction: 'next' | 'prev'): Promise<LessonState> {
    this.calls.push(`stepLesson:${direction}`);
    const lesson = this.#lesson;
    if (!lesson) throw Object.assign(new Error('no lesson runs'), { code: 'ERR_LAB_NO_LESSON' });
    const step = lesson.step + (direction === 'next' ? 1 : -1);
    if (step < 1 || step > lesson.steps) throw Object.assign(new Error(`no step ${step}`), { code: 'ERR_LAB_INVALID_ARGUMENT' });
    this.#lesson = { ...lesson, step };
    this.changed();
    return { ...this.#lesson };
  }

  async stopLesson(): Promise<void> {
    this.calls.push('stopLesson');
    this.#lesson = undefined;
    this.changed();
  }

  #speed = 1;
  setSpeed(speed: number): void {
    this.calls.push(`setSpeed:${speed}`);
    this.#speed = speed;
    this.changed();
  }

  async addPeer(behaviour: PeerBehaviour): Promise<LabPeer> {
    this.calls.push(`addPeer:${behaviour}`);
    const peer: LabPeer = {
      peerId: `p${this.#peers.length + 1}`,
      behaviour,
      addr: `127.0.0.1:${40000 + this.#peers.length}`,
      state: 'running',
      accepted: 0,
    };
    this.#peers.push(peer);
    this.changed();
    return { ...peer };
  }

  async addPeers(behaviour: PeerBehaviour, count: number): Promise<LabPeer[]> {
    const peers: LabPeer[] = [];
    for (let i = 0; i < count; i++) peers.push(await this.addPeer(behaviour));
    return peers;
  }

  async stopPeers(behaviour: PeerBehaviour): Promise<number> {
    this.calls.push(`stopPeers:${behaviour}`);
    const running = this.#peers.filter((p) => p.behaviour === behaviour && p.state === 'running');
    for (const p of running) p.state = 'stopped';
    if (running.length > 0) this.changed();
    return running.length;
  }

  async stopPeer(peerId: string): Promise<void> {
    this.calls.push(`stopPeer:${peerId}`);
    const peer = this.#peers.find((p) => p.peerId === peerId);
    if (!peer) throw Object.assign(new Error(`no lab peer ${peerId}`), { code: 'ERR_LAB_NOT_FOUND' });
    peer.state = 'stopped';
    this.changed();
  }

  startFlood(options: FloodOptions): void {
    this.calls.push(`startFlood:${options.connections}:${options.ratePerSec ?? '-'}`);
    this.#flood = { ...this.#flood, active: true, connections: options.connections, ratePerSec: options.ratePerSec ?? 10 };
    this.changed();
  }

  stopFlood(): void {
    this.calls.push('stopFlood');
    this.#flood = { ...this.#flood, active: false };
    this.changed();
  }

  onChange(listener: (state: LabState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  changed(): void {
    const s = this.state();
    for (const l of this.#listeners) l(s);
  }
}

/**
 * The fastest of `rounds` timings of `fn` (in ms): the least disturbed by a loaded machine. For
 * tests that compare two timings as a ratio, never against an absolute threshold.
 */
export async function fastestMs(fn: () => unknown, rounds = 5): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}
