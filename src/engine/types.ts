/** Plain data shared by the engine's stages. Nothing here knows about a platform. */

import type { Shard } from './plan/shard.js';

export type CompareMode = 'md5' | 'size' | 'none';
export type AccessTier = 'Hot' | 'Cool' | 'Cold' | 'Archive';

/** A header rule: files whose relative path matches `pattern` get `value` (the last matching rule wins). */
export interface HeaderRule {
  pattern: string;
  value: string;
}

/** How a file is stored: `br` or `gzip` (with Content-Encoding), or `none` (as it is). */
export type Encoding = 'br' | 'gzip' | 'none';

/** A precompression rule: files whose relative path matches `pattern` are stored with `encoding` (last match wins). */
export interface CompressRule {
  pattern: string;
  encoding: Encoding;
}

export interface SyncOptions {
  /** The local folder to mirror, as the user gave it. */
  source: string;
  /** Virtual folder inside the container ('' for the container root). Already normalised: no leading/trailing '/'. */
  destinationPath: string;
  include: string[];
  exclude: string[];
  compare: CompareMode;
  deleteDestination: boolean;
  /** A blob absent from the source is deleted only once it has been absent this long (0: at once). */
  deleteGraceMs: number;
  /** Largest share (0..1] by which one run may shrink the blobs in scope without `force` (see guards/deletes.ts). */
  deleteThreshold: number;
  force: boolean;
  dryRun: boolean;
  /** Most files transferred at once; fewer while the service says it is busy (see transfer/adaptive-limit.ts). */
  concurrency: number;
  /** Uploads, copies and downloads together stay under this many megabits a second; no cap when absent. */
  capMbps?: number;
  contentTypeRules: HeaderRule[];
  cacheControlRules: HeaderRule[];
  accessTier?: AccessTier;
  /** Create the container when it does not exist. */
  createContainer: boolean;
  /** Block size for large files in bytes; chosen per file when absent. */
  blockSize?: number;
  /** Only the names of this shard take part (files and extra blobs); the whole sync when absent. */
  shard?: Shard;
  /** Follow symbolic links whose target lies outside a local source folder (see local/scan.ts). */
  followSymlinks: boolean;
  /** Set for a download: the local folder the source (a container folder) is downloaded into. */
  downloadTo?: string;
  /** Which files are stored precompressed (see plan/encoding.ts); none when empty. */
  compressRules: CompressRule[];
  /**
   * Never replace, update or delete a blob that exists: a file whose blob differs fails (nothing written for it), new
   * blobs are written only while no blob of that name exists (see guards/immutable.ts).
   */
  immutable: boolean;
  /** A file outside the source where a local folder's MD5s are kept between runs (see local/hash-cache.ts). */
  hashCache?: string;
  /**
   * Folder patterns (relative to the destination path) whose blobs are never deleted nor counted by the delete guard,
   * e.g. `pr-+([0-9])` for the previews beside a production site. Set by the run, not an input.
   */
  protect?: string[];
}

/** One thing to sync, as a source lists it. `name` is its '/'-joined path relative to the source's root. */
export interface SourceEntry {
  name: string;
  /** The entry's own name, when the service stores it under another (`docs\guide.txt` as `docs/guide.txt`). */
  sourceName?: string;
  size: number;
  /** Base64 MD5 of the content, filled in only when the diff needs it (or known from the listing). */
  md5?: string;
}

/** A file found by the scan of a local folder. */
export interface LocalFile extends SourceEntry {
  /** Its absolute path. */
  readonly path: string;
}

/** A blob found under the destination prefix. `name` is relative to the prefix. */
export interface RemoteBlob {
  name: string;
  blobName: string;
  size: number;
  md5?: string;
  etag?: string;
  contentType?: string;
  cacheControl?: string;
  contentEncoding?: string;
  contentLanguage?: string;
  contentDisposition?: string;
  /** Last-Modified, in milliseconds since the epoch (whole seconds), when the listing says it. */
  lastModified?: number;
  /** A directory stub (ADLS `hdi_isfolder`, or a name ending in '/'), listed only for a download: a folder to create. */
  folder?: boolean;
  /**
   * What the sync recorded in the blob's metadata when it stored the file encoded (or tried to): the source file's
   * size and MD5 and the encoding rule. The diff compares these, not the stored bytes (see plan/encoding.ts).
   */
  source?: EncodedSource;
}

