/**
 * History windows from the stream (docs/fleet.md, "History windows"): which runs of a node
 * JetStream still holds, and a window of one run as a recording (README "Record and replay"), so
 * the page replays it with the replay bar it already has.
 */
import { DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import * as v from 'valibot';
import {
  FLEET_STREAM,
  NodeKeyframeSchema,
  PROTOCOL_VERSION,
  RECORDING_FORMAT,
  RECORDING_VERSION,
  WireEventSchema,
  eventsSubject,
  formatRecording,
  keyframesSubject,
  parseEventMsgId,
  type NodeKeyframe,
  type NodeRun,
  type WireEvent,
} from '../protocol/index.ts';

/** The most events one window holds. */
export const MAX_WINDOW_EVENTS = 100_000;
/** The most messages a run listing reads (headers only). */
export const MAX_SCANNED = 2_000_000;

/**
 * Reads `subject` in stream order from `start` (a stream sequence, default the first), calling
 * `visit` until it returns false or the stream has nothing more. Resolves at once when the
 * subject holds nothing.
 */
async function scan(
  nc: NatsConnection,
  subject: string,
  visit: (m: JsMsg) => boolean,
  options: { headersOnly?: boolean; startSeq?: number } = {},
): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(FLEET_STREAM, { subjects_filter: subject });
  const total = Object.values(info.state.subjects ?? {}).reduce((a, b) => a + b, 0);
  if (total === 0) return;
  const consumer = await jetstream(nc).consumers.get(FLEET_STREAM, {
    filter_subjects: subject,
    ...(options.headersOnly ? { headers_only: true } : {}),
    ...(options.startSeq === undefined ? {} : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.startSeq }),
  });
  const messages = await consumer.consume();
  try {
    for await (const m of messages) {
      if (!visit(m) || m.info.pending === 0) break;
    }
  } finally {
    messages.stop();
  }
}

/** The runs of `node` the stream holds, oldest first. */
export async function nodeRuns(nc: NatsConnection, node: string): Promise<NodeRun[]> {
  const runs = new Map<string, NodeRun>();
  let scanned = 0;
  await scan(
    nc,
    eventsSubject(node),
    (m) => {
      scanned += 1;
      const id = parseEventMsgId(m.headers?.get('Nats-Msg-Id') ?? '');
      if (!id) return scanned < MAX_SCANNED;
      const at = m.info.timestampNanos / 1e6;
      const run = runs.get(id.runId);
      if (!run)
        runs.set(id.runId, { runId: id.runId, firstSeq: id.seq, lastSeq: id.seq, firstAt: at, lastAt: at, events: 1, keyframes: 0 });
      else {
        run.firstSeq = Math.min(run.firstSeq, id.seq);
        run.lastSeq = Math.max(run.lastSeq, id.seq);
        run.lastAt = at;
        run.events += 1;
      }
      return scanned < MAX_SCANNED;
    },
    { headersOnly: true },
  );
  await scan(
    nc,
    keyframesSubject(node),
    (m) => {
      const runId = (m.headers?.get('Nats-Msg-Id') ?? '').split(':')[0] ?? '';
      const run = runs.get(runId);
      if (run) run.keyframes += 1;
      return true;
    },
    { headersOnly: true },
  );
  return [...runs.values()];
}

export type WindowResult = { ok: true; text: string; events: number } | { ok: false; status: number; message: string };

/**
 * A window of run `runId` of `node` as recording text: from the latest keyframe at or before
 * `fromSeq` (default: the run's first) to `toSeq` (default: the newest), stopping before a gap.
 */
export async function nodeWindow(
  nc: NatsConnection,
  node: string,
  runId: string,
  fromSeq: number | undefined,
  toSeq: number | undefined,
): Promise<WindowResult> {
  // Keyframes are few (one per KEYFRAME_EVENTS events): all of the run's, then the one that fits.
  const frames: { kf: NodeKeyframe; streamSeq: number }[] = [];
  await scan(nc, keyframesSubject(node), (m) => {
    const parsed = v.safeParse(NodeKeyframeSchema, safeJson(m.string()));
    if (parsed.success && parsed.output.runId === runId) frames.push({ kf: parsed.output, streamSeq: m.seq });
    return true;
  });
  frames.sort((a, b) => a.kf.snapshot.seq - b.kf.snapshot.seq);
  const frame = fromSeq === undefined ? frames[0] : frames.filter((f) => f.kf.snapshot.seq <= fromSeq).at(-1);
  if (!frame) {
    return {
      ok: false,
      status: 404,
      message: `the stream holds no keyframe of run ${runId} of node ${node}${fromSeq === undefined ? '' : ` at or before seq ${fromSeq}`}: that part of the run has aged out (or the run is unknown)`,
    };
  }
  const { kf } = frame;
  const events: WireEvent[] = [];
  let last = kf.snapshot.seq;
  // Events of the window were published after their keyframe was taken, so the keyframe's stream position is a safe start.
  await scan(
    nc,
    eventsSubject(node),
    (m) => {
      const id = parseEventMsgId(m.headers?.get('Nats-Msg-Id') ?? '');
      if (!id || id.runId !== runId || id.seq <= last) return true;
      if (id.seq !== last + 1) return false; // a gap (dropped by the node): the window ends before it
      const ev = v.safeParse(WireEventSchema, safeJson(m.string()));
      if (!ev.success) return false;
      events.push(ev.output);
      last = id.seq;
      return events.length < MAX_WINDOW_EVENTS && (toSeq === undefined || last < toSeq);
    },
    { startSeq: Math.max(1, frame.streamSeq - 2 * 256) }, // publishes in flight may land just before the keyframe
  );
  const text = formatRecording({
    header: {
      type: 'recording',
      format: RECORDING_FORMAT,
      version: RECORDING_VERSION,
      protocol: PROTOCOL_VERSION,
      app: kf.app,
      runId,
      startedAt: kf.startedAt,
      config: kf.config,
      snapshot: kf.snapshot,
      lab: kf.lab,
    },
    events,
    stats: [],
    keyframes: [],
  });
  return { ok: true, text, events: events.length };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
