/**
 * The typed errors every entry point understands. Each carries a hint (how to fix it) and an exit code, so the CLI,
 * the Action and the pipeline task all fail the same way for the same cause.
 */
export const ExitCode = {
  ok: 0,
  /** Some files failed; everything else completed. */
  partialFailure: 1,
  /** Bad input: a flag, a path, a name, a URL. Nothing was sent. */
  usage: 2,
  /** The storage service refused the credentials or the permission. */
  auth: 3,
  /** The destination could not be reached or does not exist. */
  destination: 4,
  /** A safety guard stopped the run (delete with an empty source, or too large a delete). Nothing was changed. */
  guard: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class SyncError extends Error {
  abstract readonly exitCode: ExitCode;
  constructor(
    message: string,
    readonly hint?: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class UsageError extends SyncError {
  readonly exitCode = ExitCode.usage;
}

export class AuthError extends SyncError {
  readonly exitCode = ExitCode.auth;
}

export class DestinationError extends SyncError {
  readonly exitCode = ExitCode.destination;
}

export class GuardError extends SyncError {
  readonly exitCode = ExitCode.guard;
}

/** A single file could not be transferred; collected into the summary rather than thrown out of the run. */
export class TransferError extends SyncError {
  readonly exitCode = ExitCode.partialFailure;
}

/** One line for a terminal or a log: the message, then the hint when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof SyncError) return error.hint ? `${error.message} ${error.hint}` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
