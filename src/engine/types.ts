/** Plain data shared by the engine's stages. Nothing here knows about a platform. */

export type CompareMode = 'md5' | 'size' | 'none';
export type AccessTier = 'Hot' | 'Cool' | 'Cold' | 'Archive';

/** A header rule: files whose relative path matches `pattern` get `value` (the last matching rule wins). */
export interface HeaderRule {
  pattern: string;
  value: string;
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
  /** Largest share (0..1] of the blobs in scope that one run may delete without `force`. */
  deleteThreshold: number;
  force: boolean;
  dryRun: boolean;
  /** Files transferred at once. */
  concurrency: number;
  contentTypeRules: HeaderRule[];
  cacheControlRules: HeaderRule[];
  accessTier?: AccessTier;
  /** Create the container when it does not exist. */
  createContainer: boolean;
  /** Block size for large files in bytes; chosen per file when absent. */
  blockSize?: number;
}

/** One thing to sync, as a source lists it. `name` is its '/'-joined path relative to the source's root. */
export interface SourceEntry {
  name: string;
  size: number;
  /** Base64 MD5 of the content, filled in only when the diff needs it (or known from the listing). */
  md5?: string;
}

/** A file found by the scan of a local folder. */
export interface LocalFile extends SourceEntry {
  path: string;
  mtimeMs: number;
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
}

export interface DesiredHeaders {
  contentType: string;
  cacheControl?: string;
}

export type UploadReason = 'new' | 'changed' | 'always';

export interface UploadItem<E extends SourceEntry = SourceEntry> {
  local: E;
  blobName: string;
  headers: DesiredHeaders;
  reason: UploadReason;
}

export interface UpdateHeadersItem<E extends SourceEntry = SourceEntry> {
  local: E;
  remote: RemoteBlob;
  headers: DesiredHeaders;
}

export interface SkipItem<E extends SourceEntry = SourceEntry> {
  local: E;
  remote: RemoteBlob;
}

export interface Plan<E extends SourceEntry = SourceEntry> {
  /** New and changed entries; from a container source the service copies them instead (see `copies`). */
  upload: UploadItem<E>[];
  updateHeaders: UpdateHeadersItem<E>[];
  skip: SkipItem<E>[];
  delete: RemoteBlob[];
  /** Remote blobs in scope (matched by include/exclude), the base for the delete threshold. */
  remoteInScope: number;
  /** Set when the source is a container folder: `upload` items are copied by the service, not uploaded. */
  copies?: boolean;
}

/** `copied`: the storage service copied the blob from a container source; the runner moved no bytes. */
export type FileAction = 'uploaded' | 'updated' | 'skipped' | 'deleted' | 'failed' | 'copied';

export interface FileResult {
  action: FileAction;
  /** Name relative to the source folder / destination prefix. */
  name: string;
  bytes: number;
  /** Why it failed, or why it was uploaded ('new', 'changed'). */
  reason?: string;
}

export interface Progress {
  phase: 'scan' | 'list' | 'hash' | 'upload' | 'delete';
  done: number;
  total: number;
  bytesDone: number;
  bytesTotal: number;
}

/** How the engine talks to its caller: it never prints. Every member is optional. */
export interface SyncEvents {
  phase?(phase: Progress['phase'] | 'plan'): void;
  plan?(plan: Plan): void;
  file?(result: FileResult): void;
  progress?(progress: Progress): void;
  warning?(message: string): void;
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
  durationMs: number;
  /** Bytes per second over the whole run. */
  throughput: number;
  failures: Failure[];
  /** Blobs the service copied from a container source, and their bytes (none passed through the runner). */
  copied: number;
  bytesCopied: number;
  /** How the changes arrived: uploaded from a local folder, or copied by the service from a container folder. */
  transfer: 'upload' | 'copy';
  /** Set when deletes were planned but not run, and why. */
  deletesSkipped?: string;
  uploadedByExtension: ExtensionStats[];
}
