import type { PurgeError } from '../engine/errors.js';
import type { SyncSummary } from '../engine/types.js';
import { writeChangedPaths } from './changed-paths.js';
import { PURGE_WAIT, purgeEndpoint } from './purge.js';
import { purgePaths } from './purge-paths.js';
import type { PreparedPurge } from './purge-setup.js';
import type { PurgeReport, RunSummary } from './types.js';

export interface DeployContext {
  /** Where files for later steps go; without one, no changed-paths file is written. */
  tempDir?: string;
  dryRun: boolean;
  /** The purge to run, signed in before the sync. */
  purge?: PreparedPurge;
  log(line: string): void;
}

/**
 * The steps after a sync, in order, for every entry point: the changed-paths file, then the purge of the changed
 * paths (none when nothing changed; listed, not sent, in a dry run). A failed purge is returned, not thrown: the
 * run publishes its summary first, then fails with the purge's own exit code.
 */
export async function runDeploySteps(
  synced: SyncSummary,
  context: DeployContext,
): Promise<{ summary: RunSummary; failure?: PurgeError }> {
  const { changedBlobs, ...summary } = synced;
  const changedPathsFile = context.tempDir ? writeChangedPaths(context.tempDir, changedBlobs) : undefined;
  if (!context.purge) return { summary: { ...summary, changedPathsFile } };
  const { report, failure } = await purgeChanges(context.purge, changedBlobs, context);
  return { summary: { ...summary, changedPathsFile, purge: report }, failure };
}

async function purgeChanges(
  purge: PreparedPurge,
  changedBlobs: readonly string[],
  context: DeployContext,
): Promise<{ report: PurgeReport; failure?: PurgeError }> {
  const paths = purgePaths(changedBlobs);
  const report = (status: PurgeReport['status'], more: Partial<PurgeReport> = {}): PurgeReport => ({
    endpoint: purge.target.id,
    status,
    paths,
    ...more,
  });
  if (paths.length === 0) {
    context.log('Nothing changed, so nothing is purged.');
    return { report: report('nothing changed') };
  }
  if (context.dryRun) {
    paths.forEach((path) => context.log(`would purge   ${path}`));
    return { report: report('would purge') };
  }
  try {
    const { durationMs } = await purgeEndpoint({ ...purge, paths }, { ...PURGE_WAIT, log: context.log });
    return { report: report('purged', { durationMs }) };
  } catch (error) {
    const failure = error as PurgeError;
    return { report: report('failed', { error: failure.message }), failure };
  }
}
