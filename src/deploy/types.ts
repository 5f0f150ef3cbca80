import type { SyncSummary } from '../engine/types.js';

/** What a run publishes: the sync's summary, and what the deploy steps after it did. */
export interface RunSummary extends Omit<SyncSummary, 'changedBlobs'> {
  /** The file listing the changed blob names, one a line, for later steps (see deploy/changed-paths.ts). */
  changedPathsFile?: string;
}
