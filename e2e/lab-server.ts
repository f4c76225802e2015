/**
 * The server under test: the connscope CLI as a child process, with the lab on a fixed seed and
 * lab-friendly fast timings, on a free port. Used by the fixtures, and by `startServer` in
 * `connscope/testing`. From the checkout it runs the sources (`node --import tsx server/cli.ts`);
 * installed, the compiled CLI (`dist/lib/server/cli.js`), with no TypeScript at run time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { packageRoot } from '../server/package-info.ts';
import { WebSocket } from 'ws';
import {
  PROTOCOL_VERSION,
  type ApiSnapshot,
  type CommandOf,
  type CommandResult,
  type CommandType,
  type ConnInfo,
  type LabPeer,
  type ReplyMessage,
} from '../server/protocol/index.ts';

const ROOT = packageRoot();
/** This very file tells how the CLI is run: compiled (`.js`) runs compiled, sources run sources. */
const CLI_ARGS = import.meta.url.endsWith('.js') ? [join(ROOT, 'dist', 'lib', 'server', 'cli.js')] : ['--import', 'tsx', 'server/cli.ts'];

/** The lab seed every test runs with: the same seed replays the same lab. */
export const SEED = 7;

/**
 * Short delays so retries, timeouts and the inbound limit show within a test's budget.
 * `--target-outbound 4` is what "the network reached its target" means in the tests.
 * `--lab-scenario quiet`: the tests count connections, persistent peers, rejections and log rows,
 * so the lab runs without `npm start`'s lively scenario (no persistent peer of its own, no
 * restarts, silent clients or bursts); a test that wants it passes `--lab-scenario lively`.
 */
export const FAST_FLAGS = [
  '--retry-delay-ms',
  '1000',
  '--dial-timeout-ms',
  '2000',
  '--max-inbound',
  '8',
  '--target-outbound',
  '4',
  '--lab-scenario',
  'quiet',
] as const;
export const TARGET_OUTBOUND = 4;

/** How long a start may take (from sources, tsx compiles the server on the fly: a cold start is ~1–2 s). */
const START_TIMEOUT_MS = 20_000;
/** SIGTERM first; a server still alive after this gets SIGKILL (and the test output says so). */
const STOP_TIMEOUT_MS = 5_000;

export interface Healthz {
  status: string;
  /** The manager's state; absent from a replay server. */
  manager?: string;
  /** `replay` from `connscope replay FILE`. */
  mode?: string;
  runId: string;
  seq: number;
}

/** A free TCP port on 127.0.0.1: bind port 0, read it, close. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  srv.close();
  await once(srv, 'close');
  if (addr === null || typeof addr === 'string') throw new Error('could not read the bound port');
  return addr.port;
}

export interface LabServerOptions {
  /** Extra CLI flags after the fast defaults (later flags win). */
  flags?: readonly string[];
  /** A fixed port (e.g. to restart on the same one); default: a free port. */
  port?: number;
  /** Serve this recording with `connscope replay FILE` instead of a live manager and lab (no lab flags then). */
  replayFile?: string;
}

/** One running `server/cli.ts`; `restart()` replaces the process on the same port. */
export class LabServer {
  readonly port: number;
  readonly url: string;
  readonly #flags: readonly string[];
  readonly #replayFile: string | undefined;
  #child: ChildProcess | null = null;
  #output = '';

  private constructor(port: number, flags: readonly string[], replayFile?: string) {
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.#flags = flags;
    this.#replayFile = replayFile;
  }

  static async start(options: LabServerOptions = {}): Promise<LabServer> {
    const server = new LabServer(options.port ?? (await freePort()), options.flags ?? [], options.replayFile);
    await server.#spawn();
    return server;
  }

  /** Everything the server printed so far (for failure messages). */
  get output(): string {
    return this.#output;
  }

