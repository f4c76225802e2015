/**
 * What a user does with the package, outside this checkout: pack it, install the tarball into a
 * fresh project under the system's temp directory (no access to this checkout's sources or
 * node_modules), and there
 *   - run a small service that imports `connscope` + `connscope/dashboard`, exchanges a line of
 *     data over a handed-off socket and serves the dashboard;
 *   - run `npx connscope --version` and `--help`;
 *   - run a Playwright test that imports `connscope/testing`.
 * It needs the npm registry (for the package's own dependencies and @playwright/test, normally
 * from npm's cache) and Chromium, like the rest of `npm test`.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { packageRoot, packageVersion } from '../../server/package-info.ts';

const run = promisify(execFile);
const ROOT = packageRoot();
/** npm install from the registry (or its cache) and a Playwright run: minutes on a slow day, not seconds. */
const STEP_TIMEOUT_MS = 240_000;

/** The environment without the npm variables of the `npm test` that runs us (they would steer the inner npm). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_|^INIT_CWD$/i.test(k)));
}

async function sh(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd, env: cleanEnv(), timeout: STEP_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${e.message}\n--- stdout\n${e.stdout}\n--- stderr\n${e.stderr}`);
  }
}

/** The README's "Use it in your own service" example, exactly as a reader would paste it. */
function readmeService(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const match = /<!-- service\.mjs[^>]*-->\s*```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(match, 'the README has the service.mjs block');
  return match[1]!;
}

const SERVICE = `
import { createServer } from 'node:net';
import { ConnManager } from 'connscope';
import { serveDashboard } from 'connscope/dashboard';

// A peer that speaks a line protocol: "PING n" is answered with "PONG n".
const peer = createServer((socket) => {
  socket.setEncoding('utf8');
  socket.on('error', () => undefined);
  let buffered = '';
  socket.on('data', (chunk) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\\n'); nl >= 0; nl = buffered.indexOf('\\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line.startsWith('PING ')) socket.write('PONG ' + line.slice(5) + '\\n');
    }
  });
});
await new Promise((resolve) => peer.listen(0, '127.0.0.1', resolve));
// A service that gets no answer says so instead of hanging the test.
setTimeout(() => { console.error('no PONG within 20 s'); process.exit(1); }, 20_000).unref();

let answered;
const reply = new Promise((resolve) => (answered = resolve));
const manager = new ConnManager({
  onConnection(conn, socket) {
    socket.setEncoding('utf8');
    socket.once('data', (line) => answered({ id: conn.id, line: line.trim() }));
    socket.write('PING 1\\n');
  },
});
await manager.start();
const dashboard = await serveDashboard(manager, { port: 0 });
await manager.connect('127.0.0.1:' + peer.address().port);
const got = await reply;
const get = async (path) => {
  const res = await fetch(dashboard.url + path);
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
};
const health = JSON.parse((await get('/healthz')).body);
const snapshot = JSON.parse((await get('/api/snapshot')).body).snapshot;
const page = await get('/');
const schema = await get('/protocol.schema.json');
await dashboard.close();
const managerStillRuns = manager.state;
await manager.stop();
peer.close();
console.log(JSON.stringify({
  got,
  health: health.status,
  conn: snapshot.conns.find((c) => c.id === got.id),
  page: { status: page.status, type: page.type, hasApp: page.body.includes('<script') },
  schema: { status: schema.status, title: JSON.parse(schema.body).title },
  managerStillRuns,
}));
`;

const PLAYWRIGHT_CONFIG = `
export default {
  testDir: '.',
  testMatch: /.*\\.spec\\.mjs/,
  workers: 1,
  timeout: 60_000,
  reporter: 'list',
  use: {
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    },
  },
};
`;

const SPEC = `
import { TARGET_OUTBOUND, expect, startServer, test } from 'connscope/testing';

test('the fixtures start a lab server and the page object reads it', async ({ server, dashboard }) => {
  await dashboard.open(server);
  await expect(dashboard.counter('outbound')).toHaveAttribute('data-value', String(TARGET_OUTBOUND));
});

