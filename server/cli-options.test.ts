import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CliError, LAB_MANAGER_DEFAULTS, REAL_MANAGER_DEFAULTS, isLoopbackHost, parseCli } from './cli-options.ts';

describe('cli flags', () => {
  test('no flags: loopback, port 8787, lab on with its lively defaults', () => {
    const c = parseCli([]);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8787);
    assert.equal(c.lab, true);
    assert.equal(c.seed, 1);
    assert.deepEqual(c.listen, { host: '127.0.0.1', port: 0 });
    assert.deepEqual(c.manager, LAB_MANAGER_DEFAULTS);
    assert.equal(c.token, undefined);
  });

  test('--no-lab switches to the manager defaults for real peers', () => {
    const c = parseCli(['--no-lab', '--persistent', '10.0.0.1:8333', '--persistent', 'Node.example:18444', '--connect', '[::1]:1']);
    assert.equal(c.lab, false);
    assert.deepEqual(c.manager, REAL_MANAGER_DEFAULTS);
    assert.deepEqual(c.persistent, ['10.0.0.1:8333', 'node.example:18444']);
    assert.deepEqual(c.connect, ['[::1]:1']);
  });

  test('manager flags override the defaults', () => {
    const c = parseCli([
      '--target-outbound', '3', '--max-inbound', '5', '--dial-timeout-ms', '700', '--retry-delay-ms', '100',
      '--max-retry-delay-ms', '900', '--backoff', 'exponential', '--inbound-policy', 'pause', '--idle-timeout-ms', '0',
      '--listen', '127.0.0.1:18333', '--seed', '42', '--port', '0', '--token', 's3cret', '--allow-origin', 'http://x:1',
    ]);
    assert.equal(c.manager.targetOutbound, 3);
    assert.equal(c.manager.maxInbound, 5);
    assert.equal(c.manager.dialTimeoutMs, 700);
    assert.equal(c.manager.retryDelayMs, 100);
    assert.equal(c.manager.maxRetryDelayMs, 900);
    assert.equal(c.manager.backoff, 'exponential');
    assert.equal(c.manager.inboundPolicy, 'pause');
    assert.equal(c.manager.idleTimeoutMs, 0);
    assert.deepEqual(c.listen, { host: '127.0.0.1', port: 18333 });
    assert.equal(c.seed, 42);
    assert.equal(c.port, 0);
    assert.equal(c.token, 's3cret');
    assert.deepEqual(c.allowedOrigins, ['http://x:1']);
    assert.equal(parseCli(['--listen', 'none']).listen, null);
  });

  test('bad flags throw a CliError that names the flag', () => {
    const table: Array<[string[], RegExp]> = [
      [['--port', 'abc'], /--port/],
      [['--port', '70000'], /--port/],
      [['--target-outbound', '-1'], /--target-outbound/],
      [['--dial-timeout-ms', '0'], /--dial-timeout-ms/],
      [['--backoff', 'fib'], /--backoff must be one of linear, exponential/],
      [['--inbound-policy', 'drop'], /--inbound-policy/],
      [['--persistent', 'nope'], /--persistent: .*no port/],
      [['--listen', '1.2.3.4:99999'], /--listen/],
      [['--retry-delay-ms', '5000', '--max-retry-delay-ms', '10'], /--max-retry-delay-ms/],
      // The manager would refuse these at start, naming its option instead of the flag.
      [['--max-failed-attempts', '0'], /--max-failed-attempts/],
      [['--persistent', '10.0.0.1:8333', '--persistent', '10.0.0.1:8333'], /--persistent: 10\.0\.0\.1:8333 is given twice/],
      [['--max-persistent', '1', '--persistent', '10.0.0.1:1', '--persistent', '10.0.0.1:2'], /--persistent: 2 peers .*--max-persistent 1/],
      [['--frobnicate'], /frobnicate/],
    ];
    for (const [argv, message] of table) {
      assert.throws(() => parseCli(argv), (err: unknown) => err instanceof CliError && message.test(err.message), argv.join(' '));
    }
  });

  test('loopback detection', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['0.0.0.0', '192.168.1.2', '::', 'example.org']) assert.equal(isLoopbackHost(h), false, h);
  });
});
