/**
 * A node's commands over NATS request/reply (`connscope.<node>.cmd`, docs/fleet.md): the
 * WebSocket bridge's rules, from the bridge's own modules — `parseClientMessage` for validation,
 * `ClientBudget` for the per-client rate limit (a client is a requester's reply inbox), the same
 * token rule (`controlAccess`, with the NATS server's host in place of the bind address) and
 * `runCommand` for the work. `connscope.<node>.snapshot` answers the node's `ApiSnapshot`.
 */
import {
  MAX_MESSAGE_BYTES,
  READ_ONLY_COMMANDS,
  parseClientMessage,
  peekClientMessage,
  type ApiSnapshot,
  type LabApi,
  type NodeControl,
  type ReplyMessage,
} from '../protocol/index.ts';
import type { ConnManager } from '../connmgr/index.ts';
import { controlAccess, isLoopbackHost, type ControlPolicy } from '../bridge/access.ts';
import { ClientBudget, rateLimitedError } from '../bridge/client-budget.ts';
import { errorReply, runCommand, type ActionCommand } from '../bridge/commands.ts';
import type { RateLimit } from '../bridge/rate-limit.ts';

/** The bridge's default per-client rate limit (README "Limits per client"). */
export const DEFAULT_RATE_LIMIT: RateLimit = { perSec: 20, burst: 40, bytesPerSec: 64 * 1024, burstBytes: 256 * 1024 };

/** Requesters whose budgets are kept; past it the oldest is forgotten (a forged inbox buys one fresh budget, not unbounded memory). */
export const MAX_TRACKED_REQUESTERS = 256;

export interface NodeCommandsOptions {
  readonly manager: ConnManager;
  readonly lab: LabApi | undefined;
  /** The NATS server's host (the "bind" of the token rule) and the node's token. */
  readonly control: ControlPolicy;
  readonly rateLimit?: RateLimit;
  readonly now?: () => number;
}

/** The host of the first `nats://host:port` URL (brackets kept off), for the token rule. */
export function natsHost(servers: string | readonly string[]): string {
  const first = ([] as string[]).concat(servers)[0] ?? '';
  try {
    const url = new URL(first.includes('://') ? first : `nats://${first}`);
    return url.hostname.replace(/^\[|\]$/g, '');
  } catch {
    return first;
  }
}

/** `open`, `token` or `read-only`: who may command this node over NATS. */
export function nodeControl(policy: ControlPolicy): NodeControl {
  if (policy.token !== undefined) return 'token';
  return isLoopbackHost(policy.host) ? 'open' : 'read-only';
}

export class NodeCommands {
  readonly #o: NodeCommandsOptions;
  readonly #rateLimit: RateLimit;
  readonly #budgets = new Map<string, ClientBudget>();
  readonly counters = { ok: 0, failed: 0, rateLimited: 0 };

  constructor(o: NodeCommandsOptions) {
    this.#o = o;
    this.#rateLimit = o.rateLimit ?? DEFAULT_RATE_LIMIT;
  }

  get control(): NodeControl {
    return nodeControl(this.#o.control);
  }

  /**
   * Answers one request (its raw bytes) from `replyTo`; resolves to the reply's JSON, or
   * undefined when the requester is over its allowance and gets no answer (as the WebSocket
   * refuses silently).
   */
  async handle(data: Uint8Array, replyTo: string): Promise<string | undefined> {
    const budget = this.#budget(replyTo);
    const verdict = budget.onFrame(data.byteLength);
    if (verdict !== 'admit') {
      this.counters.rateLimited += 1;
      if (verdict !== 'refuse-with-reply') return undefined;
      const peek = data.byteLength > MAX_MESSAGE_BYTES ? {} : peekClientMessage(Buffer.from(data).toString('utf8'));
      return JSON.stringify(errorReply(peek.id ?? null, peek.command, rateLimitedError(this.#rateLimit)));
    }
    const reply = await this.#answer(data);
    if (reply.ok) this.counters.ok += 1;
    else this.counters.failed += 1;
    return JSON.stringify(reply);
  }

  /** Whether a snapshot request from `replyTo` is within its budget. */
  admitSnapshot(replyTo: string, bytes: number): boolean {
    const ok = this.#budget(replyTo).onFrame(bytes) === 'admit';
    if (!ok) this.counters.rateLimited += 1;
    return ok;
  }

  async #answer(data: Uint8Array): Promise<ReplyMessage> {
    if (data.byteLength > MAX_MESSAGE_BYTES) {
      return errorReply(null, undefined, { code: 'ERR_TOO_LARGE', message: `message is larger than ${MAX_MESSAGE_BYTES} bytes` });
    }
    const parsed = parseClientMessage(Buffer.from(data).toString('utf8'));
    if (!parsed.ok) return errorReply(parsed.id ?? null, parsed.command, parsed.error);
    const msg = parsed.msg;
    if (msg.type === 'resume' || msg.type === 'history') {
      return errorReply(msg.id, msg.type, {
        code: 'ERR_BAD_MESSAGE',
        message: `${msg.type} is not served over NATS: read the node's events from the stream (docs/fleet.md)`,
      });
    }
    if (!READ_ONLY_COMMANDS.includes(msg.type)) {
      const access = controlAccess(this.#o.control, msg.token);
      if (!access.canControl) {
        const reason =
          this.#o.control.token === undefined
            ? `read-only: the node publishes to NATS at ${this.#o.control.host} (not loopback) without a control token: start it with --token to allow control`
            : msg.token === undefined
              ? "read-only: this node requires its control token: send it as the command's token"
              : "read-only: the token given does not match the node's";
        return errorReply(msg.id, msg.type, {
          code: 'ERR_READ_ONLY',
          message: reason,
          ...(msg.token === undefined ? {} : { field: 'token' }),
        });
      }
    }
    return runCommand(msg as ActionCommand, { manager: this.#o.manager, lab: this.#o.lab });
  }

  /** The budget of one requester: its reply inbox without the last token (one per connection). */
  #budget(replyTo: string): ClientBudget {
    const key = replyTo.slice(0, Math.max(0, replyTo.lastIndexOf('.'))) || replyTo;
    let b = this.#budgets.get(key);
    if (b) {
      // Most recently used last, so the first key is the one to forget.
      this.#budgets.delete(key);
    } else {
      b = new ClientBudget(this.#rateLimit, this.#o.now);
      if (this.#budgets.size >= MAX_TRACKED_REQUESTERS) this.#budgets.delete(this.#budgets.keys().next().value as string);
    }
    this.#budgets.set(key, b);
    return b;
  }
}

/** `ApiSnapshot` as bytes for the snapshot subject. */
export function snapshotReply(snapshot: ApiSnapshot): string {
  return JSON.stringify(snapshot);
}
