/**
 * Start-up to `/healthz`: the compiled `connscope` (dist/lib/server/cli.js, lab off) against a
 * plain Node http server answering `/healthz`, both spawned fresh, timed from spawn to the first
 * 200. Needs `node scripts/build.mjs` (suite.ts builds what is stale first).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { packageRoot } from '../../server/package-info.ts';
import { closedPort as freePort, type Side } from './outbound.ts';

const PLAIN = `require('node:http').createServer((q, s) => { s.writeHead(q.url === '/healthz' ? 200 : 404); s.end('ok'); }).listen(Number(process.argv[1]), '127.0.0.1');`;

export const CLI = () => join(packageRoot(), 'dist', 'lib', 'server', 'cli.js');

async function healthy(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Milliseconds from spawn to the first 200 from /healthz (polled every 5 ms). */
export async function startup(side: Side): Promise<{ ms: number }> {
  const port = await freePort();
  const args = side === 'raw' ? ['-e', PLAIN, String(port)] : [CLI(), '--no-lab', '--host', '127.0.0.1', '--port', String(port)];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: packageRoot(), stdio: 'ignore' });
  try {
    const deadline = t0 + 20_000;
    while (!(await healthy(port))) {
      if (performance.now() > deadline || child.exitCode !== null) throw new Error(`${side} never answered /healthz`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return { ms: performance.now() - t0 };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}
