/**
 * Runs a validated command against the manager's (or the lab's) public API and turns the outcome
 * into a `reply`. Never throws: a `ConnMgrError` keeps its `code`, a lab error its string `code`,
 * anything else is `ERR_INTERNAL`.
 */
import { ConnMgrError, isConnMgrError, type ConnManager, type ConnMgrErrorCode } from '../connmgr/index.ts';
import {
  PROTOCOL_VERSION,
  assertNever,
  type ClientMessage,
  type CommandError,
  type CommandId,
  type CommandResult,
  type CommandType,
  type ConnInfo,
  type ErrorReply,
  type LabApi,
  type OkReply,
  type ReplyMessage,
} from '../protocol/index.ts';

/** Commands that act on the manager or the lab (`resume` and `history` are the hub's business). */
export type ActionCommand = Exclude<ClientMessage, { type: 'resume' | 'history' }>;

/** Where commands go: the manager, and the lab when there is one. */
export interface CommandTargets {
  readonly manager: ConnManager;
  readonly lab: LabApi | undefined;
}

/** A successful reply to command `id`. */
export function okReply<T extends CommandType>(id: CommandId, command: T, result: CommandResult<T>): ReplyMessage {
  return { v: PROTOCOL_VERSION, type: 'reply', id, ok: true, command, result } as OkReply<T>;
}

/** A failed reply; `id` is null when the message had no usable one. */
export function errorReply(id: CommandId | null, command: CommandType | undefined, error: CommandError): ErrorReply {
  return {
    v: PROTOCOL_VERSION,
    type: 'reply',
    id,
    ok: false,
    ...(command === undefined ? {} : { command }),
    error,
  };
}

/**
 * Executes one action. `connect` settles when the dial does (up to the dial timeout), so callers
 * must not await it before reading the client's next message.
 */
export async function runCommand(msg: ActionCommand, targets: CommandTargets): Promise<ReplyMessage> {
  try {
    return await execute(msg, targets);
  } catch (err) {
    return errorReply(msg.id, msg.type, toCommandError(err, msg.type));
  }
}

async function execute(msg: ActionCommand, { manager, lab }: CommandTargets): Promise<ReplyMessage> {
  switch (msg.type) {
    case 'connect': {
      if (msg.persistent === true) return okReply(msg.id, 'connect', entry(manager, manager.addPersistent(msg.addr)));
      return okReply(msg.id, 'connect', await manager.connect(msg.addr));
    }
    case 'addPersistent':
      return okReply(msg.id, 'addPersistent', entry(manager, manager.addPersistent(msg.addr)));
    case 'disconnect':
      manager.disconnect(msg.connId);
      return okReply(msg.id, 'disconnect', null);
    case 'remove':
      manager.remove(msg.connId);
      return okReply(msg.id, 'remove', null);
    case 'setTargetOutbound':
      manager.setTargetOutbound(msg.n);
      return okReply(msg.id, 'setTargetOutbound', { targetOutbound: manager.config().targetOutbound });
    case 'configure': {
      const { v: _v, id: _id, type: _type, token: _token, ...patch } = msg;
      const changed = manager.configure(patch);
      return okReply(msg.id, 'configure', { changed, config: manager.config() });
    }
    case 'lab.addPeer':
      return okReply(msg.id, 'lab.addPeer', await needLab(lab).addPeer(msg.behaviour));
    case 'lab.stopPeer':
      await needLab(lab).stopPeer(msg.peerId);
      return okReply(msg.id, 'lab.stopPeer', null);
    case 'lab.addPeers':
      return okReply(msg.id, 'lab.addPeers', { peers: await needLab(lab).addPeers(msg.behaviour, msg.count) });
    case 'lab.setSpeed':
      needLab(lab).setSpeed(msg.speed);
      return okReply(msg.id, 'lab.setSpeed', { speed: msg.speed });
    case 'lab.stopPeers':
      return okReply(msg.id, 'lab.stopPeers', { stopped: await needLab(lab).stopPeers(msg.behaviour) });
    case 'lab.startFlood':
      needLab(lab).startFlood({
        connections: msg.connections,
        ...(msg.ratePerSec === undefined ? {} : { ratePerSec: msg.ratePerSec }),
      });
      return okReply(msg.id, 'lab.startFlood', null);
    case 'lab.stopFlood':
      needLab(lab).stopFlood();
      return okReply(msg.id, 'lab.stopFlood', null);
    case 'lab.startLesson':
      return okReply(msg.id, 'lab.startLesson', await needLab(lab).startLesson(msg.name));
    case 'lab.stepLesson':
      return okReply(msg.id, 'lab.stepLesson', await needLab(lab).stepLesson(msg.direction));
    case 'lab.stopLesson':
      await needLab(lab).stopLesson();
      return okReply(msg.id, 'lab.stopLesson', null);
    case 'inspect': {
      const info = manager.get(msg.connId);
      if (!info) throw new ConnMgrError('ERR_NOT_FOUND', `no connection with id ${msg.connId}`);
      return okReply(msg.id, 'inspect', info);
    }
    case 'penalize': {
      const { connId, persistent, transient, reason } = msg;
      const penalty = { reason, ...(persistent === undefined ? {} : { persistent }), ...(transient === undefined ? {} : { transient }) };
      return okReply(msg.id, 'penalize', manager.penalize(connId, penalty));
    }
    case 'ban': {
      const { host, durationMs, reason } = msg;
      const options = { ...(durationMs === undefined ? {} : { durationMs }), ...(reason === undefined ? {} : { reason }) };
      return okReply(msg.id, 'ban', manager.ban(host, options));
    }
    case 'unban':
      return okReply(msg.id, 'unban', { unbanned: manager.unban(msg.host) });
    case 'replaySeek':
      throw new CodedError(
        'ERR_NOT_REPLAY',
        'this server runs a live manager: replaySeek moves the position of a recording served by `connscope replay FILE`',
      );
    default:
      return assertNever(msg, 'command');
  }
}

