import { GuardError, UsageError } from '../errors.js';
import type { SourceListing } from '../source/source.js';
import type { Plan, SourceEntry, SyncOptions } from '../types.js';

/**
 * Decides what a source that matched nothing means, before anything is listed as deletable: patterns that match none
 * of the files are a mistake; an empty source with deletes on would empty the destination and is refused; an empty
 * source without deletes is only worth a warning.
 */
export function guardEmptySource(
  listing: SourceListing<SourceEntry>,
  options: Pick<SyncOptions, 'source' | 'deleteDestination'>,
): string | undefined {
  if (listing.entries.length > 0) return undefined;
  if (listing.filteredOut > 0) {
    throw new UsageError(
      `None of the ${listing.filteredOut} files in "${options.source}" match the include/exclude patterns. Nothing was changed.`,
      (t) =>
        `Patterns match paths relative to the source folder, e.g. ${t.set('include', '"**/*.html"')} (not "*.html" for files in subfolders).`,
    );
  }
  if (options.deleteDestination) {
    throw new GuardError(
      `The source "${options.source}" matched no files, so deleting would empty the destination. Nothing was changed.`,
      (t) =>
        `Check that the build produced output and that ${t.name('include')}/${t.name('exclude')} are right; to really empty the destination, delete it with another tool.`,
    );
  }
  return `The source "${options.source}" matched no files; check the path and the include/exclude patterns.`;
}

/** Refuses a plan that would delete more than the threshold's share of the blobs in scope, unless forced. */
export function guardDeletes(plan: Plan, options: Pick<SyncOptions, 'force' | 'deleteThreshold'>): void {
  if (options.force || plan.delete.length === 0) return;
  const share = plan.delete.length / plan.remoteInScope;
  if (share > options.deleteThreshold) {
    const percent = (n: number) => `${Math.round(n * 100)}%`;
    throw new GuardError(
      `Refusing to delete ${plan.delete.length} of the ${plan.remoteInScope} blobs in scope (${percent(share)}, more than the ${percent(options.deleteThreshold)} threshold). Nothing was changed.`,
      (t) =>
        `Check that the source folder is complete; if the deletes are intended, raise ${t.name('deleteThreshold')} or pass ${t.set('force')}.`,
    );
  }
}
