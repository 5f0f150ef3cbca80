import type { SyncSummary } from '../engine/types.js';
import { writeChangedPaths } from './changed-paths.js';
import type { RunSummary } from './types.js';

export interface DeployContext {
  /** Where files for later steps go; without one, no changed-paths file is written. */
  tempDir?: string;
}

/**
 * The steps after a sync, in order, for every entry point: the changed-paths file. Returns what is published.
 */
export async function runDeploySteps(synced: SyncSummary, context: DeployContext): Promise<RunSummary> {
  const { changedBlobs, ...summary } = synced;
  const changedPathsFile = context.tempDir ? writeChangedPaths(context.tempDir, changedBlobs) : undefined;
  return { ...summary, changedPathsFile };
}
