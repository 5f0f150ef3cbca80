import { UsageError } from '../errors.js';
import { refuseUnexpanded } from '../unexpanded.js';

/** The service's limit on a blob name, in characters. */
export const MAX_BLOB_NAME_LENGTH = 1024;

/**
 * Normalises a destination path (virtual folder) to `a/b` form: backslashes become '/', empty segments vanish.
 * Rejects '.' and '..' segments, which would silently escape or alias the folder.
 */
export function normalizeDestinationPath(input: string | undefined): string {
  // `$(Build.BuildNumber)` left as written would become a folder of that very name.
  refuseUnexpanded('The destination path', input);
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
 * The name the service stores for a local relative name: it turns every '\' into '/' (Azure does, and Azurite with
 * it), so `docs\guide.txt` is the blob `docs/guide.txt`. Only POSIX names can hold a backslash.
 */
export function serviceName(localName: string): string {
  return localName.replace(/\\/g, '/');
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

/**
 * A blob name (or virtual folder) as a URL path, each segment percent-encoded as the storage SDK encodes blob URLs:
 * `my site/v 1` is `my%20site/v%201`, so a URL built from it is valid and names the same blobs.
 */
export function urlPath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
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
  // Only a local name ending in '\' gets here: the service stored it as a folder marker, which lists as no file.
  if (blobName.endsWith('/')) {
    return 'the service turns "\\" into "/", and a blob name ending in "/" is a folder marker, so it would not round-trip';
  }
  return undefined;
}

const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

export function validateContainerName(name: string | undefined): string {
  if (!name) {
    throw new UsageError('No container was given.', 'Name the container to sync into (3-63 characters: a-z, 0-9, -).');
  }
  refuseUnexpanded('The container name', name);
  if (name !== '$web' && name !== '$root' && !CONTAINER_NAME.test(name)) {
    throw new UsageError(
      `"${name}" is not a valid container name.`,
      'Container names are 3-63 characters of lowercase letters, digits and single hyphens, starting and ending with a letter or digit (or "$web" / "$root").',
    );
  }
  return name;
}
