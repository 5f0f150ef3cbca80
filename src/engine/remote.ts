import type { BlobItem, ContainerClient } from '@azure/storage-blob';
import { relativeBlobName } from './names.js';
import type { RemoteBlob } from './types.js';

/** The service's largest listing page. */
const PAGE_SIZE = 5000;

/**
 * Lists every blob under the prefix (all pages), keyed by its name relative to the prefix. Directory stubs (ADLS
 * `hdi_isfolder` markers and names ending in '/') are not files and are left out, so they are never deleted.
 */
export async function listRemote(
  container: ContainerClient,
  prefix: string,
  onPage?: (count: number) => void,
): Promise<Map<string, RemoteBlob>> {
  const blobs = new Map<string, RemoteBlob>();
  const pages = container
    .listBlobsFlat({ prefix: prefix ? `${prefix}/` : undefined, includeMetadata: true })
    .byPage({ maxPageSize: PAGE_SIZE });
  for await (const page of pages) {
    for (const item of page.segment.blobItems) {
      const remote = toRemoteBlob(item, prefix);
      if (remote) blobs.set(remote.name, remote);
    }
    onPage?.(blobs.size);
  }
  return blobs;
}

export function isDirectoryStub(item: Pick<BlobItem, 'name' | 'metadata'>): boolean {
  return item.name.endsWith('/') || item.metadata?.['hdi_isfolder']?.toLowerCase() === 'true';
}

function toRemoteBlob(item: BlobItem, prefix: string): RemoteBlob | undefined {
  if (isDirectoryStub(item)) return undefined;
  const name = relativeBlobName(prefix, item.name);
  if (!name) return undefined;
  const p = item.properties;
  const md5 = p.contentMD5 && p.contentMD5.length ? Buffer.from(p.contentMD5).toString('base64') : undefined;
  return {
    name,
    blobName: item.name,
    size: p.contentLength ?? 0,
    md5,
    etag: p.etag,
    contentType: p.contentType,
    cacheControl: p.cacheControl,
    contentEncoding: p.contentEncoding,
    contentLanguage: p.contentLanguage,
    contentDisposition: p.contentDisposition,
  };
}
