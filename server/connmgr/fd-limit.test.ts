/**
 * Running out of file descriptors (README "Rules", `accept-exhausted`): the manager in a child
 * process under `prlimit --nofile=NOFILE`, flooded with inbound connections past what it can
 * open while it also dials out. The process stays up, nothing is counted twice, and accepting
 * and dialing recover once descriptors are free again. What it cannot see: libuv takes accept's
 * EMFILE itself — it closes the connections waiting in the backlog rather than report the error
 * (README says so) — so those clients see their connection closed without a byte.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { refusedAddr, waitFor } from '../test-support.ts';

/** Descriptors the child may open: node itself takes ~20, leaving room for a few dozen sockets. */
const NOFILE = 64;
const FLOOD = 120;
/** Clients added while descriptors remain, at most. */
const MAX_CLIENTS = 600;
const CHILD = fileURLToPath(new URL('./testdata/fd-child.ts', import.meta.url));

interface ChildStats {
  stats: { currConnections: number; totalAccepted: number; currByType: Record<string, number> };
  listed: number;
  open: Record<string, number>;
  events: Record<string, number>;
}

/** A client: resolves how it ended up — served ("hi" came), closed without a byte, or still waiting. */
function client(port: number): { socket: Socket; outcome: () => 'served' | 'closed' | 'waiting' } {
  let state: 'served' | 'closed' | 'waiting' = 'waiting';
  const socket = connect(port, '127.0.0.1');
  socket.on('data', () => (state = 'served'));
  socket.on('error', () => undefined);
  socket.on('close', () => {
    if (state === 'waiting') state = 'closed';
  });
  return { socket, outcome: () => state };
}

test(`out of descriptors (nofile ${NOFILE}): the process stays up, counts stay true, accepting and dialing recover`, {
  timeout: 90_000,
}, async () => {
  const peer = createServer((s) => s.on('error', () => undefined));
  peer.listen(0, '127.0.0.1');
  await once(peer, 'listening');
  const peerAddr = `127.0.0.1:${(peer.address() as { port: number }).port}`;

  const child = spawn('prlimit', [`--nofile=${NOFILE}:${NOFILE}`, process.execPath, '--import', 'tsx', CHILD], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => JSON.parse(String((await lines.next()).value)) as T;
  const ask = async <T>(cmd: string): Promise<T> => {
    child.stdin!.write(`${cmd}\n`);
    return next<T>();
  };
  const clients: ReturnType<typeof client>[] = [];
  try {
    const { port } = await next<{ port: number }>();
    for (let i = 0; i < FLOOD; i++) clients.push(client(port));
    await waitFor(
      () => clients.every((c) => c.outcome() !== 'waiting') || clients.filter((c) => c.outcome() === 'served').length > 0,
      'the flood to be answered',
      20_000,
    );
    // Dial out while the flood takes the descriptors (to a closed port: each attempt gives its
    // descriptor back): once none is left, the dial fails with a named error (EMFILE), and the
    // process goes on.
    const closed = await refusedAddr();
    const failed = await waitFor(
      async () => {
        const r = await ask<{ ok: boolean; code?: string; sysCode?: string }>(`dial ${closed}`);
        if (r.sysCode !== 'ECONNREFUSED') return r;
        // Descriptors left: more clients, until the process has none (a slow machine accepts late).
        if (clients.length < MAX_CLIENTS) for (let k = 0; k < 10; k++) clients.push(client(port));
        return false;
      },
      'a dial to find no descriptor left',
      30_000,
    );
    assert.ok(failed, 'a dial with no descriptor left fails');
    assert.equal(failed.sysCode, 'EMFILE', JSON.stringify(failed));
    await waitFor(
      async () => {
        const st = await ask<ChildStats>('stats');
        return st.stats.currByType.inbound === clients.filter((c) => c.outcome() === 'served').length;
      },
      'every accepted client to have been served',
      20_000,
    );
    const served = clients.filter((c) => c.outcome() === 'served').length;
    assert.ok(served > 0 && served < clients.length, `${served} of ${clients.length} served: the limit must bite, and not at zero`);

    let s = await ask<ChildStats>('stats');
    assert.equal(child.exitCode, null, 'the process stays up');
    assert.equal(s.stats.currConnections, s.listed, 'the counters equal the registry');
    assert.equal(s.stats.currByType.inbound, served, 'one inbound connection per served client, none counted twice');
    assert.equal(s.stats.currByType.manual, 0, 'failed dials leave nothing behind');
    assert.equal(s.stats.totalAccepted, s.events['inbound:established:accepted'] ?? 0);

    // Free the descriptors: every client goes; then accepting and dialing work again.
    for (const c of clients) c.socket.destroy();
    await waitFor(async () => (await ask<ChildStats>('stats')).stats.currByType.inbound === 0, 'the flood’s connections to close', 20_000);
    const again = client(port);
    clients.push(again);
    await waitFor(() => again.outcome() === 'served', 'a new client to be served', 20_000);
    const dialed = await ask<{ ok: boolean; state?: string }>(`dial ${peerAddr}`);
    assert.deepEqual(dialed, { ...dialed, ok: true, state: 'established' });
    s = await ask<ChildStats>('stats');
    assert.equal(s.stats.currConnections, s.listed);
    assert.equal(s.stats.currByType.inbound, 1);
    assert.equal(s.stats.currByType.manual, 1);

    const stopped = await ask<{ stopped: boolean; open: Record<string, number> }>('stop');
    assert.ok(stopped.stopped);
    assert.ok(
      Object.values(stopped.open).every((n) => n === 0),
      `open after stop: ${JSON.stringify(stopped.open)}`,
    );
  } finally {
    for (const c of clients) c.socket.destroy();
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    peer.close();
  }
});
