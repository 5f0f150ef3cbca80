import type { CompareMode, DesiredHeaders, Encoding, Plan, RemoteBlob, SourceEntry, UploadReason } from '../types.js';
import { sourceView } from './encoding.js';

export interface DiffOptions<E extends SourceEntry = SourceEntry> {
  compare: CompareMode;
  deleteDestination: boolean;
  /** Builds the full blob name from a relative name. */
  blobName(relativeName: string): string;
  /** The headers a file should carry. */
  headersFor(relativeName: string, entry: E): DesiredHeaders;
  /** Whether a remote blob is in the sync's scope (include/exclude), and so may be deleted. */
  inScope(relativeName: string): boolean;
  /** How a file should be stored (compress rules); `none` when absent. */
  encodingFor?(relativeName: string): Encoding;
  /** Whether a remote blob lies in a protected folder: never deleted, not counted in scope. */
  isProtected?(relativeName: string): boolean;
}

/**
 * Which local files must be hashed before the diff: only those whose blob exists with an MD5 and the same size (of
 * the file it was written from, for a blob written under a compress rule). Everything else is decided without
 * reading the file (a new or resized file is uploaded, and hashed as it streams). A file whose rule changed is
 * hashed too, so its upload says truly whether its content changed as well.
 */
export function filesNeedingHash<E extends SourceEntry>(
  locals: readonly E[],
  remotes: ReadonlyMap<string, RemoteBlob>,
  compare: CompareMode,
): E[] {
  if (compare !== 'md5') return [];
  return locals.filter((local) => {
    const remote = remotes.get(local.name);
    if (!remote || local.md5 !== undefined) return false;
    const view = sourceView(remote);
    return view.md5 !== undefined && view.size === local.size;
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
    const encoding = options.encodingFor?.(local.name) ?? 'none';
    const reason = uploadReason(local, remote, options.compare) ?? encodingReason(remote, encoding);
    if (reason || !remote) {
      const item = { local, blobName: options.blobName(local.name), headers, reason: reason ?? 'new' };
      plan.upload.push(encoding === 'none' ? item : { ...item, encoding });
    } else if (headersDiffer(headers, remote)) {
      plan.updateHeaders.push({ local, remote, headers });
    } else {
      plan.skip.push({ local, remote });
    }
  }

  for (const remote of remotes.values()) {
    if (options.isProtected?.(remote.name) || !options.inScope(remote.name)) continue;
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
function encodingReason(remote: RemoteBlob | undefined, wanted: Encoding): UploadReason | undefined {
  return remote && sourceView(remote).encoding !== wanted ? 'encoding' : undefined;
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
