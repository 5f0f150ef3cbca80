import type { CompareMode, DesiredHeaders, Plan, RemoteBlob, SourceEntry, UploadReason } from '../types.js';

export interface DiffOptions<E extends SourceEntry = SourceEntry> {
  compare: CompareMode;
  deleteDestination: boolean;
  /** Builds the full blob name from a relative name. */
  blobName(relativeName: string): string;
  /** The headers a file should carry. */
  headersFor(relativeName: string, entry: E): DesiredHeaders;
  /** Whether a remote blob is in the sync's scope (include/exclude), and so may be deleted. */
  inScope(relativeName: string): boolean;
}

/**
 * Which local files must be hashed before the diff: only those whose blob exists with an MD5 and the same size.
 * Everything else is decided without reading the file (a new or resized file is uploaded, and hashed as it streams).
 */
export function filesNeedingHash<E extends SourceEntry>(
  locals: readonly E[],
  remotes: ReadonlyMap<string, RemoteBlob>,
  compare: CompareMode,
): E[] {
  if (compare !== 'md5') return [];
  return locals.filter((local) => {
    const remote = remotes.get(local.name);
    return remote?.md5 !== undefined && remote.size === local.size && local.md5 === undefined;
  });
}

/** The pure diff: what to upload, what only needs its headers set, what is already there, what to delete. */
export function diff<E extends SourceEntry>(
  locals: readonly E[],
  remotes: ReadonlyMap<string, RemoteBlob>,
  options: DiffOptions<E>,
): Plan<E> {
  const plan: Plan<E> = { upload: [], updateHeaders: [], skip: [], delete: [], remoteInScope: 0 };
  const localNames = new Set<string>();

  for (const local of locals) {
    localNames.add(local.name);
    const headers = options.headersFor(local.name, local);
    const remote = remotes.get(local.name);
    const reason = uploadReason(local, remote, options.compare);
    if (reason || !remote) {
      plan.upload.push({ local, blobName: options.blobName(local.name), headers, reason: reason ?? 'new' });
    } else if (headersDiffer(headers, remote)) {
      plan.updateHeaders.push({ local, remote, headers });
    } else {
      plan.skip.push({ local, remote });
    }
  }

  for (const remote of remotes.values()) {
    if (!options.inScope(remote.name)) continue;
    plan.remoteInScope++;
    if (options.deleteDestination && !localNames.has(remote.name)) plan.delete.push(remote);
  }
  return plan;
}

function uploadReason(
  local: SourceEntry,
  remote: RemoteBlob | undefined,
  compare: CompareMode,
): UploadReason | undefined {
  if (!remote) return 'new';
  switch (compare) {
    case 'none':
      return 'always';
    case 'size':
      return remote.size === local.size ? undefined : 'changed';
    case 'md5':
      // A blob without an MD5 (written by another tool) cannot be proven equal, so it is replaced.
      return remote.size === local.size && remote.md5 !== undefined && remote.md5 === local.md5 ? undefined : 'changed';
  }
}

export function headersDiffer(desired: DesiredHeaders, remote: RemoteBlob): boolean {
  if (normalizeMediaType(desired.contentType) !== normalizeMediaType(remote.contentType ?? '')) return true;
  // No cache-control rule for this file: leave whatever the blob has.
  return desired.cacheControl !== undefined && desired.cacheControl !== (remote.cacheControl ?? '');
}

/** `text/html;charset=UTF-8` and `text/html; charset=utf-8` are the same header. */
function normalizeMediaType(value: string): string {
  return value
    .split(';')
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean)
    .join('; ');
}
