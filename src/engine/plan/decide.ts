import type { CompareMode, DesiredHeaders, Encoding, RemoteBlob, SourceEntry, UploadReason } from '../types.js';
import { sourceView } from './encoding.js';

/**
 * Whether a file's content must be hashed before it can be compared with its blob: only in md5 mode, and only when the
 * blob has an MD5 and the same size (of the file it was written from, for a blob written under a compress rule).
 */
export function needsHash(local: SourceEntry, remote: RemoteBlob, compare: CompareMode): boolean {
  if (compare !== 'md5' || local.md5 !== undefined) return false;
  const view = sourceView(remote);
  return view.md5 !== undefined && view.size === local.size;
}

export function uploadReason(
  local: SourceEntry,
  remote: RemoteBlob | undefined,
  compare: CompareMode,
): UploadReason | undefined {
  if (!remote) return 'new';
  // A blob written under a compress rule is compared by the file it was written from.
  const view = sourceView(remote);
  switch (compare) {
    case 'none':
      return 'always';
    case 'size':
      return view.size === local.size ? undefined : 'changed';
    case 'md5':
      // A blob without an MD5 (written by another tool) cannot be proven equal, so it is replaced.
      return view.size === local.size && view.md5 !== undefined && view.md5 === local.md5 ? undefined : 'changed';
  }
}

/** The same content under another rule (added, changed, removed) is written again, encoded as the rule says now. */
export function encodingReason(remote: RemoteBlob | undefined, wanted: Encoding): UploadReason | undefined {
  return remote && sourceView(remote).encoding !== wanted ? 'encoding' : undefined;
}

export function headersDiffer(desired: DesiredHeaders, remote: RemoteBlob): boolean {
  const listed = remote.contentType ?? '';
  if (desired.contentType !== listed && normalizeMediaType(desired.contentType) !== normalizeMediaType(listed))
    return true;
  // No cache-control rule for this file: leave whatever the blob has.
  return desired.cacheControl !== undefined && desired.cacheControl !== (remote.cacheControl ?? '');
}

/**
 * `text/html;charset=UTF-8` and `text/html; charset=utf-8` are the same header. A container has a few distinct types,
 * so each is worked out once rather than split twice per listed blob.
 */
function normalizeMediaType(value: string): string {
  let normal = normalMediaTypes.get(value);
  if (normal === undefined) {
    normal = splitMediaType(value);
    if (normalMediaTypes.size < 1024) normalMediaTypes.set(value, normal);
  }
  return normal;
}

const normalMediaTypes = new Map<string, string>();

function splitMediaType(value: string): string {
  return value
    .split(';')
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean)
    .join('; ');
}
