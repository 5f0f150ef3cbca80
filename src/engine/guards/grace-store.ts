import type { SyncDestination } from '../ports/destination.js';
import { type AbsentSince, type GraceChanges, hasChanges, mergeGrace, parseGrace, serializeGrace } from './grace.js';

export interface LoadedGrace {
  state: AbsentSince;
  /** The state blob's etag; undefined when there is none yet. */
  etag?: string;
  damaged: boolean;
}

/** Writes after a conflict are tried this often before the run gives up on saving (and says so). */
const SAVE_ATTEMPTS = 4;

export async function loadGrace(destination: SyncDestination, blobName: string): Promise<LoadedGrace> {
  const stored = await destination.readState(blobName);
  if (!stored) return { state: new Map(), damaged: false };
  return { ...parseGrace(stored.body), etag: stored.etag };
}

/**
 * Saves this run's changes with a conditional write (If-Match the etag read, or If-None-Match * for a first state),
 * so two runs at once never overwrite each other: the one that loses re-reads the state and applies its changes to
 * it. One small read and at most a few small writes a run, whatever the number of files.
 */
export async function saveGrace(
  destination: SyncDestination,
  blobName: string,
  loaded: LoadedGrace,
  changes: GraceChanges,
): Promise<'saved' | 'unchanged' | 'conflict'> {
  if (!hasChanges(changes) && !loaded.damaged) return 'unchanged';
  let current = loaded;
  for (let attempt = 0; attempt < SAVE_ATTEMPTS; attempt++) {
    const body = serializeGrace(mergeGrace(current.state, changes));
    if ((await destination.writeState(blobName, body, current.etag)) === 'written') return 'saved';
    current = await loadGrace(destination, blobName);
  }
  return 'conflict';
}
