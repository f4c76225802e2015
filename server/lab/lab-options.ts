/**
 * The lab's options and its default peer mix (README, "The lab"), apart from the lab itself.
 */
import type { ScaledClock } from '../connmgr/scaled-clock.ts';
import type { PeerBehaviour } from '../protocol/lab.ts';
import type { LabScenario } from './scenario.ts';
import type { LabTimings } from './timings.ts';

/** How many peers of one behaviour to start. */
export interface PeerMixEntry {
  behaviour: PeerBehaviour;
  count: number;
}

/** The mix `npm start` shows: a living network with one of each trouble. */
export const defaultLabMix: readonly PeerMixEntry[] = [
  { behaviour: 'stable', count: 10 },
  { behaviour: 'refuse', count: 2 },
  { behaviour: 'hang', count: 2 },
  { behaviour: 'flap', count: 2 },
  { behaviour: 'reset', count: 1 },
  { behaviour: 'slow', count: 1 },
  { behaviour: 'blackhole', count: 1 },
];

export interface LabStartOptions {
  /** Seed of every random choice. @default 1 */
  seed?: number;
  /** Peers to start, in a seeded shuffled order. @default defaultLabMix */
  peers?: readonly PeerMixEntry[];
  /**
   * `host:port` of the manager's listener (read each time, so it may become known after start),
   * for the trickle and the flood. Without it there is no inbound load. @default undefined
   */
  managerListen?: () => string | undefined;
  /** Run the gentle inbound trickle. @default true when `managerListen` is given */
  trickle?: boolean;
  /**
   * The manager's clock, when the lab may slow it down or freeze it (`lab.setSpeed`; README
   * "Slow motion and freeze"). The lab's own schedule stays on real time. @default none
   */
  managerClock?: ScaledClock;
  /** Multiplies every lab duration (0.1 = ten times faster). @default 1 */
  timeScale?: number;
  /**
   * Multiplies every duration a lesson sets (the manager's delays and timeouts, a peer's hang-up):
   * tests run lessons faster; a class keeps 1. @default 1
   */
  lessonTimeScale?: number;
  /** Overrides of individual durations (before `timeScale`). @default DEFAULT_TIMINGS */
  timings?: Partial<LabTimings>;
  /** Running peers allowed; `addPeer` past it throws `ERR_LAB_LIMIT`. @default 200 */
  maxPeers?: number;
  /** Stopped peers kept in `state()` (oldest dropped first). @default 50 */
  maxStoppedPeers?: number;
  /** Ports are drawn (seeded) from [min, max); below Linux's ephemeral range so no client socket takes them. @default [20000, 32000] */
  portRange?: readonly [number, number];
  /** `onChange` listeners are called at most once per this many ms. @default 100 */
  changeThrottleMs?: number;
  /**
   * `lively` (what `npm start` runs): one more `stable` peer, outside the address book, that the
   * first attached manager keeps as a failing persistent peer, plus restarts, a silent client and
   * inbound bursts (scenario.ts). `quiet`: the mix and the trickle only. @default 'quiet'
   */
  scenario?: LabScenario;
}

/** Where lab peers listen (but `misbehave` ones). */
export const HOST = '127.0.0.1';

/**
 * A `misbehave` peer listens on a loopback address of its own (Linux routes all of 127/8 to lo),
 * so that the ban it earns — bans are per host — shuts out it alone, not the whole lab.
 */
export function misbehaveHost(peerNumber: number): string {
  return `127.0.1.${(peerNumber % 254) + 1}`;
}
