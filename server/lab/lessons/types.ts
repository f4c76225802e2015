/**
 * What a lesson is (README "Lessons"): a declarative story of a few steps, each with what to watch
 * (narration), the rules it shows, the actions that set its scene (`enter`) and what those
 * actions must make the manager report (`expect`, which the tests check). Definitions are pure
 * data plus `enter` functions over a `LessonScene`; the runner (runner.ts) and the scene
 * (scene.ts) do the rest.
 */
import type { ConnManager, ConnReason, ConnState, ConnType, ListenerState, LiveOptions, RejectReason } from '../../connmgr/index.ts';
import type { FloodOptions, PeerBehaviour } from '../../protocol/lab.ts';
import type { LessonName } from '../../protocol/lessons.ts';
import type { RuleId } from '../../protocol/events.ts';

/** What a lesson uses of the manager (its public API). */
export type LessonManager = Pick<
  ConnManager,
  'on' | 'state' | 'config' | 'configure' | 'connect' | 'addPersistent' | 'disconnect' | 'remove' | 'list' | 'get' | 'listeners' | 'stats'
>;

/** A lab peer the scene made, by the name a lesson gave it. */
export interface ScenePeer {
  readonly peerId: string;
  readonly behaviour: PeerBehaviour;
  readonly addr: string;
  readonly port: number;
}

export interface ScenePeerOptions {
  /** In the address book, so automatic outbound may dial it. @default false */
  inBook?: boolean;
  /** Taken down at once (a listening peer that refuses until `setDown(name, false)`). @default false */
  down?: boolean;
  /** The peer hangs up each connection this long (lesson time) after accepting it; 0 = at once. @default never */
  hangUpAfterMs?: number;
}

/**
 * The stage a step acts on. Every duration a lesson gives it (in `configure`, `after`,
 * `hangUpAfterMs`) is lesson time: the lab may run lessons faster (tests), and timers run on the
 * manager's clock, so slow motion slows them too. Everything the scene starts ends with it.
 */
export interface LessonScene {
  readonly manager: LessonManager;
  /** `manager.configure`, with the durations scaled to the lab's lesson time. */
  configure(patch: LiveOptions): void;
  /** Starts a lab peer, known to later steps by `name`. */
  addPeer(name: string, behaviour: PeerBehaviour, options?: ScenePeerOptions): Promise<ScenePeer>;
  peer(name: string): ScenePeer;
  /** Takes a listening peer down (dials refused) or brings it back on the same port. */
  setDown(name: string, down: boolean): Promise<void>;
  /** Remembers a connection id for later steps. */
  keep(name: string, id: number): void;
  id(name: string): number;
  /** Runs `fn` after `ms` of lesson time (on the manager's clock), unless the scene ends first. */
  after(ms: number, fn: () => void): void;
  /**
   * Waits until `check()` holds (re-checked on every manager event), at most `timeoutMs` of real
   * time; resolves false (and logs what did not happen) if it does not.
   */
  until(what: string, check: () => boolean, timeoutMs?: number): Promise<boolean>;
  startFlood(options: FloodOptions): void;
  stopFlood(): void;
  /** Opens an inbound connection to the manager's listener from 127.0.0.1:`localPort`. */
  dialFrom(localPort: number): void;
  /** One line in the lesson's log (what an action did). */
  note(line: string): void;
  /**
   * Runs an action that may be refused, and logs `what` with its outcome ("ok" or the error's
   * code and message). Resolves with the action's value, or undefined when it failed.
   */
  attempt<T>(what: string, action: () => T | Promise<T>): Promise<T | undefined>;
}

/** An event a step must make the manager report (a partial match). */
export type ExpectedEvent =
  | {
      kind: 'conn:state';
      to: ConnState;
      reason?: ConnReason;
      rule: RuleId;
      type?: ConnType;
      persistent?: boolean;
      /** Of the connection to the scene's peer of this name. */
      peer?: string;
    }
  | { kind: 'inbound:rejected'; reason: RejectReason; rule: RuleId }
  | { kind: 'outbound:throttled'; rule: RuleId }
  | { kind: 'listener:state'; state: ListenerState; rule: RuleId }
  /** A line of the lesson's log containing this text (a refusal that is no event). */
  | { kind: 'log'; includes: string };

export interface LessonStep {
  title: string;
  /** What to watch: two to four plain sentences. */
  narration: string;
  /** The rules this step shows (README "Rule ids"); the page links each to the help. */
  rules: readonly RuleId[];
  /** Sets the step's scene, on top of the previous steps' (see runner.ts for going back). */
  enter?(scene: LessonScene): Promise<void> | void;
  /** What entering the step makes the manager report, within `watchMs`. */
  expect: readonly ExpectedEvent[];
  /** Lesson time the step needs to show all of `expect` (the longest wait it narrates). */
  watchMs: number;
}

export interface LessonDef {
  name: LessonName;
  steps: readonly LessonStep[];
}
