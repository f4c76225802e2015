/**
 * The lively scenario (README, "The lab"): `npm start` must show, within its first minute and then
 * all the time, the four things the dashboard is there to teach — a persistent peer failing with a
 * growing backoff, a failed automatic dial replaced by a new one, an idle kick and a shed inbound
 * connection — and tell the same story for the same seed.
 *
 * Real sockets on 127.0.0.1; we wait on conditions (with deadlines that are the claims themselves:
 * "each of the four in every window"), never on fixed sleeps.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApp } from '../app.ts';
import { LAB_MANAGER_DEFAULTS, parseCli } from '../cli-options.ts';
import { ConnManager } from '../connmgr/index.ts';
import { assertHandlesBackTo, tcpHandleCount } from '../connmgr/test-helpers.ts';
import { connect } from 'node:net';
import { Lab } from './lab.ts';
import { Peer } from './peer.ts';
import { createRng } from './prng.ts';
import { childPids, dialResult } from './testing.ts';
import { scaleTimings } from './timings.ts';
import { quietLogger, waitFor } from '../test-support.ts';

const KINDS = ['persistent-backoff', 'replaced-dial', 'idle-kick', 'shed'] as const;
type Kind = (typeof KINDS)[number];

/**
 * Watches a manager's public events and notes when each of the four happenings occurs:
 * - `persistent-backoff`: a persistent entry goes `failing` with attempt ≥ 2 and a longer
 *   `retryAt − at` than its previous `failing` (the backoff grows);
 * - `replaced-dial`: an automatic outbound dial fails (`pending → canceled`) and a new automatic
 *   outbound (a higher id) is dialed after it;
 * - `idle-kick`: a connection is `disconnected` with reason `idle-timeout`;
 * - `shed`: `inbound:rejected` with reason `limit`.
 */
class Happenings {
  readonly #times = new Map<Kind, number[]>(KINDS.map((k) => [k, []]));
  readonly #lastDelay = new Map<number, number>();
  #failedAutomatic: number | undefined;

  constructor(manager: Pick<ConnManager, 'on'>) {
    manager.on('conn:state', (e) => {
      if (e.to === 'failing' && e.persistent && e.retryAt !== undefined) {
        const delay = e.retryAt - e.at;
        const previous = this.#lastDelay.get(e.id);
        this.#lastDelay.set(e.id, delay);
        if ((e.attempt ?? 0) >= 2 && previous !== undefined && delay > previous) this.#note('persistent-backoff', e.at);
      }
      if (e.type === 'outbound' && e.from === 'pending' && e.to === 'canceled' && e.reason.startsWith('dial-')) {
        this.#failedAutomatic ??= e.id;
      }
      if (e.type === 'outbound' && e.from === null && this.#failedAutomatic !== undefined && e.id > this.#failedAutomatic) {
        this.#failedAutomatic = undefined;
        this.#note('replaced-dial', e.at);
      }
      if (e.to === 'disconnected' && e.reason === 'idle-timeout') this.#note('idle-kick', e.at);
    });
    manager.on('inbound:rejected', (e) => {
      if (e.reason === 'limit') this.#note('shed', e.at);
    });
  }

  #note(kind: Kind, at: number): void {
    this.#times.get(kind)!.push(at);
  }

  /** Kinds with no occurrence in [from, to). */
  missingIn(from: number, to: number): Kind[] {
    return KINDS.filter((k) => !this.#times.get(k)!.some((at) => at >= from && at < to));
  }

  /** Seconds after `t0` of each kind's occurrences, for failure messages and the report. */
  summary(t0: number): string {
    return KINDS.map(
      (k) =>
        `${k}: ${
          this.#times
            .get(k)!
            .map((at) => ((at - t0) / 1000).toFixed(1))
            .join(' ') || '—'
        }`,
    ).join('\n');
  }
}

/**
 * Waits until each of the four happened in every one of `windows` consecutive windows of
 * `windowMs` from `t0` (or the last window has passed), then asserts it.
 */
