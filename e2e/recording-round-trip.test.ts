/**
 * A recording round-trips (README "Record and replay"): a real server (the CLI as a child
 * process, with the lively lab) writes `--record FILE` while a client reduces its stream the way
 * the page does. Replaying the file — and replaying the page's own export of what it held — ends
 * in the same per-connection states and the same counts as the live model, field by field.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { WebSocket } from 'ws';
import { formatRecording, parseRecording, parseServerMessage, type Recording } from '../server/protocol/index.ts';
import { countLive } from '../web/src/lib/model/counts.ts';
import { createModelState, isFinalState, reduce, type ModelState } from '../web/src/lib/model/reducer.ts';
import { PageRecorder } from '../web/src/lib/replay/page-recorder.ts';
import { Replay } from '../web/src/lib/replay/replay.ts';
import { LabServer } from './lab-server.ts';
import { waitFor } from '../server/test-support.ts';

/** The fields of a connection that a replay must agree on with the live model. */
const FIELDS = ['type', 'persistent', 'addr', 'state', 'attempt', 'retryAt', 'reason', 'establishedAt', 'endedAt'] as const;

function assertSameConns(live: ModelState, replayed: ModelState, what: string): void {
  for (const [id, c] of live.conns) {
    const r = replayed.conns.get(id);
    assert.ok(r, `${what}: connection #${id} (${c.state}) is missing from the replay`);
    for (const f of FIELDS) assert.deepEqual(r[f], c[f], `${what}: connection #${id} ${f}`);
  }
  // Every connection the replay has live, the live model has too (ended ones before the page's
  // snapshot are only in a replay from an earlier start).
  for (const [id, r] of replayed.conns)
    if (!isFinalState(r.state)) assert.ok(live.conns.has(id), `${what}: #${id} live only in the replay`);
  assert.deepEqual(countLive(replayed.conns.values()), countLive(live.conns.values()), `${what}: live counts`);
  assert.deepEqual(replayed.config, live.config, `${what}: config`);
  assert.equal(replayed.managerState, live.managerState, `${what}: manager state`);
  assert.deepEqual([...replayed.listeners.values()], [...live.listeners.values()], `${what}: listeners`);
}

function replayTo(rec: Recording, seq: number): ModelState {
  const replay = new Replay(rec);
  return replay.seek(seq);
}

test('record → import → replay ends where the live model is (server file and page export)', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'connscope-roundtrip-'));
  const file = join(dir, 'session.ndjson');
  const server = await LabServer.start({ flags: ['--record', file, '--lab-scenario', 'lively'] });
  const live = createModelState();
  const recorder = new PageRecorder();
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws`, { origin: server.url });
  try {
    ws.on('message', (data) => {
      const parsed = parseServerMessage(String(data));
      if (!parsed.ok) throw new Error(`invalid message: ${parsed.error.message}`);
      const out = reduce(live, parsed.msg, Date.now());
      recorder.note(parsed.msg, out);
    });
    await waitFor(() => live.runId !== null, 'the first hello', 10_000);
    // Something to replay besides the lab's churn: a failing persistent peer with a growing attempt.
    const dead = await server.unusedPeer('refuse');
    await server.command('connect', { addr: dead.addr, persistent: true });
    const failed = (): boolean => [...live.conns.values()].some((c) => c.addr === dead.addr && c.attempt >= 2);
    await waitFor(() => failed() && live.lastSeq >= 80, 'a persistent peer failing twice and 80 events', 60_000);
    ws.close();
    const end = live.lastSeq;

    // The server's file, once it has everything the client got.
    let fromFile: Recording | undefined;
    await waitFor(
      () => {
        const parsed = parseRecording(readFileSync(file, 'utf8').split('\n').filter(Boolean).join('\n'));
        if (parsed.ok && (parsed.recording.events.at(-1)?.seq ?? 0) >= end) fromFile = parsed.recording;
        return fromFile !== undefined;
      },
      'the recording file to reach the last seq',
      10_000,
    );
    assertSameConns(live, replayTo(fromFile!, end), 'the --record file');

    // The page's own export, through the NDJSON text and the parser, as an import reads it.
    const exported = parseRecording(formatRecording(recorder.recording()!));
    assert.ok(exported.ok, exported.ok ? '' : exported.message);
    assert.equal(exported.recording.events.at(-1)?.seq, end);
    assertSameConns(live, replayTo(exported.recording, end), 'the page export');
  } finally {
    ws.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
