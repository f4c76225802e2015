/**
 * `startApp` as tests and scripts call it in-process: a failure while starting must not leave
 * the manager, lab or bridge running.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEV_ORIGINS, startApp } from './app.ts';
import { TestClient, startTcpPeer } from './bridge/testing.ts';
import { parseCli } from './cli-options.ts';
import { assertHandlesBackTo, tcpHandleCount } from './connmgr/test-helpers.ts';
import { quietLogger, waitFor } from './test-support.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

test('--lesson starts the lesson once the server runs: every client sees it in the lab state', { timeout: 30_000 }, async (t) => {
  const baseline = tcpHandleCount();
  const app = await startApp(parseCli(['--port', '0', '--static-dir', '/nonexistent', '--lesson', 'inbound-flood']), quietLogger);
  t.after(async () => {
    await app.stop();
    await assertHandlesBackTo(baseline);
  });
  const client = await TestClient.connect(app.bridge.wsUrl);
  t.after(() => client.close());
  const lesson = (await client.hello()).lab?.lesson;
  assert.equal(lesson?.name, 'inbound-flood');
  assert.equal(lesson?.step, 1);
  assert.equal(lesson?.stepTitle, 'Policy shed');
  assert.deepEqual(lesson?.rules, ['inbound-accept', 'inbound-limit-shed']);
  // The lesson's scene, not the lab's mix: no lab peer runs (this lesson floods the listener).
  assert.deepEqual(
    app.lab?.state().peers.filter((p) => p.state === 'running'),
    [],
  );
  assert.equal(app.manager.config().maxInbound, 4);
});

test('--no-lab --addresses FILE: automatic outbound dials the peers the file lists', { timeout: 30_000 }, async (t) => {
  const baseline = tcpHandleCount();
  const peers = [await startTcpPeer(), await startTcpPeer()];
  const dir = await mkdtemp(join(tmpdir(), 'connscope-addresses-'));
  const file = join(dir, 'peers.txt');
  await writeFile(file, `# two real peers\n${peers.map((p) => p.addr).join('\n')}\n`);
  const app = await startApp(
    parseCli([
      '--no-lab',
      '--port',
      '0',
      '--static-dir',
      '/nonexistent',
      '--listen',
      'none',
      '--target-outbound',
      '2',
      '--addresses',
      file,
    ]),
    quietLogger,
  );
  t.after(async () => {
    await app.stop();
    for (const p of peers) await p.close();
    await rm(dir, { recursive: true, force: true });
    await assertHandlesBackTo(baseline);
  });
  await waitFor(
    () => app.manager.list().filter((c) => c.type === 'outbound' && c.state === 'established').length === 2,
    'both listed peers dialed',
  );
  assert.deepEqual(
    app.manager
      .list()
      .map((c) => c.addr)
      .sort(),
    peers.map((p) => p.addr).sort(),
  );
  assert.equal(app.manager.config().hasAddressSource, true);
});
