import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectPageMode, pageModeOf } from './page-mode.ts';

test('pageModeOf: only a /healthz saying mode "fleet" is the fleet page', () => {
  assert.equal(pageModeOf({ status: 'ok', mode: 'fleet', nats: { connected: true }, nodes: 3 }), 'fleet');
  for (const body of [{ status: 'ok', managerState: 'running' }, { mode: 'live' }, { mode: 'FLEET' }, null, 'fleet', 7, []]) {
    assert.equal(pageModeOf(body), 'live', JSON.stringify(body));
  }
});

test('detectPageMode: asks /healthz; a failed request is the ordinary page', async () => {
  const asked: string[] = [];
  assert.equal(
    await detectPageMode(async (path) => {
      asked.push(path);
      return { mode: 'fleet' };
    }),
    'fleet',
  );
  assert.deepEqual(asked, ['/healthz']);
  assert.equal(
    await detectPageMode(async () => {
      throw new Error('404');
    }),
    'live',
  );
});
