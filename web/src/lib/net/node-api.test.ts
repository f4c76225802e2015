import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeApiPath } from './node-api.ts';

test('a single server’s paths are left alone', () => {
  assert.equal(nodeApiPath('/api/snapshot', null), '/api/snapshot');
  assert.equal(nodeApiPath('/api/recording', undefined), '/api/recording');
  assert.equal(nodeApiPath('/api/recording', ''), '/api/recording');
});

test('a fleet node view asks for its node: the snapshot with ?node=, the recording from the stream', () => {
  assert.equal(nodeApiPath('/api/snapshot', 'edge-1'), '/api/snapshot?node=edge-1');
  assert.equal(nodeApiPath('/api/recording', 'edge-1'), '/api/node-recording?node=edge-1');
  assert.equal(nodeApiPath('/api/snapshot?x=1', 'a b'), '/api/snapshot?x=1&node=a%20b');
});
