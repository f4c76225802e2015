import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { PROTOCOL_VERSION, type Recording, formatRecording } from '$protocol';
import { config, stats } from '../model/test-fixtures.ts';
import { loadRunesModule } from '../test-support/runes-module.ts';
import { VirtualFrames } from '../ui/virtual-frames.ts';
import type { Recordings as RecordingsType, RecordingHost } from './recordings.svelte.ts';
import type { ReplaySource } from './session.svelte.ts';

type Ctor = new (store: unknown, session: unknown, host: RecordingHost) => RecordingsType;
let Recordings: Ctor;
before(async () => {
  ({ Recordings } = await loadRunesModule<{ Recordings: Ctor }>(new URL('./recordings.svelte.ts', import.meta.url)));
});

const T0 = 1_700_000_000_000;

function recording(events = 3): Recording {
  return {
    header: {
      type: 'recording',
      format: 'connscope-recording',
      version: 1,
      protocol: PROTOCOL_VERSION,
      app: 'test',
      runId: 'abcdef123456',
      startedAt: T0,
      config,
      snapshot: { seq: 10, state: 'running', at: T0, config, conns: [], listeners: [], stats: stats() },
      lab: null,
    },
    events: Array.from({ length: events }, (_, i) => ({
      seq: 11 + i,
      at: T0 + i,
      kind: 'manager:state' as const,
      state: 'running' as const,
    })),
    stats: [],
    keyframes: [],
  };
}

function rig(held: Recording | null = null) {
  const frames = new VirtualFrames();
  const opened: { rec: Recording; source: ReplaySource; at?: number }[] = [];
  const downloads: { name: string; text: string }[] = [];
  let served = { ok: true, status: 200, text: formatRecording(recording(5)) };
  const fetched: string[] = [];
  const session = {
    player: null as null | { replay: { recording: Recording } },
    open: (rec: Recording, source: ReplaySource, at?: number) => opened.push({ rec, source, at }),
  };
  const store = { recorder: { recording: () => held } };
  const host: RecordingHost = {
    fetchText: async (path) => {
      fetched.push(path);
      return served;
    },
    download: (name, text) => downloads.push({ name, text }),
    now: () => frames.time,
    setTimer: (cb, ms) => frames.setTimer(cb, ms),
  };
  const r = new Recordings(store, session, host);
  return { r, frames, opened, downloads, fetched, session, serve: (s: typeof served) => (served = s) };
}

const file = (name: string, text: string) => ({ name, size: text.length, text: async () => text });

test('an imported recording opens at its start; a file of another version opens nothing and says why', async () => {
  const { r, opened } = rig();
  assert.equal(
    await r.importFile(
      file('old.ndjson', `${JSON.stringify({ type: 'recording', format: 'connscope-recording', version: 7, app: 'connscope 0.0.1' })}\n`),
    ),
    false,
  );
  assert.match(
    r.problem,
    /^old\.ndjson is not a recording this page can replay — line 1: this recording is format version 7 \(written by connscope 0\.0\.1\)/,
  );
  assert.equal(opened.length, 0);
  assert.equal(await r.importFile(file('ok.ndjson', formatRecording(recording()))), true);
  assert.equal(r.problem, '');
  assert.deepEqual(
    opened.map((o) => [o.source, o.at, o.rec.events.length]),
    [[{ kind: 'file', name: 'ok.ndjson' }, 10, 3]],
  );
});

test('export saves the open replay, else what the page holds, else says there is nothing yet', () => {
  const empty = rig(null);
  assert.equal(empty.r.exportNow(), false);
  assert.match(empty.r.problem, /nothing to export yet/);

  const held = rig(recording(2));
  assert.equal(held.r.exportNow(), true);
  assert.equal(held.downloads[0]!.name, 'connscope-abcdef12-20231114-221320.ndjson');
  assert.equal(held.downloads[0]!.text.trim().split('\n').length, 3);
  held.session.player = { replay: { recording: recording(4) } };
  held.r.exportNow();
  assert.equal(held.downloads[1]!.text.trim().split('\n').length, 5, 'the replay, not the live window');
});

test("a reload's position reopens the server's recording there; one it no longer holds is said", async () => {
  const { r, opened } = rig();
  assert.equal(await r.openServer({ kind: 'live' }, 13), true);
  assert.equal(opened[0]!.at, 13);
  assert.equal(await r.openServer({ kind: 'live' }, 4), false);
  assert.match(r.problem, /event 4 is no longer in the server's recording \(it holds 11–15\)/);
  assert.equal(opened.length, 1);
});

test("a fleet node's history window opens from its start as a closable replay; a refused one is said", async () => {
  const { r, opened, fetched, serve } = rig();
  const path = '/api/node-recording?node=a&run=abcdef123456';
  assert.equal(await r.openFetched(path, 'node a, run abcdef12'), true);
  assert.deepEqual(fetched, [path]);
  assert.deepEqual(
    opened.map((o) => [o.source, o.at, o.rec.events.length]),
    [[{ kind: 'file', name: 'node a, run abcdef12' }, 10, 5]],
  );
  serve({ ok: false, status: 404, text: 'no run x of node a in the stream' });
  assert.equal(await r.openFetched('/api/node-recording?node=a&run=x', 'node a, run x'), false);
  assert.equal(r.problem, 'node a, run x is not available (HTTP 404): no run x of node a in the stream');
  serve({ ok: true, status: 200, text: 'not json\n' });
  assert.equal(await r.openFetched(path, 'node a, run abcdef12'), false);
  assert.match(r.problem, /^node a, run abcdef12 is not a recording this page can replay — line 1/);
  assert.equal(opened.length, 1);
});

test('the cursor reaches a replay server at most every 250 ms, always the latest position', async () => {
  const { r, frames } = rig();
  const sent: number[] = [];
  const send = async (seq: number) => sent.push(seq);
  r.reportPosition(1, send);
  for (let s = 2; s <= 9; s++) r.reportPosition(s, send);
  assert.deepEqual(sent, [1]);
  frames.advance(250);
  assert.deepEqual(sent, [1, 9]);
  frames.advance(250);
  assert.deepEqual(sent, [1, 9], 'nothing new: nothing sent');
  r.reportPosition(12, send);
  assert.deepEqual(sent, [1, 9, 12]);
});
