import type { ContainerClient } from '@azure/storage-blob';
import { classifyFatal } from './classify.js';
import { DEFAULT_LIST_LIMITS, listRemote } from './listing/listing.js';
import type { ListLimits } from './listing/list-request.js';
import { TransferError, UsageError } from '../engine/errors.js';
import { statusOf } from '../engine/failures.js';
import type { DesiredHeaders, RemoteBlob } from '../engine/types.js';
import type { PathFilter } from '../engine/plan/path-filter.js';
import type { CopySource, EntryReader, SourceListing, SyncSource } from '../engine/ports/source.js';

/** A folder of a container as a sync's source, with what the auth layer worked out for reading it. */
export interface ContainerFolder {
  /** Authorised to list the folder (the source's SAS, a key or the run's Entra sign-in). */
  container: ContainerClient;
  /** Virtual folder inside the container ('' for the whole container), normalised. */
  path: string;
  /** The folder's URL with no secret in it. */
  label: string;
  /** The blob's URL with read-only authorisation the storage service can use for a copy (a SAS). */
  copyUrl(blobName: string): Promise<string>;
  /** One request's time limit for the listing (default 120 s). */
  tryTimeoutMs?: number;
}

/**
 * A container folder as the source: listed with the same streamed listing as the destination (size, Content-MD5 and
 * headers of every blob), and copied by the storage service. The runner never reads a source blob: `open` refuses, and
 * MD5s come only from the listing.
 */
export class ContainerFolderSource implements SyncSource<RemoteBlob> {
  readonly label: string;

  constructor(private readonly folder: ContainerFolder) {
    this.label = folder.label;
  }

  async list(filter: PathFilter): Promise<SourceListing<RemoteBlob>> {
    const { entries, filteredOut } = await listSourceFolder(this.folder, filter, {});
    const withoutMd5 = entries.filter((blob) => blob.md5 === undefined);
    const warnings =
      withoutMd5.length === 0
        ? []
        : [
            `${withoutMd5.length} source blob(s) have no Content-MD5 (e.g. ${withoutMd5[0]!.name}), so they cannot be proven ` +
              'equal to their copies and are copied on every run. Upload them with azure-blob-sync (which always sets ' +
              'the MD5) to make re-runs skip them.',
          ];
    return { entries, problems: [], warnings, filteredOut };
  }

  /** Nothing to compute: the listing carries every MD5 there is, and reading blobs to hash them is what this avoids. */
  async hash(): Promise<Map<RemoteBlob, string>> {
    return new Map();
  }

  async open(): Promise<EntryReader> {
    throw new TransferError('a blob of a container source is copied by the storage service, never read by the runner');
  }

  async copySource(entry: RemoteBlob): Promise<CopySource> {
    return {
      url: await this.folder.copyUrl(entry.blobName),
      etag: entry.etag,
      headers: {
        contentType: entry.contentType ?? '',
        cacheControl: entry.cacheControl,
        contentEncoding: entry.contentEncoding,
        contentLanguage: entry.contentLanguage,
        contentDisposition: entry.contentDisposition,
        md5: entry.md5,
      },
    };
  }

  /** A copy keeps the source's Content-Type and Cache-Control unless a rule says otherwise. */
  inheritedHeaders(entry: RemoteBlob): Partial<DesiredHeaders> {
    return { contentType: entry.contentType, cacheControl: entry.cacheControl };
  }

  async close(): Promise<void> {}
}

/**
 * Every blob of a source folder that the filter takes, in name order, with what the listing says of each. A missing
 * container is a usage error (the source URL names it); other failures are classified as for a destination.
 */
export async function listSourceFolder(
  folder: Pick<ContainerFolder, 'container' | 'path' | 'label' | 'tryTimeoutMs'>,
  filter: PathFilter,
  more: Partial<ListLimits>,
): Promise<{ entries: RemoteBlob[]; filteredOut: number }> {
  const limits = {
    ...DEFAULT_LIST_LIMITS,
    tryTimeoutMs: folder.tryTimeoutMs ?? DEFAULT_LIST_LIMITS.tryTimeoutMs,
    ...more,
  };
  let blobs: Map<string, RemoteBlob>;
  try {
    blobs = await listRemote(folder.container, folder.path, limits);
  } catch (error) {
    if (statusOf(error) === 404) {
      throw new UsageError(
        `The source container at ${folder.label} does not exist.`,
        (t) => `Check the container name in ${t.name('source')}.`,
      );
    }
    throw classifyFatal(error, 'list the source', folder.label) ?? error;
  }
  const names = [...blobs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const entries = names.map((name) => blobs.get(name)!).filter((blob) => filter.matches(blob.name));
  return { entries, filteredOut: blobs.size - entries.length };
}