/** A persistent entry just added: it exists (pending) until removed, so `get` finds it. */
function entry(manager: ConnManager, id: number): ConnInfo {
  const info = manager.get(id);
  if (!info) throw new Error(`persistent entry ${id} vanished right after it was added`);
  return info;
}

/** A bridge error with its code (see BRIDGE_ERROR_CODES). */
class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function needLab(lab: LabApi | undefined): LabApi {
  if (!lab) throw new CodedError('ERR_NO_LAB', 'the server runs without the lab: start it with the lab enabled to use lab commands');
  return lab;
}

/** The input field a manager error is about, so the page can point at it. */
function fieldOf(code: ConnMgrErrorCode, command: CommandType): string | undefined {
  switch (code) {
    case 'ERR_INVALID_ADDRESS':
    case 'ERR_DUPLICATE_PERSISTENT':
    case 'ERR_ALREADY_PENDING':
    case 'ERR_ALREADY_CONNECTED':
    case 'ERR_MAX_PERSISTENT':
      return 'addr';
    case 'ERR_NOT_FOUND':
      return 'connId';
    case 'ERR_INVALID_ARGUMENT':
      return command === 'setTargetOutbound' ? 'n' : command === 'ban' ? 'host' : undefined;
    case 'ERR_BANNED':
      return 'addr';
    case 'ERR_DIAL_FAILED':
    case 'ERR_DIAL_TIMEOUT':
    case 'ERR_ABORTED':
    case 'ERR_SHUTDOWN':
    case 'ERR_LISTEN_FAILED':
    case 'ERR_ILLEGAL_TRANSITION':
    case 'ERR_NO_ADDRESS':
      return undefined;
    default:
      return assertNever(code, 'error code');
  }
}

function toCommandError(err: unknown, command: CommandType): CommandError {
  if (isConnMgrError(err)) {
    const field = fieldOf(err.code, command);
    return { code: err.code, message: err.message, ...(field === undefined ? {} : { field }) };
  }
  // Lab errors (and CodedError) carry a string `code`.
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined;
  if (err instanceof Error && typeof code === 'string' && code !== '') return { code, message: err.message };
  return { code: 'ERR_INTERNAL', message: `${command} failed unexpectedly: ${err instanceof Error ? err.message : String(err)}` };
}
