/**
 * Model-based tests of the manager (fast-check `commands`) on the virtual clock and the fake
 * dialer: random interleavings of connect, addPersistent, disconnect, remove, setTargetOutbound,
 * penalize, ban, unban, dial outcomes, peer closes and clock advances (bans run out), then stop.
 * After every step: every transition was legal (the state table), counters equal the registry,
 * no id is reused, the manager's view of each connection agrees with its last event, and no
 * connection or request of a banned host is live; after `stop()` nothing is left open.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isConnMgrError } from './errors.ts';
import { isLegalTransition } from './states.ts';
import { FakeDialer, settle, virtualRig, type VirtualRig } from './test-helpers.ts';
import type { ConnState } from './states.ts';
import type { ConnStateEvent } from './types.ts';

/** Generated cases (command sequences) per run. */
const RUNS = 150;
const ADDRS = ['10.0.0.1:8333', '10.0.0.2:8333', '10.0.0.3:8333', '10.0.0.4:8333', '10.0.0.5:8333'];
const LIVE: ReadonlySet<ConnState> = new Set(['pending', 'established', 'failing']);

interface World {
  rig: VirtualRig;
  /** Ids ever seen, and the last state each reached. */
  last: Map<number, ConnState>;
  /** Ids that reached a final state (never to be seen again). */
  ended: Set<number>;
}

/** The invariants, checked after every command. */
function check(w: World): void {
  const { cm } = w.rig;
  const list = cm.list();
  const stats = cm.stats();
  assert.equal(stats.currConnections, list.filter((c) => c.state === 'established').length, 'currConnections: the established ones');
  for (const type of ['inbound', 'outbound', 'manual'] as const) {
    assert.equal(stats.currByType[type], list.filter((c) => c.type === type).length, `currByType.${type}`);
  }
  for (const state of ['pending', 'established', 'failing'] as const) {
    assert.equal(stats.currByState[state], list.filter((c) => c.state === state).length, `currByState.${state}`);
  }
  assert.equal(stats.persistentEntries, list.filter((c) => c.persistent).length, 'persistent entries');
  assert.ok(stats.persistentEntries <= stats.maxPersistent, 'never past maxPersistent');
  const addrs = list.map((c) => c.addr);
  assert.equal(new Set(addrs).size, addrs.length, 'one connection per address (rule 3)');
  for (const c of list) {
    assert.ok(LIVE.has(c.state), `#${c.id} listed in a live state`);
    assert.equal(w.last.get(c.id), c.state, `#${c.id}: the registry agrees with its last event`);
    assert.ok(!w.ended.has(c.id), `#${c.id} came back after ending`);
  }
  for (const [id, state] of w.last) if (LIVE.has(state)) assert.ok(cm.get(id), `#${id} is ${state} by its events but not listed`);
  // Rule 11: nothing of a banned host is live; the ban count is the ban list.
  const banned = new Set(cm.bans().map((b) => b.host));
  for (const c of list) assert.ok(!banned.has(c.addr.split(':')[0]!), `#${c.id} ${c.addr} is live while its host is banned`);
  assert.equal(stats.bannedHosts, banned.size, 'bannedHosts: the ban list');
}

type Cmd = fc.AsyncCommand<object, World>;

const cmd = (name: string, run: (w: World) => Promise<void>): Cmd => ({
  check: () => true,
  async run(_m, w) {
    await run(w);
    await settle();
    check(w);
  },
  toString: () => name,
});

/** An operator call: a refusal must be one of the manager's named errors. */
async function operator(fn: () => unknown): Promise<void> {
  try {
    const r = fn();
    if (r instanceof Promise) r.catch((err: unknown) => assert.ok(isConnMgrError(err), `unnamed error: ${String(err)}`));
  } catch (err) {
    assert.ok(isConnMgrError(err), `unnamed error: ${String(err)}`);
  }
}

const addr = fc.constantFrom(...ADDRS);
const host = addr.map((a) => a.split(':')[0]!);
const someId = fc.integer({ min: 1, max: 40 });

