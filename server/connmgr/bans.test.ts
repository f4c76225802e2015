/**
 * The ban score in the manager (README "Ban score", rule 11): penalties on virtual time reproduce
 * btcd's numbers; a ban ends every request and connection of its host, refuses its inbound (real
 * loopback sockets), its dials and its answers from the address source; it ends by itself or by
 * `unban`, each with an event; `allowHosts` are never banned.
 */
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { AddressBook } from '../addresses/address-book.ts';
import { quietLogger, waitFor } from '../test-support.ts';
import { ConnManager } from './conn-manager.ts';
import { isConnMgrError } from './errors.ts';
import type { ConnManagerOptions } from './options.ts';
import {
  EventLog,
  FakeClock,
  type FakeDialer,
  settle,
  stopAndAssertClean,
  testClient,
  virtualRig,
  type VirtualRig,
} from './test-helpers.ts';

const managers: ConnManager[] = [];
afterEach(async () => {
  for (const cm of managers.splice(0)) await stopAndAssertClean(cm);
});

function rig(options: ConnManagerOptions = {}, dialer?: FakeDialer): VirtualRig {
  const r = virtualRig({ retryDelayMs: 1000, ...options }, dialer);
  managers.push(r.cm);
  return r;
}

async function established(r: VirtualRig, addr: string): Promise<number> {
  const p = r.cm.connect(addr);
  r.dialer.last().succeed();
  return (await p).id;
}

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isConnMgrError(err) ? err.code : String(err);
  }
  return undefined;
}

test('btcd’s numbers: persistent 100 + transient 50 = 150 at once, 125 after a half-life, 100 after seven; transient gone after 30 min', async () => {
  // A threshold out of reach, so that the score can be watched without a ban in the way.
  const r = rig({ banThreshold: 1000, banWarnThreshold: 1000 });
  await r.cm.start();
  const id = await established(r, '10.0.0.1:8333');
  assert.deepEqual(r.cm.penalize(id, { persistent: 100, transient: 50, reason: 'test' }), { score: 150, banned: false });
  await r.clock.advance(60_000);
  assert.equal(r.cm.score('10.0.0.1'), 125);
  await r.clock.advance(6 * 60_000);
  assert.equal(r.cm.score('10.0.0.1'), 100, '100 + 50/128 rounded down');
  await r.clock.advance(30 * 60_000 - 7 * 60_000);
  assert.equal(r.cm.score('10.0.0.1'), 100, 'the transient part is ignored after 30 min');
  assert.deepEqual(r.cm.scores(), [{ host: '10.0.0.1', score: 100 }]);
});

test('warn at 50, ban at 100: the event, then every connection of the host closes (banned); others stay', async () => {
  const warnings: string[] = [];
  const r = rig({ banDurationMs: 60_000, logger: { warn: (m: string) => warnings.push(m) } });
  await r.cm.start();
  const a = await established(r, '10.0.0.1:8333');
  const b = await established(r, '10.0.0.1:8334');
  const other = await established(r, '10.0.0.2:8333');
  assert.deepEqual(r.cm.penalize(a, { transient: 30, reason: 'garbage' }), { score: 30, banned: false });
  assert.deepEqual(r.cm.penalize(a, { transient: 30, reason: 'garbage' }), { score: 60, banned: false });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /10\.0\.0\.1 reached ban score 60 \(garbage\); bans at 100/);
  assert.deepEqual(r.cm.penalize(b, { persistent: 40, reason: 'bad header' }), { score: 100, banned: true });
  const banned = r.log.of('peer:banned');
  assert.deepEqual(banned, [{ host: '10.0.0.1', until: r.clock.now() + 60_000, reason: 'bad header', score: 100, at: r.clock.now() }]);
  assert.deepEqual(
    r.log.of('peer:penalized').map((e) => [e.id, e.score, e.warned]),
    [
      [a, 30, false],
      [a, 60, true],
      [b, 100, false],
    ],
  );
  // The ban comes first in the log, then its closes.
  const order = r.log.all.filter(
    (e) => e.name === 'peer:banned' || (e.name === 'conn:state' && (e.event as { reason: string }).reason === 'banned'),
  );
  assert.equal(order[0]!.name, 'peer:banned');
  assert.deepEqual(r.log.path(a).at(-1), 'established>disconnected:banned');
  assert.deepEqual(r.log.path(b).at(-1), 'established>disconnected:banned');
  assert.equal(r.cm.get(other)?.state, 'established');
  assert.deepEqual(r.cm.bans(), [{ host: '10.0.0.1', until: r.clock.now() + 60_000, reason: 'bad header' }]);
  const s = r.cm.stats();
  assert.equal(s.bannedHosts, 1);
  assert.equal(s.totalBans, 1);
  assert.equal(s.disconnects.banned, 2);
});

