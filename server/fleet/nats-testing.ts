/**
 * For the fleet's tests: a real `nats-server -js` (Debian's package; `.ci/run` installs it) on a
 * free loopback port with a temporary store directory. It can be stopped and started again on
 * the same port and store (a NATS restart), and `stop()` leaves nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect as natsConnect } from '@nats-io/transport-node';
import type { Bridge } from '../bridge/bridge.ts';
import { startStack } from '../bridge/testing.ts';
import type { ConnManager, ConnManagerOptions } from '../connmgr/index.ts';
import { FLEET_STREAM } from '../protocol/index.ts';
import { publishToNats, type PublishOptions, type Publisher } from './publisher.ts';
import { refusedAddr, waitFor } from '../test-support.ts';

export const NATS_SERVER = '/usr/sbin/nats-server';

export interface TestNats {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, then waits for it to exit); the store stays. */
  halt(): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Stops it and removes the store. */
  stop(): Promise<void>;
}

async function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Starts nats-server with JetStream; resolves once it accepts connections. */
export async function startNats(): Promise<TestNats> {
  const port = Number((await refusedAddr()).split(':')[1]);
  const store = mkdtempSync(join(tmpdir(), 'connscope-nats-'));
  let child: ChildProcess | undefined;
  let output = '';
  const launch = async (): Promise<void> => {
    output = '';
    const c = spawn(NATS_SERVER, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout?.on('data', (d) => (output += String(d)));
    c.stderr?.on('data', (d) => (output += String(d)));
    c.on('error', (err) => (output += `spawn failed: ${err.message}`));
    await waitFor(
      async () => {
        if (c.exitCode !== null) throw new Error(`nats-server exited with ${c.exitCode}: ${output}`);
        // JetStream is ready once the server logs it; the port alone may open first.
        return output.includes('Server is ready') && (await accepts(port));
      },
      () => `nats-server to start (it printed: ${output || 'nothing'})`,
      20_000,
    );
  };
  const halt = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (c && c.exitCode === null) {
      c.kill('SIGTERM');
      await once(c, 'exit');
    }
  };
  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    halt,
    restart: launch,
    async stop() {
      await halt();
      rmSync(store, { recursive: true, force: true });
    },
  };
}

/** One message of the stream as a test reads it. */
export interface StoredMessage {
  readonly subject: string;
  readonly streamSeq: number;
  readonly msgId: string;
  readonly data: string;
}

/** Every message the stream holds on `subject` (a wildcard is fine), oldest first, read with its own connection. */
export async function readStream(url: string, subject: string): Promise<StoredMessage[]> {
  const nc = await natsConnect({ servers: url });
  try {
    const js = jetstream(nc);
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.info(FLEET_STREAM, { subjects_filter: subject });
    const total = Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
    const out: StoredMessage[] = [];
    if (total === 0) return out;
    const consumer = await js.consumers.get(FLEET_STREAM, { filter_subjects: subject });
    const messages = await consumer.consume();
    for await (const m of messages) {
      out.push({ subject: m.subject, streamSeq: m.seq, msgId: m.headers?.get('Nats-Msg-Id') ?? '', data: m.string() });
      if (out.length >= total) break;
    }
    return out;
  } finally {
    await nc.close();
  }
}

/** A node as the CLI runs one: manager + its own dashboard + publishing to NATS (the same run and seqs). */
export interface TestNode {
  readonly name: string;
  readonly manager: ConnManager;
  readonly bridge: Bridge;
  readonly publisher: Publisher;
  stop(): Promise<void>;
}

export async function startPublishingNode(
  natsUrl: string,
  name: string,
  options: Partial<PublishOptions> = {},
  managerOptions: ConnManagerOptions = {},
): Promise<TestNode> {
  const stack = await startStack({}, managerOptions);
  const publisher = await publishToNats(stack.manager, {
    heartbeatMs: 100,
    reconnectMs: 50,
    ...options,
    servers: natsUrl,
    node: name,
    dashboard: stack.bridge,
  });
  return {
    name,
    manager: stack.manager,
    bridge: stack.bridge,
    publisher,
    async stop() {
      await publisher.close();
      await stack.stop();
    },
  };
}

/** `n` one-shot dials to a closed port: each makes a `pending` and a `canceled` event. */
export async function churn(manager: ConnManager, n: number): Promise<void> {
  const addr = await refusedAddr();
  for (let i = 0; i < n; i += 1) await manager.connect(addr).catch(() => undefined);
}
