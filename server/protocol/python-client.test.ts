/**
 * The README's Python watcher, exactly as printed there, against a real server: a third-party
 * client in another language, with no Origin header, follows the protocol as documented. Needs
 * Debian's python3 with python3-websockets (`.ci/run` installs it).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { packageRoot } from '../package-info.ts';
import { startStack, startTcpPeer } from '../bridge/testing.ts';
import { waitFor } from '../test-support.ts';

/** Debian's interpreter: python3-websockets installs for it (a pyenv or venv python would not see it). */
const PYTHON = '/usr/bin/python3';

function readmeWatcher(): string {
  const readme = readFileSync(join(packageRoot(), 'README.md'), 'utf8');
  const match = /<!-- watch\.py[^>]*-->\s*```python\n([\s\S]*?)```/.exec(readme);
  assert.ok(match, 'the README has the watch.py block');
  return match[1]!;
}

test("the README's Python client watches a real server: snapshot, then each transition", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'connscope-py-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'watch.py'), readmeWatcher());
  const peer = await startTcpPeer();
  const stack = await startStack();
  t.after(async () => {
    await stack.stop();
    await peer.close();
  });
  const child = spawn(PYTHON, [join(dir, 'watch.py'), stack.bridge.wsUrl], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  const alive = (): boolean => {
    if (exited !== null) {
      const missing = /No module named 'websockets'|No such file/.test(err) ? ' (install python3-websockets: .ci/run does)' : '';
      throw new Error(`the Python client exited (${exited})${missing}:\n${err}`);
    }
    return true;
  };
  await waitFor(() => alive() && out.includes(`0 connections at seq 0 (run ${stack.bridge.runId})`), 'the hello line', 15_000);
  const info = await stack.manager.connect(peer.addr);
  await waitFor(
    () => alive() && out.includes(`#${info.id} ${peer.addr} pending -> established (dial-succeeded)`),
    'the established line',
    15_000,
  );
  assert.match(out, new RegExp(`#${info.id} ${peer.addr.replace(/\./g, '\\.')} None -> pending \\(requested\\)`));
  stack.manager.disconnect(info.id);
  await waitFor(
    () => alive() && out.includes(`#${info.id} ${peer.addr} established -> disconnected (local-disconnect)`),
    'the disconnected line',
    15_000,
  );
  assert.equal(err, '');
});
