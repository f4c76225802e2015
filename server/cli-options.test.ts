import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { freePort } from '../e2e/lab-server.ts';
import { LESSON_NAMES } from './protocol/lessons.ts';
import { CliError, LAB_MANAGER_DEFAULTS, REAL_MANAGER_DEFAULTS, HELP, parseCli, readTokenFile } from './cli-options.ts';

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
    assert.equal(c.dev, false, "the dev server's origins are not allowed unless asked for");
    assert.deepEqual(c.allowedOrigins, []);
    assert.equal(c.maxClients, 64);
    assert.equal(c.labScenario, 'lively', 'npm start shows a living network');
    assert.equal(c.logFormat, 'pretty');
    assert.equal(c.logLevel, 'info');
  });

  test('--lab-scenario: lively (default) or quiet; only with the lab', () => {
    assert.equal(parseCli(['--lab-scenario', 'quiet']).labScenario, 'quiet');
    assert.equal(parseCli(['--lab-scenario', 'quiet', '--lab-scenario', 'lively']).labScenario, 'lively', 'the last one wins');
    assert.throws(
      () => parseCli(['--lab-scenario', 'busy']),
      (e: unknown) => e instanceof CliError && /--lab-scenario must be one of quiet, lively, got "busy"/.test(e.message),
    );
    assert.throws(
      () => parseCli(['--no-lab', '--lab-scenario', 'quiet']),
      (e: unknown) => e instanceof CliError && /--lab-scenario is for the lab/.test(e.message),
    );
    assert.match(HELP, /^ {2}--lab-scenario <name> .*\n.*\(lively\)$/m);
  });

  test('--lesson: a lesson name starts it; an unknown one lists the names; lab only, from an empty scene', () => {
    assert.equal(parseCli([]).lesson, undefined);
    assert.equal(parseCli(['--lesson', 'idle-timeout']).lesson, 'idle-timeout');
    assert.throws(
      () => parseCli(['--lesson', 'juggling']),
      (e: unknown) => e instanceof CliError && e.message === `--lesson must be one of ${LESSON_NAMES.join(', ')}, got "juggling"`,
    );
    assert.throws(() => parseCli(['--no-lab', '--lesson', 'duplicates']), /--lesson runs in the lab/);
    assert.throws(() => parseCli(['--lesson', 'duplicates', '--persistent', '127.0.0.1:9']), /drop --persistent and --connect/);
    assert.throws(() => parseCli(['--lesson', 'duplicates', '--connect', '127.0.0.1:9']), /drop --persistent and --connect/);
    assert.match(HELP, /^ {2}--lesson <name> /m);
    for (const name of LESSON_NAMES) assert.ok(HELP.includes(name), `--help names ${name}`);
  });

  test('--time-scale: 1 by default, the offered slow speeds, lab only', () => {
    assert.equal(parseCli([]).timeScale, 1);
    assert.equal(parseCli(['--time-scale', '0.25']).timeScale, 0.25);
    assert.throws(() => parseCli(['--time-scale', '0.3']), /--time-scale must be one of 0.1, 0.25, 0.5, 1, got "0.3"/);
    assert.throws(() => parseCli(['--time-scale', '2']), CliError);
    assert.throws(() => parseCli(['--no-lab', '--time-scale', '0.5']), /--time-scale is for the lab/);
  });

  test('--record names the file the session is written to; none by default', () => {
    assert.equal(parseCli([]).recordFile, undefined);
    assert.equal(parseCli(['--record', 'lesson.ndjson']).recordFile, 'lesson.ndjson');
    assert.throws(() => parseCli(['--record']), CliError);
    assert.match(HELP, /--record <file>/);
  });

  test('--log-format and --log-level', () => {
    const table: Array<[string[], { logFormat: string; logLevel: string }]> = [
      [['--log-format', 'json'], { logFormat: 'json', logLevel: 'info' }],
      [['--log-format', 'pretty', '--log-level', 'debug'], { logFormat: 'pretty', logLevel: 'debug' }],
      [['--log-level', 'trace'], { logFormat: 'pretty', logLevel: 'trace' }],
      [['--log-level', 'warn', '--log-format', 'json'], { logFormat: 'json', logLevel: 'warn' }],
      [['--log-level', 'error'], { logFormat: 'pretty', logLevel: 'error' }],
      [['--log-level', 'fatal'], { logFormat: 'pretty', logLevel: 'fatal' }],
      [['--log-level', 'silent'], { logFormat: 'pretty', logLevel: 'silent' }],
    ];
    for (const [argv, expected] of table) {
      const c = parseCli(argv);
      assert.deepEqual({ logFormat: c.logFormat, logLevel: c.logLevel }, expected, argv.join(' '));
    }
    for (const flag of ['--log-format', '--log-level']) assert.match(HELP, new RegExp(`^  ${flag} `, 'm'), flag);
    assert.match(HELP, /--log-format <f> +pretty \| json/);
    assert.match(HELP, /--log-level <l> +trace \| debug \| info \| warn \| error \| fatal \| silent/);
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
      '--target-outbound',
      '3',
      '--max-inbound',
      '5',
      '--dial-timeout-ms',
      '700',
      '--retry-delay-ms',
      '100',
      '--max-retry-delay-ms',
      '900',
      '--backoff',
      'exponential',
      '--inbound-policy',
      'pause',
      '--idle-timeout-ms',
      '0',
      '--listen',
      '127.0.0.1:18333',
      '--seed',
      '42',
      '--port',
      '0',
      '--token',
      's3cret',
      '--allow-origin',
      'http://x:1',
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
      [['--log-format', 'yaml'], /--log-format must be one of pretty, json, got "yaml"/],
      [['--log-level', 'verbose'], /--log-level must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"/],
      [['--log-level', 'INFO'], /--log-level must be one of/],
    ];
    for (const [argv, message] of table) {
      assert.throws(
        () => parseCli(argv),
        (err: unknown) => err instanceof CliError && message.test(err.message),
        argv.join(' '),
      );
    }
  });
});

