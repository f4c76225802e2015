import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CliError, HELP, LAB_MANAGER_DEFAULTS, REAL_MANAGER_DEFAULTS, parseCli } from './cli-options.ts';

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
    assert.equal(c.dev, false, 'the dev server\'s origins are not allowed unless asked for');
    assert.deepEqual(c.allowedOrigins, []);
    assert.equal(c.maxClients, 64);
  });

  test('--dev and --max-clients', () => {
    const table: Array<[string[], { dev: boolean; maxClients: number }]> = [
      [['--dev'], { dev: true, maxClients: 64 }],
      [['--dev', '--host', 'localhost'], { dev: true, maxClients: 64 }],
      [['--dev', '--host', '::ffff:127.0.0.1'], { dev: true, maxClients: 64 }],
      [['--dev', '--host', '[::1]'], { dev: true, maxClients: 64 }],
      [['--max-clients', '1'], { dev: false, maxClients: 1 }],
      [['--max-clients', '500', '--dev'], { dev: true, maxClients: 500 }],
    ];
    for (const [argv, expected] of table) {
      const c = parseCli(argv);
      assert.deepEqual({ dev: c.dev, maxClients: c.maxClients }, expected, argv.join(' '));
    }
    for (const flag of ['--dev', '--max-clients', '--allow-origin']) assert.match(HELP, new RegExp(`^  ${flag} `, 'm'), flag);
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
      [['--max-clients', '0'], /--max-clients must be an integer from 1/],
      [['--max-clients', 'many'], /--max-clients/],
      // The same loopback test as the bridge's: a DNS name that merely starts with 127. is not one.
      [['--dev', '--host', '127.0.0.1.nip.io'], /--dev is for a loopback --host only/],
      [['--dev', '--host', '0.0.0.0'], /--dev is for a loopback --host only/],
      [['--allow-origin', 'ops.example'], /--allow-origin: "ops\.example" is not an http\(s\) origin/],
      [['--allow-origin', 'https://ops.example/app'], /--allow-origin: .*more than an origin/],
    ];
    for (const [argv, message] of table) {
      assert.throws(() => parseCli(argv), (err: unknown) => err instanceof CliError && message.test(err.message), argv.join(' '));
    }
  });
});
