import { GuardError, UsageError } from '../errors.js';
import type { SourceListing } from '../ports/source.js';
import type { DeleteDecision, Plan, SourceEntry, SyncOptions } from '../types.js';

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

/**
 * Weighs the source against what is deployed. A broken or wrong build is much smaller than the site it would
 * replace, so the measure is how far this run would shrink the blobs in scope: those deployed, less what this run
 * really deletes, plus the new names it uploads. A first mirror next to a left-over blob, or a rebuild whose bundler
 * renamed every hashed asset, deletes a large share but leaves as many blobs as before; it passes.
 */
export function weighDeletes(plan: Plan, options: Pick<SyncOptions, 'force' | 'deleteThreshold'>): DeleteDecision {
  const deployed = plan.remoteInScope;
  const deleting = plan.delete.length;
  const added = plan.upload.filter((item) => item.reason === 'new').length;
  const remaining = deployed - deleting + added;
  const shrink = deployed > 0 ? Math.max(0, (deployed - remaining) / deployed) : 0;
  const within = shrink <= options.deleteThreshold;
  return {
    deployed,
    deleting,
    sourceFiles: plan.upload.length + plan.updateHeaders.length + plan.skip.length,
    remaining,
    shrink,
    threshold: options.deleteThreshold,
    verdict: within ? 'allowed' : options.force ? 'forced' : 'refused',
    items: plan.downloads ? 'local files' : 'blobs',
  };
}

/** Throws the guard's refusal; a run stopped here has changed nothing. */
export function enforceDeleteDecision(decision: DeleteDecision): void {
  if (decision.verdict !== 'refused') return;
  throw new GuardError(
    `Refusing to delete ${decision.deleting} of the ${decision.deployed} ${decision.items} in scope: ${remainderText(decision)}, more than the ${percent(decision.threshold)} threshold. Nothing was changed.`,
    (t) =>
      `Check that the source folder is complete (a broken build is much smaller than the site); if the deletes are intended, raise ${t.name('deleteThreshold')} or pass ${t.set('force')}.`,
  );
}

/** `the source has 25 files and 25 blobs would remain (none fewer than deployed)`. */
export function remainderText(decision: DeleteDecision): string {
  const files = `${decision.sourceFiles} ${decision.items === 'blobs' ? 'file' : 'blob'}${decision.sourceFiles === 1 ? '' : 's'}`;
  const left = `${decision.remaining} ${decision.items.replace(/s$/, '')}${decision.remaining === 1 ? '' : 's'}`;
  return `the source has ${files} and ${left} would remain (${decision.shrink > 0 ? `${percent(decision.shrink)} fewer than` : 'no fewer than'} deployed)`;
}

/** 0.995 → "99.5%", 0.5 → "50%". */
export function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}
