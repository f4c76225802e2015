/**
 * The node's outbox without NATS (publish-queue.ts): sends are injected promises the test settles
 * by hand, so order, window, drops and retries are exact.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitFor } from '../test-support.ts';
import { MAX_DROPPED_RANGES, PublishQueue, type OutItem } from './publish-queue.ts';

interface Pending {
  item: OutItem;
  ok(): void;
  fail(): void;
}

function harness(o: { maxEvents?: number; window?: number } = {}) {
  const sent: Pending[] = [];
  let up = true;
  const queue = new PublishQueue({
    maxEvents: o.maxEvents ?? 100,
    window: o.window ?? 4,
    retryMs: 1,
    canSend: () => up,
    send: (item) =>
      new Promise<void>((resolve, reject) => {
        sent.push({ item, ok: resolve, fail: () => reject(new Error('lost')) });
      }),
  });
  const event = (seq: number): OutItem => ({ subject: 's', msgId: `r:${seq}`, data: `{"seq":${seq}}`, seq });
  const settle = () => new Promise((r) => setImmediate(r));
  return {
    queue,
    sent,
    event,
    settle,
    setUp(v: boolean) {
      up = v;
    },
  };
}

test('sends in order within the window; publishedSeq moves only over a contiguous acked prefix', async () => {
  const h = harness({ window: 3 });
  for (let s = 1; s <= 5; s += 1) h.queue.push(h.event(s));
  assert.deepEqual(
    h.sent.map((p) => p.item.seq),
    [1, 2, 3],
    'three in flight',
  );
  h.sent[1]?.ok(); // 2 acked before 1
  await h.settle();
  assert.equal(h.queue.publishedSeq, 0, '1 is not acked yet');
  assert.deepEqual(
    h.sent.map((p) => p.item.seq),
    [1, 2, 3, 4],
  );
  h.sent[0]?.ok();
  await h.settle();
  assert.equal(h.queue.publishedSeq, 2);
  assert.equal(h.queue.bufferedEvents, 3);
});

test('a full buffer drops the new event, counts it and keeps its seq; ranges merge', async () => {
  const h = harness({ maxEvents: 2, window: 1 });
  h.setUp(false);
  for (let s = 1; s <= 6; s += 1) h.queue.push(h.event(s));
  assert.equal(h.queue.bufferedEvents, 2);
  assert.equal(h.queue.droppedEvents, 4);
  assert.deepEqual(h.queue.dropped, [[3, 6]]);
  assert.equal(h.sent.length, 0, 'nothing sent while down');
  h.setUp(true);
  h.queue.pump();
  h.sent[0]?.ok();
  await h.settle();
  h.sent[1]?.ok();
  await h.settle();
  assert.equal(h.queue.publishedSeq, 6, 'sent or dropped, all of them');
  h.queue.push(h.event(7));
  h.queue.push(h.event(8));
  h.queue.push(h.event(9)); // 7 in flight, 8 waiting: 9 finds it full
  assert.deepEqual(h.queue.dropped, [
    [3, 6],
    [9, 9],
  ]);
});

test('a failed send pauses until the window drains, then resends from the first unacked (same msg id)', async () => {
  const h = harness({ window: 3 });
  for (let s = 1; s <= 3; s += 1) h.queue.push(h.event(s));
  h.sent[0]?.ok();
  h.sent[1]?.fail();
  await h.settle();
  h.queue.push(h.event(4));
  assert.equal(h.sent.length, 3, 'paused: nothing new while 3 is still in flight');
  h.sent[2]?.ok(); // 3 landed although 2 failed
  await waitFor(() => h.sent.length === 5, 'the resend after the pause');
  assert.deepEqual(
    h.sent.slice(3).map((p) => p.item.msgId),
    ['r:2', 'r:4'],
    '2 again, then 4; 3 is not resent',
  );
  h.sent[3]?.ok();
  h.sent[4]?.ok();
  await h.queue.idle();
  assert.equal(h.queue.publishedSeq, 4);
  assert.equal(h.queue.counters().failures, 1);
});

test('dropped ranges are bounded: past the cap the oldest merge, the count stays exact', () => {
  const h = harness({ maxEvents: 1, window: 1 });
  h.setUp(false);
  h.queue.push(h.event(1)); // kept
  for (let i = 0; i < MAX_DROPPED_RANGES + 5; i += 1) h.queue.push(h.event(3 + 2 * i)); // every other seq: separate ranges
  assert.equal(h.queue.dropped.length, MAX_DROPPED_RANGES);
  assert.equal(h.queue.droppedEvents, MAX_DROPPED_RANGES + 5);
  assert.equal(h.queue.dropped.at(-1)?.[1], 3 + 2 * (MAX_DROPPED_RANGES + 4));
});
