import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentTypeOf, resolveStaticPath } from './static-files.ts';

test('resolveStaticPath keeps every request inside the root', () => {
  const root = '/srv/web';
  const cases: [string, string][] = [
    ['/', 'file:/srv/web/index.html'],
    ['/index.html', 'file:/srv/web/index.html'],
    ['/assets/app-1a2b.js', 'file:/srv/web/assets/app-1a2b.js'],
    ['/a%20b.txt', 'file:/srv/web/a b.txt'],
    ['/..%2fsecret', 'forbidden'],
    ['/%2e%2e%2fsecret', 'forbidden'],
    ['/assets/..%2f..%2f..%2fetc%2fpasswd', 'forbidden'],
    ['/.env', 'forbidden'],
    ['/.git/config', 'forbidden'],
    ['/x%00.html', 'bad-request'],
    ['/%E0%A4%A', 'bad-request'],
  ];
  for (const [url, expected] of cases) {
    const r = resolveStaticPath(root, url);
    assert.equal(r.kind === 'file' ? `file:${r.path}` : r.kind, expected, url);
  }
});

test('contentTypeOf', () => {
  assert.equal(contentTypeOf('index.html'), 'text/html; charset=utf-8');
  assert.equal(contentTypeOf('a.JS'), 'text/javascript; charset=utf-8');
  assert.equal(contentTypeOf('a.css'), 'text/css; charset=utf-8');
  assert.equal(contentTypeOf('a.svg'), 'image/svg+xml');
  assert.equal(contentTypeOf('a.woff2'), 'font/woff2');
  assert.equal(contentTypeOf('blob'), 'application/octet-stream');
});
