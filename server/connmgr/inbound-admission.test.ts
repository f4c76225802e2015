import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InboundAdmission, MAX_TRACKED_HOSTS } from './inbound-admission.ts';

function rig(o: { max?: number; rate?: { perSecond: number; burst: number } | null; allowed?: string[] } = {}) {
  let t = 0;
  const a = new InboundAdmission({
    maxInboundPerHost: o.max ?? 1000,
    inboundRate: o.rate ?? null,
    isAllowed: (h) => (o.allowed ?? []).includes(h),
    now: () => t,
  });
  return { a, advance: (ms: number) => (t += ms) };
}

test('a host is an IPv4 address or an IPv6 /64 (an IPv4-mapped address counts as its IPv4)', () => {
  assert.equal(InboundAdmission.hostKey('10.1.2.3'), '10.1.2.3');
  assert.equal(InboundAdmission.hostKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(InboundAdmission.hostKey('2001:db8:1:2:bbbb:cccc:dddd:eeee'), '2001:db8:1:2::/64');
  assert.equal(InboundAdmission.hostKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(InboundAdmission.hostKey('::1'), '0:0:0:0::/64');
  assert.equal(InboundAdmission.hostKey('::ffff:10.0.0.9'), '10.0.0.9');
});

test('maxInboundPerHost: the host’s next connection is refused until one of its connections ends', () => {
  const { a } = rig({ max: 2 });
  assert.equal(a.admit('10.0.0.1'), null);
  assert.equal(a.admit('10.0.0.1'), null);
  assert.equal(a.admit('10.0.0.1'), 'per-host-limit');
  assert.equal(a.admit('10.0.0.2'), null, 'another host is counted apart');
  // Two addresses of one /64 are one host.
  const v6 = rig({ max: 1 }).a;
  assert.equal(v6.admit('2001:db8::1'), null);
  assert.equal(v6.admit('2001:db8::2'), 'per-host-limit');
  a.release('10.0.0.1');
  assert.equal(a.liveFrom('10.0.0.1'), 1);
  assert.equal(a.admit('10.0.0.1'), null);
});

test('inboundRate: a burst at once, then perSecond; a refusal takes no token and no slot', () => {
  const { a, advance } = rig({ rate: { perSecond: 2, burst: 3 } });
  const results = Array.from({ length: 5 }, () => a.admit('10.0.0.1'));
  assert.deepEqual(results, [null, null, null, 'rate-limit', 'rate-limit']);
  assert.equal(a.liveFrom('10.0.0.1'), 3);
  advance(499);
  assert.equal(a.admit('10.0.0.1'), 'rate-limit');
  advance(1);
  assert.equal(a.admit('10.0.0.1'), null, 'one token after 500 ms at 2/s');
  assert.equal(a.admit('10.0.0.2'), null, 'each host has its own bucket');
});

test('allowHosts pass both checks; the table of hosts stays bounded under a scan', () => {
  const { a } = rig({ max: 1, rate: { perSecond: 1, burst: 1 }, allowed: ['127.0.0.1'] });
  for (let i = 0; i < 5; i++) assert.equal(a.admit('127.0.0.1'), null);
  for (let i = 0; i < MAX_TRACKED_HOSTS + 500; i++) {
    const host = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    a.admit(host);
    a.release(host);
  }
  assert.ok(a.trackedHosts <= MAX_TRACKED_HOSTS, `${a.trackedHosts} hosts tracked`);
});
