import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConnManager } from './conn-manager.ts';
import { DEFAULTS, resolveOptions, type ConnManagerOptions } from './options.ts';

describe('options', () => {
  test('defaults are the btcd/dcrd values', () => {
    const o = resolveOptions({});
    assert.equal(o.targetOutbound, 8);
    assert.equal(o.dialTimeoutMs, 30_000);
    assert.equal(o.retryDelayMs, 5000);
    assert.equal(o.maxRetryDelayMs, 300_000);
    assert.equal(o.backoff, 'linear');
    assert.equal(o.maxFailedAttempts, 25);
    assert.equal(o.maxPersistent, 8);
    assert.equal(o.maxInbound, 117);
    assert.equal(o.inboundPolicy, 'shed');
    assert.equal(o.idleTimeoutMs, 0);
    assert.equal(o.backlog, 511, "Node's own default");
    assert.deepEqual(o.listen, []);
    assert.equal(o.getNewAddress, undefined);
    assert.equal(DEFAULTS.maxInbound, 117);
  });

  test('an invalid option throws a TypeError naming it, at construction', () => {
    const table: Array<[ConnManagerOptions, RegExp]> = [
      [{ targetOutbound: -1 }, /targetOutbound/],
      [{ targetOutbound: 1.5 }, /targetOutbound/],
      [{ dialTimeoutMs: 0 }, /dialTimeoutMs/],
      [{ retryDelayMs: Number.NaN }, /retryDelayMs/],
      [{ maxRetryDelayMs: 10, retryDelayMs: 100 }, /maxRetryDelayMs/],
      [{ backoff: 'fibonacci' as never }, /backoff/],
      [{ inboundPolicy: 'drop' as never }, /inboundPolicy/],
      [{ maxInbound: -5 }, /maxInbound/],
      [{ backlog: 0 }, /option backlog must be an integer >= 1/],
      [{ backlog: 1.5 }, /backlog/],
      [{ backlog: '64' as never }, /backlog/],
      [{ listen: [{ host: '', port: 1 }] }, /listen\[0\]\.host/],
      [{ listen: [{ host: '127.0.0.1', port: 70000 }] }, /listen\[0\]\.port/],
      [{ dial: 'tcp' as never }, /dial/],
      [{ getNewAddress: {} as never }, /getNewAddress/],
      [{ clock: { now: () => 0 } as never }, /clock\.setTimeout/],
      [{ onConnection: 'handler' as never }, /onConnection/],
    ];
    for (const [options, message] of table) {
      assert.throws(
        () => new ConnManager(options),
        (err: unknown) => err instanceof TypeError && message.test(err.message),
      );
    }
  });

  test('backlog is passed to each listener', async () => {
    const net = await import('node:net');
    const seen: unknown[] = [];
    const listen = net.Server.prototype.listen;
    net.Server.prototype.listen = function (this: import('node:net').Server, ...args: unknown[]) {
      seen.push((args[0] as { backlog?: number }).backlog);
      return (listen as (...a: unknown[]) => import('node:net').Server).apply(this, args);
    } as typeof listen;
    const cm = new ConnManager({ listen: [{ host: '127.0.0.1', port: 0 }], backlog: 64, targetOutbound: 0 });
    try {
      await cm.start();
    } finally {
      net.Server.prototype.listen = listen;
      await cm.stop();
    }
    assert.deepEqual(seen, [64]);
  });
});
