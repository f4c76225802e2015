/**
 * Byte counts for the table. Events do not carry them (a count per byte would flood the stream),
 * and asking `inspect` for every row would spend a viewer's command budget in a second; one
 * `GET /api/snapshot` gives every live connection's counts at once. This reads its answer. Pure.
 */
import * as v from 'valibot';
import type { Bytes } from './rows.ts';

/** The part of `/api/snapshot` the table reads (other fields are ignored). */
const BytesSnapshotSchema = v.object({
  runId: v.string(),
  snapshot: v.object({
    seq: v.number(),
    conns: v.array(v.object({ id: v.number(), bytesIn: v.number(), bytesOut: v.number() })),
  }),
});

export interface BytesReading {
  runId: string;
  seq: number;
  bytes: Map<number, Bytes>;
}

/** The byte counts in an `/api/snapshot` body, or an error in words. */
export function readBytes(body: unknown): BytesReading | { error: string } {
  const r = v.safeParse(BytesSnapshotSchema, body, { abortEarly: true });
  if (!r.success) return { error: `unexpected /api/snapshot body: ${r.issues[0].message}` };
  const bytes = new Map<number, Bytes>();
  for (const c of r.output.snapshot.conns) bytes.set(c.id, { bytesIn: c.bytesIn, bytesOut: c.bytesOut });
  return { runId: r.output.runId, seq: r.output.snapshot.seq, bytes };
}

/**
 * The counts to show after a new reading: the new ones, plus the last known counts of connections
 * that ended since (the model still lists them); ids the model forgot are dropped.
 */
export function mergeBytes(
  prev: ReadonlyMap<number, Bytes>,
  next: ReadonlyMap<number, Bytes>,
  known: (id: number) => boolean,
): Map<number, Bytes> {
  const out = new Map(next);
  for (const [id, b] of prev) if (!out.has(id) && known(id)) out.set(id, b);
  return out;
}
