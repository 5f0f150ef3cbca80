import os from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  type Dirent,
  futimesSync,
  lstatSync,
  mkdirSync,
  openSync,
  promises as fs,
  renameSync,
  type Stats,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import { TransferError, UsageError } from '../errors.js';
import type { LocalFileState } from '../plan/download-plan.js';
import type { PathFilter } from '../plan/path-filter.js';
import type { BlobVersion, FileWriter, FolderDestination, FolderListing } from '../ports/folder.js';
import type { HashStats, LocalFile } from '../types.js';
import { hashFiles } from './hash.js';
import { SYNC_IO_MAX } from './local-folder.js';
import { isPartialFile, ownerHash, partialName, partialOwner } from './partial-files.js';
import { compareNames } from './scan.js';

/** Files hashed at once on the main thread, when there are too few for worker threads (see hash.ts). */
const HASH_CONCURRENCY = 8;
/** Folders read at once by the scan. */
const READDIR_CONCURRENCY = 64;
/**
 * Files up to this size are written whole from memory with synchronous calls, like the small files an upload reads
 * (see SYNC_IO_MAX): a promise-based call per step costs several times the call itself.
 */
const SMALL_FILE = SYNC_IO_MAX;

/** A file of the destination folder: what the plan compares, and where it is. */
export class DestinationFile implements LocalFileState, LocalFile {
  md5?: string;

  constructor(
    readonly name: string,
    readonly size: number,
    readonly mtimeMs: number,
    private readonly root: string,
  ) {}

  get path(): string {
    return path.join(this.root, ...this.name.split('/'));
  }
}

/**
 * A local folder as a download's destination. Its scan never follows a symbolic link, and every write, folder and
 * delete checks that no link stands in its path: nothing is written, replaced or deleted outside the folder.
 */
export class LocalFolderDestination implements FolderDestination<DestinationFile> {
  /** Partial files the scan found, by their folder (relative) and their target's name hash. */
  private readonly partials = new Map<string, string[]>();
  /** Folders known to be real folders inside the root (relative; '' is the root). */
  private readonly folders = new Set<string>(['']);
  /** Symbolic links the scan found (relative): never replaced, never written through. */
  private readonly links = new Set<string>();

  private constructor(
    readonly root: string,
    readonly label: string,
  ) {}

