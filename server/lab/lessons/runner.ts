/**
 * Runs lessons (README "Lessons"): start, next, previous, end — one at a time (a second command
 * waits for the first to finish, so two tabs pressing Next cannot interleave two steps).
 *
 * Going forward enters the next step on the scene as it is: the story goes on. Going back cannot
 * undo what happened, so it rebuilds: the scene is reset (every manager connection removed, the
 * lab's peers stopped, the base rules set) and the enter actions of steps 1..k are run again, in
 * order. So step k after Previous is the same scene as step k reached going forward — the same
 * peers by behaviour, entries, rules and lesson state — only with its history starting over.
 * Starting a lesson is the same rebuild, to step 1.
 */
import { LESSON_NAMES, LESSON_TITLES, type LessonName, type LessonState } from '../../protocol/lessons.ts';
import { LabError } from '../errors.ts';
import { Scene, SceneEnded, type LessonStage } from './scene.ts';
import type { LessonDef, LessonStep } from './types.ts';

/** What every lesson starts from, before its own steps (lesson time; the lab's own defaults). */
export const LESSON_BASE_CONFIG = {
  targetOutbound: 0,
  backoff: 'linear',
  retryDelayMs: 2_000,
  maxRetryDelayMs: 30_000,
  dialTimeoutMs: 5_000,
  idleTimeoutMs: 0,
  inboundPolicy: 'shed',
  maxInbound: 16,
} as const;

export interface LessonRunnerOptions {
  defs: Readonly<Record<LessonName, LessonDef>>;
  /**
   * A quiet, empty stage for a new scene: no scenario, trickle or flood, no lab peer running, an
   * empty address book, no manager connection. Throws (a LabError) when lessons cannot run.
   */
  reset(): Promise<LessonStage>;
  /** The lesson's state changed (the lab reports it in `state()`). */
  onChange(): void;
}

interface Run {
  def: LessonDef;
  /** The current step, from 0. */
  index: number;
  scene: Scene;
}

export class LessonRunner {
  readonly #opts: LessonRunnerOptions;
  #run: Run | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: LessonRunnerOptions) {
    this.#opts = options;
  }

  /** The running lesson's scene (tests read its peers and ids by name). */
  get scene(): Scene | undefined {
    return this.#run?.scene;
  }

  state(): LessonState | undefined {
    const run = this.#run;
    if (!run) return undefined;
    const step = run.def.steps[run.index]!;
    return {
      name: run.def.name,
      title: LESSON_TITLES[run.def.name],
      step: run.index + 1,
      steps: run.def.steps.length,
      stepTitle: step.title,
      narration: step.narration,
      rules: [...step.rules],
      log: [...run.scene.log],
    };
  }

  /** Resets to the lesson's scene at step 1. @throws LabError `ERR_LAB_INVALID_ARGUMENT` for an unknown name. */
  start(name: LessonName): Promise<LessonState> {
    return this.#serial(async () => {
      const def = (LESSON_NAMES as readonly string[]).includes(name) ? this.#opts.defs[name] : undefined;
      if (!def) {
        throw new LabError('ERR_LAB_INVALID_ARGUMENT', `unknown lesson ${JSON.stringify(name)}; use one of ${LESSON_NAMES.join(', ')}`);
      }
      await this.#rebuild(def, 0);
      return this.state()!;
    });
  }

  /**
   * Next: enters the next step on the scene as it is. Previous: rebuilds the scene up to the
   * step before. @throws LabError `ERR_LAB_NO_LESSON` without a lesson, `ERR_LAB_INVALID_ARGUMENT`
   * past either end (the lesson stays where it is).
   */
  step(direction: 'next' | 'prev'): Promise<LessonState> {
    return this.#serial(async () => {
      const run = this.#run;
      if (!run) throw new LabError('ERR_LAB_NO_LESSON', 'no lesson is running; start one first');
      const n = run.def.steps.length;
      const title = LESSON_TITLES[run.def.name];
      if (direction === 'next') {
        if (run.index + 1 >= n) {
          throw new LabError('ERR_LAB_INVALID_ARGUMENT', `"${title}" is at its last step (${n} of ${n}): end it, or go back`);
        }
        run.index += 1;
        this.#opts.onChange();
        await this.#enter(run.def.steps[run.index]!, run.scene);
      } else {
        if (run.index === 0) throw new LabError('ERR_LAB_INVALID_ARGUMENT', `"${title}" is at its first step: there is no previous one`);
        await this.#rebuild(run.def, run.index - 1);
      }
      return this.state()!;
    });
  }

  /** Ends the lesson: its timers and inbound clients stop; its peers and connections stay. A no-op without one. */
  stop(): Promise<void> {
    return this.#serial(async () => {
      this.#endRun();
    });
  }

  /** For the lab's own stop: ends the scene now; later commands fail. */
  close(): void {
    this.#closed = true;
    this.#endRun();
  }

  #endRun(): void {
    if (!this.#run) return;
    this.#run.scene.end();
    this.#run = undefined;
    this.#opts.onChange();
  }

  async #rebuild(def: LessonDef, upTo: number): Promise<void> {
    this.#endRun();
    const stage = await this.#opts.reset();
    if (this.#closed) return;
    const scene = new Scene(stage, () => this.#opts.onChange());
    scene.configure(LESSON_BASE_CONFIG);
    const run: Run = { def, index: upTo, scene };
    this.#run = run;
    this.#opts.onChange();
    for (let i = 0; i <= upTo && !scene.ended; i++) await this.#enter(def.steps[i]!, scene);
  }

  async #enter(step: LessonStep, scene: Scene): Promise<void> {
    try {
      await step.enter?.(scene);
    } catch (err) {
      if (err instanceof SceneEnded) return;
      // A step that could not set its scene (a peer that could not bind, the manager stopping):
      // the lesson stays at the step and says so, rather than failing half-entered.
      scene.note(`this step could not finish setting up: ${(err as Error).message}`);
    }
  }

  #serial<T>(work: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.#closed) throw new LabError('ERR_LAB_STOPPED', 'the lab is stopped; start a new one');
      return work();
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }
}
