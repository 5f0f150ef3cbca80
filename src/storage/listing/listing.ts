import type { ContainerClient } from '@azure/storage-blob';
import type { ListedBlob } from './list-parser.js';
import { type ListLimits, listPage } from './list-request.js';
import { isToolState, relativeBlobName } from '../../engine/names/blob-name.js';
import { detachedBlob } from '../../engine/strings.js';
import type { RemoteBlob } from '../../engine/types.js';

export const DEFAULT_LIST_LIMITS: ListLimits = { tryTimeoutMs: 120_000, maxTries: 6 };

/**
 * Lists every blob under the prefix (all pages), keyed by its name relative to the prefix. Directory stubs (ADLS
 * `hdi_isfolder` markers and names ending in '/') are not files and are left out, so they are never deleted; so is
 * the tool's own state (`isToolState`).
 */
export async function listRemote(
  container: ContainerClient,
  prefix: string,
  limits: ListLimits = DEFAULT_LIST_LIMITS,
): Promise<Map<string, RemoteBlob>> {
  const blobs = new Map<string, RemoteBlob>();
  await eachRemoteBlob(
    container,
    prefix,
    (listed) => {
      const remote = detachedBlob(listed);
      blobs.set(remote.name, remote);
    },
    limits,
  );
  return blobs;
}

/**
 * The same listing handed over blob by blob, page after page, so a caller need not hold it all (a sync does not). A
 * blob's texts are slices of its page: a caller that keeps one keeps a `detachedBlob` of it.
 */
export async function eachRemoteBlob(
  container: ContainerClient,
  prefix: string,
  onBlob: (remote: RemoteBlob) => void,
  limits: ListLimits = DEFAULT_LIST_LIMITS,
): Promise<void> {
  const add = (blob: ListedBlob) => {
    const remote = toRemoteBlob(blob, prefix, limits.folders ?? false);
    if (remote) onBlob(remote);
  };
  let marker = '';
  do marker = await listPage(container, prefix ? `${prefix}/` : undefined, marker, add, limits);
  while (marker);
}

/**
 * The blob of exactly that full name as a listing shows it now, or undefined when there is none (blocks staged and
 * never committed make no listed blob): one page of one blob under the name as prefix, the exact name listing first.
 * Needs only list permission, unlike Get Blob Properties.
 */
export async function lookupBlob(
  container: ContainerClient,
  prefix: string,
  blobName: string,
  limits: ListLimits = DEFAULT_LIST_LIMITS,
): Promise<RemoteBlob | undefined> {
  let found: RemoteBlob | undefined;
  const take = (blob: ListedBlob) => {
    if (blob.name === blobName) found = toRemoteBlob(blob, prefix, false);
  };
  await listPage(container, blobName, '', take, { ...limits, pageSize: 1 });
  return found;
}

export function isDirectoryStub(blob: Pick<ListedBlob, 'name' | 'folderMarker'>): boolean {
  return blob.name.endsWith('/') || blob.folderMarker?.toLowerCase() === 'true';
}

function toRemoteBlob(blob: ListedBlob, prefix: string, folders: boolean): RemoteBlob | undefined {
  const stub = isDirectoryStub(blob);
  if (stub && !folders) return undefined;
  const name = relativeBlobName(prefix, blob.name.replace(/\/$/, ''));
  if (!name || isToolState(name)) return undefined;
  const { folderMarker: _, name: blobName, ...properties } = blob;
  return stub ? { name, blobName, ...properties, folder: true } : { name, blobName, ...properties };
}