  /** The folder, created when it does not exist yet; a UsageError says what is wrong with it. */
  static async open(folder: string): Promise<LocalFolderDestination> {
    if (!folder)
      throw new UsageError('No local folder to download into was given.', 'Name the folder to download into.');
    const root = path.resolve(folder);
    try {
      await fs.mkdir(root, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why =
        code === 'EEXIST' || code === 'ENOTDIR' ? 'a file stands in its path' : `it cannot be created (${code})`;
      throw new UsageError(`The folder to download into, "${folder}", is not a folder: ${why}.`, 'Give a folder path.');
    }
    if (!(await fs.stat(root)).isDirectory()) {
      throw new UsageError(`The folder to download into, "${folder}", is a file.`, 'Give a folder path.');
    }
    return new LocalFolderDestination(root, folder);
  }

  async list(filter: PathFilter): Promise<FolderListing<DestinationFile>> {
    const listing: FolderListing<DestinationFile> = { files: [], problems: [], warnings: [], caseSensitive: true };
    const limit = pLimit(READDIR_CONCURRENCY);
    const walk = async (relDir: string): Promise<void> => {
      const dir = this.full(relDir);
      let entries: Dirent[];
      try {
        entries = await limit(() => fs.readdir(dir, { withFileTypes: true }));
      } catch (error) {
        listing.problems.push({ name: `${relDir || '.'}/`, reason: `cannot read folder: ${codeOf(error)}` });
        return;
      }
      const subfolders: Promise<void>[] = [];
      for (const entry of entries) {
        const name = relDir ? `${relDir}/${entry.name}` : entry.name;
        if (entry.isSymbolicLink()) {
          this.links.add(name);
          listing.warnings.push(
            `${name}: left alone, a symbolic link (a download never follows, replaces or deletes one)`,
          );
        } else if (entry.isDirectory()) {
          this.folders.add(name);
          if (!filter.excludesFolder(name)) subfolders.push(walk(name));
        } else if (entry.isFile()) {
          const owner = partialOwner(entry.name);
          if (owner !== undefined) this.notePartial(relDir, owner, entry.name);
          else if (!isPartialFile(entry.name) && filter.matches(name)) {
            try {
              // Synchronous, as the upload's scan: a stat takes microseconds, a promise's round trip several times that.
              const stats = lstatSync(path.join(dir, entry.name));
              listing.files.push(new DestinationFile(name, stats.size, stats.mtimeMs, this.root));
            } catch (error) {
              listing.problems.push({ name, reason: `cannot read: ${codeOf(error)}` });
            }
          }
        }
      }
      await Promise.all(subfolders);
    };
    await walk('');
    listing.files.sort((a, b) => compareNames(a.name, b.name));
    listing.problems.sort((a, b) => compareNames(a.name, b.name));
    listing.warnings.sort();
    listing.caseSensitive = await this.tellsCaseApart();
    return listing;
  }

  async hash(
    files: readonly DestinationFile[],
    onDone?: (stats: HashStats) => void,
  ): Promise<Map<DestinationFile, string>> {
    return (await hashFiles(files, HASH_CONCURRENCY, { onDone })) as Map<DestinationFile, string>;
  }

  async write(name: string, version: BlobVersion): Promise<FileWriter> {
    const { dir, base } = split(name);
    await this.ensureFolder(dir);
    // What stands at the target is known from the scan: a link or a folder there is never replaced.
    if (this.links.has(name))
      throw new TransferError('a symbolic link stands at this path; a download never replaces one');
    if (this.folders.has(name)) throw new TransferError('a folder stands where this file must be');
    const target = this.full(name);
    const partial = partialName(base, version.etag);
    const partialPath = this.full(dir ? `${dir}/${partial}` : partial);
    const found = await this.takePartials(dir, base, partial);
    const resumable = found ? await lstatOrUndefined(partialPath) : undefined;
    const resumeFrom = resumable?.isFile() && resumable.size <= version.size ? resumable.size : 0;
    if (resumeFrom === 0 && version.size <= SMALL_FILE) return new SmallFileWriter(partialPath, target);
    const handle = await fs.open(partialPath, resumeFrom > 0 ? 'r+' : 'w');
    return new PartialFileWriter(handle, partialPath, target, resumeFrom);
  }

  async makeFolder(name: string): Promise<void> {
    await this.ensureFolder(name);
  }

  async deleteIfUnchanged(file: DestinationFile): Promise<'deleted' | 'absent' | 'changed'> {
    const { dir } = split(file.name);
    // Every folder on the way must still be a real folder inside the root: a link put there meanwhile is not followed.
    try {
      await this.ensureFolder(dir, false);
    } catch {
      return 'changed';
    }
    const stats = await lstatOrUndefined(this.full(file.name));
    if (!stats) return 'absent';
    if (!stats.isFile() || stats.size !== file.size || stats.mtimeMs !== file.mtimeMs) return 'changed';
    try {
      await fs.unlink(this.full(file.name));
      return 'deleted';
    } catch (error) {
      if (codeOf(error) === 'ENOENT') return 'absent';
      throw error;
    }
  }

  private full(name: string): string {
    return name === '' ? this.root : path.join(this.root, ...name.split('/'));
  }

  /**
   * Makes sure each folder of a relative path is a real folder inside the root, creating what is missing (unless
   * `create` is false); a symbolic link or a file in the way fails the file that needs the folder. Synchronous: each
   * call takes microseconds, and a new folder is made before it is looked at (one call, not two).
   */
  private async ensureFolder(relDir: string, create = true): Promise<void> {
    if (this.folders.has(relDir)) return;
    const segments = relDir.split('/');
    for (let i = 1; i <= segments.length; i++) {
      const folder = segments.slice(0, i).join('/');
      if (this.folders.has(folder)) continue;
      const full = this.full(folder);
      if (create) {
        try {
          mkdirSync(full);
          this.folders.add(folder);
          continue;
        } catch (error) {
          if (codeOf(error) !== 'EEXIST') throw error;
        }
      }
      const stats = lstatSync(full, { throwIfNoEntry: false });
      if (stats?.isSymbolicLink()) {
        throw new TransferError(
          `a symbolic link stands where the folder "${folder}" must be; a download never writes through one`,
        );
      }
      if (!stats) throw new TransferError(`the folder "${folder}" is gone`);
      if (!stats.isDirectory()) throw new TransferError(`a file stands where the folder "${folder}" must be`);
      this.folders.add(folder);
    }
  }

  private notePartial(relDir: string, owner: string, fileName: string): void {
    const key = `${relDir}\0${owner}`;
    const known = this.partials.get(key);
    if (known) known.push(fileName);
    else this.partials.set(key, [fileName]);
  }

  /**
   * The partial files of this target the scan found: those of other versions are stale (their blob changed) and go;
   * returns whether the one of this version is among them.
   */
  private async takePartials(relDir: string, base: string, keep: string): Promise<boolean> {
    const key = `${relDir}\0${ownerHash(base)}`;
    const found = this.partials.get(key);
    if (!found) return false;
    this.partials.delete(key);
    for (const fileName of found) {
      if (fileName !== keep) await fs.rm(this.full(relDir ? `${relDir}/${fileName}` : fileName), { force: true });
    }
    return found.includes(keep);
  }

  /** Whether the file system tells `a` from `A`: a probe file is written in the root and looked up in other case. */
  private async tellsCaseApart(): Promise<boolean> {
    const probe = path.join(this.root, `.azure-blob-sync-case-probe-${randomBytes(6).toString('hex')}`);
    try {
      await fs.writeFile(probe, '');
      return !(await lstatOrUndefined(probe.toUpperCase().replace(this.root.toUpperCase(), this.root)));
    } catch {
      return os.platform() === 'linux';
    } finally {
      await fs.rm(probe, { force: true });
    }
  }
}

/**
 * A small file, held in memory and written whole at `commit` with synchronous calls: the partial file exists only for
 * the moment of the write, and the rename makes it the target at once. A small file is not worth resuming.
 */
class SmallFileWriter implements FileWriter {
  readonly resumeFrom = 0;
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly partialPath: string,
    private readonly target: string,
  ) {}

