import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_ZOOM, toWorld, type Transform } from './view.ts';
import { nudgeIntoView, REVEAL_MARGIN, Viewport } from './viewport.ts';

const FIT: Transform = { k: 0.5, x: 400, y: 300 };
const nowhere = (): undefined => undefined;

function sized(): Viewport {
  const v = new Viewport();
  v.resize(800, 600);
  return v;
}

test('auto-fit eases towards the fit every frame and reports moving until it arrives', () => {
  const v = sized();
  let frames = 0;
  while (v.update(() => FIT, nowhere, false)) {
    frames++;
    assert.ok(frames < 200, 'converges');
  }
  assert.ok(frames > 3, `eased over ${frames} frames, not a jump`);
  assert.deepEqual(v.transform, FIT);
});

test('snap (reduced motion, first layout) goes straight to the fit', () => {
  const v = sized();
  assert.equal(
    v.update(() => FIT, nowhere, true),
    false,
  );
  assert.deepEqual(v.transform, FIT);
});

test('wheel zoom keeps the point under the pointer and turns auto-fit off', () => {
  const v = sized();
  v.update(() => FIT, nowhere, true);
  const before = toWorld(v.transform, 100, 50);
  v.zoomAt(100, 50, 2);
  assert.equal(v.autoFit, false);
  assert.equal(v.transform.k, 1);
  assert.deepEqual(toWorld(v.transform, 100, 50), before);
  // The fit no longer pulls the view back.
  v.update(() => FIT, nowhere, false);
  assert.equal(v.transform.k, 1);
});

test('the zoom buttons zoom about the centre, clamped', () => {
  const v = sized();
  v.update(() => FIT, nowhere, true);
  const centre = toWorld(v.transform, 400, 300);
  v.zoomBy(1.25);
  assert.equal(v.transform.k, 0.625);
  assert.deepEqual(toWorld(v.transform, 400, 300), centre);
  for (let i = 0; i < 100; i++) v.zoomBy(1.25);
  assert.equal(v.transform.k, MAX_ZOOM);
});

test('a drag pans by its total movement from where it started', () => {
  const v = sized();
  v.update(() => FIT, nowhere, true);
  v.pan(10, 5, true);
  v.pan(30, -20, false); // total, not a delta on top of the last move
  assert.deepEqual(v.transform, { k: 0.5, x: 430, y: 280 });
  assert.equal(v.autoFit, false);
  v.pan(5, 5, true); // a new drag starts from where the last one left the view
  assert.deepEqual(v.transform, { k: 0.5, x: 435, y: 285 });
});

test('Fit follows the layout again after a pan', () => {
  const v = sized();
  v.update(() => FIT, nowhere, true);
  v.pan(200, 0, true);
  v.fit();
  assert.equal(v.autoFit, true);
  assert.equal(
    v.update(() => FIT, nowhere, true),
    false,
  );
  assert.deepEqual(v.transform, FIT);
});

test('a keyboard-chosen peer off screen is nudged in, once; one in view is left alone', () => {
  const v = sized();
  v.pan(0, 0, true); // manual view: k 1 at the origin
  const at = new Map([
    [1, { x: 900, y: 20 }],
    [2, { x: 300, y: 300 }],
  ]);
  v.reveal(2);
  v.update(
    () => FIT,
    (id) => at.get(id),
    false,
  );
  assert.deepEqual(v.transform, { k: 1, x: 0, y: 0 });
  v.reveal(1);
  v.update(
    () => FIT,
    (id) => at.get(id),
    false,
  );
  assert.deepEqual(v.transform, { k: 1, x: 800 - REVEAL_MARGIN - 900, y: REVEAL_MARGIN - 20 });
  // The request is used up: a peer moving later does not drag the view along.
  at.set(1, { x: -500, y: 20 });
  v.update(
    () => FIT,
    (id) => at.get(id),
    false,
  );
  assert.deepEqual(v.transform, { k: 1, x: 800 - REVEAL_MARGIN - 900, y: REVEAL_MARGIN - 20 });
});

test('reveal does nothing while auto-fit shows every peer', () => {
  const v = sized();
  v.reveal(1);
  v.update(
    () => FIT,
    () => ({ x: 5000, y: 5000 }),
    true,
  );
  assert.deepEqual(v.transform, FIT);
});

test('nudgeIntoView moves only the axes that are out', () => {
  assert.deepEqual(nudgeIntoView(100, 100, 800, 600), { dx: 0, dy: 0 });
  assert.deepEqual(nudgeIntoView(10, 100, 800, 600), { dx: REVEAL_MARGIN - 10, dy: 0 });
  assert.deepEqual(nudgeIntoView(100, 590, 800, 600), { dx: 0, dy: 600 - REVEAL_MARGIN - 590 });
});
