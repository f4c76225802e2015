import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TOKEN_STORAGE_KEY, adoptToken, splitToken, type TokenEnv } from './token.ts';

function env(search: string, hash = '', stored: Record<string, string> = {}) {
  const storage = new Map(Object.entries(stored));
  const replaced: string[] = [];
  const e: TokenEnv = {
    location: { pathname: '/', search, hash },
    history: { state: { keep: 1 }, replaceState: (_data, _unused, url) => replaced.push(url) },
    storage: {
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, v) => void storage.set(k, v),
      removeItem: (k) => void storage.delete(k),
    },
  };
  return { e, storage, replaced };
}

test('splitToken keeps every other parameter', () => {
  assert.deepEqual(splitToken('?token=s3cret&q=state%3Afailing&sel=3'), {
    present: true,
    token: 's3cret',
    search: '?q=state%3Afailing&sel=3',
  });
  assert.deepEqual(splitToken('?q=x&token=a%20b'), { present: true, token: 'a b', search: '?q=x' });
  assert.deepEqual(splitToken('?token=s3cret'), { present: true, token: 's3cret', search: '' });
  assert.deepEqual(splitToken('?token='), { present: true, token: null, search: '' });
  assert.deepEqual(splitToken('?q=x'), { present: false, token: null, search: '?q=x' });
  assert.deepEqual(splitToken(''), { present: false, token: null, search: '' });
});

test('a token in the URL leaves the address bar (other parameters and the hash stay) and is kept for the tab', () => {
  const { e, storage, replaced } = env('?q=type%3Ainbound&token=s3cret&sel=4', '#log');
  assert.equal(adoptToken(e), 's3cret');
  assert.deepEqual(replaced, ['/?q=type%3Ainbound&sel=4#log']);
  assert.equal(storage.get(TOKEN_STORAGE_KEY), 's3cret');
});

test('after a reload (no token in the URL) the kept token is used, and the URL is left alone', () => {
  const { e, replaced } = env('?q=x', '', { [TOKEN_STORAGE_KEY]: 's3cret' });
  assert.equal(adoptToken(e), 's3cret');
  assert.deepEqual(replaced, []);
  assert.equal(adoptToken(env('').e), null, 'nothing kept, nothing given: read-only');
});

test('a new token replaces the kept one; an empty one forgets it', () => {
  const next = env('?token=new', '', { [TOKEN_STORAGE_KEY]: 'old' });
  assert.equal(adoptToken(next.e), 'new');
  assert.equal(next.storage.get(TOKEN_STORAGE_KEY), 'new');
  const empty = env('?token=&q=x', '', { [TOKEN_STORAGE_KEY]: 'old' });
  assert.equal(adoptToken(empty.e), null);
  assert.equal(empty.storage.has(TOKEN_STORAGE_KEY), false);
  assert.deepEqual(empty.replaced, ['/?q=x']);
});

test('storage that throws: the token still works for this load', () => {
  const { e, replaced } = env('?token=s3cret');
  e.storage = {
    getItem: () => {
      throw new Error('SecurityError');
    },
    setItem: () => {
      throw new Error('QuotaExceededError');
    },
    removeItem: () => undefined,
  };
  assert.equal(adoptToken(e), 's3cret');
  assert.deepEqual(replaced, ['/']);
  assert.equal(adoptToken({ ...e, location: { pathname: '/', search: '', hash: '' } }), null);
});
