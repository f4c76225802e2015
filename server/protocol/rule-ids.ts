import * as v from 'valibot';

/**
 * Which README manager rule chose where a connection went (README "Rule ids"); `reason` says what
 * happened, `rule` why the connection then went where it went.
 */
export const RULE_IDS = [
  'connect-request',
  'persistent-add',
  'outbound-fill',
  'replace-failed-outbound',
  'outage-pause',
  'dial-succeeded',
  'inbound-accept',
  'persistent-backoff',
  'persistent-retry',
  'stable-connection',
  'one-shot-dial-failed',
  'dial-timeout',
  'peer-closed',
  'idle-timeout',
  'disconnect',
  'remove',
  'connect-aborted',
  'handoff-close',
  'shutdown',
  'duplicate',
  'inbound-limit-shed',
  'inbound-limit-pause',
  'accept-exhausted',
  'inbound-per-host-limit',
  'inbound-rate-limit',
  'banned',
  'inbound-banned',
] as const;
export const RuleIdSchema = v.picklist(RULE_IDS);
export type RuleId = v.InferOutput<typeof RuleIdSchema>;
