/**
 * `startApp` as tests and scripts call it in-process: a failure while starting must not leave
 * the manager, lab or bridge running.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEV_ORIGINS, startApp } from './app.ts';
import { TestClient } from './bridge/testing.ts';
import { parseCli } from './cli-options.ts';
import { assertHandlesBackTo, tcpHandleCount } from './connmgr/test-helpers.ts';
import { quietLogger } from './test-support.ts';

test('a persistent peer the manager refuses fails startApp and leaves nothing running', async () => {
  const baseline = tcpHandleCount();
  const config = parseCli(['--no-lab', '--port', '0', '--static-dir', '/nonexistent']);
  config.persistent = ['127.0.0.1:9', '127.0.0.1:9']; // not through parseCli, which refuses it
  await assert.rejects(startApp(config, quietLogger), /already a persistent peer/);
  await assertHandlesBackTo(baseline);
});

test("the Vite dev server's origins are allowed with --dev only", async (t) => {
  const refused = await startApp(parseCli(['--no-lab', '--port', '0', '--listen', 'none', '--static-dir', '/nonexistent']), quietLogger);
  t.after(() => refused.stop());
  const ws = refused.bridge.wsUrl;
  for (const origin of DEV_ORIGINS) {
    await assert.rejects(TestClient.connect(ws, { origin }), /HTTP 403/, `${origin} without --dev`);
  }
  assert.equal(refused.bridge.stats().upgradesRefused.origin, DEV_ORIGINS.length);

  const dev = await startApp(
    parseCli(['--no-lab', '--port', '0', '--listen', 'none', '--static-dir', '/nonexistent', '--dev']),
    quietLogger,
  );
  t.after(() => dev.stop());
  for (const origin of DEV_ORIGINS) {
    const client = await TestClient.connect(dev.bridge.wsUrl, { origin });
    assert.equal((await client.hello()).canControl, true, origin);
    await client.close();
  }
  await assert.rejects(
    TestClient.connect(dev.bridge.wsUrl, { origin: 'http://localhost:5174' }),
    /HTTP 403/,
    'another port is another app',
  );
});
