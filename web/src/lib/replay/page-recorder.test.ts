import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROTOCOL_VERSION, formatRecording, parseRecording, type ServerMessage, type Snapshot, type WireEvent } from '$protocol';
import { createModelState, reduce } from '../model/reducer.ts';
import { config, stats } from '../model/test-fixtures.ts';
import { PageRecorder } from './page-recorder.ts';
import { Replay } from './replay.ts';

const T0 = 1_700_000_000_000;

function hello(seq: number, runId = 'run-a', conns: Snapshot['conns'] = []): ServerMessage {
  const snapshot: Snapshot = { seq, state: 'running', at: T0 + seq, config, conns, listeners: [], stats: stats() };
  return { v: PROTOCOL_VERSION, type: 'hello', runId, resync: false, config, snapshot, lab: null, canControl: true };
}

/** Outbound connection `id`: pending, established, and (odd ids) disconnected, from seq `first`. */
function lifeOf(id: number, first: number): WireEvent[] {
  const base = { kind: 'conn:state', type: 'outbound', persistent: false, id, addr: `127.0.0.1:${9000 + id}` } as const;
  const evs: WireEvent[] = [
    { ...base, seq: first, at: T0 + first, from: null, to: 'pending', reason: 'requested', rule: 'outbound-fill', attempt: 0 },
    { ...base, seq: first + 1, at: T0 + first + 1, from: 'pending', to: 'established', reason: 'dial-succeeded', rule: 'dial-succeeded' },
  ];
  if (id % 2 === 1)
    evs.push({
      ...base,
      seq: first + 2,
      at: T0 + first + 2,
      from: 'established',
      to: 'disconnected',
      reason: 'remote-closed',
      rule: 'peer-closed',
    });
  return evs;
}

/** A run of `n` connections' lives from seq 1, one `events` message each, a stats sample after every 4th. */
function feed(rec: PageRecorder, n: number): ServerMessage[] {
  const msgs: ServerMessage[] = [hello(0)];
  let seq = 1;
  for (let id = 1; id <= n; id++) {
    const evs = lifeOf(id, seq);
    seq += evs.length;
    msgs.push({ v: PROTOCOL_VERSION, type: 'events', events: evs });
    if (id % 4 === 0) {
      const last = evs.at(-1)!;
      msgs.push({
        v: PROTOCOL_VERSION,
        type: 'stats',
        at: last.at,
        seq: last.seq,
        stats: stats({ totalDials: id }),
        bridge: { clients: 1, behindClients: 0, eventsTotal: last.seq, eventsSent: last.seq, droppedClients: 0, resyncs: 0 },
      });
    }
  }
  const model = createModelState();
  for (const m of msgs) rec.note(m, reduce(model, m, T0));
  return msgs;
}

test('what the page held exports as a recording the parser reads back, event for event', () => {
  const rec = new PageRecorder({ clock: () => T0 });
  feed(rec, 10);
  const text = formatRecording(rec.recording()!);
  const parsed = parseRecording(text);
  assert.ok(parsed.ok, parsed.ok ? '' : `line ${parsed.line}: ${parsed.message}`);
  assert.equal(parsed.recording.events.length, 25);
  assert.deepEqual(parsed.recording.events, rec.recording()!.events);
  assert.equal(parsed.recording.stats.length, 2);
  assert.equal(parsed.recording.header.runId, 'run-a');
});

test('a duplicate or out-of-order event is not recorded twice; a resync starts the recording over', () => {
  const rec = new PageRecorder();
  const model = createModelState();
  const note = (m: ServerMessage): void => rec.note(m, reduce(model, m, T0));
  note(hello(0));
  const evs = lifeOf(1, 1);
  note({ v: PROTOCOL_VERSION, type: 'events', events: evs });
  note({ v: PROTOCOL_VERSION, type: 'events', events: evs.slice(1) });
  assert.equal(rec.size, 3);
  note({ ...(hello(40, 'run-b') as Extract<ServerMessage, { type: 'hello' }>), resync: true });
  assert.equal(rec.size, 0);
  assert.equal(rec.lastSeq, 40);
  assert.equal(rec.recording()!.header.runId, 'run-b');
});

test('past its bound the recorder folds the oldest events into its start, and a replay still ends in the same state', () => {
  const full = new PageRecorder();
  const bounded = new PageRecorder({ maxEvents: 20 });
  feed(full, 40);
  feed(bounded, 40);
  assert.ok(bounded.size <= 20, `held ${bounded.size}`);
  assert.ok(bounded.folded > 0);
  const b = bounded.recording()!;
  assert.equal(b.header.snapshot.seq + 1, b.events[0]!.seq, 'the start is as of the event before the first kept');
  // The folded start lists exactly the connections live at that point.
  const liveAtStart = new Replay(full.recording()!).seek(b.header.snapshot.seq);
  const listed = b.header.snapshot.conns.map((c) => `${c.id}:${c.state}`);
  const expected = [...liveAtStart.conns.values()].filter((c) => c.state !== 'disconnected').map((c) => `${c.id}:${c.state}`);
  assert.deepEqual(listed, expected);

  const end = full.lastSeq!;
  const a = new Replay(full.recording()!).seek(end);
  const z = new Replay(b).seek(end);
  for (const [id, c] of z.conns) assert.equal(a.conns.get(id)?.state, c.state, `#${id}`);
  for (const [id, c] of a.conns) if (c.state !== 'disconnected') assert.equal(z.conns.get(id)?.state, c.state, `#${id}`);
});