test('a banned host: connect and addPersistent reject with ERR_BANNED; a pending dial and a waiting persistent entry end', async () => {
  const r = rig();
  await r.cm.start();
  const pending = r.cm.connect('10.0.0.7:1');
  const waiting = r.cm.addPersistent('10.0.0.7:2');
  r.dialer.calls[1]!.fail('ECONNREFUSED'); // the persistent entry now waits for its retry
  await settle();
  assert.equal(r.cm.get(waiting)?.state, 'failing');
  r.cm.ban('10.0.0.7', { reason: 'operator', durationMs: 5000 });
  await assert.rejects(pending, (err) => isConnMgrError(err, 'ERR_BANNED'));
  assert.deepEqual(r.log.path(waiting).at(-1), 'failing>canceled:banned');
  assert.equal(r.cm.list().length, 0);
  await assert.rejects(r.cm.connect('10.0.0.7:3'), /cannot dial 10\.0\.0\.7:3: its host is banned until .* \(operator\)/);
  assert.equal(
    code(() => r.cm.addPersistent('10.0.0.7:4')),
    'ERR_BANNED',
  );
  // Another host is untouched; the ban runs out by itself, with an event, on the manager's clock.
  await r.clock.advance(5000);
  assert.deepEqual(
    r.log.of('peer:unbanned').map((e) => [e.host, e.reason]),
    [['10.0.0.7', 'expired']],
  );
  assert.deepEqual(r.cm.bans(), []);
  assert.equal(r.cm.stats().bannedHosts, 0);
  const again = r.cm.connect('10.0.0.7:3');
  r.dialer.last().succeed();
  assert.equal((await again).state, 'established');
});

test('unban lifts a ban at once and forgets the score; a second unban says there was none', async () => {
  const r = rig();
  await r.cm.start();
  const id = await established(r, '[2001:db8::1]:8333');
  assert.equal(r.cm.penalize(id, { persistent: 100, reason: 'x' }).banned, true);
  assert.deepEqual(
    r.cm.bans().map((b) => b.host),
    ['2001:db8::1'],
  );
  assert.equal(r.cm.unban('[2001:DB8:0::1]'), true, 'any spelling of the host');
  assert.equal(r.cm.unban('2001:db8::1'), false);
  assert.equal(r.cm.score('2001:db8::1'), 0);
  assert.deepEqual(
    r.log.of('peer:unbanned').map((e) => e.reason),
    ['unbanned'],
  );
  assert.equal(r.cm.openResources().timers, 0, 'no expiry timer left for a lifted ban');
});

test('allowHosts are never banned; bad input is a clear error that changes nothing', async () => {
  const r = rig({ allowHosts: ['10.9.0.0/16'] });
  await r.cm.start();
  const id = await established(r, '10.9.1.1:8333');
  assert.deepEqual(r.cm.penalize(id, { persistent: 500, reason: 'x' }), { score: 500, banned: false });
  assert.equal(r.cm.get(id)?.state, 'established');
  assert.equal(
    code(() => r.cm.ban('10.9.2.2')),
    'ERR_INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => r.cm.ban('10.0.0.1:80')),
    'ERR_INVALID_ADDRESS',
  );
  assert.equal(
    code(() => r.cm.ban('not a host!')),
    'ERR_INVALID_ADDRESS',
  );
  assert.equal(
    code(() => r.cm.ban('10.0.0.1', { durationMs: 0 })),
    'ERR_INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => r.cm.penalize(id, { transient: -1, reason: 'x' })),
    'ERR_INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => r.cm.penalize(id, { transient: 1, reason: '' })),
    'ERR_INVALID_ARGUMENT',
  );
  assert.equal(
    code(() => r.cm.penalize(999, { transient: 1, reason: 'x' })),
    'ERR_NOT_FOUND',
  );
  assert.deepEqual(r.cm.bans(), []);
  assert.equal(r.cm.score('10.9.1.1'), 500, 'only the valid penalty counted');
  assert.throws(
    () => new ConnManager({ banWarnThreshold: 200, banThreshold: 100 }),
    /banWarnThreshold \(200\) must be <= banThreshold \(100\)/,
  );
});

