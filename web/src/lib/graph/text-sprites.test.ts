import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpriteCache, spriteKey } from './text-sprites.ts';

test('a label is drawn once however many frames show it; a new colour or ratio is a new bitmap; the cache is bounded', () => {
  const cache = new SpriteCache<{ key: string }>(3);
  const style = { font: '500 12px sans-serif', fill: 'rgb(0,0,0)', halo: 'rgba(255,255,255,0.9)', ratio: 1 };
  for (let frame = 0; frame < 60; frame += 1) cache.get(spriteKey('127.0.0.1:9001', style), () => ({ key: 'a' }));
  assert.equal(cache.made, 1);
  cache.get(spriteKey('127.0.0.1:9001', { ...style, fill: 'rgb(9,9,9)' }), () => ({ key: 'b' }));
  cache.get(spriteKey('127.0.0.1:9001', { ...style, ratio: 2 }), () => ({ key: 'c' }));
  assert.equal(cache.made, 3);
  cache.get(spriteKey('127.0.0.1:9002', style), () => ({ key: 'd' }));
  assert.equal(cache.size, 1, 'full: started over');
});