  async #spawn(): Promise<void> {
    // The global setup's copy of the build (see global-setup.ts); the package's dist/web without it.
    const staticDir = process.env.E2E_STATIC_DIR;
    const statics = staticDir === undefined ? [] : ['--static-dir', staticDir];
    const args =
      this.#replayFile === undefined
        ? [...CLI_ARGS, '--port', String(this.port), '--seed', String(SEED), ...statics, ...FAST_FLAGS, ...this.#flags]
        : [...CLI_ARGS, 'replay', this.#replayFile, '--port', String(this.port), ...statics, ...this.#flags];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_ENV: 'test' },
    });
    this.#child = child;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`server did not start within ${START_TIMEOUT_MS} ms:\n${this.#output}`)),
        START_TIMEOUT_MS,
      );
      const onData = (chunk: Buffer): void => {
        this.#output += chunk.toString();
        if (this.#output.includes('connscope is running:')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (this.#output += chunk.toString()));
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (this.#child === child) this.#child = null;
        reject(new Error(`server exited (code ${code}, signal ${signal}) before it was ready:\n${this.#output}`));
      });
    });
    try {
      await ready;
    } catch (err) {
      await this.stop();
      throw err;
    }
    // The URL line is printed after the bridge listens; /healthz must agree.
    const health = await this.healthz();
    const healthy = health.status === 'ok' && (this.#replayFile === undefined ? health.manager === 'running' : health.mode === 'replay');
    if (!healthy) throw new Error(`unhealthy server: ${JSON.stringify(health)}`);
  }

  /** SIGTERM, then wait for the process to exit (it stops the bridge, the manager and the lab). */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === null) return;
    this.#child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.#output += `\n[e2e] no exit ${STOP_TIMEOUT_MS} ms after SIGTERM: SIGKILL\n`;
      child.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Starts a stopped server again on the same port, with the same flags (a new run id, seq from 0). */
  async start(): Promise<void> {
    if (this.#child !== null) throw new Error('the server is already running');
    this.#output += '\n[e2e] --- start again ---\n';
    await this.#spawn();
  }

  async healthz(): Promise<Healthz> {
    return (await this.#get('/healthz')) as Healthz;
  }

  async snapshot(): Promise<ApiSnapshot> {
    return (await this.#get('/api/snapshot')) as ApiSnapshot;
  }

  /** Live connections (the snapshot lists those) as the server sees them. */
  async conns(): Promise<ConnInfo[]> {
    return (await this.snapshot()).snapshot.conns;
  }

  async labPeers(): Promise<LabPeer[]> {
    return (await this.snapshot()).lab?.peers ?? [];
  }

  /**
   * A running lab peer of `behaviour` that no live connection uses (so a manual connect to it
   * is neither a duplicate nor racing the automatic outbound).
   */
  async unusedPeer(behaviour: LabPeer['behaviour']): Promise<LabPeer> {
    const { snapshot, lab } = await this.snapshot();
    const used = new Set(snapshot.conns.map((c) => c.addr));
    const peer = lab?.peers.find((p) => p.behaviour === behaviour && p.state === 'running' && !used.has(p.addr));
    if (!peer) throw new Error(`no unused running ${behaviour} lab peer in ${JSON.stringify(lab?.peers)}`);
    return peer;
  }

  /**
   * Sends one command over a WebSocket of its own (a script's, with no Origin: it may control a
   * loopback server without a token) and resolves with its result; throws the server's error.
   * For what the page's controls cannot ask, e.g. a flood faster than the Lab panel's rate.
   * A server started with `--token` needs `options.token`.
   */
  async command<T extends CommandType>(
    type: T,
    fields: Omit<CommandOf<T>, 'v' | 'id' | 'type' | 'token'>,
    options: { token?: string } = {},
  ): Promise<CommandResult<T>> {
    const query = options.token === undefined ? '' : `?token=${encodeURIComponent(options.token)}`;
    const ws = new WebSocket(`ws://127.0.0.1:${this.port}/ws${query}`);
    try {
      await once(ws, 'open');
      const id = `e2e-${type}`;
      const reply = new Promise<ReplyMessage>((resolve) => {
        ws.on('message', (data) => {
          const msg = JSON.parse(String(data)) as { type: string; id?: string };
          if (msg.type === 'reply' && msg.id === id) resolve(msg as ReplyMessage);
        });
      });
      ws.send(JSON.stringify({ v: PROTOCOL_VERSION, id, type, ...fields }));
      const r = await reply;
      if (!r.ok) throw new Error(`${type}: ${r.error.code} ${r.error.message}`);
      return r.result as CommandResult<T>;
    } finally {
      ws.close();
    }
  }

  async #get(path: string): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
    return res.json();
  }
}
