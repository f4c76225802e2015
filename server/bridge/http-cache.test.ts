/**
 * Static files served like a real web server: precompressed variants by Accept-Encoding, ETag and
 * 304, caching by kind — the rules table-tested, then end to end on a real bridge over a directory
 * precompressed by the build's own step.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { test } from 'node:test';
import { acceptsCoding, chooseCoding, etagOf, noneMatchHits, type Coding } from './http-cache.ts';
import { startStack } from './testing.ts';

test('acceptsCoding follows q-values and the wildcard; no header means identity only', () => {
  const table: Array<[string | undefined, string, boolean]> = [
    ['gzip, deflate, br, zstd', 'br', true],
    ['gzip, deflate, br', 'gzip', true],
    ['gzip', 'br', false],
    ['br;q=0, gzip', 'br', false],
    ['BR;Q=0.5', 'br', true],
    ['*', 'br', true],
    ['*;q=0, gzip', 'br', false],
    ['br;q=0, *', 'br', false],
    ['identity', 'gzip', false],
    ['', 'gzip', false],
    [undefined, 'gzip', false],
    ['gzip;q=abc', 'gzip', false],
    [`${'x,'.repeat(600)}br`, 'br', false], // an absurd header counts as absent
  ];
  for (const [header, coding, expected] of table) assert.equal(acceptsCoding(header, coding), expected, `${header} / ${coding}`);
});

test('chooseCoding prefers br, then gzip, among the variants that exist', () => {
  const both = new Set<Coding>(['br', 'gzip']);
  assert.equal(chooseCoding('gzip, br', both), 'br');
  assert.equal(chooseCoding('gzip', both), 'gzip');
  assert.equal(chooseCoding('br', new Set<Coding>(['gzip'])), undefined);
  assert.equal(chooseCoding('gzip, br', new Set<Coding>()), undefined);
  assert.equal(chooseCoding(undefined, both), undefined);
});

test('etagOf differs per variant; noneMatchHits compares weakly, takes lists and *', () => {
  const plain = etagOf(1234, 1_700_000_000_123.7, undefined);
  const br = etagOf(1234, 1_700_000_000_123.7, 'br');
  assert.notEqual(plain, br);
  assert.match(plain, /^"[0-9a-z]+-[0-9a-z]+"$/);
  assert.equal(noneMatchHits(plain, plain), true);
  assert.equal(noneMatchHits(`W/${plain}`, plain), true);
  assert.equal(noneMatchHits(`"x", ${br}`, br), true);
  assert.equal(noneMatchHits('*', br), true);
  assert.equal(noneMatchHits(plain, br), false);
  assert.equal(noneMatchHits(undefined, br), false);
});

const run = promisify(execFile);
const PRECOMPRESS = fileURLToPath(new URL('../../scripts/precompress.mjs', import.meta.url));

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a real bridge serves br or gzip by Accept-Encoding, with ETag, 304 and caching by kind', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'connscope-static-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const script = `console.log(${JSON.stringify('connscope '.repeat(400))});\n`;
  const page = `<!doctype html><title>x</title>${'<p>hello</p>'.repeat(100)}`;
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'assets', 'app-1a2b.js'), script);
  await writeFile(join(dir, 'index.html'), page);
  await writeFile(join(dir, 'tiny.txt'), 'small'); // below the size worth compressing
  await run(process.execPath, [PRECOMPRESS, dir]);
  const stack = await startStack({ staticDir: dir });
  t.after(() => stack.stop());
  const base = stack.bridge.url;

  const br = await get(`${base}/assets/app-1a2b.js`, { 'accept-encoding': 'gzip, deflate, br' });
  assert.equal(br.status, 200);
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(br.headers.vary, 'Accept-Encoding');
  assert.equal(br.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.equal(br.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(Number(br.headers['content-length']), br.body.length);
  assert.ok(br.body.length < script.length / 5, `brotli shrinks it (${br.body.length} of ${script.length} bytes)`);
  assert.equal(brotliDecompressSync(br.body).toString(), script);

  const gz = await get(`${base}/assets/app-1a2b.js`, { 'accept-encoding': 'gzip' });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.equal(gunzipSync(gz.body).toString(), script);
  assert.notEqual(gz.headers.etag, br.headers.etag, 'each variant has its own ETag');

  const plain = await get(`${base}/assets/app-1a2b.js`);
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.body.toString(), script);

  // Revalidation: the ETag a client holds gives 304 with no body, for that variant only.
  const again = await get(`${base}/assets/app-1a2b.js`, { 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) });
  assert.equal(again.status, 304);
  assert.equal(again.body.length, 0);
  assert.equal(again.headers.etag, br.headers.etag);
  const otherVariant = await get(`${base}/assets/app-1a2b.js`, { 'accept-encoding': 'gzip', 'if-none-match': String(br.headers.etag) });
  assert.equal(otherVariant.status, 200);

  // The page shell: compressed too, but revalidated on every use (a new build shows at once);
  // the SPA fallback is the same representation.
  const index = await get(`${base}/`, { 'accept-encoding': 'br' });
  assert.equal(index.headers['cache-control'], 'no-cache');
  assert.equal(index.headers['content-encoding'], 'br');
  assert.equal(brotliDecompressSync(index.body).toString(), page);
  const route = await get(`${base}/some/route`, { 'accept-encoding': 'br', 'if-none-match': String(index.headers.etag) });
  assert.equal(route.status, 304);
  assert.ok(String(route.headers['content-security-policy']).includes("frame-ancestors 'none'"), 'security headers on a 304 too');

  // HEAD: the same headers, no body. A file with no compressed copy: identity, no Vary.
  const head = await get(`${base}/assets/app-1a2b.js`, { 'accept-encoding': 'br' }, 'HEAD');
  assert.equal(head.headers['content-length'], br.headers['content-length']);
  assert.equal(head.body.length, 0);
  const tiny = await get(`${base}/tiny.txt`, { 'accept-encoding': 'br, gzip' });
  assert.equal(tiny.headers['content-encoding'], undefined);
  assert.equal(tiny.headers.vary, undefined);
  assert.equal(tiny.body.toString(), 'small');
  assert.equal(await readFile(join(dir, 'tiny.txt.br')).catch(() => 'absent'), 'absent');
});