async function expectInEveryWindow(h: Happenings, t0: number, windowMs: number, windows: number): Promise<void> {
  const missing = (): string[] =>
    Array.from({ length: windows }, (_, i) =>
      h.missingIn(t0 + i * windowMs, t0 + (i + 1) * windowMs).map((k) => `${k} in window ${i + 1}`),
    ).flat();
  const end = t0 + windows * windowMs;
  await waitFor(
    () => missing().length === 0 || Date.now() > end + 250,
    `the four happenings in ${windows} windows of ${windowMs} ms`,
    windows * windowMs + 5000,
  );
  assert.deepEqual(missing(), [], `what happened (s after start):\n${h.summary(t0)}`);
}

test('npm start as is: within each 30 s a persistent backoff grows, a failed automatic dial is replaced, an idle peer is kicked and an inbound connection is shed', {
  timeout: 90_000,
}, async () => {
  const handles = tcpHandleCount();
  const children = childPids().length;
  const config = parseCli(['--port', '0', '--static-dir', '/nonexistent']); // `npm start`, but on free ports
  assert.deepEqual(config.manager, LAB_MANAGER_DEFAULTS);
  const t0 = Date.now();
  const app = await startApp(config, quietLogger);
  try {
    const h = new Happenings(app.manager);
    // Two windows of 30 s: "within the first 60 s, and then continuously" — each of the four
    // in the first half minute and again in the second.
    await expectInEveryWindow(h, t0, 30_000, 2);
  } finally {
    await app.stop();
  }
  await assertHandlesBackTo(handles);
  await waitFor(() => childPids().length <= children, "the gates' holder processes to exit", 8000);
});

test('scaled five times faster, the lively lab keeps it up: the four in each of four windows (two minutes of npm start)', {
  timeout: 60_000,
}, async () => {
  const handles = tcpHandleCount();
  const scale = 0.2;
  let listen: string | undefined;
  const lab = await Lab.start({ seed: 1, scenario: 'lively', timeScale: scale, managerListen: () => listen });
  const d = LAB_MANAGER_DEFAULTS;
  const cm = new ConnManager({
    logger: quietLogger,
    listen: [{ host: '127.0.0.1', port: 0 }],
    getNewAddress: lab.getNewAddress,
    targetOutbound: d.targetOutbound,
    maxInbound: d.maxInbound,
    inboundPolicy: d.inboundPolicy,
    backoff: d.backoff,
    retryDelayMs: d.retryDelayMs * scale,
    maxRetryDelayMs: d.maxRetryDelayMs * scale,
    dialTimeoutMs: d.dialTimeoutMs * scale,
    idleTimeoutMs: d.idleTimeoutMs * scale,
  });
  const h = new Happenings(cm);
  const detach = lab.attach(cm);
  const t0 = Date.now();
  try {
    await cm.start();
    listen = cm.listeners()[0]!.address;
    await expectInEveryWindow(h, t0, 30_000 * scale, 4);
    // What ran is the seeded plan, step for step.
    const done = lab.scenarioLog();
    const plan = lab.scenarioPlan(50);
    assert.ok(plan && done);
    assert.deepEqual(done.persistent, plan.persistent);
    for (const stream of ['outages', 'restarts', 'bursts', 'silentPauses'] as const) {
      assert.ok(done[stream].length > 0, `${stream}: nothing ran`);
      assert.deepEqual(done[stream], plan[stream].slice(0, done[stream].length), stream);
    }
    // Detached, the scenario stops and leaves its peers up: the persistent entry connects and
    // stays, and no step follows.
    detach();
    const stepsAtDetach = JSON.stringify(lab.scenarioLog());
    const persistent = (): string | undefined => cm.list().find((c) => c.addr === plan.persistent.addr)?.state;
    await waitFor(() => persistent() === 'established', 'the persistent peer back up', 10_000);
    assert.equal(JSON.stringify(lab.scenarioLog()), stepsAtDetach);
  } finally {
    await cm.stop();
    await lab.stop();
  }
  await assertHandlesBackTo(handles);
});