  async readPartial(): Promise<Buffer> {
    throw new TransferError('a small file has no partial file to read back');
  }

  async append(...pieces: Buffer[]): Promise<void> {
    this.chunks.push(...pieces);
  }

  async restart(): Promise<void> {
    this.chunks.length = 0;
  }

  async commit(modified: Date): Promise<void> {
    const fd = openSync(this.partialPath, 'w');
    try {
      for (const chunk of this.chunks) writeAllSync(fd, chunk);
      futimesSync(fd, modified, modified);
    } finally {
      closeSync(fd);
    }
    renameSync(this.partialPath, this.target);
  }

  async abandon(): Promise<void> {
    this.chunks.length = 0;
  }
}

function writeAllSync(fd: number, bytes: Buffer): void {
  for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
}

/** Writes a partial file in order, and renames it over the target once the whole file is there. */
class PartialFileWriter implements FileWriter {
  private written: number;
  private open = true;

  constructor(
    private readonly handle: fs.FileHandle,
    private readonly partialPath: string,
    private readonly target: string,
    readonly resumeFrom: number,
  ) {
    this.written = resumeFrom;
  }

  async readPartial(length: number, position: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(buffer, filled, length - filled, position + filled);
      if (bytesRead === 0) throw new TransferError('the partial file shrank while it was read back');
      filled += bytesRead;
    }
    return buffer;
  }

  async append(...pieces: Buffer[]): Promise<void> {
    const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
    let { bytesWritten } = await this.handle.writev(pieces, this.written);
    // A short write (rare: a full disk, a signal) is finished piece by piece.
    for (let at = 0; bytesWritten < length;) {
      const piece = pieces[at]!;
      if (bytesWritten >= piece.length) {
        bytesWritten -= piece.length;
        at++;
        continue;
      }
      const rest = piece.subarray(bytesWritten);
      const { bytesWritten: more } = await this.handle.write(rest, 0, rest.length, this.written + bytesWritten);
      bytesWritten += more;
    }
    this.written += length;
  }

  async restart(): Promise<void> {
    await this.handle.truncate(0);
    this.written = 0;
  }

  async commit(modified: Date): Promise<void> {
    await this.handle.truncate(this.written);
    await this.handle.utimes(modified, modified);
    await this.close();
    await fs.rename(this.partialPath, this.target);
  }

  async abandon(keep: boolean): Promise<void> {
    await this.close();
    if (!keep) await fs.rm(this.partialPath, { force: true });
  }

  private async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await this.handle.close();
  }
}

function split(name: string): { dir: string; base: string } {
  const slash = name.lastIndexOf('/');
  return slash < 0 ? { dir: '', base: name } : { dir: name.slice(0, slash), base: name.slice(slash + 1) };
}

async function lstatOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(file);
  } catch (error) {
    if (codeOf(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function codeOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? e.message;
}
