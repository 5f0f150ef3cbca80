import { UsageError } from '../errors.js';
import { refuseUnexpanded } from '../unexpanded.js';

/**
 * The one place a blob name is built and checked. Names come from hostile input (a pull request's file names, another
 * tool's blobs), so every name a run writes, copies, sets headers on or deletes passes `blobNameProblem` first, and
 * the storage room refuses a name that fails it before it becomes part of a URL.
 */

/** The service's limit on a blob name, in characters. */
export const MAX_BLOB_NAME_LENGTH = 1024;

/**
 * The folder the tool keeps its own state in (a preview's deploy record, a delete's grace period), at any level of the
 * container. Its blobs are never listed as files: never deleted as extras, never counted by the delete guard.
 */
export const TOOL_STATE_FOLDER = '.azure-blob-sync';

/** True when a '/'-joined name lies inside a tool-state folder (`.azure-blob-sync/…` at any depth). */
export function isToolState(name: string): boolean {
  return name.startsWith(`${TOOL_STATE_FOLDER}/`) || name.includes(`/${TOOL_STATE_FOLDER}/`);
}

/**
 * Normalises a destination path (virtual folder) to `a/b` form: backslashes become '/', empty segments vanish.
 * Rejects '.' and '..' segments, which would silently escape or alias the folder.
 */
export function normalizeDestinationPath(input: string | undefined): string {
  // `$(Build.BuildNumber)` left as written would become a folder of that very name.
  refuseUnexpanded('The destination path', input);
  const segments = (input ?? '').replace(/\\/g, '/').split('/').filter(Boolean);
  const bad = segments.find(isDotSegment);
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

/** A name inside a virtual folder ('' for the container root). */
export function blobNameFor(prefix: string, relativeName: string): string {
  return prefix ? `${prefix}/${relativeName}` : relativeName;
}

/** The blob name relative to the prefix, or undefined when the blob lies outside it. */
export function relativeBlobName(prefix: string, blobName: string): string | undefined {
  if (!prefix) return blobName;
  return blobName.startsWith(`${prefix}/`) ? blobName.slice(prefix.length + 1) : undefined;
}

/**
 * Why no request may address a blob of this name, or undefined when one may. A '.' or '..' segment is resolved away
 * by every URL parser (the SDK's among them), so the request would reach another blob, possibly in another container;
 * an empty segment is collapsed the same way by some, and kept by others. Listed blobs that fail this (written by
 * another tool) are reported and left alone; the storage room refuses to build a URL for one.
 */
export function unsafeBlobName(blobName: string): string | undefined {
  if (blobName === '') return 'the blob name is empty';
  if (blobName.length > MAX_BLOB_NAME_LENGTH) {
    return `the blob name is ${blobName.length} characters long; the service allows ${MAX_BLOB_NAME_LENGTH}`;
  }
  // The service reads '\\' as '/', so a name is checked as the service will store it, whoever built it.
  const name = blobName.includes('\\') ? blobName.replaceAll('\\', '/') : blobName;
  // Searched for rather than split: every listed blob of a large re-sync passes here.
  const dot = dotSegmentIn(name);
  if (dot !== undefined) {
    const where = dot === '..' ? 'a blob outside its folder, even in another container' : 'another blob';
    return `its path has a "${dot}" segment (after "\\" is read as "/"), which a URL resolves to ${where}`;
  }
  if (name.startsWith('/') || name.includes('//')) {
    return 'its path has an empty segment ("//", or a leading "/" after "\\" is read as "/"), which a URL may collapse into another blob';
  }
  return undefined;
}

/**
 * Why the run must not write or copy a blob of this name, or undefined when it may: an unsafe name (see
 * `unsafeBlobName`), or one the service would alter (a trailing '.', a final '/'), which would not round-trip.
 */
export function blobNameProblem(blobName: string): string | undefined {
  const unsafe = unsafeBlobName(blobName);
  if (unsafe) return unsafe;
  // A local name ending in '\' gets here as a name ending in '/': a folder marker, which lists as no file.
  if (blobName.endsWith('/')) {
    return 'the service turns "\\" into "/", and a blob name ending in "/" is a folder marker, so it would not round-trip';
  }
  if (blobName.endsWith('.')) return 'the service strips a trailing "." from blob names, so it would not round-trip';
  return undefined;
}

/** What to do about a file whose name fails `blobNameProblem`: said once, after the reason. */
export const UNSAFE_NAME_ADVICE = 'rename the file, or leave it out with an exclude pattern; it was not sent';

function isDotSegment(segment: string): boolean {
  return segment === '.' || segment === '..';
}

/** The first kind of dot segment in a '/'-joined name ('..' before '.'), if any. */
function dotSegmentIn(name: string): '.' | '..' | undefined {
  if (!name.includes('.')) return undefined;
  for (const dot of ['..', '.'] as const) {
    if (name === dot || name.startsWith(`${dot}/`) || name.endsWith(`/${dot}`) || name.includes(`/${dot}/`)) return dot;
  }
  return undefined;
}
