/**
 * Gates (blackhole and slow peers) on real 127.0.0.1 sockets: what they cost (no thread; one small
 * holder process each), that they are closed (the listener's accept queue is full, read from
 * /proc/net/tcp), and that nothing of them outlives stop() — nor the process that made them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { test } from 'node:test';
import { Gate, type GateOptions } from './gate.ts';
import { Lab } from './lab.ts';
import { Peer } from './peer.ts';
import { createRng } from './prng.ts';
import { scaleTimings } from './timings.ts';
import { acceptQueue, childPids, dialResult, processGone, threadCount, unansweredDials } from './testing.ts';
import { waitFor } from '../test-support.ts';

const portOf = (addr: string): number => Number(addr.split(':')[1]);

/** Child processes started since `before` (a snapshot of childPids()). */
const newChildren = (before: ReadonlySet<number>): number[] => childPids().filter((pid) => !before.has(pid));

function startGate(options: Partial<GateOptions> = {}): Promise<Gate> {
  return Gate.start({
    host: '127.0.0.1',
    port: 0,
    delayMs: null,
    autoOpen: false,
    openIdleMs: 60_000,
    maxClients: 4,
    heartbeatMs: 0,
    heartbeatLine: '',
    greeting: '',
    onAccepted: () => undefined,
    ...options,
  });
}

test('blackhole and slow peers start no thread: one small holder process per gate, gone after stopPeer and stop()', async () => {
  await readFile('/proc/self/status'); // libuv's thread pool starts on first use: now, not below
  const threadsBefore = threadCount();
  const before = new Set(childPids());
  // Slow peers stay closed for a minute in auto mode (no manager attached): all eight are armed.
  const lab = await Lab.start({
    seed: 120,
    peers: [
      { behaviour: 'blackhole', count: 4 },
      { behaviour: 'slow', count: 4 },
    ],
    timings: { slowDelayMs: 60_000 },
  });
  let holders: number[] = [];
  const ports = lab.state().peers.map((p) => portOf(p.addr));
  try {
    assert.equal(threadCount() - threadsBefore, 0, 'threads started for 8 gated peers');
    holders = newChildren(before);
    assert.equal(holders.length, 8, 'one holder process per gate');
    for (const port of ports) assert.equal(acceptQueue(port), 2, `the accept queue of port ${port} is full (backlog 1)`);

    const victim = lab.state().peers[0]!;
    await lab.stopPeer(victim.peerId);
    assert.equal(holders.filter(processGone).length, 1, "the stopped peer's holder has exited");
    assert.equal(acceptQueue(portOf(victim.addr)), undefined);
    assert.equal(await dialResult(portOf(victim.addr)), 'ECONNREFUSED');
  } finally {
    await lab.stop();
  }
  for (const pid of holders) assert.ok(processGone(pid), `holder ${pid} still runs after lab.stop()`);
  for (const port of ports) assert.equal(acceptQueue(port), undefined, `port ${port} still listens after lab.stop()`);
});

test('a slow gate: closed until open(), greets the pending dial, then closes again with a new holder', async (t) => {
  const before = new Set(childPids());
  const states: string[] = [];
  let accepted = 0;
  const gate = await startGate({ delayMs: 60_000, greeting: 'hello\n', onAccepted: () => accepted++, onState: (s) => states.push(s) });
  t.after(() => gate.stop());
  const [first] = newChildren(before);
  assert.ok(first, 'a holder process runs');
  assert.equal(acceptQueue(gate.port), 2);

  const dial = connect({ host: '127.0.0.1', port: gate.port });
  t.after(() => dial.destroy());
  dial.on('error', () => undefined);
  const greeting = new Promise<string>((resolve) => dial.once('data', (d) => resolve(String(d))));
  // Its SYN is out and dropped (the queue is full): the kernel holds the dial in SYN_SENT.
  await waitFor(() => unansweredDials(gate.port) === 1, 'the dial to send its SYN', 8000);
  assert.equal(dial.pending, true);
  gate.open();
  assert.equal(await greeting, 'hello\n'); // at the SYN's first retransmission, ~1 s
  assert.deepEqual(states, ['armed', 'open']);
  assert.equal(accepted, 1);
  assert.ok(processGone(first), 'opening ended the holder');

  dial.destroy(); // the last client leaves: the gate closes again
  await waitFor(() => states.length === 3, 'the gate to re-arm', 8000);
  assert.equal(states[2], 'armed');
  assert.equal(acceptQueue(gate.port), 2);
  const second = newChildren(before).filter((pid) => !processGone(pid));
  assert.equal(second.length, 1, 'one new holder');

  const port = gate.port;
  await gate.stop();
  assert.ok(processGone(second[0]!), 'stop() ended the holder');
  assert.equal(acceptQueue(port), undefined);
});

