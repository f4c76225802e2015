/** Operational errors of the lab: a stable string `code` the bridge can switch on, and a message a person can act on. */
export const LAB_ERROR_CODES = [
  /** No peer with that id. */
  'ERR_LAB_NOT_FOUND',
  /** Too many running peers. */
  'ERR_LAB_LIMIT',
  /** The lab was stopped; start a new one. */
  'ERR_LAB_STOPPED',
  /** A bad argument (unknown behaviour, flood options out of range). */
  'ERR_LAB_INVALID_ARGUMENT',
  /** The address book has nothing to hand out (empty, or every address in use). */
  'ERR_LAB_NO_ADDRESS',
  /** Inbound dialers need the manager's listener and none was given or it is not listening. */
  'ERR_LAB_NO_TARGET',
  /** No free port could be bound for a peer. */
  'ERR_LAB_LISTEN_FAILED',
  /** A lesson step (next, previous) asked for while no lesson runs. */
  'ERR_LAB_NO_LESSON',
] as const;
export type LabErrorCode = (typeof LAB_ERROR_CODES)[number];

export class LabError extends Error {
  override readonly name = 'LabError';
  readonly code: LabErrorCode;

  constructor(code: LabErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

export function isLabError(err: unknown, code?: LabErrorCode): err is LabError {
  return err instanceof LabError && (code === undefined || err.code === code);
}
