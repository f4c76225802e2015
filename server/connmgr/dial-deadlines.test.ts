/**
 * The list of dial deadlines on its own, on the virtual clock: each deadline fires at its exact
 * time, in order, on one timer armed once per stream of dials; settled dials never fire.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DialDeadlines, type Deadline } from './dial-deadlines.ts';
import { FakeClock } from './test-helpers.ts';

interface Dial extends Deadline {
  readonly name: string;
}

function setup() {
  const clock = new FakeClock(0);
  const fired: string[] = [];
  const firedAt: number[] = [];
  const list = new DialDeadlines<Dial>(clock, (d) => {
    fired.push(d.name);
    firedAt.push(clock.now());
  });
  const dial = (name: string, due: number): Dial => {
    const d: Dial = { name, due, prev: undefined, next: undefined, linked: false };
    list.add(d);
    return d;
  };
  return { clock, fired, firedAt, list, dial };
}

test('each deadline fires at its exact time, earliest first, also when added out of order', async () => {
  const { clock, fired, firedAt, list, dial } = setup();
  dial('a', 100);
  dial('c', 300);
  dial('b', 200); // a shorter timeout set live: before the tail
  dial('a2', 100); // the same deadline as `a`: after it
  await clock.advance(99);
  assert.deepEqual(fired, []);
  await clock.advance(1);
  assert.deepEqual(fired, ['a', 'a2']);
  await clock.advance(200);
  assert.deepEqual(fired, ['a', 'a2', 'b', 'c']);
  assert.deepEqual(firedAt, [100, 100, 200, 300]);
  assert.equal(list.size, 0);
});

test('a settled dial never fires; the timer armed for it finds nothing due and is armed for the next one', async () => {
  const { clock, fired, firedAt, list, dial } = setup();
  const a = dial('a', 100);
  dial('b', 250);
  list.remove(a);
  list.remove(a); // twice: nothing more
  assert.equal(list.size, 1);
  await clock.advance(100);
  assert.deepEqual(fired, [], 'the timer fired early, for the removed one');
  await clock.advance(150);
  assert.deepEqual([fired, firedAt], [['b'], [250]]);
});

test('a stream of dials that settle keeps one timer: none is armed per dial', async () => {
  const { clock, list, dial } = setup();
  for (let i = 0; i < 50; i += 1) {
    const d = dial(`d${i}`, clock.now() + 1000);
    await clock.advance(10);
    list.remove(d);
  }
  assert.equal(clock.pendingTimers, 1, 'one timer, armed for the first deadline');
  assert.equal(list.timers, 0, 'and it counts as held only while a dial is pending');
  dial('late', clock.now() + 1000);
  assert.equal(list.timers, 1);
  list.clear();
  assert.deepEqual([clock.pendingTimers, list.size, list.timers], [0, 0, 0]);
});

test('a dial added by a callback (a redial at its timeout) gets its own deadline', async () => {
  const clock = new FakeClock(0);
  const fired: [string, number][] = [];
  const list = new DialDeadlines<Dial>(clock, (d) => {
    fired.push([d.name, clock.now()]);
    if (d.name === 'first') list.add({ name: 'again', due: clock.now() + 100, prev: undefined, next: undefined, linked: false });
  });
  list.add({ name: 'first', due: 50, prev: undefined, next: undefined, linked: false });
  list.add({ name: 'other', due: 120, prev: undefined, next: undefined, linked: false });
  await clock.advance(500);
  assert.deepEqual(fired, [
    ['first', 50],
    ['other', 120],
    ['again', 150],
  ]);
});
