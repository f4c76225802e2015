/**
 * Lessons (README "Lessons"): named, deterministic lab stories an instructor steps through. The
 * catalog (names and titles) lives here so that the page can offer them without importing the
 * server; the stories themselves (steps, narration, actions) are in server/lab/lessons/, keyed by
 * these names (the compiler keeps both lists the same). A running lesson is part of the lab's
 * state (`LabState.lesson`), so every tab sees it through `lab:state`.
 */
import * as v from 'valibot';
import { RuleIdSchema } from './rule-ids.ts';

export const LESSON_NAMES = [
  'persistent-backoff',
  'stable-connection',
  'outage-throttle',
  'inbound-flood',
  'dial-timeout',
  'idle-timeout',
  'duplicates',
  'disconnect-remove',
] as const;
export type LessonName = (typeof LESSON_NAMES)[number];

/** Each lesson's title, as the picker and the narration panel show it. */
export const LESSON_TITLES: Record<LessonName, string> = {
  'persistent-backoff': 'Persistent backoff growing to the cap',
  'stable-connection': 'The stable-connection rule: a long life vs a quick drop',
  'outage-throttle': 'Outage: 25 failures, throttle, recovery',
  'inbound-flood': 'Inbound flood: shed vs pause',
  'dial-timeout': 'Dial timeout to a black hole',
  'idle-timeout': 'Idle timeout kick',
  duplicates: 'Duplicate connect rules',
  'disconnect-remove': 'Disconnect vs remove',
};

/** The catalog in the order the picker lists it. */
export const LESSONS: ReadonlyArray<{ name: LessonName; title: string }> = LESSON_NAMES.map((name) => ({
  name,
  title: LESSON_TITLES[name],
}));

export const LessonNameSchema = v.picklist(LESSON_NAMES, `unknown lesson; use one of ${LESSON_NAMES.join(', ')}`);

/** Most lines a step's own log keeps (what its actions did: a refused `connect`, a peer added). */
export const MAX_LESSON_LOG = 20;

/** The running lesson, as the narration panel shows it. */
export const LessonStateSchema = v.object({
  name: LessonNameSchema,
  title: v.string(),
  /** The current step, from 1. */
  step: v.pipe(v.number(), v.integer(), v.minValue(1)),
  /** How many steps the lesson has. */
  steps: v.pipe(v.number(), v.integer(), v.minValue(1)),
  stepTitle: v.string(),
  /** What to watch, in a few plain sentences. */
  narration: v.string(),
  /** The rules this step shows (README "Rule ids"). */
  rules: v.array(RuleIdSchema),
  /**
   * What the lesson's actions did so far in this scene ("connect 127.0.0.1:20113 again:
   * ERR_ALREADY_CONNECTED …"): refusals that are no event, and the peers it made.
   */
  log: v.pipe(v.array(v.string()), v.maxLength(MAX_LESSON_LOG)),
});
export type LessonState = v.InferOutput<typeof LessonStateSchema>;
