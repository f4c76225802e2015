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

export function isConnMgrError(err: unknown, code?: ConnMgrErrorCode): err is ConnMgrError {
  return err instanceof ConnMgrError && (code === undefined || err.code === code);
}
