import type { CompareMode, DesiredHeaders, Encoding, Plan, RemoteBlob, SourceEntry } from '../types.js';
import { needsHash } from './decide.js';
import { PlanMatcher } from './matcher.js';

export { headersDiffer } from './decide.js';

export interface DiffOptions<E extends SourceEntry = SourceEntry> {
  compare: CompareMode;
  deleteDestination: boolean;
  /** Builds the full blob name from a relative name. */
  blobName(relativeName: string): string;
  /** The headers a file should carry (`entry`: for headers the entry itself carries, as a source blob does). */
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
  return locals.filter((local) => {
    const remote = remotes.get(local.name);
    return remote !== undefined && needsHash(local, remote, compare);
  });
}

/** The pure diff: what to upload, what only needs its headers set, what is already there, what to delete. */
export function diff<E extends SourceEntry>(
  locals: readonly E[],
  remotes: ReadonlyMap<string, RemoteBlob>,
  options: DiffOptions<E>,
): Plan<E> {
  const matcher = new PlanMatcher(locals, options);
  for (const remote of remotes.values()) matcher.add(remote);
  return matcher.finish();
}
