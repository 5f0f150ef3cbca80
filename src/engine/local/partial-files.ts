import { createHash } from 'node:crypto';

/**
 * The partial file of a download sits beside its target (so the final rename stays on one file system) under a name
 * that says whose it is and of which blob version: `.azure-blob-sync-partial.<name hash>.<version hash>`. A later run
 * finds it by its target's name; one of another version is stale and removed. Hashes keep the name short whatever
 * the target's name, and free of its characters.
 */
export const PARTIAL_PREFIX = '.azure-blob-sync-partial.';

const PARTIAL_NAME = /^\.azure-blob-sync-partial\.([0-9a-f]{16})\.([0-9a-f]{12})$/;

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/** The partial file's name (in the target's folder) for a target file name and the blob's ETag. */
export function partialName(targetName: string, etag: string | undefined): string {
  return `${PARTIAL_PREFIX}${shortHash(targetName, 16)}.${shortHash(etag ?? '', 12)}`;
}

/** The target-name hash of a partial file's name, or undefined when the name is not one of ours. */
export function partialOwner(fileName: string): string | undefined {
  return PARTIAL_NAME.exec(fileName)?.[1];
}

/** The target-name hash partialName uses, to match partial files found by a scan with the files written. */
export function ownerHash(targetName: string): string {
  return shortHash(targetName, 16);
}

export function isPartialFile(fileName: string): boolean {
  return fileName.startsWith(PARTIAL_PREFIX);
}