test('startServer gives a URL and a stop()', async ({ page }) => {
  const server = await startServer();
  try {
    const response = await page.goto(server.url);
    expect(response?.status()).toBe(200);
    expect((await server.healthz()).status).toBe('ok');
  } finally {
    await server.stop();
  }
  await expect(fetch(server.url + '/healthz')).rejects.toThrow();
});
`;

describe('the packed package, installed outside the checkout', { timeout: 4 * STEP_TIMEOUT_MS }, () => {
  let dir = '';

  before(async () => {
    await sh(process.execPath, ['scripts/build.mjs', '--if-stale'], ROOT);
    dir = await mkdtemp(join(tmpdir(), 'connscope-outside-'));
    const packed = JSON.parse(await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT)) as Array<{
      filename: string;
    }>;
    const tarball = join(dir, packed[0]!.filename);
    const playwright = (JSON.parse(readFileSync(join(ROOT, 'node_modules/@playwright/test/package.json'), 'utf8')) as { version: string })
      .version;
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'outside', private: true, type: 'module' }));
    await sh('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock', tarball, `@playwright/test@${playwright}`], dir);
  });

  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('installs compiled JavaScript with types, and no TypeScript runtime', () => {
    const pkg = join(dir, 'node_modules', 'connscope');
    assert.ok(existsSync(join(pkg, 'dist/lib/server/index.js')));
    assert.ok(existsSync(join(pkg, 'dist/lib/server/index.d.ts')));
    assert.ok(existsSync(join(pkg, 'dist/web/index.html')), 'the built page ships inside');
    assert.ok(existsSync(join(pkg, 'LICENSE')));
    assert.ok(!existsSync(join(dir, 'node_modules/tsx')), 'tsx is not installed with the package');
    assert.ok(!existsSync(join(dir, 'node_modules/typescript')), 'typescript is not installed with the package');
    assert.ok(!existsSync(join(pkg, 'server')), 'no TypeScript sources in the package');
  });

  test('a service imports connscope and connscope/dashboard, talks over a handed-off socket, serves the page', async () => {
    await writeFile(join(dir, 'service.mjs'), SERVICE);
    const out = JSON.parse((await sh(process.execPath, ['service.mjs'], dir)).trim().split('\n').pop()!) as {
      got: { id: number; line: string };
      health: string;
      conn: { state: string; bytesIn: number; bytesOut: number } | undefined;
      page: { status: number; type: string; hasApp: boolean };
      schema: { status: number; title: string };
      managerStillRuns: string;
    };
    assert.equal(out.got.line, 'PONG 1');
    assert.equal(out.health, 'ok');
    assert.equal(out.conn?.state, 'established');
    assert.ok((out.conn?.bytesOut ?? 0) >= 'PING 1\n'.length, 'the application bytes are counted');
    assert.ok((out.conn?.bytesIn ?? 0) >= 'PONG 1\n'.length);
    assert.deepEqual(out.page, { status: 200, type: 'text/html; charset=utf-8', hasApp: true });
    assert.equal(out.schema.status, 200);
    assert.match(out.schema.title, /connscope wire protocol/);
    assert.equal(out.managerStillRuns, 'running', 'closing the dashboard leaves the manager running');
  });

  test("the README's service example works when pasted", async (t) => {
    await writeFile(join(dir, 'readme-service.mjs'), readmeService());
    const child = spawn(process.execPath, ['readme-service.mjs'], { cwd: dir, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => child.kill('SIGKILL'));
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const ready = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const url = /dashboard: (\S+)/.exec(out)?.[1];
        if (url && out.includes('got PONG 1')) resolve(url);
      });
      child.once('exit', (code) => reject(new Error(`exited (${code}) before it was ready:\n${out}\n${err}`)));
    });
    const url = await ready;
    const { snapshot } = (await (await fetch(`${url}/api/snapshot`)).json()) as {
      snapshot: { conns: Array<{ type: string; state: string; bytesIn: number }> };
    };
    assert.deepEqual(snapshot.conns.map((c) => `${c.type}/${c.state}`).sort(), ['inbound/established', 'manual/established']);
    assert.ok(
      snapshot.conns.every((c) => c.bytesIn >= 'PING 1\n'.length),
      'the application bytes are counted both ways',
    );
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    assert.deepEqual(await exited, [0, null], `a clean exit after SIGINT\n${err}`);
  });

  test('npx connscope --version and --help', async () => {
    assert.equal((await sh('npx', ['--no-install', 'connscope', '--version'], dir)).trim(), `connscope ${packageVersion()}`);
    const help = await sh('npx', ['--no-install', 'connscope', '--help'], dir);
    assert.match(help, /usage: connscope \[flags\]/);
    assert.match(help, /CONNSCOPE_TOKEN/);
  });

  test('a Playwright test imports connscope/testing', async () => {
    await writeFile(join(dir, 'playwright.config.mjs'), PLAYWRIGHT_CONFIG);
    await writeFile(join(dir, 'outside.spec.mjs'), SPEC);
    const out = await sh('npx', ['--no-install', 'playwright', 'test', '--config', 'playwright.config.mjs'], dir);
    assert.match(out, /2 passed/);
  });
});
