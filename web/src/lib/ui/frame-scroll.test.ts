import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bottomScrollTop, FrameScroll } from './frame-scroll.ts';

/** An element whose layout-dependent reads fail the test: the follow scroll must not need them. */
function element() {
  return {
    scrollTop: 0,
    get scrollHeight(): number {
      throw new Error('scrollHeight read: forces layout');
    },
    get clientHeight(): number {
      throw new Error('clientHeight read: forces layout');
    },
  };
}

test('many batches in one frame make one scroll write, to the newest position, with no layout read', () => {
  const el = element();
  const frames: Array<() => void> = [];
  const fs = new FrameScroll(() => el, { request: (cb) => frames.push(cb), cancel: () => undefined });
  for (let rows = 100; rows <= 150; rows += 10) fs.scrollTo(bottomScrollTop(rows, 26, 26, 300));
  assert.equal(frames.length, 1);
  assert.equal(el.scrollTop, 0);
  frames.shift()!();
  assert.equal(fs.writes, 1);
  assert.equal(el.scrollTop, 26 + 150 * 26 - 300);
  // Its scroll event is known as its own, once; the next one is the user's.
  const top = (): number => el.scrollTop;
  assert.equal(fs.ownScroll(top), true);
  assert.equal(fs.ownScroll(top), false);
});

test("a user's scroll in the same frame as our write (one scroll event for both) is the user's", () => {
  const el = element();
  const frames: Array<() => void> = [];
  const fs = new FrameScroll(() => el, { request: (cb) => frames.push(cb), cancel: () => frames.pop() });
  fs.scrollTo(2000);
  frames.shift()!();
  el.scrollTop = 0; // Home, before the browser sent the scroll event of our write
  assert.equal(
    fs.ownScroll(() => el.scrollTop),
    false,
  );
});

test('a cancelled scroll is not made; the bottom of a short list is the top', () => {
  const el = element();
  const frames: Array<() => void> = [];
  const fs = new FrameScroll(() => el, { request: (cb) => frames.push(cb), cancel: () => frames.pop() });
  fs.scrollTo(500);
  fs.cancel();
  assert.equal(frames.length, 0);
  assert.equal(el.scrollTop, 0);
  assert.equal(bottomScrollTop(3, 26, 26, 300), 0);
});

test('scrollNow writes at once, replaces a pending frame write, and its scroll event is known as its own', () => {
  const el = element();
  const frames: Array<() => void> = [];
  const fs = new FrameScroll(() => el, { request: (cb) => frames.push(cb), cancel: () => frames.pop() });
  fs.scrollTo(100);
  fs.scrollNow(300);
  assert.equal(el.scrollTop, 300);
  assert.equal(frames.length, 0, 'the older frame write is dropped');
  assert.equal(
    fs.ownScroll(() => el.scrollTop),
    true,
  );
});
