import { existsSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { findUnexpanded, unexpandedError } from '../unexpanded.js';

/**
 * `dist/*`, `dist/**`, `dist/**\/*` (or with `\`): how AzCopy and Azure File Copy say "the folder's contents".
 * A source is always a folder's whole contents, so these mean the folder `dist` (a bare `*` the current folder).
 */
const CONTENTS_GLOB = /(^|[\\/])\*\*?([\\/]\*)?$/;

/** What a source as given names: the folder, and the contents glob it was written with, if any. */
export interface SourcePath {
  folder: string;
  /** The source as given when it was a contents glob (`dist/*`) read as its folder. */
  contentsGlob?: string;
}

/** Reads a contents glob as its folder, unless a file or folder of that very name exists. */
export function interpretSourcePath(source: string): SourcePath {
  const match = CONTENTS_GLOB.exec(source);
  if (!match || existsSync(source)) return { folder: source };
  // Without its separator, so `dist\*` is `dist` on POSIX too; `/*` is the root, `C:\*` the drive's root.
  const folder = source.slice(0, match.index);
  const separator = match[1]!;
  const root = folder === '' ? separator || '.' : /^[A-Za-z]:$/.test(folder) ? `${folder}${separator}` : folder;
  return { folder: root, contentsGlob: source };
}

/**
 * Why a source that does not exist does not: a variable that was never expanded, or a pattern where a folder
 * belongs. Undefined when neither, so the caller says "does not exist".
 */
export function explainMissingSource(source: string): UsageError | undefined {
  const unexpanded = findUnexpanded(source, true);
  if (unexpanded) return unexpandedError('The source', source, unexpanded);
  if (/[*?[]/.test(source)) {
    return new UsageError(
      `The source "${source}" is a pattern, but a source is a folder (its whole contents are synced).`,
      (t) =>
        `Give the folder, and the pattern to ${t.name('include')}, e.g. the folder dist with ${t.set('include', '"*.html"')}.`,
    );
  }
  return undefined;
}