test('a holder killed from outside closes its gate for good (dials refused); stop() still cleans up', async () => {
  const before = new Set(childPids());
  const gate = await startGate();
  try {
    const [holder] = newChildren(before);
    assert.ok(holder);
    process.kill(holder, 'SIGKILL');
    await waitFor(() => acceptQueue(gate.port) === undefined, 'the port to close with its holder', 8000);
    assert.equal(await dialResult(gate.port), 'ECONNREFUSED');
    await waitFor(() => !gate.isArmed, 'the gate to notice', 8000);
  } finally {
    await gate.stop();
  }
  assert.deepEqual(newChildren(before), []);
});

test('a holder exits by itself when the process that made it dies (no orphan keeps the port)', { timeout: 30_000 }, async (t) => {
  // A separate Node process starts a gate, reports its port and holder, and is then SIGKILLed.
  const script = `
    import { readFileSync } from 'node:fs';
    import { Gate } from ${JSON.stringify(new URL('./gate.ts', import.meta.url).href)};
    import { childPids } from ${JSON.stringify(new URL('./testing.ts', import.meta.url).href)};
    const gate = await Gate.start({ host: '127.0.0.1', port: 0, delayMs: null, autoOpen: false, openIdleMs: 60000,
      maxClients: 1, heartbeatMs: 0, heartbeatLine: '', greeting: '', onAccepted() {} });
    const holders = childPids().filter((pid) => readFileSync('/proc/' + pid + '/cmdline', 'utf8').includes('read _'));
    console.log(JSON.stringify({ port: gate.port, holders }));
  `;
  const owner = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => owner.kill('SIGKILL'));
  let out = '';
  owner.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const line = await waitFor(() => out.split('\n').find((l) => l.startsWith('{')), 'the port and holder from the owner process', 25_000);
  const { port, holders } = JSON.parse(line) as { port: number; holders: number[] };
  assert.equal(holders.length, 1);
  const holder = holders[0]!;
  assert.equal(processGone(holder), false);
  assert.equal(acceptQueue(port), 2);

  owner.kill('SIGKILL');
  await once(owner, 'exit');
  await waitFor(() => processGone(holder), 'the orphaned holder to exit (EOF on its stdin)', 8000);
  await waitFor(() => acceptQueue(port) === undefined, 'the port to close', 8000);
});

test('a blackhole peer whose first port is taken binds the next candidate, leaving no holder behind', async (t) => {
  const taken = await startGate(); // any listener will do
  t.after(() => taken.stop());
  const free = await startGate();
  const freePort = free.port;
  await free.stop();
  const before = new Set(childPids());
  const candidates = [taken.port, freePort];
  const peer = await Peer.start({
    id: 'p1',
    behaviour: 'blackhole',
    host: '127.0.0.1',
    nextPort: () => candidates.shift() ?? assert.fail('a third candidate was asked for'),
    timings: scaleTimings(),
    rng: createRng(1),
    autoOpen: true,
    onChange: () => undefined,
  });
  t.after(() => peer.stop());
  assert.equal(peer.port, freePort);
  assert.equal(newChildren(before).length, 1, 'one holder, for the port it got');
  assert.equal(acceptQueue(freePort), 2);
});
