import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BAN_HALF_LIFE_MS, BAN_LIFETIME_MS, BanPolicy, BanScore } from './ban-score.ts';

const T = 1_000_000;

test("btcd's numbers: persistent 100 + transient 50 is 150 at once, 125 after one half-life, 100 after seven, transient gone after 30 min", () => {
  const s = new BanScore();
  assert.equal(s.increase(100, 50, T), 150);
  assert.equal(s.value(T), 150);
  assert.equal(s.value(T + BAN_HALF_LIFE_MS), 125);
  assert.equal(s.value(T + 7 * BAN_HALF_LIFE_MS), 100, '50 / 128 = 0.39, rounded down');
  assert.equal(s.value(T + BAN_LIFETIME_MS), 100);
  assert.equal(s.transient(T + BAN_LIFETIME_MS - 1) > 0, true, 'just before the lifetime it still counts (a tiny bit)');
  assert.equal(s.transient(T + BAN_LIFETIME_MS), 0);
});

test('transient penalties add to what is left of the earlier ones', () => {
  const s = new BanScore();
  s.increase(0, 40, T);
  assert.equal(s.increase(0, 40, T + BAN_HALF_LIFE_MS), 60, '20 left + 40');
  assert.equal(s.value(T + 2 * BAN_HALF_LIFE_MS), 30);
});

test('the policy warns at 50, bans at 100 for the ban duration, and the ban ends by itself', () => {
  const p = new BanPolicy({ banDurationMs: 60_000 });
  assert.deepEqual(p.penalize('10.0.0.1', 0, 30, 'garbage', T), { score: 30, warned: false, banned: false });
  assert.deepEqual(p.penalize('10.0.0.1', 0, 30, 'garbage', T), { score: 60, warned: true, banned: false });
  assert.deepEqual(p.penalize('10.0.0.1', 40, 0, 'garbage', T), {
    score: 100,
    warned: false,
    banned: true,
    ban: { host: '10.0.0.1', until: T + 60_000, reason: 'garbage' },
  });
  assert.deepEqual(p.bans(T), [{ host: '10.0.0.1', until: T + 60_000, reason: 'garbage' }]);
  assert.equal(p.isBanned('10.0.0.1', T + 59_999), true);
  assert.equal(p.isBanned('10.0.0.1', T + 60_000), false);
  assert.equal(p.score('10.0.0.1', T + 60_000), 0, 'a ban that ended starts the host afresh');
  assert.deepEqual(p.bans(T + 60_000), []);
});

test('allowHosts (addresses and CIDR ranges) are never banned; unban lifts a ban at once', () => {
  const p = new BanPolicy({ allowHosts: ['127.0.0.0/8', 'fd00::/8', '192.0.2.7'] });
  for (const host of ['127.0.0.5', 'fd00::1', '192.0.2.7']) {
    assert.equal(p.isAllowed(host), true, host);
    assert.equal(p.penalize(host, 500, 0, 'x', T).banned, false, host);
    assert.equal(p.ban(host, 1000, 'manual', T), null);
  }
  assert.equal(p.isAllowed('192.0.2.8'), false);
  assert.ok(p.ban('192.0.2.8', 1000, 'manual', T));
  assert.equal(p.unban('192.0.2.8'), true);
  assert.equal(p.isBanned('192.0.2.8', T), false);
  assert.equal(p.unban('192.0.2.8'), false);
  assert.throws(
    () => new BanPolicy({ allowHosts: ['10.0.0.0/33'] }),
    /allowHosts entry "10.0.0.0\/33" must be an IP address or a CIDR range/,
  );
  assert.throws(() => new BanPolicy({ allowHosts: ['example.org'] }), /allowHosts entry "example.org"/);
});
