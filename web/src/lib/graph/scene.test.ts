import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countLive } from '../model/counts.ts';
import { emptyShedTrack, noteShed, type LimitSignals } from '../model/limits.ts';
import type { ConnView } from '../model/types.ts';
import { FrameScheduler } from '../ui/frame-scheduler.ts';
import { VirtualFrames } from '../ui/virtual-frames.ts';
import { labelFonts } from './labels.ts';
import { END_FADE_MS } from './layout.ts';
import {
  FAILING_WAKE_MS,
  GraphScene,
  REDUCED_FADE_WAKE_MS,
  SLOW_ANIMATION_ABOVE,
  SLOW_ANIMATION_MS,
  type SceneInput,
  wakeAfter,
  type WakeInputs,
} from './scene.ts';
import { conn, fakeMeasure, many } from './test-fixtures.ts';
import { toScreen } from './view.ts';

const still: WakeInputs = {
  animating: false,
  reducedMotion: false,
  hot: false,
  moving: false,
  limitsWake: null,
  animateDash: false,
  peers: 10,
  failing: false,
};

test('wakeAfter: nothing moving, nothing counting down: no frame until something changes', () => {
  assert.equal(wakeAfter(still), null);
});

test('wakeAfter: fades, the simulation, the view easing or a limits pulse keep animating', () => {
  for (const over of [{ animating: true }, { hot: true }, { moving: true }, { limitsWake: 0 }] as const) {
    assert.equal(wakeAfter({ ...still, ...over, failing: true }), 0, JSON.stringify(over));
  }
});

test('wakeAfter: reduced motion checks running fades every 100 ms instead of animating', () => {
  assert.equal(wakeAfter({ ...still, animating: true, reducedMotion: true }), REDUCED_FADE_WAKE_MS);
});

test('wakeAfter: marching ants at full rate, slower above SLOW_ANIMATION_ABOVE peers', () => {
  assert.equal(wakeAfter({ ...still, animateDash: true, peers: SLOW_ANIMATION_ABOVE }), 0);
  assert.equal(wakeAfter({ ...still, animateDash: true, peers: SLOW_ANIMATION_ABOVE + 1 }), SLOW_ANIMATION_MS);
});

test('wakeAfter: failing peers wake every 250 ms for their countdowns', () => {
  assert.equal(wakeAfter({ ...still, failing: true }), FAILING_WAKE_MS);
});

test("wakeAfter: the limits' next change wins when it comes first, and alone wakes the view", () => {
  assert.equal(wakeAfter({ ...still, limitsWake: 900 }), 900);
  assert.equal(wakeAfter({ ...still, failing: true, limitsWake: 40 }), 40);
  assert.equal(wakeAfter({ ...still, failing: true, limitsWake: 900 }), FAILING_WAKE_MS);
  assert.equal(wakeAfter({ ...still, hot: true, limitsWake: 900 }), 0);
});

// ---- the scene

const FONTS = labelFonts('sans-serif');

function setup(conns: Map<number, ConnView>, over: Partial<SceneInput> = {}) {
  const clock = { model: 0, cpu: 0 };
  const scene = new GraphScene({ now: () => clock.model, clock: () => clock.cpu, measure: fakeMeasure });
  scene.setFonts(FONTS);
  scene.view.resize(900, 600);
  const input = (): SceneInput => ({
    conns,
    counts: countLive(conns.values()),
    limits: { targetOutbound: 8, maxInbound: 16, maxPersistent: 4 },
    signals: undefined,
    stale: false,
    matches: () => true,
    selectedId: null,
    activeId: null,
    ...over,
  });
  return { scene, clock, input };
}

/** Frames until the scene asks for no next paint (or `max`); returns the last frame. */
function runToRest(scene: GraphScene, input: () => SceneInput, max = 2000) {
  let ts = 0;
  for (let i = 0; i < max; i++) {
    ts += 16;
    const f = scene.frame(input(), ts)!;
    if (f.wakeMs !== 0) return { f, frames: i + 1 };
  }
  assert.fail('the scene never came to rest');
}

test('nothing to draw on: no frame before fonts and a size', () => {
  const scene = new GraphScene({ now: () => 0, clock: () => 0, measure: fakeMeasure });
  assert.equal(scene.frame(setup(new Map()).input(), 0), null);
  scene.setFonts(FONTS);
  assert.equal(scene.frame(setup(new Map()).input(), 0), null, 'no size yet');
});

test('the first frame snaps to the fit; later peers are followed smoothly, then the scene rests', () => {
  const conns = many(6, 'outbound');
  const { scene, input } = setup(conns);
  const first = scene.frame(input(), 0)!;
  assert.deepEqual({ x: first.transform.x, y: first.transform.y }, { x: 450, y: 300 }, 'centred at once');
  const { f, frames } = runToRest(scene, input);
  assert.equal(f.wakeMs, null, 'all established, nothing counts down: no wake-up');
  assert.ok(frames > 1);

  for (const [id, c] of many(200, 'inbound', 100)) conns.set(id, c);
  const k0 = scene.view.transform.k;
  const next = scene.frame(input(), 10_000)!;
  assert.equal(next.wakeMs, 0, 'new peers: the view eases and the layout moves');
  assert.ok(next.transform.k !== k0 && scene.view.autoFit);
  runToRest(scene, input);
});

test('a zoomed or panned view stays where the user put it', () => {
  const conns = many(6, 'outbound');
  const { scene, input } = setup(conns);
  runToRest(scene, input);
  scene.view.zoomBy(2);
  const t = scene.view.transform;
  for (const [id, c] of many(50, 'inbound', 100)) conns.set(id, c);
  runToRest(scene, input);
  assert.deepEqual(scene.view.transform, t);
});

