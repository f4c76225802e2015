/**
 * `connscope replay FILE`: its flags, the loader's errors (file, line and why), and the CLI itself
 * spawned twice — a bad file exits 1 with the message before anything listens; a good one serves
 * the recording until SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../../e2e/lab-server.ts';
import { recordSession } from '../bridge/recorded-session.ts';
import { CliError, HELP, SERVER_FLAGS } from '../cli-options.ts';
import { RecordingFileError, loadRecording } from './load.ts';
import { REPLAY_HELP, parseReplayCli } from './replay-cli.ts';

let dir: string;
let lines: string[];
const file = (name: string): string => join(dir, name);

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'connscope-replay-cli-'));
  lines = (await recordSession()).text.trimEnd().split('\n');
  await writeFile(file('good.ndjson'), `${lines.join('\n')}\n`);
});
after(() => rm(dir, { recursive: true, force: true }));

describe('parseReplayCli', () => {
  test('the file and the live server’s HTTP flags, with the same defaults and variables', () => {
    const c = parseReplayCli(['s.ndjson'], {});
    assert.deepEqual(
      { file: c.file, host: c.host, port: c.port, open: c.open, maxClients: c.maxClients, token: c.token },
      { file: 's.ndjson', host: '127.0.0.1', port: 8787, open: false, maxClients: 64, token: undefined },
    );
    const d = parseReplayCli(['--port', '0', 's.ndjson', '--open', '--host', '::1', '--allow-origin', 'https://a.example'], {
      CONNSCOPE_TOKEN: 'from-env',
    });
    assert.deepEqual(
      { file: d.file, host: d.host, port: d.port, open: d.open, token: d.token, tokenSource: d.tokenSource, origins: d.allowedOrigins },
      { file: 's.ndjson', host: '::1', port: 0, open: true, token: 'from-env', tokenSource: 'env', origins: ['https://a.example'] },
    );
    assert.equal(parseReplayCli(['s.ndjson'], { CONNSCOPE_PORT: '9000' }).port, 9000);
    assert.equal(parseReplayCli(['--help']).help, true);
    assert.match(REPLAY_HELP, /usage: connscope replay <file>/);
    for (const flag of [...Object.keys(SERVER_FLAGS).filter((f) => f !== 'version'), 'open']) {
      assert.match(REPLAY_HELP, new RegExp(`--${flag}\\b`), `--${flag} is in the help`);
    }
    assert.match(HELP, /connscope replay <file> +serve a recording read-only/, 'the live help points at the subcommand');
  });

  test('refuses what the live server refuses, and no file, two files or live-only flags', () => {
    const cases: [string[], RegExp][] = [
      [[], /which recording\? \(connscope replay FILE\)/],
      [['a.ndjson', 'b.ndjson'], /replay takes one file, got 2/],
      [['a.ndjson', '--port', '70000'], /--port must be an integer from 0 to 65535/],
      [['a.ndjson', '--dev', '--host', '0.0.0.0'], /--dev is for a loopback --host only/],
      [['a.ndjson', '--no-lab'], /Unknown option '--no-lab'/],
      [['a.ndjson', '--token', 'x', '--token-file', 'y'], /give one of them/],
    ];
    for (const [argv, message] of cases) {
      assert.throws(
        () => parseReplayCli(argv),
        (err: unknown) => err instanceof CliError && message.test(err.message),
        argv.join(' '),
      );
    }
  });
});

describe('loadRecording', () => {
  /** The error `loadRecording` rejects with, for a file holding `text` (or a path as it is). */
  async function failure(text: string | undefined, name = 'bad.ndjson'): Promise<RecordingFileError> {
    if (text !== undefined) await writeFile(file(name), text);
    const err = await loadRecording(file(name)).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof RecordingFileError, String(err));
    return err;
  }

  test('a good file: its recording, its bytes and its name', async () => {
    const loaded = await loadRecording(file('good.ndjson'));
    assert.equal(loaded.file, 'good.ndjson');
    assert.equal(loaded.bytes.toString('utf8'), `${lines.join('\n')}\n`);
    assert.equal(loaded.recording.events.length, lines.filter((l) => l.includes('"kind"')).length);
  });

  test('missing file, a directory, not a recording, another version, a cut-off line: file, line and why', async () => {
    assert.equal((await failure(undefined, 'nothing-here.ndjson')).message, `cannot read ${file('nothing-here.ndjson')}: no such file`);
    assert.equal((await failure(undefined, '.')).message, `cannot read ${join(dir, '.')}: it is a directory`);
    const notOne = await failure('{"hello":1}\n');
    assert.equal(
      notOne.message,
      `${file('bad.ndjson')}: line 1: not a connscope recording (its first line must be a "connscope-recording" header)`,
    );
    assert.equal(notOne.line, 1);
    const header = JSON.parse(lines[0]!) as Record<string, unknown>;
    const v2 = await failure(`${[JSON.stringify({ ...header, version: 2, app: 'connscope 9.0.0' }), ...lines.slice(1)].join('\n')}\n`);
    assert.match(
      v2.message,
      /: line 1: this recording is format version 2 \(written by connscope 9\.0\.0\); this connscope reads version 1/,
    );
    const cut = await failure(lines.join('\n').slice(0, -7));
    assert.equal(cut.line, lines.length);
    assert.match(cut.message, new RegExp(`: line ${lines.length}: the last line is cut off`));
  });
});

describe('the replay CLI', () => {
  const cwd = fileURLToPath(new URL('../..', import.meta.url));
  const run = (args: string[]) =>
    spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'replay', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

  test('a bad file exits 1 with the file, line and reason on stderr, and nothing starts', async () => {
    const bad = file('cut.ndjson');
    await writeFile(bad, lines.join('\n').slice(0, -7));
    const child = run([bad, '--port', '0']);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    assert.equal(code, 1);
    assert.equal(
      err,
      `connscope replay: ${bad}: line ${lines.length}: the last line is cut off (was the recording still being written?)\n`,
    );
    assert.equal(out, '', 'no server, no log line');
  });

  test('a good file is served: the URL is printed, /healthz says replay, SIGTERM stops it', async (t) => {
    const port = await freePort();
    const child = run([file('good.ndjson'), '--port', String(port), '--log-format', 'json']);
    t.after(() => child.kill('SIGKILL'));
    let out = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Press Ctrl+C')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    assert.match(out, new RegExp(`connscope is running: http://127\\.0\\.0\\.1:${port}/`));
    assert.match(out, /replaying good\.ndjson \(read-only\): events \d+–\d+ of run /);
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { mode: string; seq: number };
    assert.equal(health.mode, 'replay');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    assert.deepEqual(await exited, [0, null]);
  });
});
