import { mkdtempSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const CHANGED_PATHS_FILE_NAME = 'changed-paths.txt';

/**
 * Writes the full names of the changed blobs (uploaded, updated, deleted; destination path included), one a line
 * in UTF-8, sorted, into a new folder under `tempDir` (the runner's or agent's temp folder, emptied after the job),
 * and returns the file's path. A run that changed nothing writes an empty file, so a later step can always read it.
 */
export function writeChangedPaths(tempDir: string, blobNames: readonly string[]): string {
  const file = path.join(mkdtempSync(path.join(tempDir, 'azure-blob-sync-')), CHANGED_PATHS_FILE_NAME);
  writeFileSync(file, blobNames.map((name) => `${name}\n`).join(''));
  return file;
}
