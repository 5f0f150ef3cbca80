import type { CompareMode, Plan, RemoteBlob, UploadReason } from '../types.js';
import { sourceView } from './encoding.js';

/** A file of the local folder a download writes into, as its scan found it. */
export interface LocalFileState {
  /** '/'-joined, relative to the folder. */
  name: string;
  size: number;
  mtimeMs: number;
  /** Base64 MD5, once hashed (only files whose blob has an MD5 and the same size are). */
  md5?: string;
}

export interface DownloadPlanOptions {
  compare: CompareMode;
  deleteDestination: boolean;
  /** Whether a local file is in the run's scope (include/exclude, shard), and so may be deleted. */
  inScope(name: string): boolean;
}

/**
 * The local files whose content must be hashed before they can be compared with their blobs: in md5 mode, those whose
 * blob has an MD5 (of the file it was written from, for a blob written under a compress rule) and the same size.
 */
export function filesToHash(
  blobs: readonly RemoteBlob[],
  files: ReadonlyMap<string, LocalFileState>,
  compare: CompareMode,
): LocalFileState[] {
  if (compare !== 'md5') return [];
  const wanted: LocalFileState[] = [];
  for (const blob of blobs) {
    const file = files.get(blob.name);
    const view = sourceView(blob);
    if (file && file.md5 === undefined && view.md5 !== undefined && view.size === file.size) wanted.push(file);
  }
  return wanted;
}

/**
 * The download's plan, in the shape of an upload's: `upload` holds the blobs to fetch (`blobName` is the local name),
 * `skip` the blobs whose file is already there, `delete` the local files no blob accounts for (with deletes on), and
 * `remoteInScope` counts the local files in scope, the delete guard's base.
 */
export function planDownload(
  blobs: readonly RemoteBlob[],
  files: ReadonlyMap<string, LocalFileState>,
  options: DownloadPlanOptions,
): Plan<RemoteBlob> {
  const plan: Plan<RemoteBlob> = { upload: [], updateHeaders: [], skip: [], delete: [], remoteInScope: 0 };
  plan.downloads = true;
  const names = new Set<string>();
  for (const blob of blobs) {
    names.add(blob.name);
    const reason = downloadReason(blob, files.get(blob.name), options.compare);
    if (reason) plan.upload.push({ local: blob, blobName: blob.name, headers: { contentType: '' }, reason });
    else plan.skip.push(blob);
  }
  for (const file of files.values()) {
    if (!options.inScope(file.name)) continue;
    plan.remoteInScope++;
    if (options.deleteDestination && !names.has(file.name)) {
      plan.delete.push({ name: file.name, blobName: file.name, size: file.size });
    }
  }
  plan.delete.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return plan;
}

/**
 * Why a blob must be fetched, or undefined when its file is already there: by content (MD5) when the blob has one; by
 * size and modification time otherwise, since every download sets the file's time to the blob's Last-Modified.
 */
export function downloadReason(
  blob: RemoteBlob,
  file: LocalFileState | undefined,
  compare: CompareMode,
): UploadReason | undefined {
  if (!file) return 'new';
  const view = sourceView(blob);
  switch (compare) {
    case 'none':
      return 'always';
    case 'size':
      return view.size === file.size ? undefined : 'changed';
    case 'md5':
      if (view.size !== file.size) return 'changed';
      if (view.md5 !== undefined) return file.md5 === view.md5 ? undefined : 'changed';
      return blob.lastModified !== undefined && sameSecond(file.mtimeMs, blob.lastModified) ? undefined : 'changed';
  }
}

/** Last-Modified has whole seconds; a file system keeps the time it was set to, or rounds it to its own resolution. */
function sameSecond(a: number, b: number): boolean {
  return Math.floor(a / 1000) === Math.floor(b / 1000);
}
