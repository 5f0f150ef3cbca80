import type { SyncSummary } from '../engine/types.js';

/** What the purge after the sync did. */
export interface PurgeReport {
  /** The endpoint's resource ID. */
  endpoint: string;
  status: 'purged' | 'would purge' | 'nothing changed' | 'failed';
  /** The paths purged (or that would be), wildcards included. */
  paths: string[];
  durationMs?: number;
  /** Why it failed. */
  error?: string;
}

/** What a run publishes: the sync's summary, and what the deploy steps after it did. */
export interface RunSummary extends Omit<SyncSummary, 'changedBlobs'> {
  /** The file listing the changed blob names, one a line, for later steps (see deploy/changed-paths.ts). */
  changedPathsFile?: string;
  purge?: PurgeReport;
}