test('the filter dims the peers it leaves out, and the frame says which', () => {
  const conns = new Map([
    [1, conn(1)],
    [2, conn(2, { type: 'inbound' })],
  ]);
  const { scene, input } = setup(conns, { matches: (c) => c.type === 'inbound' });
  const f = scene.frame(input(), 0)!;
  assert.deepEqual([...f.dimmed], [1]);
  assert.equal(scene.layout.nodes.length, 2, 'dimmed, not removed');
});

test('time is the clock it is given: an ended peer leaves on model time, and stands still when that clock does', () => {
  const conns = new Map([
    [1, conn(1)],
    [2, conn(2, { state: 'disconnected', endedAt: 0 })],
  ]);
  const { scene, input, clock } = setup(conns);
  scene.frame(input(), 0);
  assert.ok(scene.layout.byId.has(2));
  // Local frames go on for a long time; the model's clock stands still (a stale view): it stays.
  for (let ts = 16; ts < 5 * END_FADE_MS; ts += 16) scene.frame(input(), ts);
  assert.ok(scene.layout.byId.has(2), 'frozen model clock: still fading');
  assert.equal(scene.frame(input(), 0)!.serverNow, 0);
  clock.model = END_FADE_MS + 1;
  scene.frame(input(), 5 * END_FADE_MS);
  assert.equal(scene.layout.byId.has(2), false, 'gone once the model clock passed its fade');
});

test('pending edges march while live and stand still when stale or with reduced motion', () => {
  const conns = new Map([[1, conn(1, { state: 'pending' })]]);
  const live = setup(conns);
  for (let i = 1; i <= 300; i++) {
    const f = live.scene.frame(live.input(), i * 16)!;
    assert.equal(f.wakeMs, 0, 'marching ants never rest');
  }
  assert.notEqual(live.scene.frame(live.input(), 100)!.dashOffset, 0);
  const stale = setup(conns, { stale: true });
  assert.equal(stale.scene.frame(stale.input(), 100)!.dashOffset, 0);
  const reduced = setup(conns);
  reduced.scene.reducedMotion = true;
  assert.equal(reduced.scene.frame(reduced.input(), 100)!.dashOffset, 0);
});

test('a stale view rests even with pending and failing peers; a live one wakes for countdowns', () => {
  const conns = new Map([
    [1, conn(1, { state: 'pending' })],
    [2, conn(2, { state: 'failing', retryAt: 5000 })],
  ]);
  const stale = setup(conns, { stale: true });
  const s = runToRest(stale.scene, stale.input).f;
  assert.equal(s.dashOffset, 0);
  assert.equal(s.wakeMs, FAILING_WAKE_MS, 'a failing peer still redraws its countdown (frozen by the model clock)');

  const reduced = setup(new Map([[2, conn(2, { state: 'failing', retryAt: 5000 })]]));
  reduced.scene.reducedMotion = true;
  const r = reduced.scene.frame(reduced.input(), 0)!;
  assert.equal(r.wakeMs, FAILING_WAKE_MS, 'reduced motion settles within the frame');
});

test("the limits' marks animate only while live", () => {
  const shed = emptyShedTrack();
  noteShed(shed, 0);
  const signals: LimitSignals = {
    running: true,
    shed,
    paused: null,
    inbound: 16,
    maxInbound: 16,
    outbound: 0,
    targetOutbound: 8,
    throttle: null,
    failures: 0,
    maxFailedAttempts: null,
  };
  const live = setup(new Map(), { signals });
  const l = live.scene.frame(live.input(), 0)!;
  assert.ok(l.limits?.shedding);
  assert.equal(l.animateLimits, true);
  assert.equal(l.wakeMs, 0, 'the shed pulse animates');
  const stale = setup(new Map(), { signals, stale: true });
  const s = stale.scene.frame(stale.input(), 0)!;
  assert.equal(s.animateLimits, false);
  assert.equal(s.wakeMs, null, 'a stale view does not count down');
});

test('pick finds the live peer under a screen point, not the empty space beside it', () => {
  const conns = many(5, 'outbound');
  const { scene, input } = setup(conns);
  runToRest(scene, input);
  const node = scene.layout.byId.get(3)!;
  const p = toScreen(scene.view.transform, node.x, node.y);
  assert.equal(scene.pick(p)?.id, 3);
  assert.equal(scene.pick({ x: 2, y: 2 }), null);
  assert.deepEqual(
    scene.live().map((c) => c.id),
    [1, 2, 3, 4, 5],
  );
});

test('on the frame scheduler: frames run while the scene moves, then only its wake-ups', () => {
  const conns = new Map([
    [1, conn(1)],
    [2, conn(2, { state: 'failing', retryAt: 60_000 })],
  ]);
  const { scene, input } = setup(conns);
  const host = new VirtualFrames();
  let frames = 0;
  const scheduler = new FrameScheduler((ts) => {
    frames++;
    const f = scene.frame(input(), ts);
    if (f && f.wakeMs !== null) scheduler.requestIn(f.wakeMs);
  }, host);
  scheduler.request();
  while (host.frames > 0) {
    host.advance(16);
    host.paint();
    assert.ok(frames < 2000, 'comes to rest');
  }
  assert.equal(host.timers, 1, 'at rest, one wake-up for the countdown');
  const before = frames;
  host.advance(FAILING_WAKE_MS - 1);
  host.paint();
  assert.equal(frames, before);
  host.advance(1);
  host.paint();
  assert.equal(frames, before + 1);

  conns.set(2, conn(2)); // recovered: its colour change runs, then nothing is left to wake for
  host.advance(FAILING_WAKE_MS);
  while (host.frames > 0) {
    host.advance(16);
    host.paint();
  }
  assert.equal(host.frames + host.timers, 0, 'nothing failing: nothing scheduled');
  scheduler.dispose();
});
