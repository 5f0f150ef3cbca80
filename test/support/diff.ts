// The pure diff of a whole listing held in memory: what the engine's streamed matching comes to, for tests.
import type { CompareMode, Plan, RemoteBlob, SourceEntry } from '../../src/engine/types.js';
import { needsHash } from '../../src/engine/plan/decide.js';
import { type MatchOptions, PlanMatcher } from '../../src/engine/plan/matcher.js';

export { headersDiffer } from '../../src/engine/plan/decide.js';
export type { MatchOptions as DiffOptions };

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
  options: MatchOptions<E>,
): Plan<E> {
  const matcher = new PlanMatcher(locals, options);
  for (const remote of remotes.values()) matcher.add(remote);
  return matcher.finish();
}
