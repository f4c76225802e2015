/**
 * The lessons (README "Lessons"), keyed by their protocol names: the compiler checks that every
 * name of `LESSON_NAMES` has its story and no story lacks a name.
 */
import type { LessonName } from '../../protocol/lessons.ts';
import { inboundFlood, outageThrottle } from './limits.ts';
import { persistentBackoff, stableConnection } from './persistent.ts';
import { disconnectRemove, duplicates } from './requests.ts';
import { dialTimeout, idleTimeout } from './timeouts.ts';
import type { LessonDef } from './types.ts';

export const LESSON_DEFS: Readonly<Record<LessonName, LessonDef>> = {
  'persistent-backoff': persistentBackoff,
  'stable-connection': stableConnection,
  'outage-throttle': outageThrottle,
  'inbound-flood': inboundFlood,
  'dial-timeout': dialTimeout,
  'idle-timeout': idleTimeout,
  duplicates,
  'disconnect-remove': disconnectRemove,
};

export { LESSON_BASE_CONFIG, LessonRunner, type LessonRunnerOptions } from './runner.ts';
export { Scene, SceneEnded, waitOnManager, type LessonStage } from './scene.ts';
export type { ExpectedEvent, LessonDef, LessonManager, LessonScene, LessonStep, ScenePeer, ScenePeerOptions } from './types.ts';
