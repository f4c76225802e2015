/**
 * Lessons on the manager's limits: the automatic outbound outage pause (README rule 1) and the
 * inbound limit's two policies (rule 6).
 */
import type { LessonDef } from './types.ts';

/** Dead addresses in the book: more than the target, so the filler never runs out of them. */
const DEAD_PEERS = 6;
const LIVE_PEERS = 4;

export const outageThrottle: LessonDef = {
  name: 'outage-throttle',
  steps: [
    {
      title: 'Every address is dead',
      narration:
        'The address book now holds only addresses of nodes that are gone, and the target is 4 automatic connections. ' +
        'Every automatic dial is refused and ends (one-shot-dial-failed); the filler replaces it with a fresh address ' +
        'and a new id (replace-failed-outbound). Watch the failures-in-a-row counter climb towards maxFailedAttempts (25).',
      rules: ['replace-failed-outbound', 'one-shot-dial-failed'],
      async enter(scene) {
        for (let i = 1; i <= DEAD_PEERS; i++) await scene.addPeer(`dead${i}`, 'refuse', { inBook: true });
        scene.note(`${DEAD_PEERS} dead addresses in the address book`);
        scene.configure({ targetOutbound: 4 });
      },
      expect: [
        { kind: 'conn:state', to: 'canceled', reason: 'dial-refused', rule: 'one-shot-dial-failed', type: 'outbound' },
        { kind: 'conn:state', to: 'pending', reason: 'requested', rule: 'replace-failed-outbound', type: 'outbound' },
      ],
      watchMs: 1_000,
    },
    {
      title: 'Throttled: one attempt per retryDelayMs',
      narration:
        'Past 25 failures in a row the manager stops hammering: it allows one new automatic attempt per retryDelayMs ' +
        '(2 s), each announced by outbound:throttled (rule outage-pause). An outage costs at most 25 + 4 − 1 dials, then ' +
        'one every 2 s, however long it lasts.',
      rules: ['outage-pause'],
      expect: [
        { kind: 'outbound:throttled', rule: 'outage-pause' },
        { kind: 'conn:state', to: 'pending', reason: 'requested', rule: 'outage-pause', type: 'outbound' },
      ],
      watchMs: 4_000,
    },
    {
      title: 'Recovery',
      narration:
        'Four live nodes appear in the address book. The next throttled attempt reaches one of them (the book hands ' +
        'out untried addresses first) and succeeds: the failure count goes back to 0, and the target fills at full ' +
        'speed again (outbound-fill).',
      rules: ['dial-succeeded', 'outbound-fill'],
      async enter(scene) {
        for (let i = 1; i <= LIVE_PEERS; i++) await scene.addPeer(`live${i}`, 'stable', { inBook: true });
        scene.note(`${LIVE_PEERS} live addresses added to the address book`);
      },
      expect: [
        { kind: 'conn:state', to: 'established', reason: 'dial-succeeded', rule: 'dial-succeeded', type: 'outbound' },
        { kind: 'conn:state', to: 'pending', reason: 'requested', rule: 'outbound-fill', type: 'outbound' },
      ],
      watchMs: 4_000,
    },
  ],
};

export const inboundFlood: LessonDef = {
  name: 'inbound-flood',
  steps: [
    {
      title: 'Policy shed',
      narration:
        "A flood tries to hold 12 connections open on the manager's listener, which admits 4 (maxInbound). With policy " +
        'shed, each one past the limit is accepted, sent one "ERROR Too many open connections" line and closed at once: ' +
        'inbound:rejected, reason limit (rule inbound-limit-shed). The flood keeps knocking, so the count keeps rising.',
      rules: ['inbound-accept', 'inbound-limit-shed'],
      enter(scene) {
        scene.configure({ maxInbound: 4, inboundPolicy: 'shed' });
        scene.startFlood({ connections: 12, ratePerSec: 20 });
        scene.note('flood: 12 connections at 20/s');
      },
      expect: [
        { kind: 'conn:state', to: 'established', reason: 'accepted', rule: 'inbound-accept', type: 'inbound' },
        { kind: 'inbound:rejected', reason: 'limit', rule: 'inbound-limit-shed' },
      ],
      watchMs: 2_000,
    },
    {
      title: 'Policy pause',
      narration:
        'Now policy pause: at the limit the manager stops accepting — the listener is paused (rule inbound-limit-pause) ' +
        "and the kernel refuses the flood's new connections, so nothing is shed any more. The 4 admitted connections stay.",
      rules: ['inbound-limit-pause'],
      enter(scene) {
        scene.configure({ inboundPolicy: 'pause' });
      },
      expect: [{ kind: 'listener:state', state: 'paused', rule: 'inbound-limit-pause' }],
      watchMs: 1_000,
    },
    {
      title: 'The flood ends',
      narration:
        'The flood closes its connections. Slots free up, and the listener listens again (listener:state listening, ' +
        'with the rule that had paused it).',
      rules: ['inbound-limit-pause'],
      enter(scene) {
        scene.stopFlood();
        scene.note('flood stopped');
      },
      expect: [{ kind: 'listener:state', state: 'listening', rule: 'inbound-limit-pause' }],
      watchMs: 1_000,
    },
  ],
};
