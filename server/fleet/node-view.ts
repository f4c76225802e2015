/**
 * One node's full view on the fleet dashboard (`/ws?node=NAME`, docs/fleet.md "Selecting a
 * node"): the live protocol — `hello`, `events`, `stats`, `reply` — with the node's snapshot, run
 * and seqs, so the page's graph, timeline, log, table, details and controls work as they do
 * against the node itself. Events come from the node's track (node-track.ts) in seq order;
 * commands go to the node over NATS after the dashboard's own checks.
 *
 * Close codes of ours: 4404 no such node; 4408 the node is stale or stopped (the page shows its
 * stale view and retries, and is served again once the node is live).
 */
import * as v from 'valibot';
import {
  PROTOCOL_VERSION,
  READ_ONLY_COMMANDS,
  ReplyMessageSchema,
  parseClientMessage,
  type BridgeStats,
  type ClientMessage,
  type HelloMessage,
  type StatsMessage,
} from '../protocol/index.ts';
import { controlAccess, type ControlPolicy } from '../bridge/access.ts';
import { errorReply, okReply } from '../bridge/commands.ts';
import { historyAnswer, resumeAnswer } from '../bridge/replay.ts';
import { withEvents } from '../bridge/wire-json.ts';
import type { FleetClient, FleetHub } from './fleet-hub.ts';
import type { NodeTrack } from './node-track.ts';

export const UNKNOWN_NODE_CLOSE = 4404;
export const NODE_NOT_LIVE_CLOSE = 4408;

export interface NodeViewsOptions {
  readonly control: ControlPolicy;
  readonly batchMs: number;
  readonly batchMax: number;
  readonly track: (node: string) => NodeTrack | undefined;
  /** Sends a command's JSON to the node and resolves to its reply's JSON (rejects when it does not answer). */
  readonly forward: (node: string, text: string) => Promise<string>;
  /** Clock for health (ms). */
  readonly now: () => number;
}

interface NodeChannel {
  readonly clients: Set<FleetClient>;
  pending: string[];
  timer: NodeJS.Timeout | undefined;
  /** Health when last looked at, to notice live → stale. */
  live: boolean;
  eventsSent: number;
  resyncs: number;
}

export class NodeViews {
  readonly #o: NodeViewsOptions;
  #hub: FleetHub | undefined;
  readonly #channels = new Map<string, NodeChannel>();

  constructor(o: NodeViewsOptions) {
    this.#o = o;
  }

  /** The hub is made with these views; it is handed back here once it exists. */
  bind(hub: FleetHub): void {
    this.#hub = hub;
  }

  /** View clients of `node`. */
  clientsOf(node: string): number {
    return this.#channels.get(node)?.clients.size ?? 0;
  }

