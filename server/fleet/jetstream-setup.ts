/**
 * The stream and the KV bucket every node and fleet dashboard uses (docs/fleet.md, "Names").
 * Whoever connects first creates them; later ones use them as they are (an existing stream keeps
 * its limits: changing them is an operator's act, `nats stream edit`).
 */
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { FLEET_KV_BUCKET, FLEET_STREAM, FLEET_STREAM_SUBJECTS } from '../protocol/index.ts';

/** How long the stream keeps events, and how much, unless told otherwise. */
export const DEFAULT_STREAM_MAX_AGE_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_STREAM_MAX_BYTES = 1024 * 1024 * 1024;
/** A retried publish within this window is stored once (JetStream's msg id deduplication). */
export const DUPLICATE_WINDOW_MS = 2 * 60 * 1000;

export interface StreamLimits {
  readonly maxAgeMs: number;
  readonly maxBytes: number;
}

const nanos = (ms: number): number => ms * 1_000_000;

/** Creates the stream when it does not exist; returns the manager. */
export async function ensureStream(nc: NatsConnection, limits: StreamLimits): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(FLEET_STREAM);
  } catch {
    // Another node may create it at the same moment: then its add fails and the stream is there.
    await jsm.streams
      .add({
        name: FLEET_STREAM,
        subjects: [...FLEET_STREAM_SUBJECTS],
        max_age: nanos(limits.maxAgeMs),
        max_bytes: limits.maxBytes,
        duplicate_window: nanos(Math.min(DUPLICATE_WINDOW_MS, limits.maxAgeMs)),
      })
      .catch(async (err: unknown) => {
        await jsm.streams.info(FLEET_STREAM).catch(() => {
          throw err;
        });
      });
  }
  return jsm;
}

/** The node bucket (created when missing). */
export async function openBucket(nc: NatsConnection): Promise<KV> {
  const kvm = new Kvm(nc);
  try {
    const kv = await kvm.open(FLEET_KV_BUCKET);
    await kv.status(); // open() alone does not say whether the bucket exists
    return kv;
  } catch {
    return kvm.create(FLEET_KV_BUCKET, { history: 1 });
  }
}
