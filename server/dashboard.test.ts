/** `connscope/dashboard`: options reach the bridge (here: the logger of its access lines). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestClient, capturingLogger, startManager } from './bridge/testing.ts';
import { serveDashboard } from './dashboard.ts';
import { waitFor } from './test-support.ts';

test('serveDashboard passes its logger on: access lines of sessions and refused upgrades', async (t) => {
  const manager = await startManager();
  t.after(() => manager.stop());
  const log = capturingLogger();
  const dashboard = await serveDashboard(manager, { port: 0, staticDir: '/nonexistent', logger: log });
  t.after(() => dashboard.close());
  const wsUrl = `${dashboard.url.replace('http', 'ws')}/ws`;
  await assert.rejects(TestClient.connect(wsUrl, { origin: 'http://evil.example' }), /HTTP 403/);
  const client = await TestClient.connect(wsUrl);
  await client.hello();
  await client.close();
  await waitFor(() => log.records.some((r) => r.message === 'ws session ended'), 'the session line', 5000);
  assert.deepEqual(
    log.records.map((r) => [r.level, r.message, r.fields.origin]),
    [
      ['warn', 'ws upgrade refused', 'http://evil.example'],
      ['info', 'ws session ended', undefined],
    ],
  );
});
