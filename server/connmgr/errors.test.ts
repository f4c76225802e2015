/**
 * The errors of later failures (a dial, a pending request ended) carry what happened in their
 * message, code, sysCode and cause, and no stack frames of the manager's internals.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canceledError, dialError, isConnMgrError } from './errors.ts';

test('a failed dial: message, code, sysCode and cause, a stack of one line, and the stack limit left as it was', () => {
  const limit = Error.stackTraceLimit;
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  const err = dialError('127.0.0.1:1', 'dial-refused', 'ECONNREFUSED', cause, 10_000);
  assert.ok(isConnMgrError(err, 'ERR_DIAL_FAILED'));
  assert.equal(err.message, 'dial to 127.0.0.1:1 failed: ECONNREFUSED (nothing listens there)');
  assert.equal(err.sysCode, 'ECONNREFUSED');
  assert.equal(err.cause, cause);
  assert.equal(err.stack, 'ConnMgrError: dial to 127.0.0.1:1 failed: ECONNREFUSED (nothing listens there)');
  assert.equal(Error.stackTraceLimit, limit);
  assert.ok((new Error('x').stack ?? '').includes('\n    at '), 'other errors keep their frames');
});

test('a timeout and a request ended while pending say so in their code and message', () => {
  assert.ok(isConnMgrError(dialError('h:1', 'dial-timeout', undefined, undefined, 250), 'ERR_DIAL_TIMEOUT'));
  assert.match(dialError('h:1', 'dial-timeout', undefined, undefined, 250).message, /timed out after 250 ms/);
  assert.equal(canceledError('h:1', 'local-remove').message, 'connect to h:1 was removed while pending');
  assert.ok(isConnMgrError(canceledError('h:1', 'banned'), 'ERR_BANNED'));
});
