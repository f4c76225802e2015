/**
 * Operational errors of the manager. Each has a stable `code` that callers (and the bridge) can
 * switch on, and a message a person can act on.
 */
export const ERROR_CODES = [
  'ERR_INVALID_ADDRESS',
  'ERR_INVALID_ARGUMENT',
  'ERR_DUPLICATE_PERSISTENT',
  'ERR_ALREADY_PENDING',
  'ERR_ALREADY_CONNECTED',
  'ERR_MAX_PERSISTENT',
  'ERR_NOT_FOUND',
  'ERR_DIAL_FAILED',
  'ERR_DIAL_TIMEOUT',
  'ERR_ABORTED',
  'ERR_SHUTDOWN',
  'ERR_LISTEN_FAILED',
  'ERR_ILLEGAL_TRANSITION',
  'ERR_NO_ADDRESS', // an AddressBook has no address to hand out now (the message says why)
  'ERR_BANNED', // the host is banned (README "Ban score"): no dial to it, no persistent entry for it
] as const;
export type ConnMgrErrorCode = (typeof ERROR_CODES)[number];

export class ConnMgrError extends Error {
  override readonly name = 'ConnMgrError';
  readonly code: ConnMgrErrorCode;
  /** The operating system's error code behind it (`ECONNREFUSED`, `EADDRINUSE`, …), where there is one. */
  readonly sysCode: string | undefined;

  constructor(code: ConnMgrErrorCode, message: string, options?: { sysCode?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.sysCode = options?.sysCode;
  }
}

/** `ERR_SHUTDOWN`: every call once `stop()` has begun. */
export function shutdownError(): ConnMgrError {
  return new ConnMgrError('ERR_SHUTDOWN', 'the connection manager is shut down');
}

/** Why a new request to `addr` is refused while `existing` holds the address (rule 3). */
export function duplicateError(addr: string, existing: { id: number; persistent: boolean; state: string | null }): ConnMgrError {
  if (existing.persistent) {
    return new ConnMgrError('ERR_DUPLICATE_PERSISTENT', `${addr} is already a persistent peer (id ${existing.id})`);
  }
  if (existing.state === 'pending') {
    return new ConnMgrError('ERR_ALREADY_PENDING', `a dial to ${addr} is already pending (id ${existing.id})`);
  }
  return new ConnMgrError('ERR_ALREADY_CONNECTED', `already connected to ${addr} (id ${existing.id})`);
}

/**
 * An error of something that happened later, in the manager's own callbacks (a dial failed, a
 * pending request ended), without stack frames: they would show the manager's internals, never
 * the caller's code (which is long gone from the stack), and capturing and formatting them was
 * measured at a tenth of the cost of a refused dial. The message, `code`, `sysCode` and `cause`
 * say what happened.
 */
function laterError(code: ConnMgrErrorCode, message: string, options?: { sysCode?: string; cause?: unknown }): ConnMgrError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new ConnMgrError(code, message, options);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** What `connect()` rejects with when its one dial failed (`reason` is the transition's). */
export function dialError(addr: string, reason: string, code: string | undefined, err: Error | undefined, timeoutMs: number): ConnMgrError {
  if (reason === 'dial-timeout') return laterError('ERR_DIAL_TIMEOUT', `dial to ${addr} timed out after ${timeoutMs} ms`);
  const why = `${code ?? err?.message ?? 'unknown error'}${code === 'ECONNREFUSED' ? ' (nothing listens there)' : ''}`;
  return laterError('ERR_DIAL_FAILED', `dial to ${addr} failed: ${why}`, { sysCode: code, cause: err });
}

/** What `connect()` rejects with when its request ended while pending (`reason` is the transition's). */
export function canceledError(addr: string, reason: string): ConnMgrError {
  if (reason === 'shutdown') return shutdownError();
  if (reason === 'banned') return laterError('ERR_BANNED', `connect to ${addr} ended while pending: its host was banned`);
  const how = { aborted: 'aborted by its signal', 'local-disconnect': 'disconnected', 'local-remove': 'removed' }[reason] ?? reason;
  return laterError('ERR_ABORTED', `connect to ${addr} was ${how} while pending`);
}

export function isConnMgrError(err: unknown, code?: ConnMgrErrorCode): err is ConnMgrError {
  return err instanceof ConnMgrError && (code === undefined || err.code === code);
}

/** `ERR_BANNED`: a request to a banned host. */
export function bannedError(addr: string, ban: { until: number; reason: string } | undefined): ConnMgrError {
  const why = ban ? ` until ${new Date(ban.until).toISOString()} (${ban.reason})` : '';
  return new ConnMgrError('ERR_BANNED', `cannot dial ${addr}: its host is banned${why}`);
}
