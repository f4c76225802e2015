/**
 * Test support: one varied session of a real manager on real loopback sockets, recorded by the
 * bridge's own hub and `SessionRecording` — what the snapshot fold (server/protocol/snapshot-fold.ts)
 * and `connscope replay` are checked against. Not used by the server itself.
 *
 * The session: start (the listener binds a free port), a manual outbound connection, a one-shot
 * dial refused, a persistent peer that keeps failing (retries with backoff), a live `configure`,
 * inbound accepted and one shed at the limit, a disconnect, a persistent peer whose connection the
 * remote closes (it redials), the inbound policy switched to `pause` at the limit (the listener
 * pauses) and a slot freed (it listens again), a remove — and, with `stopManager`, the shutdown.
 */
import type { Socket } from 'node:net';
import { ConnManager, type ConnManagerEvents } from '../connmgr/index.ts';
import { testClient } from '../connmgr/test-helpers.ts';
import { PROTOCOL_VERSION, RECORDING_FORMAT, RECORDING_VERSION, type ConnStats, type Snapshot } from '../protocol/index.ts';
import { Hub } from './hub.ts';
import { SessionRecording } from './recorder.ts';
import { listenerAddr, startTcpPeer } from './testing.ts';
import { quietLogger, refusedAddr, waitFor } from '../test-support.ts';

export interface RecordedSession {
  /** The recording as NDJSON text (what `/api/recording` would download). */
  readonly text: string;
  /** The manager's snapshot taken inside the listener of each event, by seq (the hub numbered it just before). */
  readonly atEvent: ReadonlyMap<number, Snapshot>;
  /**
   * The manager's snapshot and counters at quiet moments (between turns, when every counter of
   * the turn is updated): the one before the shutdown, and with `stopManager` the one after it.
   */
  readonly quiet: readonly { seq: number; snapshot: Snapshot; stats: ConnStats }[];
  /** Keyframes written (the session uses a short keyframe interval so that there are several). */
  readonly keyframes: number;
}

const MANAGER_EVENTS: Array<keyof ConnManagerEvents> = [
  'conn:state',
  'inbound:rejected',
  'listener:state',
  'outbound:throttled',
  'manager:state',
  'config:changed',
];

/** Runs the session and returns its recording; every socket, server and timer is closed after. */
export async function recordSession(o: { stopManager?: boolean; keyframeEvery?: number } = {}): Promise<RecordedSession> {
  const peer = await startTcpPeer();
  const refused = await refusedAddr();
  const refusedPersistent = await refusedAddr();
  const manager = new ConnManager({
    listen: [{ host: '127.0.0.1', port: 0 }],
    targetOutbound: 0,
    dialTimeoutMs: 2000,
    retryDelayMs: 30,
    maxRetryDelayMs: 60,
    maxInbound: 1,
    inboundPolicy: 'shed',
    logger: quietLogger,
  });
  const hub = new Hub({
    manager,
    lab: undefined,
    control: { host: '127.0.0.1', token: undefined },
    ringSize: 10_000,
    batchMs: 5,
    batchMax: 500,
    statsMs: 15,
    highWaterBytes: 1024 ** 2,
    hardLimitBytes: 8 * 1024 ** 2,
    heartbeatMs: 0,
    drainCheckMs: 100,
    rateLimit: { perSec: 100, burst: 100, bytesPerSec: 1024 ** 2, burstBytes: 1024 ** 2 },
  });
  const recording = new SessionRecording({
    header: {
      type: 'recording',
      format: RECORDING_FORMAT,
      version: RECORDING_VERSION,
      protocol: PROTOCOL_VERSION,
      app: 'connscope test',
      runId: hub.runId,
      startedAt: Date.now(),
      config: manager.config(),
      lab: null,
    },
    start: hub.apiSnapshot().snapshot,
    maxBytes: 64 * 1024 ** 2,
    keyframeEvery: o.keyframeEvery ?? 6,
  });
  const statsSamples: number[] = [];
  const untap = [
    hub.tap(recording),
    hub.tap({
      event: () => undefined,
      stats: (json) => void statsSamples.push((JSON.parse(json) as { seq: number }).seq),
      batchEnd: () => undefined,
    }),
  ];
  // Subscribed after the hub: each listener runs once the hub has numbered the event.
  const atEvent = new Map<number, Snapshot>();
  const off = MANAGER_EVENTS.map((name) =>
    manager.on(name, () => {
      const seq = hub.counters().eventsTotal;
      atEvent.set(seq, { seq, ...manager.snapshot() });
    }),
  );
  const quiet: { seq: number; snapshot: Snapshot; stats: ConnStats }[] = [];
  const takeQuiet = (): void => {
    const seq = hub.counters().eventsTotal;
    quiet.push({ seq, snapshot: { seq, ...manager.snapshot() }, stats: manager.stats() });
  };
  const inbound: Socket[] = [];
  try {
    await manager.start();
    const port = Number(listenerAddr(manager).split(':').at(-1));
    const manual = await manager.connect(peer.addr);
    await manager.connect(refused).catch(() => undefined);
    const failing = manager.addPersistent(refusedPersistent);
    await waitFor(() => (manager.get(failing)?.attempt ?? 0) >= 3, 'the persistent peer retried', 5000);
    manager.configure({ backoff: 'exponential', retryDelayMs: 40, maxRetryDelayMs: 80 });
    inbound.push(await testClient(port));
    await waitFor(() => manager.stats().currByType.inbound === 1, 'inbound accepted', 5000);
    const shed = await testClient(port);
    inbound.push(shed);
    await waitFor(() => manager.stats().rejected.limit === 1, 'inbound shed at the limit', 5000);
    manager.disconnect(manual.id);
    // A persistent peer whose connection the remote side closes: the manager redials it.
    const accepted = peer.nextConnection();
    const kept = manager.addPersistent(peer.addr);
    await waitFor(() => manager.get(kept)?.state === 'established', 'persistent peer established', 5000);
    // Long-lived by the rule (older than retryDelayMs): the remote close is redialed at once.
    const since = manager.get(kept)!.establishedAt!;
    await waitFor(() => manager.now() - since > 200, 'the persistent connection lived a while', 5000);
    (await accepted).destroy();
    await waitFor(
      () => manager.get(kept)?.state === 'established' && manager.stats().totalEstablished === 3,
      'the persistent peer redialed after the remote closed',
      5000,
    );
    // At the limit under `pause`, the listener pauses; freeing the slot lets it listen again.
    manager.configure({ inboundPolicy: 'pause' });
    await waitFor(() => manager.listeners()[0]?.state === 'paused', 'listener paused', 5000);
    inbound[0]!.destroy();
    await waitFor(() => manager.listeners()[0]?.state === 'listening', 'listener listening again', 5000);
    // Removed while it waits to retry (failing → canceled), not in the moment of a redial.
    await waitFor(() => manager.get(failing)?.state === 'failing', 'the persistent peer waiting to retry', 5000);
    manager.remove(failing);
    // Let stats samples fall after the last events.
    const seqNow = hub.counters().eventsTotal;
    await waitFor(() => statsSamples.filter((seq) => seq >= seqNow).length >= 2, 'two stats samples after the last event', 5000);
    takeQuiet();
    if (o.stopManager) {
      await manager.stop();
      takeQuiet();
    }
  } finally {
    for (const s of inbound) s.destroy();
    for (const f of off) f();
    for (const u of untap) u();
    hub.close();
    await manager.stop();
    await peer.close();
  }
  const text = `${[...recording.lines()].join('\n')}\n`;
  return { text, atEvent, quiet, keyframes: recording.info().segments - 1 };
}
