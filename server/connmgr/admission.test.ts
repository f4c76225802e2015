/**
 * Inbound admission per host on real loopback sockets (README "Inbound admission"): past
 * `maxInboundPerHost` or the host's `inboundRate` bucket, an inbound connection is refused with its
 * own reason — counted in `rejected`, reported by `inbound:rejected` with its rule — and a host's
 * count goes down as its connections end. `allowHosts` pass both.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnManager } from './conn-manager.ts';
import type { ConnManagerOptions } from './options.ts';
import { EventLog, FakeClock, testClient, type TestClient } from './test-helpers.ts';
import { quietLogger, waitFor } from '../test-support.ts';

async function rig(options: ConnManagerOptions) {
  const cm = new ConnManager({ listen: [{ host: '127.0.0.1', port: 0 }], logger: quietLogger, ...options });
  const log = new EventLog(cm);
  await cm.start();
  const port = Number(cm.listeners()[0]!.address.split(':').at(-1));
  const clients: TestClient[] = [];
  const open = async (): Promise<TestClient> => {
    const c = await testClient(port);
    clients.push(c);
    return c;
  };
  const stop = async (): Promise<void> => {
    for (const c of clients) c.destroy();
    await cm.stop();
  };
  return { cm, log, open, stop };
}

test('maxInboundPerHost: the third connection from one host is refused (per-host-limit), and admitted once one ends', async () => {
  const r = await rig({ maxInboundPerHost: 2 });
  try {
    const a = await r.open();
    await r.open();
    await waitFor(() => r.cm.stats().currByType.inbound === 2, 'two admitted');
    const third = await r.open();
    await third.closed$;
    assert.equal(r.cm.stats().rejected['per-host-limit'], 1);
    const refused = r.log.all.filter((e) => e.name === 'inbound:rejected').map((e) => e.event as { reason: string; rule: string });
    assert.deepEqual(
      refused.map((e) => [e.reason, e.rule]),
      [['per-host-limit', 'inbound-per-host-limit']],
    );
    await a.close();
    await waitFor(() => r.cm.stats().currByType.inbound === 1, 'one ended');
    await r.open();
    await waitFor(() => r.cm.stats().currByType.inbound === 2, 'a new one admitted in the freed place');
    assert.equal(r.cm.stats().rejected['per-host-limit'], 1);
  } finally {
    await r.stop();
  }
});

test('inboundRate: a burst at once, then refused (rate-limit) until the host’s bucket refills on the manager’s clock', async () => {
  const clock = new FakeClock();
  const r = await rig({ inboundRate: { perSecond: 1, burst: 2 }, clock });
  try {
    await r.open();
    await r.open();
    await waitFor(() => r.cm.stats().currByType.inbound === 2, 'the burst admitted');
    const third = await r.open();
    await third.closed$;
    assert.equal(r.cm.stats().rejected['rate-limit'], 1);
    await clock.advance(1000);
    await r.open();
    await waitFor(() => r.cm.stats().currByType.inbound === 3, 'one more after a second');
  } finally {
    await r.stop();
  }
});

test('allowHosts pass both limits; a malformed entry or rate is a clear error', async () => {
  const r = await rig({ maxInboundPerHost: 1, inboundRate: { perSecond: 1, burst: 1 }, allowHosts: ['127.0.0.0/8'] });
  try {
    for (let i = 0; i < 4; i++) await r.open();
    await waitFor(() => r.cm.stats().currByType.inbound === 4, 'all four from an allowed host');
    assert.equal(r.cm.stats().rejected['per-host-limit'] + r.cm.stats().rejected['rate-limit'], 0);
  } finally {
    await r.stop();
  }
  assert.throws(() => new ConnManager({ allowHosts: ['10.0.0.0/40'] }), /allowHosts entry "10.0.0.0\/40"/);
  assert.throws(() => new ConnManager({ inboundRate: { perSecond: 0, burst: 1 } }), /option inboundRate must be null or/);
  assert.throws(() => new ConnManager({ maxInboundPerHost: -1 }), /option maxInboundPerHost must be an integer >= 0/);
});
