import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connTitle, describeSegment, describeTransition, laneName, timelineStatus, timelineSummary } from './describe.ts';

const AT = Date.UTC(2025, 2, 4, 12, 3, 4, 123);

describe('describeTransition', () => {
  test('the example from the brief', () => {
    assert.equal(
      describeTransition(
        { seq: 9, at: AT, from: 'pending', to: 'failing', reason: 'dial-refused', code: 'ECONNREFUSED', attempt: 3, retryAt: AT + 15_000 },
        0,
      ),
      '12:03:04.123 pending → failing: dial-refused (ECONNREFUSED), retry 3 in 15 s',
    );
  });
  test('first transition, no code, no retry', () => {
    assert.equal(
      describeTransition({ seq: 1, at: AT, from: null, to: 'pending', reason: 'requested' }, 0),
      '12:03:04.123 new → pending: requested',
    );
  });
  test('attempt without retry time', () => {
    assert.equal(
      describeTransition({ seq: 1, at: AT, from: 'failing', to: 'pending', reason: 'retry', attempt: 2 }, 3_600_000),
      '13:03:04.123 failing → pending: retry, attempt 2',
    );
  });
});

describe('describeSegment', () => {
  test('ongoing, finished and final', () => {
    assert.equal(
      describeSegment({ startMs: AT, endMs: Infinity, state: 'established', seq: 1, index: 0 }, AT + 123_000, 0),
      'established for 2 min 3 s, since 12:03:04.123 (now)',
    );
    assert.equal(
      describeSegment({ startMs: AT, endMs: AT + 1_500, state: 'pending', seq: 1, index: 0 }, 0, 0),
      'pending lasted 1.5 s, since 12:03:04.123',
    );
    assert.equal(describeSegment({ startMs: AT, endMs: AT, state: 'canceled', seq: 1, index: 0 }, 0, 0), 'canceled at 12:03:04.123');
  });
});

describe('names', () => {
  test('laneName', () => {
    assert.equal(
      laneName({ id: 12, type: 'manual', persistent: true, addr: '127.0.0.1:9001', state: 'failing' }),
      '#12 persistent 127.0.0.1:9001, failing',
    );
    assert.equal(
      laneName({ id: 3, type: 'inbound', persistent: false, addr: '10.0.0.2:51000', state: 'established' }),
      '#3 inbound 10.0.0.2:51000, established',
    );
  });
  test('connTitle has no state (tooltips describe a moment in the past)', () => {
    assert.equal(connTitle({ id: 7, type: 'outbound', persistent: false, addr: '10.0.0.1:8333' }), '#7 outbound 10.0.0.1:8333');
  });
  test('timelineSummary', () => {
    assert.equal(timelineSummary(42, true, 0), 'Timeline of 42 connections, following live');
    assert.equal(timelineSummary(42, false, 17), 'Timeline of 42 connections, paused, 17 new events');
    assert.equal(timelineSummary(1, false, 1), 'Timeline of 1 connection, paused, 1 new event');
  });
});

describe('timelineStatus', () => {
  test('live only while following a live model', () => {
    assert.deepEqual(timelineStatus({ following: true, staleSince: null, pausedAt: 0 }, 0), { live: true, text: 'Live' });
    assert.deepEqual(timelineStatus({ following: false, staleSince: null, pausedAt: AT }, 0), { live: false, text: 'Paused at 12:03:04' });
  });
  test('stale wins over following and paused: the picture is frozen at the loss', () => {
    for (const following of [true, false]) {
      assert.deepEqual(timelineStatus({ following, staleSince: AT, pausedAt: AT - 60_000 }, 0), {
        live: false,
        text: 'Stale since 12:03:04',
      });
    }
    assert.equal(timelineSummary(3, true, 0, true), 'Timeline of 3 connections, frozen where the link to the server was lost');
  });
});