describe('inbound admission flags', () => {
  test('loose in the lab, limits against real peers; flags win', () => {
    assert.equal(parseCli([]).manager.maxInboundPerHost, 0);
    assert.equal(parseCli([]).manager.inboundRate, null);
    assert.equal(parseCli(['--no-lab']).manager.maxInboundPerHost, 8);
    assert.deepEqual(parseCli(['--no-lab']).manager.inboundRate, { perSecond: 5, burst: 10 });
    const c = parseCli(['--no-lab', '--max-inbound-per-host', '3', '--inbound-rate', '0.5/4']);
    assert.equal(c.manager.maxInboundPerHost, 3);
    assert.deepEqual(c.manager.inboundRate, { perSecond: 0.5, burst: 4 });
    assert.equal(parseCli(['--no-lab', '--inbound-rate', 'off']).manager.inboundRate, null);
    assert.throws(() => parseCli(['--inbound-rate', '5']), /--inbound-rate must be PER_SECOND\/BURST \(e.g. 5\/10\) or off, got "5"/);
    assert.throws(() => parseCli(['--inbound-rate', '0/3']), /--inbound-rate must be/);
    assert.match(HELP, /--max-inbound-per-host <n>/);
  });

  test('ban flags: 2-minute bans in the lab, a day against real peers; --allow-host takes addresses and CIDR ranges', () => {
    assert.equal(parseCli([]).manager.banDurationMs, 120_000);
    assert.equal(parseCli(['--no-lab']).manager.banDurationMs, 86_400_000);
    const c = parseCli(['--ban-threshold', '40', '--ban-duration-ms', '5000', '--allow-host', '10.0.0.0/8', '--allow-host', '::1']);
    assert.equal(c.manager.banThreshold, 40);
    assert.equal(c.manager.banDurationMs, 5000);
    assert.deepEqual(c.manager.allowHosts, ['10.0.0.0/8', '::1']);
    assert.throws(
      () => parseCli(['--allow-host', '10.0.0.0/33']),
      /--allow-host: allowHosts entry "10.0.0.0\/33" must be an IP address or a CIDR range/,
    );
    assert.throws(() => parseCli(['--ban-threshold', '0']), /--ban-threshold/);
  });
});

describe('address sources', () => {
  test('--dns-seed (repeatable) and --addresses feed automatic outbound with --no-lab', () => {
    const c = parseCli([
      '--no-lab',
      '--dns-seed',
      'seed.example.org:8333',
      '--dns-seed',
      'other.example:18333',
      '--addresses',
      'peers.txt',
    ]);
    assert.deepEqual(c.dnsSeeds, ['seed.example.org:8333', 'other.example:18333']);
    assert.equal(c.addressesFile, 'peers.txt');
    assert.deepEqual(parseCli([]).dnsSeeds, []);
  });
  test('a malformed seed, or a source with the lab, is a clear error', () => {
    assert.throws(() => parseCli(['--no-lab', '--dns-seed', 'seed.example.org']), /--dns-seed must be name:port .*got "seed.example.org"/);
    assert.throws(() => parseCli(['--no-lab', '--dns-seed', 'seed:70000']), /--dns-seed must be name:port/);
    assert.throws(() => parseCli(['--dns-seed', 'seed.example.org:8333']), /add --no-lab \(the lab has its own address book\)/);
    assert.throws(() => parseCli(['--addresses', 'peers.txt']), /add --no-lab/);
    assert.match(HELP, /--dns-seed <name:port>/);
    assert.match(HELP, /--addresses <file>/);
  });
});