const commands = [
  addr.map((a) => cmd(`connect(${a})`, (w) => operator(() => w.rig.cm.connect(a)))),
  addr.map((a) => cmd(`addPersistent(${a})`, (w) => operator(() => w.rig.cm.addPersistent(a)))),
  someId.map((id) => cmd(`disconnect(${id})`, (w) => operator(() => w.rig.cm.disconnect(id)))),
  someId.map((id) => cmd(`remove(${id})`, (w) => operator(() => w.rig.cm.remove(id)))),
  fc.integer({ min: 0, max: 3 }).map((n) => cmd(`setTargetOutbound(${n})`, (w) => operator(() => w.rig.cm.setTargetOutbound(n)))),
  fc.nat(20).map((i) =>
    cmd(`dial #${i} succeeds`, async (w) => {
      const open = w.rig.dialer.calls.filter((c) => !c.settled);
      open[i % Math.max(1, open.length)]?.succeed();
    }),
  ),
  fc.tuple(fc.nat(20), fc.constantFrom('ECONNREFUSED', 'EHOSTUNREACH')).map(([i, code]) =>
    cmd(`dial #${i} fails ${code}`, async (w) => {
      const open = w.rig.dialer.calls.filter((c) => !c.settled);
      open[i % Math.max(1, open.length)]?.fail(code);
    }),
  ),
  fc.tuple(fc.nat(20), fc.boolean()).map(([i, reset]) =>
    cmd(`peer ${reset ? 'resets' : 'closes'} socket #${i}`, async (w) => {
      const live = w.rig.dialer.sockets.filter((s) => !s.destroyed);
      const s = live[i % Math.max(1, live.length)];
      if (reset) s?.remoteReset();
      else s?.remoteClose();
    }),
  ),
  // A live connection's host, mostly (the i-th of the list), or an id that may be gone.
  fc.tuple(fc.nat(20), fc.boolean(), fc.nat(3), fc.nat(60)).map(([i, live, p, t]) =>
    cmd(`penalize(${live ? `live #${i}` : i}, ${p * 10}/${t})`, (w) => {
      const list = w.rig.cm.list();
      const id = live && list.length > 0 ? list[i % list.length]!.id : i + 1;
      return operator(() => w.rig.cm.penalize(id, { persistent: p * 10, transient: t, reason: 'model' }));
    }),
  ),
  fc
    .tuple(host, fc.integer({ min: 1, max: 60_000 }))
    .map(([h, ms]) => cmd(`ban(${h}, ${ms} ms)`, (w) => operator(() => w.rig.cm.ban(h, { durationMs: ms, reason: 'model' })))),
  host.map((h) => cmd(`unban(${h})`, (w) => operator(() => w.rig.cm.unban(h)))),
  fc.integer({ min: 1, max: 40_000 }).map((ms) => cmd(`advance ${ms} ms`, (w) => w.rig.clock.advance(ms))),
];

test(`model-based: ${RUNS} random command sequences keep every transition legal and the counts true, and stop() leaves nothing open`, async () => {
  let sequences = 0;
  /** What the runs exercised, so that a generator that never reaches a ban fails the test. */
  const seen = { bannedByScore: 0, closedByBan: 0, expired: 0 };
  await fc.assert(
    fc.asyncProperty(fc.commands(commands, { maxCommands: 60 }), async (cmds) => {
      sequences += 1;
      let n = 0;
      const rig = virtualRig(
        {
          retryDelayMs: 1000,
          maxRetryDelayMs: 8000,
          dialTimeoutMs: 5000,
          maxPersistent: 3,
          banThreshold: 60,
          banDurationMs: 20_000,
          targetOutbound: 1,
          getNewAddress: async () => ADDRS[n++ % ADDRS.length]!,
        },
        new FakeDialer(),
      );
      const w: World = { rig, last: new Map(), ended: new Set() };
      const ids = new Set<number>();
      rig.cm.on('conn:state', (e: ConnStateEvent) => {
        assert.ok(isLegalTransition(e.from, e.to), `#${e.id}: ${e.from} → ${e.to} is not in the state table`);
        if (e.from === null) {
          assert.ok(!ids.has(e.id), `id ${e.id} reused`);
          ids.add(e.id);
        } else assert.equal(w.last.get(e.id), e.from, `#${e.id}: from ${e.from}, but its last state was ${w.last.get(e.id)}`);
        w.last.set(e.id, e.to);
        if (e.to === 'disconnected' || e.to === 'canceled') w.ended.add(e.id);
      });
      rig.cm.on('peer:banned', (e) => {
        if (e.score !== undefined) seen.bannedByScore += 1;
      });
      rig.cm.on('peer:unbanned', (e) => {
        if (e.reason === 'expired') seen.expired += 1;
      });
      rig.cm.on('conn:state', (e) => {
        if (e.reason === 'banned') seen.closedByBan += 1;
      });
      await rig.cm.start();
      try {
        await fc.asyncModelRun(() => ({ model: {}, real: w }), cmds);
      } finally {
        await rig.cm.stop();
      }
      await settle();
      assert.deepEqual(rig.cm.list(), [], 'nothing listed after stop()');
      const open = rig.cm.openResources();
      assert.ok(
        Object.values(open).every((v) => v === 0),
        `open after stop(): ${JSON.stringify(open)}`,
      );
      for (const [id, state] of w.last) assert.ok(!LIVE.has(state), `#${id} still ${state} after stop()`);
    }),
    { numRuns: RUNS },
  );
  assert.equal(sequences >= RUNS, true);
  assert.ok(seen.bannedByScore > 0 && seen.closedByBan > 0 && seen.expired > 0, `bans exercised: ${JSON.stringify(seen)}`);
});
