/**
 * The fleet's command line: `--nats`/`--node` and their limits on the live CLI, `connscope fleet`
 * and its flags, and both spawned against a real nats-server — a node publishing under its name
 * and a fleet dashboard listing it (README "Watching a fleet": the three commands).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as v from 'valibot';
import { freePort } from '../../e2e/lab-server.ts';
import { CliError, HELP, parseCli } from '../cli-options.ts';
import { ApiNodesSchema } from '../protocol/index.ts';
import { waitFor } from '../test-support.ts';
import { FLEET_HELP, parseFleetCli } from './fleet-cli.ts';
import { startNats, type TestNats } from './nats-testing.ts';

describe('--nats and --node on the live CLI', () => {
  test('both together, with the buffer and stream limits', () => {
    assert.equal(parseCli([]).nats, undefined);
    assert.deepEqual(parseCli(['--nats', 'nats://127.0.0.1:4222', '--node', 'edge-1']).nats, {
      servers: ['nats://127.0.0.1:4222'],
      node: 'edge-1',
      bufferEvents: 10_000,
      streamMaxAgeMs: 24 * 3_600_000,
      streamMaxBytes: 1024 ** 3,
    });
    const c = parseCli([
      '--nats',
      'nats://a:4222,nats://b:4222',
      '--nats',
      'c:4222',
      '--node',
      'n_2',
      '--nats-buffer',
      '500',
      '--stream-max-age',
      '90m',
      '--stream-max-bytes',
      '64MiB',
    ]).nats;
    assert.deepEqual(c, {
      servers: ['nats://a:4222', 'nats://b:4222', 'c:4222'],
      node: 'n_2',
      bufferEvents: 500,
      streamMaxAgeMs: 90 * 60_000,
      streamMaxBytes: 64 * 1024 ** 2,
    });
    assert.match(HELP, /--nats <url> +publish to NATS JetStream/);
    assert.match(HELP, /connscope fleet --nats <url>/);
  });

  test('refuses a bad name, a lone flag and a bad URL, duration or size, naming the flag', () => {
    const cases: [string[], RegExp][] = [
      [['--nats', 'nats://h:1', '--node', 'a.b'], /--node: node name "a\.b" has "\.": use letters, digits, "_" or "-" only/],
      [['--nats', 'nats://h:1', '--node', 'has space'], /--node: node name "has space" has " "/],
      [['--nats', 'nats://h:1', '--node', 'x'.repeat(65)], /at most 64/],
      [['--nats', 'nats://h:1'], /--nats needs --node NAME/],
      [['--node', 'a'], /--node names this node for a fleet: add --nats/],
      [['--nats-buffer', '5'], /--nats-buffer is for publishing to NATS/],
      [['--nats', 'http://h:1', '--node', 'a'], /--nats must be a NATS server URL/],
      [['--nats', 'nats://h:1', '--node', 'a', '--nats-buffer', '0'], /--nats-buffer must be an integer from 1/],
      [['--nats', 'nats://h:1', '--node', 'a', '--stream-max-age', '10x'], /--stream-max-age must be a duration/],
      [
        ['--nats', 'nats://h:1', '--node', 'a', '--stream-max-bytes', '1KiB'],
        /--stream-max-bytes must be a size of at least 1048576 bytes/,
      ],
    ];
    for (const [argv, message] of cases)
      assert.throws(
        () => parseCli(argv),
        (err: Error) => err instanceof CliError && message.test(err.message),
        argv.join(' '),
      );
  });
});

describe('connscope fleet flags', () => {
  test('--nats is required; the live server’s HTTP flags, health timeouts and stream limits', () => {
    const c = parseFleetCli(['--nats', 'nats://127.0.0.1:4222']);
    assert.deepEqual(
      { servers: c.servers, port: c.port, host: c.host, stale: c.staleAfterMs, gone: c.goneAfterMs, open: c.open },
      { servers: ['nats://127.0.0.1:4222'], port: 8787, host: '127.0.0.1', stale: 5000, gone: 60_000, open: false },
    );
    const d = parseFleetCli(['--nats', 'h:4222', '--stale-after', '2s', '--gone-after', '1m', '--port', '0', '--open'], {
      CONNSCOPE_TOKEN: 't',
    });
    assert.deepEqual(
      { stale: d.staleAfterMs, gone: d.goneAfterMs, port: d.port, open: d.open, token: d.token },
      { stale: 2000, gone: 60_000, port: 0, open: true, token: 't' },
    );
    assert.throws(() => parseFleetCli([]), /which NATS\? \(connscope fleet --nats nats:\/\/HOST:PORT\)/);
    assert.throws(
      () => parseFleetCli(['--nats', 'h:1', '--stale-after', '10s', '--gone-after', '5s']),
      /--gone-after \(5000 ms\) must be longer than --stale-after/,
    );
    assert.throws(() => parseFleetCli(['--nats', 'h:1', '--node', 'a']), /Unknown option '--node'/);
    assert.equal(parseFleetCli(['--help']).help, true);
    for (const flag of ['nats', 'stale-after', 'gone-after', 'stream-max-age', 'stream-max-bytes', 'host', 'port', 'token', 'open']) {
      assert.match(FLEET_HELP, new RegExp(`--${flag}\\b`), `--${flag} is in the help`);
    }
  });
});

describe('the CLI against a real nats-server', () => {
  let nats: TestNats;
  const children: ChildProcess[] = [];
  before(async () => {
    nats = await startNats();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await nats.stop();
  });
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  const run = async (args: string[]): Promise<{ child: ChildProcess; out: () => string }> => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${out}`);
        return out.includes('Press Ctrl+C');
      },
      () => `the CLI to start: ${out}`,
      30_000,
    );
    return { child, out: () => out };
  };

  test('two nodes and a fleet dashboard: listed by name; SIGTERM stops a node cleanly (shown stopped)', async () => {
    const fleetPort = await freePort();
    const a = await run(['--no-lab', '--port', '0', '--nats', nats.url, '--node', 'cli-a']);
    assert.match(a.out(), /fleet: publishing as node "cli-a" to nats:\/\/127\.0\.0\.1:\d+/);
    const b = await run(['--no-lab', '--port', '0', '--nats', nats.url, '--node', 'cli-b']);
    const fleet = await run(['fleet', '--nats', nats.url, '--port', String(fleetPort)]);
    assert.match(fleet.out(), new RegExp(`connscope is running: http://127\\.0\\.0\\.1:${fleetPort}/`));
    const list = async () => v.parse(ApiNodesSchema, await (await fetch(`http://127.0.0.1:${fleetPort}/api/nodes`)).json());
    await waitFor(async () => (await list()).nodes.filter((n) => n.health === 'live').length === 2, 'both nodes live', 15_000);
    assert.deepEqual(
      (await list()).nodes.map((n) => n.node),
      ['cli-a', 'cli-b'],
    );
    const exited = once(a.child, 'exit');
    a.child.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);
    await waitFor(async () => (await list()).nodes.find((n) => n.node === 'cli-a')?.health === 'stopped', 'cli-a stopped', 10_000);
    for (const c of [b.child, fleet.child]) {
      const done = once(c, 'exit');
      c.kill('SIGTERM');
      assert.deepEqual(await done, [0, null]);
    }
  });

  test('a bad node name stops the CLI before anything starts, with exit code 2', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--nats', nats.url, '--node', 'no.dots'], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 2);
    assert.match(err, /connscope: --node: node name "no\.dots" has "\."/);
  });
});
