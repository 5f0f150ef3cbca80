import type { RemoteBlob } from './types.js';

/**
 * A copy of a string that points into nothing else. V8 keeps a substring as a slice of its parent and a concatenation
 * as a pair of its parts; a kept slice of a network chunk keeps the whole chunk alive (a listing of a million blobs
 * would hold all of its XML).
 */
export function flatCopy(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/**
 * A listed blob fit to be kept past its page: its own texts are slices of the page (see flatCopy), left so because
 * most blobs of a re-sync are judged and dropped at once, and copying every name, MD5 and etag as it was parsed is a
 * visible share of a large re-sync (docs/performance.md). Header values are shared copies already (see ListPageParser).
 */
export function detachedBlob(remote: RemoteBlob): RemoteBlob {
  const name = flatCopy(remote.name);
  const kept: RemoteBlob = {
    ...remote,
    name,
    blobName: remote.blobName === remote.name ? name : flatCopy(remote.blobName),
  };
  if (remote.md5 !== undefined) kept.md5 = flatCopy(remote.md5);
  if (remote.etag !== undefined) kept.etag = flatCopy(remote.etag);
  if (remote.source) kept.source = { ...remote.source, md5: flatCopy(remote.source.md5) };
  return kept;
}
