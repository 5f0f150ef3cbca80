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
  /** The sync completed, but the CDN / Front Door purge after it was refused, failed or did not finish in time. */
  purge: 6,
  /** With --immutable: a file differs from the blob already there, which was left as it was (other files synced). */
  immutable: 7,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An option as the engine names it (the keys of RawSyncOptions, the request timeout, where to sign in). */
export type OptionKey =
  | 'source'
  | 'destinationPath'
  | 'include'
  | 'exclude'
  | 'compare'
  | 'deleteDestination'
  | 'deleteThreshold'
  | 'force'
  | 'dryRun'
  | 'concurrency'
  | 'capMbps'
  | 'contentType'
  | 'cacheControl'
  | 'accessTier'
  | 'createContainer'
  | 'compress'
  | 'timeout'
  | 'storageAccount'
  | 'blobEndpoint'
  | 'shard'
  | 'deleteGrace'
  | 'purgeEndpoint'
  | 'managementEndpoint'
  | 'preview'
  | 'previewPath'
  | 'siteUrl'
  | 'previewRetention'
  | 'sourceSasToken'
  | 'followSymlinks'
  | 'downloadTo'
  | 'immutable'
  | 'hashCache';

/**
 * How an entry point writes an option in its own terms: the CLI `--delete-threshold`, the Action
 * `delete-threshold:`, the task `deleteThreshold:`. Errors name options by key; each entry point renders them.
 */
export interface OptionTerms {
  /** The option's name as a user types it (`--delete-threshold`, `` `delete-threshold` ``). */
  name(key: OptionKey): string;
  /** The option given a value, or a switch turned on when no value is given (`--force`, `` `force: true` ``). */
  set(key: OptionKey, value?: string): string;
}

/** Text that may name options: rendered by each entry point in its own terms. */
export type Wording = string | ((terms: OptionTerms) => string);

/** The engine's own names (`deleteThreshold`), for messages read outside any entry point (tests, logs). */
export const KEY_TERMS: OptionTerms = {
  name: (key) => key,
  set: (key, value) => (value === undefined ? key : `${key}=${value}`),
};

export abstract class SyncError extends Error {
  abstract readonly exitCode: ExitCode;
  private readonly wording: { message: Wording; hint?: Wording };

  constructor(message: Wording, hint?: Wording, options?: ErrorOptions) {
    super(render(message, KEY_TERMS), options);
    this.name = new.target.name;
    this.wording = { message, hint };
  }

  /** The hint in the engine's own terms. */
  get hint(): string | undefined {
    return this.wording.hint === undefined ? undefined : render(this.wording.hint, KEY_TERMS);
  }

  /** The message and hint as an entry point shows them. */
  describe(terms: OptionTerms): { message: string; hint?: string } {
    const { message, hint } = this.wording;
    return { message: render(message, terms), hint: hint === undefined ? undefined : render(hint, terms) };
  }
}

function render(text: Wording, terms: OptionTerms): string {
  return typeof text === 'string' ? text : text(terms);
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

/** The purge after a completed sync was refused, failed or timed out. */
export class PurgeError extends SyncError {
  readonly exitCode = ExitCode.purge;
}

/** A single file could not be transferred; collected into the summary rather than thrown out of the run. */
export class TransferError extends SyncError {
  readonly exitCode = ExitCode.partialFailure;
}

/**
 * A conditional write the service refused (409/412): another writer put a different blob there since the listing.
 * Nothing was written over it.
 */
export class WriteConflict extends TransferError {}

/** Any error as an entry point shows it: message and hint in its terms; other errors by their message alone. */
export function describeError(error: unknown, terms: OptionTerms = KEY_TERMS): { message: string; hint?: string } {
  if (error instanceof SyncError) return error.describe(terms);
  if (error instanceof Error) return { message: error.message };
  return { message: String(error) };
}

/** The exit code an error stands for: its own, or 1 for an unexpected one. */
export function exitCodeOf(error: unknown): ExitCode {
  return error instanceof SyncError ? error.exitCode : ExitCode.partialFailure;
}
