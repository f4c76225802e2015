/**
 * The README's "Use it in your own service" example, run as a user would run it (a child process
 * with `node --import tsx`), so that it cannot rot: it must print its whole conversation and exit
 * by itself — which it only does if `stop()` left nothing open.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const root = fileURLToPath(new URL('../../', import.meta.url));

test('examples/line-protocol.ts: a PING/PONG line protocol over handed-off sockets, then app-closed and a clean stop', async () => {
  const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'examples/line-protocol.ts'], { cwd: root, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
  assert.equal(stderr, '');
  assert.equal(
    stdout,
    ['#1 got PONG 1', '#1 got PONG 2', '#1 got PONG 3', '#1 21 bytes out, 21 bytes in', '#1 closed: app-closed', 'stopped', ''].join('\n'),
  );
  assert.equal(code, 0);
});