test('the same seed plans the same story (peers, addresses, schedule); another seed another one; quiet plans none', async () => {
  const planOf = async (seed: number, scenario: 'lively' | 'quiet' = 'lively') => {
    const lab = await Lab.start({ seed, scenario });
    try {
      return { plan: lab.scenarioPlan(20), peers: lab.state().peers.map((p) => `${p.peerId} ${p.behaviour} ${p.addr}`) };
    } finally {
      await lab.stop();
    }
  };
  const a = await planOf(1);
  const b = await planOf(1);
  assert.ok(a.plan);
  assert.deepEqual(b, a);
  // The persistent peer is one more stable peer, after the mix, that the address book does not know.
  assert.equal(a.peers.length, 20);
  assert.match(a.peers.at(-1)!, new RegExp(`^${a.plan.persistent!.peerId} stable ${a.plan.persistent!.addr}$`));
  const stable = new Set(a.peers.filter((p) => p.split(' ')[1] === 'stable').map((p) => p.split(' ')[0]));
  for (const r of a.plan.restarts) assert.ok(stable.has(r.peerId) && r.peerId !== a.plan.persistent!.peerId, `${r.peerId} restarts`);
  assert.equal(new Set(a.plan.restarts.map((r) => r.peerId)).size > 3, true, 'restarts spread over the stable peers');
  assert.notDeepEqual((await planOf(2)).plan, a.plan);
  const quietLab = await planOf(1, 'quiet');
  assert.equal(quietLab.plan, undefined);
  assert.equal(quietLab.peers.length, 19);
});

test('a peer taken down drops its connections and refuses dials; back up, it listens on the same port', async (t) => {
  const handles = tcpHandleCount();
  let port = 26000;
  const peer = await Peer.start({
    id: 'p1',
    behaviour: 'stable',
    host: '127.0.0.1',
    nextPort: () => port++,
    timings: scaleTimings(),
    rng: createRng(1),
    autoOpen: true,
    onChange: () => undefined,
  });
  t.after(() => peer.stop());
  const client = connect({ host: '127.0.0.1', port: peer.port });
  client.on('error', () => undefined);
  client.resume(); // read the greeting, so that the peer's FIN is seen
  const closed = new Promise((resolve) => client.once('close', resolve));
  await waitFor(() => peer.accepted === 1, 'the first connection', 8000);
  await Promise.all([peer.setDown(true), peer.setDown(true)]); // twice: the second is a no-op
  assert.equal(peer.down, true);
  await closed; // its connection dropped
  assert.equal(await dialResult(peer.port), 'ECONNREFUSED');
  await peer.setDown(false);
  assert.equal(peer.down, false);
  assert.equal(await dialResult(peer.port), 'connected');
  assert.equal(peer.info().state, 'running');
  // Stopped while coming back up: the listen in flight is closed too, nothing is left open.
  await peer.setDown(true);
  const up = peer.setDown(false);
  await peer.stop();
  await up;
  assert.equal(await dialResult(peer.port), 'ECONNREFUSED');
  await assertHandlesBackTo(handles);
});

test('--persistent flags go first: with every persistent slot taken the scenario adds none, and the rest still runs', {
  timeout: 30_000,
}, async () => {
  const flags = Array.from({ length: 8 }, (_, i) => ['--persistent', `127.0.0.1:${i + 1}`]).flat(); // refused ports
  const app = await startApp(parseCli(['--port', '0', '--static-dir', '/nonexistent', ...flags]), quietLogger);
  try {
    const lab = app.lab!;
    await waitFor(
      () => (lab.scenarioLog()?.silentPauses.length ?? 0) > 0 && (lab.scenarioLog()?.bursts.length ?? 0) > 0,
      'the scenario to start',
      8000,
    );
    const target = lab.scenarioPlan(1)!.persistent.addr;
    assert.equal(app.manager.stats().persistentEntries, 8);
    assert.ok(!app.manager.list().some((c) => c.addr === target), "no entry for the scenario's persistent peer");
    assert.deepEqual(lab.scenarioLog()!.outages, []);
    assert.equal(await dialResult(Number(target.split(':')[1])), 'connected', 'its peer is left up');
  } finally {
    await app.stop();
  }
});
