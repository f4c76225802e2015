/**
 * Recordings (README "Record and replay"): a session as NDJSON, one JSON object per line.
 *
 *   line 1      the header: format, version, the app that wrote it, the run, the configuration,
 *               and the snapshot the recording starts from (as of `snapshot.seq`)
 *   then, in order of arrival:
 *               a numbered event (a `WireEvent`: it has `kind` and `seq`, gap-free from
 *               `snapshot.seq + 1`), a `stats` message, or a `keyframe` (a snapshot as of the event
 *               before it, written every few thousand events so a replay can seek without
 *               applying everything from the start)
 *
 * One parser for the server (`connscope replay FILE`) and the page (import): a file of another
 * format version, or of another protocol version, is refused with a message that says so.
 */
import * as v from 'valibot';
import { PROTOCOL_VERSION } from './commands.ts';
import { WireEventSchema, type WireEvent } from './events.ts';
import { LabStateSchema } from './lab.ts';
import { StatsMessageSchema, type StatsMessage } from './messages.ts';
import { ConnManagerConfigSchema, SnapshotSchema, type Snapshot } from './snapshot.ts';

export const RECORDING_FORMAT = 'connscope-recording';
/** Bumped when a line's meaning changes; a reader refuses any other version. */
export const RECORDING_VERSION = 1;

export const RecordingHeaderSchema = v.object({
  type: v.literal('recording'),
  format: v.literal(RECORDING_FORMAT),
  version: v.literal(RECORDING_VERSION),
  /** The wire protocol version of the events and snapshots inside. */
  protocol: v.literal(PROTOCOL_VERSION),
  /** What wrote it, e.g. `connscope 0.2.0`. */
  app: v.string(),
  /** The server run the events belong to (their `seq` restarts with a new run). */
  runId: v.string(),
  /** Wall-clock ms when the recording began. */
  startedAt: v.number(),
  config: ConnManagerConfigSchema,
  /** The state the recording starts from; the first event is `snapshot.seq + 1`. */
  snapshot: SnapshotSchema,
  lab: v.nullable(LabStateSchema),
});
export type RecordingHeader = v.InferOutput<typeof RecordingHeaderSchema>;

export const KeyframeSchema = v.object({
  type: v.literal('keyframe'),
  snapshot: SnapshotSchema,
});
export type Keyframe = v.InferOutput<typeof KeyframeSchema>;

export interface Recording {
  header: RecordingHeader;
  events: WireEvent[];
  stats: StatsMessage[];
  /** In order; each one's `seq` is that of the event before it. */
  keyframes: Snapshot[];
}

export type RecordingParse = { ok: true; recording: Recording } | { ok: false; line: number; message: string };

/**
 * Reads a whole recording. Never throws: the first problem is reported with its line number.
 * A truncated last line (a recording cut off mid-write) is an error too — say so rather than
 * replay less than the file holds without a word.
 */
export function parseRecording(text: string): RecordingParse {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const fail = (line: number, message: string): RecordingParse => ({ ok: false, line, message });
  if (lines.length === 0) return fail(1, 'the file is empty: not a connscope recording');

  const first = jsonObject(lines[0]!);
  if (first === null || first.type !== 'recording' || first.format !== RECORDING_FORMAT) {
    return fail(1, `not a connscope recording (its first line must be a "${RECORDING_FORMAT}" header)`);
  }
  const app = typeof first.app === 'string' ? first.app : 'another connscope';
  if (first.version !== RECORDING_VERSION) {
    return fail(
      1,
      `this recording is format version ${String(first.version)} (written by ${app}); this connscope reads version ${RECORDING_VERSION} — replay it with the version that wrote it`,
    );
  }
  if (first.protocol !== PROTOCOL_VERSION) {
    return fail(
      1,
      `this recording's events are protocol version ${String(first.protocol)} (written by ${app}); this connscope reads version ${PROTOCOL_VERSION}`,
    );
  }
  const header = v.safeParse(RecordingHeaderSchema, first);
  if (!header.success) return fail(1, `invalid header: ${issueText(header.issues[0])}`);

  const recording: Recording = { header: header.output, events: [], stats: [], keyframes: [] };
  let lastSeq = header.output.snapshot.seq;
  for (let i = 1; i < lines.length; i++) {
    const n = i + 1;
    const value = jsonObject(lines[i]!);
    if (value === null)
      return fail(n, i === lines.length - 1 ? 'the last line is cut off (was the recording still being written?)' : 'not a JSON object');
    if (typeof value.kind === 'string') {
      const ev = v.safeParse(WireEventSchema, value);
      if (!ev.success) return fail(n, `invalid event: ${issueText(ev.issues[0])}`);
      if (ev.output.seq !== lastSeq + 1) return fail(n, `event seq ${ev.output.seq} does not follow seq ${lastSeq} (events are missing)`);
      lastSeq = ev.output.seq;
      recording.events.push(ev.output);
    } else if (value.type === 'stats') {
      const st = v.safeParse(StatsMessageSchema, value);
      if (!st.success) return fail(n, `invalid stats: ${issueText(st.issues[0])}`);
      recording.stats.push(st.output);
    } else if (value.type === 'keyframe') {
      const kf = v.safeParse(KeyframeSchema, value);
      if (!kf.success) return fail(n, `invalid keyframe: ${issueText(kf.issues[0])}`);
      if (kf.output.snapshot.seq !== lastSeq)
        return fail(n, `keyframe at seq ${kf.output.snapshot.seq} but the last event is seq ${lastSeq}`);
      recording.keyframes.push(kf.output.snapshot);
    } else {
      return fail(n, 'neither an event (no "kind") nor a "stats" or "keyframe" line');
    }
  }
  return { ok: true, recording };
}

function jsonObject(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function issueText(issue: v.BaseIssue<unknown> | undefined): string {
  if (!issue) return 'invalid';
  const path = v.getDotPath(issue);
  return path ? `"${path}": ${issue.message}` : issue.message;
}

/**
 * A recording as NDJSON text, the inverse of `parseRecording` (the page's export): the header,
 * then events in seq order with each `stats` message after the event its `seq` names and each
 * keyframe after the event before it, as the server's recorders write them.
 */
export function formatRecording(recording: Recording): string {
  const lines = [JSON.stringify(recording.header)];
  const { events, stats, keyframes } = recording;
  let si = 0;
  let ki = 0;
  const upTo = (seq: number): void => {
    while (si < stats.length && stats[si]!.seq <= seq) lines.push(JSON.stringify(stats[si++]));
    while (ki < keyframes.length && keyframes[ki]!.seq <= seq) lines.push(JSON.stringify({ type: 'keyframe', snapshot: keyframes[ki++] }));
  };
  upTo(recording.header.snapshot.seq);
  for (const e of events) {
    lines.push(JSON.stringify(e));
    upTo(e.seq);
  }
  upTo(Number.POSITIVE_INFINITY);
  return `${lines.join('\n')}\n`;
}
