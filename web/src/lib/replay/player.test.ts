import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROTOCOL_VERSION, type Recording, type Snapshot, type WireEvent } from '$protocol';
import { config, stats } from '../model/test-fixtures.ts';
import { VirtualFrames } from '../ui/virtual-frames.ts';
import { ReplayPlayer } from './player.ts';
import { Replay } from './replay.ts';

const T0 = 1_700_000_000_000;
const snapshot: Snapshot = { seq: 0, state: 'running', at: T0, config, conns: [], listeners: [], stats: stats() };

/** Connection 1 dials at +1 s, connects at +2 s, closes at +5 s; connection 2 dials at +3 s and fails at +4 s. */
function recording(): Recording {
  const e = (
    seq: number,
    sec: number,
    id: number,
    from: WireEvent extends never ? never : string | null,
    to: string,
    reason: string,
    rule: string,
  ): WireEvent =>
    ({
      seq,
      at: T0 + sec * 1000,
      kind: 'conn:state',
      id,
      type: 'outbound',
      persistent: false,
      addr: `127.0.0.1:${9000 + id}`,
      from,
      to,
      reason,
      rule,
    }) as WireEvent;
  return {
    header: {
      type: 'recording',
      format: 'connscope-recording',
      version: 1,
      protocol: PROTOCOL_VERSION as 1,
      app: 't',
      runId: 'r',
      startedAt: T0,
      config,
      snapshot,
      lab: null,
    },
    events: [
      e(1, 1, 1, null, 'pending', 'requested', 'outbound-fill'),
      e(2, 2, 1, 'pending', 'established', 'dial-succeeded', 'dial-succeeded'),
      e(3, 3, 2, null, 'pending', 'requested', 'outbound-fill'),
      e(4, 4, 2, 'pending', 'canceled', 'dial-refused', 'one-shot-dial-failed'),
      e(5, 5, 1, 'established', 'disconnected', 'remote-closed', 'peer-closed'),
    ],
    stats: [],
    keyframes: [],
  };
}

function rig(): { frames: VirtualFrames; player: ReplayPlayer; moves: number[] } {
  const frames = new VirtualFrames();
  const moves: number[] = [];
  const player: ReplayPlayer = new ReplayPlayer(new Replay(recording()), frames, () => moves.push(player.replay.seq));
  return { frames, player, moves };
}

/** Paints frames `ms` apart until `until` says stop (at most 1000 frames). */
function run(frames: VirtualFrames, ms: number, until: () => boolean): void {
  for (let i = 0; i < 1000 && !until(); i++) {
    frames.advance(ms);
    frames.paint();
  }
}

test("play follows the recording's own pace, times the speed, and stops at the end", () => {
  const { frames, player } = rig();
  player.play();
  frames.paint(); // the first frame only starts the clock
  run(frames, 100, () => player.replay.seq >= 2);
  assert.equal(player.replay.seq, 2);
  assert.ok(Math.abs(player.time - (T0 + 2000)) <= 100, 'event 2 at +2 s of recording time');
  const wallAt2 = frames.time;
  player.setSpeed(10);
  run(frames, 10, () => player.replay.seq >= 5);
  assert.ok(frames.time - wallAt2 <= 310, `3 s of recording at 10× took ${frames.time - wallAt2} ms`);
  assert.equal(player.playing, false, 'it stops at the end');
  assert.equal(frames.frames, 0, 'no frame left requested');
});

test('pause holds the position; play at the end starts over', () => {
  const { frames, player } = rig();
  player.seekSeq(5);
  player.play();
  assert.equal(player.replay.seq, 0, 'from the start again');
  frames.paint();
  run(frames, 100, () => player.replay.seq >= 1);
  player.pause();
  const seq = player.replay.seq;
  run(frames, 100, () => false);
  assert.equal(player.replay.seq, seq);
});

test("step one event either way, scrub to a time, and jump between one connection's transitions", () => {
  const { player } = rig();
  player.step(1);
  player.step(1);
  assert.equal(player.replay.seq, 2);
  assert.equal(player.replay.state.conns.get(1)?.state, 'established');
  player.step(-1);
  assert.equal(player.replay.state.conns.get(1)?.state, 'pending');
  player.seekTime(T0 + 4500);
  assert.equal(player.replay.seq, 4);
  assert.equal(player.jumpTransition(1, 1), true);
  assert.equal(player.replay.seq, 5, "connection 1's next transition");
  assert.equal(player.jumpTransition(1, -1), true);
  assert.equal(player.replay.seq, 2);
  assert.equal(player.jumpTransition(2, -1), false, 'connection 2 has none before event 2');
  assert.throws(() => player.setSpeed(20), /from 0.1 to 10/);
});