/** The source content behind a blob written under a compress rule. */
export interface EncodedSource {
  size: number;
  md5: string;
  /** The rule's encoding; the blob's Content-Encoding says whether the stored bytes are encoded or plain. */
  encoding: Exclude<Encoding, 'none'>;
}

export interface DesiredHeaders {
  contentType: string;
  cacheControl?: string;
}

/** `encoding`: the content is the same, but the compress rule for it changed. */
export type UploadReason = 'new' | 'changed' | 'always' | 'encoding';

export interface UploadItem<E extends SourceEntry = SourceEntry> {
  local: E;
  blobName: string;
  headers: DesiredHeaders;
  reason: UploadReason;
  /** Store it encoded (when that makes it smaller); absent: as it is. */
  encoding?: Exclude<Encoding, 'none'>;
  /**
   * The listed blob's etag, for a blob replaced in blocks: the commit replaces only that version. Kept for large
   * files only (see MatchOptions.keepsEtag): a million small files need not carry one.
   */
  etag?: string;
}

/** A file --immutable kept from replacing or updating the blob already there: it fails, with why. */
export interface RefusedItem<E extends SourceEntry = SourceEntry> {
  local: E;
  blobName: string;
  reason: string;
}

export interface UpdateHeadersItem<E extends SourceEntry = SourceEntry> {
  local: E;
  remote: RemoteBlob;
  headers: DesiredHeaders;
}

export interface Plan<E extends SourceEntry = SourceEntry> {
  /** New and changed entries; from a container source the service copies them instead (see `copies`). */
  upload: UploadItem<E>[];
  updateHeaders: UpdateHeadersItem<E>[];
  /** The files already there as they should be (only the entries: what a million unchanged files need to keep). */
  skip: E[];
  delete: RemoteBlob[];
  /** Remote blobs in scope (matched by include/exclude): what is deployed, the delete guard's base. */
  remoteInScope: number;
  /** Blobs absent from the source but kept until the delete grace has passed (see guards/grace.ts), soonest first. */
  kept?: GraceKept[];
  /** Set when the source is a container folder: `upload` items are copied by the service, not uploaded. */
  copies?: boolean;
  /**
   * Set for a download (a container folder into a local folder): `upload` items are the blobs to fetch (their
   * `blobName` is the local name), `delete` the local files to delete, `remoteInScope` the local files in scope.
   */
  downloads?: boolean;
  /** With --immutable: files whose blob differs, left as they are (they fail the run). */
  refused?: RefusedItem<E>[];
}

/** A blob the delete grace keeps for now. Times are milliseconds since the epoch. */
export interface GraceKept {
  remote: RemoteBlob;
  /** When a run first found it absent from the source. */
  absentSince: number;
  /** When it may be deleted: absentSince plus the grace. */
  goesAt: number;
}

/** What the delete grace did in a run. */
export interface GraceReport {
  /** The grace, in milliseconds. */
  graceMs: number;
  /** Blobs absent from the source and kept for the grace. */
  kept: number;
  /** When the next of them may be deleted (ISO 8601), by a run after that time. */
  nextDeleteAt?: string;
  /** Whether this run's state was saved: 'unchanged' when there was nothing to save, 'not saved' in a dry run. */
  state: 'saved' | 'unchanged' | 'conflict' | 'not saved';
}

