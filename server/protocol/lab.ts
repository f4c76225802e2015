/**
 * The embedded lab as the protocol sees it: peer behaviours, the lab's state, and the interface
 * (`LabApi`) that server/lab implements and server/bridge calls. Types derive from the schemas.
 * No imports from Node or the rest of the server: the page imports this file too.
 */
import * as v from 'valibot';
import { LessonStateSchema, type LessonName, type LessonState } from './lessons.ts';

/** What a lab peer does with the connections it gets. */
export const PEER_BEHAVIOURS = ['stable', 'refuse', 'hang', 'flap', 'reset', 'slow', 'blackhole', 'misbehave'] as const;
export const PeerBehaviourSchema = v.picklist(PEER_BEHAVIOURS);
export type PeerBehaviour = v.InferOutput<typeof PeerBehaviourSchema>;

/** One line per behaviour, for the page's legend and the README. */
export const PEER_BEHAVIOUR_DESCRIPTIONS: Record<PeerBehaviour, string> = {
  stable: 'accepts and stays up, sending a small heartbeat',
  refuse: 'nothing listens on its port: dials are refused',
  hang: 'accepts, then never sends a byte (idle timeout bait)',
  flap: 'accepts, then closes the connection after a while',
  reset: 'accepts, then resets the connection (RST)',
  slow: 'accepts only after a long delay',
  blackhole: 'never completes the handshake: the dial times out',
  misbehave: 'accepts, then sends garbage the lab node penalizes until it bans the host',
};

export const LabPeerSchema = v.object({
  /** Lab-local name, e.g. `p3`. */
  peerId: v.string(),
  behaviour: PeerBehaviourSchema,
  /** `127.0.0.1:port` the manager dials. */
  addr: v.string(),
  state: v.picklist(['running', 'stopped']),
  /** Connections this peer has accepted so far. */
  accepted: v.number(),
});
export type LabPeer = v.InferOutput<typeof LabPeerSchema>;

export const LabFloodSchema = v.object({
  active: v.boolean(),
  /** Connections the flood tries to hold open at once. */
  connections: v.number(),
  /** New connections attempted per second. */
  ratePerSec: v.number(),
  /** Connections the flood has opened so far, and those refused or closed on it. */
  opened: v.number(),
  closedByServer: v.number(),
});
export type LabFlood = v.InferOutput<typeof LabFloodSchema>;

export const LabStateSchema = v.object({
  enabled: v.boolean(),
  seed: v.number(),
  peers: v.array(LabPeerSchema),
  flood: LabFloodSchema,
  /** The btcd-like address book feeding automatic outbound. */
  addressBook: v.object({ size: v.number(), tried: v.number() }),
  /**
   * Speed of the manager's clock (README "Slow motion and freeze"): 1 real time, 0.1–0.5 slow
   * motion, 0 frozen. Absent: the manager runs on the real clock.
   */
  speed: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  /** The lesson being taught (README "Lessons"); absent when none runs. */
  lesson: v.optional(LessonStateSchema),
});
export type LabState = v.InferOutput<typeof LabStateSchema>;

export const FloodOptionsSchema = v.object({
  connections: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2000)),
  ratePerSec: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
});
export type FloodOptions = v.InferOutput<typeof FloodOptionsSchema>;

/**
 * What the bridge may ask of the lab. Operational failures throw an Error with a string `code`
 * (`ERR_LAB_NOT_FOUND`, `ERR_LAB_LIMIT`, …) and a message a person can act on.
 */
export interface LabApi {
  state(): LabState;
  addPeer(behaviour: PeerBehaviour): Promise<LabPeer>;
  /** `count` more peers of one behaviour at once (all or none: the limit is checked first). */
  addPeers(behaviour: PeerBehaviour, count: number): Promise<LabPeer[]>;
  stopPeer(peerId: string): Promise<void>;
  /** Stops every running peer of a behaviour; resolves with how many. */
  stopPeers(behaviour: PeerBehaviour): Promise<number>;
  startFlood(options: FloodOptions): void;
  stopFlood(): void;
  /** Sets the manager clock's speed (0 freezes it). */
  setSpeed(speed: number): void;
  /**
   * Starts a lesson at its first step: the lab and the manager are reset to the lesson's scene.
   * Resolves with the lesson as it is then.
   */
  startLesson(name: LessonName): Promise<LessonState>;
  /** The running lesson's next or previous step (previous replays the scene up to it). */
  stepLesson(direction: 'next' | 'prev'): Promise<LessonState>;
  /** Ends the running lesson (its own timers stop; the scene stays). A no-op without one. */
  stopLesson(): Promise<void>;
  /** Called after every change of `state()`; returns the unsubscribe function. */
  onChange(listener: (state: LabState) => void): () => void;
}