describe('environment and token file', () => {
  test('CONNSCOPE_HOST / _PORT / _TOKEN configure the server; a flag wins over its variable', () => {
    const env = { CONNSCOPE_HOST: '127.0.0.2', CONNSCOPE_PORT: '9999', CONNSCOPE_TOKEN: 'from-env' };
    const c = parseCli([], env);
    assert.equal(c.host, '127.0.0.2');
    assert.equal(c.port, 9999);
    assert.equal(c.token, 'from-env');
    assert.equal(c.tokenSource, 'env');
    const f = parseCli(['--host', '127.0.0.3', '--port', '1234', '--token', 'typed'], env);
    assert.deepEqual([f.host, f.port, f.token, f.tokenSource], ['127.0.0.3', 1234, 'typed', 'flag']);
    // A token file also wins over the variable: it is read later, and the variable is not used.
    const t = parseCli(['--token-file', '/run/secret'], env);
    assert.deepEqual([t.token, t.tokenFile, t.tokenSource], [undefined, '/run/secret', 'file']);
    // Empty variables are unset, not values.
    assert.deepEqual(parseCli([], { CONNSCOPE_TOKEN: '', CONNSCOPE_PORT: '' }).token, undefined);
    assert.equal(parseCli([], { CONNSCOPE_PORT: '' }).port, 8787);
  });

  test('a bad variable is named; --token and --token-file together are refused', () => {
    assert.throws(
      () => parseCli([], { CONNSCOPE_PORT: 'http' }),
      (e: Error) => e instanceof CliError && /CONNSCOPE_PORT must be an integer/.test(e.message),
    );
    assert.throws(() => parseCli(['--token', 'a', '--token-file', 'f']), /--token and --token-file: give one of them/);
  });

  test('--version and -v', () => {
    assert.equal(parseCli(['--version']).version, true);
    assert.equal(parseCli(['-v']).version, true);
    assert.equal(parseCli([]).version, false);
  });

  test('readTokenFile: the first line, trimmed; empty, missing or huge files are refused by name; loose permissions warned', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'connscope-token-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'token');
    await writeFile(file, '  s3cret \nignored second line\n', { mode: 0o600 });
    const warnings: string[] = [];
    assert.equal(
      readTokenFile(file, (m) => warnings.push(m)),
      's3cret',
    );
    assert.equal(warnings.length, 0);
    await chmod(file, 0o644);
    readTokenFile(file, (m) => warnings.push(m));
    assert.match(warnings[0] ?? '', /readable by other users \(chmod 600 it\)/);
    await writeFile(join(dir, 'empty'), '\n\n');
    assert.throws(() => readTokenFile(join(dir, 'empty')), /--token-file: .*empty/);
    assert.throws(() => readTokenFile(join(dir, 'missing')), /--token-file: cannot read/);
    assert.throws(() => readTokenFile(dir), /--token-file: .* is not a file/);
    await writeFile(join(dir, 'huge'), 'x'.repeat(10_000));
    assert.throws(() => readTokenFile(join(dir, 'huge')), /larger than 4096 bytes/);
  });

  test('the CLI takes its port from CONNSCOPE_PORT and its token from --token-file, and does not print it; --log-format json: one JSON record a line', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'connscope-token-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'token');
    await writeFile(file, 'file-secret-42\n', { mode: 0o600 });
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--no-lab', '--token-file', file, '--log-format', 'json'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, CONNSCOPE_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => child.kill('SIGKILL'));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Press Ctrl+C')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    assert.match(out, new RegExp(`http://127\\.0\\.0\\.1:${port}/`));
    assert.match(out, /control token: from --token-file/);
    assert.doesNotMatch(out, /file-secret-42/, 'a secret given through a file is not printed');
    // The token is enforced: a WebSocket without it is read-only, with it may control.
    const hello = async (query: string): Promise<{ canControl: boolean }> => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws${query}`);
      const [data] = (await once(ws, 'message')) as [Buffer];
      ws.close();
      return JSON.parse(data.toString()) as { canControl: boolean };
    };
    assert.equal((await hello('')).canControl, false);
    assert.equal((await hello('?token=file-secret-42')).canControl, true);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);
    // Every line is a pino record; the first names the URL as a field too; the stop is one as well.
    const records = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; time: number; msg: string; url?: string; canControl?: boolean });
    assert.ok(
      records.every((r) => typeof r.level === 'number' && typeof r.time === 'number' && typeof r.msg === 'string'),
      out,
    );
    const running = records.find((r) => r.msg.startsWith('connscope is running: '));
    assert.equal(running?.url, `http://127.0.0.1:${port}/`);
    assert.equal(running?.level, 30);
    assert.ok(
      records.some((r) => r.msg === 'SIGTERM: stopping…'),
      out,
    );
    // The two WebSockets above: an access line each (by the time the server stopped, at the latest).
    const sessions = records.filter((r) => r.msg === 'ws session ended');
    assert.deepEqual(sessions.map((r) => r.canControl).sort(), [false, true]);
  });
});