test('automatic outbound skips the address source’s banned answers; an AddressBook given to the manager never hands them out', async () => {
  const answers = ['10.0.0.5:1', '10.0.0.6:1', '10.0.0.5:2', '10.0.0.7:1'];
  const r = rig({ targetOutbound: 0, getNewAddress: async () => answers.shift() ?? '10.0.0.8:1' });
  await r.cm.start();
  r.cm.ban('10.0.0.5');
  r.cm.setTargetOutbound(2);
  await waitFor(() => r.dialer.calls.length >= 2, 'two automatic dials');
  assert.deepEqual(
    r.dialer.calls.map((c) => c.addr),
    ['10.0.0.6:1', '10.0.0.7:1'],
  );

  const book = new AddressBook({ logger: quietLogger });
  book.add('10.0.1.1:1');
  book.add('10.0.1.2:1');
  const r2 = rig({ addressBook: book, targetOutbound: 0 });
  await r2.cm.start();
  r2.cm.ban('10.0.1.1');
  for (let i = 0; i < 5; i++) {
    const addr = await book.getNewAddress();
    assert.equal(addr, '10.0.1.2:1');
    book.markClosed(addr);
  }
  r2.cm.unban('10.0.1.1');
  const seen = new Set([await book.getNewAddress(), await book.getNewAddress()]);
  assert.ok(seen.has('10.0.1.1:1'), 'handed out again once unbanned');
});

test('real sockets: inbound from a banned host is refused (banned, inbound-banned) and counted; an allowed host is not', async () => {
  const cm = new ConnManager({ listen: [{ host: '127.0.0.1', port: 0 }], logger: quietLogger, targetOutbound: 0 });
  managers.push(cm);
  const log = new EventLog(cm);
  await cm.start();
  const port = Number(cm.listeners()[0]!.address.split(':').at(-1));
  const first = await testClient(port);
  await waitFor(() => cm.stats().currByType.inbound === 1, 'admitted');
  cm.ban('127.0.0.1', { reason: 'flood' });
  await first.closed$;
  assert.deepEqual(log.path(cm.stats().totalAccepted).at(-1), 'established>disconnected:banned');
  const second = await testClient(port);
  await second.closed$;
  const rejected = log.of('inbound:rejected');
  assert.deepEqual(
    rejected.map((e) => [e.reason, e.rule]),
    [['banned', 'inbound-banned']],
  );
  assert.equal(cm.stats().rejected.banned, 1);
  assert.equal(cm.stats().currByType.inbound, 0);

  const allowed = new ConnManager({
    listen: [{ host: '127.0.0.1', port: 0 }],
    logger: quietLogger,
    targetOutbound: 0,
    allowHosts: ['127.0.0.0/8'],
  });
  managers.push(allowed);
  await allowed.start();
  assert.equal(
    code(() => allowed.ban('127.0.0.1')),
    'ERR_INVALID_ARGUMENT',
  );
  const c = await testClient(Number(allowed.listeners()[0]!.address.split(':').at(-1)));
  await waitFor(() => allowed.stats().currByType.inbound === 1, 'an allowed host is admitted');
  c.destroy();
});

test('a ban’s event says its whole duration even when the clock moves between reads (until − at = durationMs)', async () => {
  // A busy loop: every read of the clock is a millisecond later than the one before.
  const base = new FakeClock();
  let reads = 0;
  const clock = { now: () => base.now() + reads++, setTimeout: base.setTimeout.bind(base), clearTimeout: base.clearTimeout.bind(base) };
  const cm = new ConnManager({ targetOutbound: 0, logger: quietLogger, clock, banDurationMs: 120_000 });
  managers.push(cm);
  const log = new EventLog(cm);
  await cm.start();
  cm.ban('10.0.0.9', { reason: 'by hand' });
  const [byHand] = log.of('peer:banned');
  assert.equal(byHand!.until - byHand!.at, 120_000);
  cm.ban('10.0.0.8', { durationMs: 5000 });
  assert.equal(log.of('peer:banned')[1]!.until - log.of('peer:banned')[1]!.at, 5000);
});
