import type { CopySource } from './source.js';
import type { AccessTier, RemoteBlob } from '../types.js';

/** Every header the sync writes on a blob. Headers left undefined are stored empty. */
export interface StoredHeaders {
  contentType: string;
  cacheControl?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  /** Base64 MD5 of the stored bytes; the service keeps it and lists it. */
  md5?: string;
  /** Written with the content (put, commit) and kept by `setHeaders`; none when undefined. */
  metadata?: Record<string, string>;
}

/**
 * When a write may happen: `ifNoneMatch: '*'` only while no blob of that name exists (a new blob: nobody else's is
 * overwritten), `ifMatch` only while the blob is still the version listed. A write whose condition fails is refused
 * with 409 or 412 and changes nothing.
 */
export type WriteCondition = { ifNoneMatch: '*' } | { ifMatch: string };

export interface WriteOptions {
  tier?: AccessTier;
  abortSignal?: AbortSignal;
  condition?: WriteCondition;
}

/** A block staged for a blob and not committed yet: its ID (base64, as staged) and size. */
export interface StagedBlock {
  id: string;
  size: number;
}

/** A blob the service copies from a URL, and how it must end up. */
export interface CopyRequest {
  source: CopySource;
  size: number;
  /** Every header the copied blob must carry (Content-MD5 included). */
  headers: StoredHeaders;
  tier?: AccessTier;
  condition?: WriteCondition;
}

/** The service call that copied a blob (see README, "A container folder as the source"). */
export type CopyCall = 'copy-blob-from-url' | 'put-blob-from-url' | 'copy-blob';

/** What became of a delete that may only remove the blob that was listed. */
export type DeleteOutcome = 'deleted' | 'absent' | 'changed';

/** Most blobs one `deleteManyIfUnchanged` call takes (the Blob Batch API's limit of sub-requests). */
export const DELETE_MANY_MAX = 256;

/** One blob's part in a delete of many: its outcome, or the error that kept it (read by status code, as any other). */
export type DeleteManyOutcome = DeleteOutcome | { error: unknown };

/**
 * What a delete of many came to: each blob's outcome, in the order given; or, when the request as a whole was refused
 * (the service, the credential or the network path does not take it), why, and the engine deletes them one by one.
 */
export type DeleteManyResult = { outcomes: DeleteManyOutcome[] } | { unavailable: string };

/**
 * How the service answers, try by try, as the storage layer hears it (see `watchLoad`): `busy` when it said to slow
 * down (503, 429, 500 OperationTimedOut), `healthy` when a try got a final response. `sentAt` is when the busy try was
 * sent, on the clock of `performance.now()`, so responses to tries sent before a slow-down do not slow down again.
 */
export interface LoadListener {
  busy(sentAt: number): void;
  healthy(): void;
}

/**
 * Where a sync writes: a folder of a container, seen through the few operations the engine needs. Blob names are
 * full names (destination path included); listed blobs carry both. Failures are the service's errors, which the
 * engine reads by status code (401/403 stop the run; anything else fails one file).
 */
export interface SyncDestination {
  /** How to name the destination to a person: a URL with no secret in it. */
  readonly label: string;
  /** Refuses up front what the credential cannot do (an expired SAS, a missing permission), before anything is sent. */
  checkAccess(needs: { write: boolean; delete: boolean }): void;
  /**
   * Hands over every blob under the destination path (with its name relative to it) as the listing streams in, so
   * the engine need not hold them all; false when the container does not exist.
   */
  list(onBlob: (blob: RemoteBlob) => void): Promise<boolean>;
  createContainer(): Promise<void>;
  /** Writes a whole blob in one request. */
  put(blobName: string, body: Buffer, headers: StoredHeaders, options?: WriteOptions): Promise<void>;
  /** Stages one block of a blob written in parts; nothing is visible until `commit`. */
  stage(blobName: string, blockId: string, body: Buffer, options?: WriteOptions): Promise<void>;
  /**
   * The blocks staged for the blob and not committed yet (none when there is no such blob): what an interrupted upload
   * left, from any machine. Undefined when the credential may not read them (a SAS without `r`).
   */
  stagedBlocks(blobName: string): Promise<StagedBlock[] | undefined>;
  /** Makes the staged blocks, in this order, the blob's content; blocks staged and not named are discarded. */
  commit(blobName: string, blockIds: readonly string[], headers: StoredHeaders, options?: WriteOptions): Promise<void>;
  /**
   * The blob of that full name as a listing shows it now, or undefined when there is none (blocks staged and never
   * committed are no blob): what a conditional write that was refused found in its way. Needs only list permission.
   */
  lookup(blobName: string): Promise<RemoteBlob | undefined>;
  /** Has the storage service copy a blob from a URL (no byte passes through the runner), ending with `headers`. */
  copyFrom(blobName: string, request: CopyRequest): Promise<CopyCall>;
  /** Replaces a listed blob's headers, only if it is still the blob that was listed. */
  setHeaders(blob: RemoteBlob, headers: StoredHeaders): Promise<void>;
  /** Deletes a listed blob, only if it is still the blob that was listed. */
  deleteIfUnchanged(blob: RemoteBlob): Promise<DeleteOutcome>;
  /**
   * Deletes up to DELETE_MANY_MAX listed blobs in one request, each only if it is still the blob that was listed.
   * Optional: without it (or once it answers `unavailable`), the engine calls `deleteIfUnchanged` for each.
   */
  deleteManyIfUnchanged?(blobs: readonly RemoteBlob[]): Promise<DeleteManyResult>;
  /** Has `listener` hear how the service answers every request of this destination (see LoadListener). */
  watchLoad?(listener: LoadListener): void;
  /** Reads the sync's own small state blob (never listed as a file); undefined when there is none. */
  readState(blobName: string): Promise<{ body: Buffer; etag: string } | undefined>;
  /**
   * Writes the state blob only if it is still the one read (`etag`), or, without an etag, only if there is none yet;
   * 'conflict' when another run wrote it meanwhile.
   */
  writeState(blobName: string, body: Buffer, etag: string | undefined): Promise<'written' | 'conflict'>;
}
