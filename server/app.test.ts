/**
 * `startApp` as tests and scripts call it in-process: a failure while starting must not leave
 * the manager, lab or bridge running.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startApp } from './app.ts';
import { parseCli } from './cli-options.ts';
import { assertHandlesBackTo, tcpHandleCount } from './connmgr/test-helpers.ts';

const quiet = { warn: () => undefined };

test('a persistent peer the manager refuses fails startApp and leaves nothing running', async () => {
  const baseline = tcpHandleCount();
  const config = parseCli(['--no-lab', '--port', '0', '--static-dir', '/nonexistent']);
  config.persistent = ['127.0.0.1:9', '127.0.0.1:9']; // not through parseCli, which refuses it
  await assert.rejects(startApp(config, quiet), /already a persistent peer/);
  await assertHandlesBackTo(baseline);
});
