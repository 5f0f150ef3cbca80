import type { PathFilter } from '../plan/path-filter.js';
import type { LocalFileState } from '../plan/download-plan.js';
import type { Failure, HashStats } from '../types.js';

/** What the local folder a download writes into holds, as its scan found it. */
export interface FolderListing<F extends LocalFileState = LocalFileState> {
  /** In name order. Symbolic links are not among them: a download never follows, replaces or deletes one. */
  files: F[];
  /** Files or folders that exist but could not be read: reported as failed, and they block deletes. */
  problems: Failure[];
  warnings: string[];
  /** False when the file system does not tell apart names that differ only by case (see pathClashes). */
  caseSensitive: boolean;
}

/** The blob version a file is written from: a partial file of another version is never resumed. */
export interface BlobVersion {
  etag?: string;
  size: number;
}

/**
 * One file being written. Bytes go to a partial file beside the target, in order, and replace the target only at
 * `commit`: no reader ever sees a half-written file, and a partial file left by an interrupted run is resumed.
 */
export interface FileWriter {
  /** Bytes of this blob version already in the partial file, from an interrupted run: where the download goes on. */
  readonly resumeFrom: number;
  /** Bytes an interrupted run wrote, read back (to hash the whole file). */
  readPartial(length: number, position: number): Promise<Buffer>;
  /** Appends bytes after those already written (several pieces in one write). */
  append(...pieces: Buffer[]): Promise<void>;
  /** Throws away what the partial file holds, to write the file from its first byte. */
  restart(): Promise<void>;
  /** Replaces (or creates) the target with the partial file, with this modification time. */
  commit(modified: Date): Promise<void>;
  /** Gives up: keeps the partial file for a later run to resume (`keep`), or removes it (its bytes are wrong). */
  abandon(keep: boolean): Promise<void>;
}

/**
 * A local folder as a download's destination. Nothing is ever written, replaced or deleted outside it, and nothing
 * through a symbolic link: a path that would cross one fails with the reason.
 */
export interface FolderDestination<F extends LocalFileState = LocalFileState> {
  /** How to name the folder to a person. */
  readonly label: string;
  /** Its absolute path (for the length of the paths written in it). */
  readonly root: string;
  list(filter: PathFilter): Promise<FolderListing<F>>;
  /** Fills in the MD5 of each file; returns those that could not be read, with why. */
  hash(files: readonly F[], onDone?: (stats: HashStats) => void): Promise<Map<F, string>>;
  /** Opens a writer for the file of this name (relative, '/'-joined, checked by names/local-path.ts). */
  write(name: string, version: BlobVersion): Promise<FileWriter>;
  /** Makes sure a folder exists (a directory stub of the container). */
  makeFolder(name: string): Promise<void>;
  /** Deletes a listed file, only if it is still the one listed (same size and time) and no link stands in its path. */
  deleteIfUnchanged(file: F): Promise<'deleted' | 'absent' | 'changed'>;
}