  open(c: FleetClient): void {
    const node = c.node as string;
    const track = this.#o.track(node);
    if (!track) {
      this.#hub?.closeWith(c, UNKNOWN_NODE_CLOSE, `no node ${node}`);
      return;
    }
    const health = track.health(this.#o.now());
    if (health !== 'live') {
      // As if the node's own server were down: the page keeps (or shows) its stale view and
      // retries until the node is live again (or a new run of it is).
      this.#hub?.closeWith(c, NODE_NOT_LIVE_CLOSE, `node ${node} is ${health === 'stopped' ? 'stopped' : 'stale (no heartbeat)'}`);
      return;
    }
    const ch = this.#channel(node);
    ch.live = true;
    ch.clients.add(c);
    this.#hello(c, track, false);
  }

  closed(c: FleetClient): void {
    this.#channels.get(c.node as string)?.clients.delete(c);
  }

  /** In-order events of `node`, from its track. */
  events(node: string, jsons: string[]): void {
    const ch = this.#channels.get(node);
    if (!ch || ch.clients.size === 0) return;
    ch.pending.push(...jsons);
    if (ch.pending.length >= this.#o.batchMax) this.#flush(node, ch);
    else if (ch.timer === undefined) {
      ch.timer = setTimeout(() => this.#flush(node, ch), this.#o.batchMs);
      ch.timer.unref();
    }
  }

  /** The track started over (new run, bridged gap): every view of it gets a fresh `hello`. */
  reset(node: string, cause: 'run' | 'gap'): void {
    const ch = this.#channels.get(node);
    if (!ch) return;
    ch.pending = [];
    const track = this.#o.track(node);
    if (!track) return;
    for (const c of ch.clients) this.#hello(c, track, cause === 'gap');
  }

  /** Every FLEET_UPDATE_MS: `stats`, drained clients resynced, a node gone stale closes its views. */
  tick(): void {
    const now = this.#o.now();
    for (const [node, ch] of this.#channels) {
      const track = this.#o.track(node);
      const live = track?.health(now) === 'live';
      if (ch.live && !live) {
        const why = track?.status?.state === 'stopped' ? 'stopped' : 'stale (no heartbeat)';
        for (const c of [...ch.clients]) this.#hub?.closeWith(c, NODE_NOT_LIVE_CLOSE, `node ${node} is ${why}`);
      } else if (!ch.live && live && track) {
        // Back: the read-only views opened meanwhile get control (and the state) afresh.
        for (const c of ch.clients) this.#hello(c, track, true);
      }
      ch.live = live;
      if (!track) continue;
      for (const c of ch.clients) {
        if (this.#hub?.drained(c)) {
          c.behind = false;
          ch.resyncs += 1;
          this.#hello(c, track, true);
        }
      }
      this.#flush(node, ch); // so that the stats' seq is one every client has been sent
      const stats = this.#stats(track, ch);
      if (stats) for (const c of ch.clients) if (!c.behind && !c.awaitingHello) this.#hub?.sendDelta(c, stats);
    }
  }

  message(c: FleetClient, text: string): void {
    const hub = this.#hub;
    const node = c.node as string;
    const track = this.#o.track(node);
    if (!hub || !track) return;
    const parsed = parseClientMessage(text);
    if (!parsed.ok) {
      hub.send(c, JSON.stringify(errorReply(parsed.id ?? null, parsed.command, parsed.error)));
      return;
    }
    const msg: ClientMessage = parsed.msg;
    if (!READ_ONLY_COMMANDS.includes(msg.type) && !this.#mayControl(c, msg.token)) {
      hub.send(
        c,
        JSON.stringify(
          errorReply(msg.id, msg.type, { code: 'ERR_READ_ONLY', message: c.readOnlyReason ?? 'this client may not control the fleet' }),
        ),
      );
      return;
    }
    const ch = this.#channel(node);
    if (msg.type === 'resume') {
      this.#flush(node, ch, c);
      const sameRun = msg.runId === undefined || msg.runId === track.runId;
      const answer = sameRun && !c.awaitingHello ? resumeAnswer(track.ring, c.budget.replay, msg.fromSeq, this.#o.batchMax) : undefined;
      if (!answer) {
        ch.resyncs += 1;
        this.#hello(c, track, true);
        hub.send(c, JSON.stringify(okReply(msg.id, 'resume', { mode: 'resynced', seq: track.receivedSeq })));
        return;
      }
      for (const t of answer.messages) hub.send(c, t);
      ch.eventsSent += answer.events;
      hub.send(c, JSON.stringify(okReply(msg.id, 'resume', { mode: 'resumed', seq: track.receivedSeq })));
      return;
    }
    if (msg.type === 'history') {
      const answer = historyAnswer(track.ring, c.budget.replay, msg);
      hub.send(c, answer.ok ? answer.text : JSON.stringify(errorReply(msg.id, 'history', answer.error)));
      return;
    }
    // The node applies its own token rule: it gets the page's token unless the command has one.
    const forwarded = { ...msg, ...(msg.token === undefined && c.token !== null ? { token: c.token } : {}) };
    void this.#o.forward(node, JSON.stringify(forwarded)).then(
      (replyText) => {
        const reply = v.safeParse(ReplyMessageSchema, safeJson(replyText));
        if (reply.success && reply.output.id === msg.id) hub.send(c, replyText);
        else
          hub.send(
            c,
            JSON.stringify(
              errorReply(msg.id, msg.type, {
                code: 'ERR_INTERNAL',
                message: `node ${node} answered something that is not a reply to this command`,
              }),
            ),
          );
      },
      (err: Error) =>
        hub.send(
          c,
          JSON.stringify(
            errorReply(msg.id, msg.type, {
              code: 'ERR_NODE_UNREACHABLE',
              message: `node ${node} did not answer over NATS (${err.message}): it may be stopped or stale, or NATS is away`,
            }),
          ),
        ),
    );
  }

  close(): void {
    for (const ch of this.#channels.values()) clearTimeout(ch.timer);
    this.#channels.clear();
  }

  #channel(node: string): NodeChannel {
    let ch = this.#channels.get(node);
    if (!ch) {
      ch = { clients: new Set(), pending: [], timer: undefined, live: false, eventsSent: 0, resyncs: 0 };
      this.#channels.set(node, ch);
    }
    return ch;
  }

  #flush(node: string, ch: NodeChannel, except?: FleetClient): void {
    clearTimeout(ch.timer);
    ch.timer = undefined;
    if (ch.pending.length === 0) return;
    const events = ch.pending;
    ch.pending = [];
    // Stamped with the node's clock now (as `stats` is): late events (buffered at the node while
    // NATS was away) are not a page falling behind.
    const track = this.#o.track(node);
    const sentAt = track?.status ? nodeClockNow(track, this.#o.now()) : undefined;
    const data = withEvents(
      { v: PROTOCOL_VERSION, type: 'events', ...(sentAt === undefined ? {} : { sentAt }), events: [] },
      { json: events, bytes: 0 },
    ).text();
    for (const c of ch.clients) {
      if (c === except) continue;
      if (this.#hub?.sendDelta(c, data)) ch.eventsSent += events.length;
    }
  }

  #mayControl(c: FleetClient, token: string | undefined): boolean {
    return c.canControl || (token !== undefined && controlAccess(this.#o.control, token).canControl);
  }

  /** A `hello` at the track's seq; without a snapshot yet, the client waits for the first one. */
  #hello(c: FleetClient, track: NodeTrack, resync: boolean): void {
    const ch = this.#channel(track.name);
    // What is pending goes to the others first, so this client's next event is exactly seq + 1.
    this.#flush(track.name, ch, c);
    const snapshot = track.snapshot();
    if (!snapshot || track.runId === undefined) {
      c.awaitingHello = true;
      return;
    }
    c.awaitingHello = false;
    const now = this.#o.now();
    const health = track.health(now);
    const nodeControl = track.status?.control;
    const reason =
      health !== 'live'
        ? `node ${track.name} is ${health === 'stopped' ? 'stopped' : 'stale (no heartbeat)'}: its last known state, read-only`
        : nodeControl === 'read-only'
          ? `node ${track.name} takes no commands over NATS (NATS is not on loopback and the node has no token)`
          : c.readOnlyReason;
    const canControl = c.canControl && health === 'live' && nodeControl !== 'read-only';
    const hello: HelloMessage = {
      v: PROTOCOL_VERSION,
      type: 'hello',
      runId: track.runId,
      resync,
      config: snapshot.config,
      snapshot,
      lab: track.lab,
      canControl,
      ...(canControl || reason === undefined ? {} : { readOnlyReason: reason }),
      fleet: { node: track.name },
    };
    this.#hub?.send(c, JSON.stringify(hello));
  }

  #stats(track: NodeTrack, ch: NodeChannel): string | undefined {
    const s = track.status;
    if (!s) return undefined;
    const bridge: BridgeStats = {
      clients: ch.clients.size,
      behindClients: [...ch.clients].filter((c) => c.behind).length,
      eventsTotal: s.lastSeq,
      eventsSent: ch.eventsSent,
      droppedClients: 0,
      resyncs: ch.resyncs,
    };
    const at = nodeClockNow(track, this.#o.now());
    const message: StatsMessage = { v: PROTOCOL_VERSION, type: 'stats', at, seq: track.receivedSeq, stats: s.stats, bridge };
    return JSON.stringify(message);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The node's clock now, from its latest heartbeat's reading and the time since it arrived. */
function nodeClockNow(track: NodeTrack, localNow: number): number {
  return (track.status?.at ?? localNow) + Math.max(0, localNow - track.lastSeenAt);
}
