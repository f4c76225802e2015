/** server/lab — the embedded lab (README, "The lab"). Depends on server/connmgr only through its public API. */
export { Lab, defaultLabMix, type LabManager, type LabStartOptions, type PeerMixEntry } from './lab.ts';
export { labJudge, GARBAGE_PENALTY } from './judge.ts';
export { AddressBook, type AddressBookOptions, type AddressEntry } from './address-book.ts';
export { LabError, LAB_ERROR_CODES, isLabError, type LabErrorCode } from './errors.ts';
export { createRng, mulberry32, streamSeed, type Rng } from './prng.ts';
export { DEFAULT_TIMINGS, scaleTimings, type LabTimings } from './timings.ts';
export { DEFAULT_FLOOD_RATE_PER_SEC, TRICKLE_MAX_OPEN } from './inbound.ts';
export {
  LAB_SCENARIOS,
  BURST_EXTRA,
  type LabScenario,
  type ScenarioPlan,
  type ScenarioOutage,
  type ScenarioRestart,
  type ScenarioBurst,
  type ScenarioPeerRef,
} from './scenario.ts';