/** What the delete guard made of a plan: how far the run would shrink what is deployed, against the threshold. */
export interface DeleteDecision {
  /** Blobs in scope before the run. */
  deployed: number;
  /** Blobs this run would delete. */
  deleting: number;
  /** Files in the source (in scope). */
  sourceFiles: number;
  /** Blobs in scope after the run: deployed, less the deletes, plus the new names uploaded. */
  remaining: number;
  /** (deployed - remaining) / deployed, 0 when the destination does not shrink. */
  shrink: number;
  threshold: number;
  verdict: 'allowed' | 'forced' | 'refused';
  /** What is deployed and deleted: blobs, or the local files of a download. */
  items: 'blobs' | 'local files';
}

/**
 * `copied`: the storage service copied the blob from a container source; the runner moved no bytes. `downloaded`: a
 * blob was written into the local folder.
 */
export type FileAction = 'uploaded' | 'updated' | 'skipped' | 'deleted' | 'failed' | 'copied' | 'downloaded';

export interface FileResult {
  action: FileAction;
  /** Name relative to the source folder / destination prefix. */
  name: string;
  bytes: number;
  /** Why it failed, or why it was uploaded ('new', 'changed'). */
  reason?: string;
  /** The full blob name (destination path included) of a changed blob. */
  blobName?: string;
  /** A failure because the blob there differs and --immutable kept it as it was. */
  conflict?: boolean;
}

export interface Progress {
  phase: 'scan' | 'list' | 'hash' | 'upload' | 'download' | 'delete';
  done: number;
  total: number;
  bytesDone: number;
  bytesTotal: number;
}

/** How the engine talks to its caller: it never prints. Every member is optional. */
export interface SyncEvents {
  phase?(phase: Progress['phase'] | 'plan'): void;
  plan?(plan: Plan): void;
  /** The delete guard's decision, for a plan that deletes something (before a refusal is thrown). */
  guard?(decision: DeleteDecision): void;
  file?(result: FileResult): void;
  progress?(progress: Progress): void;
  warning?(message: string): void;
  /** A detail worth knowing when looking closely: shown with --verbose or debug logging. */
  detail?(message: string): void;
  /** The hash phase finished: how much it read, and on how many worker threads. */
  hashed?(stats: HashStats): void;
}

/** What the hash phase did. */
export interface HashStats {
  files: number;
  bytes: number;
  /** Worker threads used; 0 when a few files were hashed on the main thread. */
  workers: number;
  durationMs: number;
}

export interface Failure {
  name: string;
  reason: string;
}

export interface ExtensionStats {
  extension: string;
  files: number;
  bytes: number;
}

export interface SyncSummary {
  source: string;
  destination: string;
  dryRun: boolean;
  uploaded: number;
  updated: number;
  skipped: number;
  deleted: number;
  failed: number;
  bytesUploaded: number;
  /** Bytes sent to the service for the uploads (less than bytesUploaded when blocks were resumed). */
  bytesSent: number;
  /** Bytes of large files an interrupted earlier run had staged, which were not sent again. */
  bytesResumed: number;
  /**
   * With --immutable: files whose blob differs (found by the diff, or written by another publisher meanwhile), left as
   * they were; also counted in `failed`. The run's exit code is then ExitCode.immutable.
   */
  conflicts: number;
  durationMs: number;
  /** Bytes per second over the whole run. */
  throughput: number;
  failures: Failure[];
  /** What the delete grace kept, with a grace and deletes on. */
  deleteGrace?: GraceReport;
  /** The delete guard's decision, when the plan deleted something. */
  deleteGuard?: DeleteDecision;
  /** Blobs the service copied from a container source, and their bytes (none passed through the runner). */
  copied: number;
  bytesCopied: number;
  /** Blobs written into the local folder by a download, and the bytes fetched for them. */
  downloaded: number;
  bytesDownloaded: number;
  /**
   * How the changes arrived: uploaded from a local folder, copied by the service from a container folder, or
   * downloaded from a container folder into a local folder.
   */
  transfer: 'upload' | 'copy' | 'download';
  /** Set when deletes were planned but not run, and why. */
  deletesSkipped?: string;
  uploadedByExtension: ExtensionStats[];
  /** Full names of the blobs uploaded, updated or deleted (that a real run would change, in a dry run), sorted. */
  changedBlobs: string[];
}
