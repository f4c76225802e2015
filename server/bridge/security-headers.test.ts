/** Every HTTP response carries the anti-framing and content-security headers. */
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONTENT_SECURITY_POLICY } from './security-headers.ts';
import { startStack } from './testing.ts';

function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('the policy forbids framing and limits scripts, styles and connections to this server', () => {
  const directives = new Map(CONTENT_SECURITY_POLICY.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
  assert.equal(directives.get('frame-ancestors'), "'none'");
  assert.equal(directives.get('default-src'), "'self'");
  assert.equal(directives.get('script-src'), "'self'");
  assert.equal(directives.get('style-src'), "'self'");
  assert.equal(directives.get('connect-src'), "'self'");
  assert.equal(directives.get('object-src'), "'none'");
  assert.equal(directives.get('base-uri'), "'none'");
  assert.doesNotMatch(CONTENT_SECURITY_POLICY, /unsafe-inline|unsafe-eval|\*/);
});

test('CSP, X-Frame-Options and Referrer-Policy on the page, an asset, the API and error responses', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'connscope-headers-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>connscope</title>');
  await writeFile(join(dir, 'assets', 'app-1.js'), 'export {}');
  const stack = await startStack({ staticDir: dir });
  t.after(async () => {
    await stack.stop();
    await rm(dir, { recursive: true, force: true });
  });
  const port = stack.bridge.port;
  const cases: [string, Record<string, string>, number][] = [
    ['/', {}, 200],
    ['/conn/42', {}, 200], // SPA fallback
    ['/assets/app-1.js', {}, 200],
    ['/healthz', {}, 200],
    ['/metrics', {}, 200],
    ['/api/snapshot', {}, 200],
    ['/assets/missing.js', {}, 404],
    ['/.env', {}, 403],
    ['/%E0%A4%A', {}, 400],
    ['/ws', {}, 426],
    ['/', { host: `evil.example:${port}` }, 403],
    ['/', { host: `${'a'.repeat(2000)}.localhost` }, 400],
  ];
  for (const [path, headers, status] of cases) {
    const res = await get(port, path, headers);
    const what = `${path} ${JSON.stringify(headers).slice(0, 40)}`;
    assert.equal(res.status, status, what);
    assert.equal(res.headers['content-security-policy'], CONTENT_SECURITY_POLICY, what);
    assert.equal(res.headers['x-frame-options'], 'DENY', what);
    assert.equal(res.headers['referrer-policy'], 'no-referrer', what);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', what);
  }
});
