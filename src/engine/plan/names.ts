import { UsageError } from '../errors.js';

/** The service's limit on a blob name, in characters. */
export const MAX_BLOB_NAME_LENGTH = 1024;

/**
 * Normalises a destination path (virtual folder) to `a/b` form: backslashes become '/', empty segments vanish.
 * Rejects '.' and '..' segments, which would silently escape or alias the folder.
 */
export function normalizeDestinationPath(input: string | undefined): string {
  const segments = (input ?? '').replace(/\\/g, '/').split('/').filter(Boolean);
  const bad = segments.find((s) => s === '.' || s === '..');
  if (bad) {
    throw new UsageError(
      `The destination path "${input}" contains a "${bad}" segment.`,
      'Give a plain virtual folder such as "site/v2" (no "." or ".." segments).',
    );
  }
  return segments.join('/');
}

/**
 * The folder the tool keeps its own state in (a preview's deploy record, a delete's grace period), at any level of the
 * container. Its blobs are never listed as files: never deleted as extras, never counted by the delete guard.
 */
export const TOOL_STATE_FOLDER = '.azure-blob-sync';

/** True when a '/'-joined name lies inside a tool-state folder (`.azure-blob-sync/…` at any depth). */
export function isToolState(name: string): boolean {
  return name.startsWith(`${TOOL_STATE_FOLDER}/`) || name.includes(`/${TOOL_STATE_FOLDER}/`);
}

export function blobNameFor(prefix: string, relativeName: string): string {
  return prefix ? `${prefix}/${relativeName}` : relativeName;
}

/** The blob name relative to the prefix, or undefined when the blob lies outside it. */
export function relativeBlobName(prefix: string, blobName: string): string | undefined {
  if (!prefix) return blobName;
  return blobName.startsWith(`${prefix}/`) ? blobName.slice(prefix.length + 1) : undefined;
}

/** Why the service would reject (or silently alter) this blob name, or undefined when it is fine. */
export function blobNameProblem(blobName: string): string | undefined {
  if (blobName.length > MAX_BLOB_NAME_LENGTH) {
    return `the blob name is ${blobName.length} characters long; the service allows ${MAX_BLOB_NAME_LENGTH}`;
  }
  if (/[.]$/.test(blobName)) return 'the service strips a trailing "." from blob names, so it would not round-trip';
  return undefined;
}

const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

export function validateContainerName(name: string | undefined): string {
  if (!name) {
    throw new UsageError('No container was given.', 'Name the container to sync into (3-63 characters: a-z, 0-9, -).');
  }
  if (name !== '$web' && name !== '$root' && !CONTAINER_NAME.test(name)) {
    throw new UsageError(
      `"${name}" is not a valid container name.`,
      'Container names are 3-63 characters of lowercase letters, digits and single hyphens, starting and ending with a letter or digit (or "$web" / "$root").',
    );
  }
  return name;
}
