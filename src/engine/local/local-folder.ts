import { closeSync, fstatSync, openSync, promises as fs, read, statSync, type Stats } from 'node:fs';
import { TransferError } from '../errors.js';
import type { HashStats, LocalFile } from '../types.js';
import { EarlyHashing } from './early-hash.js';
import { HashCache } from './hash-cache.js';
import type { PathFilter } from '../plan/path-filter.js';
import { resolveSourceFolder, type ScanOptions, scanSource, type StatKeys } from './scan.js';
import { interpretSourcePath } from './source-path.js';
import type { EntryReader, SourceListing, SyncSource } from '../ports/source.js';

/** Files hashed at once when there are too few to start worker threads for (see hash.ts). */
const HASH_CONCURRENCY = 8;
/**
 * Files up to this size are opened, checked and closed with synchronous calls, and read with one callback read. Each
 * promise-based call costs a hop to the thread pool and a promise, several times what the six calls an upload makes
 * (open, fstat, read, stat, stat, close) cost this way (docs/performance.md). The metadata calls hit inodes the scan
 * just read; the read
 * stays off the loop, so a cold disk still reads files in parallel. Larger files keep the FileHandle.
 */
export const SYNC_IO_MAX = 256 * 1024;

export interface LocalFolderOptions {
  /** Follow symbolic links whose target lies outside the source folder (see scan.ts). */
  followSymlinks?: boolean;
  /** A file outside the folder that keeps the files' MD5s between runs (see hash-cache.ts). */
  hashCache?: string;
}

/** A local folder as a sync's source: scanned on the main thread, hashed on worker threads, files read once. */
export class LocalFolderSource implements SyncSource<LocalFile> {
  private readonly hashing = new EarlyHashing(HASH_CONCURRENCY);
  /** What the hash cache saves at the end: the scan's files, their stat keys, and the run's scope. */
  private scanned?: { files: LocalFile[]; keys: StatKeys; filter: PathFilter };

  private constructor(
    readonly label: string,
    private readonly scanOptions: ScanOptions,
    /** The source as given, when it was a contents glob (`dist/*`) read as its folder. */
    readonly contentsGlob?: string,
    private readonly cache?: HashCache,
  ) {}

  /**
   * Checks the folder (it exists, is a folder, can be read) and the hash cache's place (outside it), and returns the
   * source; a UsageError says what to fix. `dist/*` and `dist/**` (AzCopy's and Azure File Copy's "the folder's
   * contents") are the folder `dist`.
   */
  static async open(source: string, options: LocalFolderOptions = {}): Promise<LocalFolderSource> {
    const { folder, contentsGlob } = interpretSourcePath(source);
    const root = await resolveSourceFolder(folder);
    const cache = options.hashCache === undefined ? undefined : HashCache.at(options.hashCache, root);
    const scanOptions = { followSymlinks: options.followSymlinks, statKeys: cache !== undefined };
    return new LocalFolderSource(root, scanOptions, contentsGlob, cache);
  }

  async list(filter: PathFilter, hashAhead?: (file: LocalFile) => boolean): Promise<SourceListing<LocalFile>> {
    const started = Date.now();
    // With a cache, files are offered for hashing once it has given the unchanged ones their MD5.
    const found = hashAhead && !this.cache && ((files: LocalFile[]) => this.hashing.offer(files.filter(hashAhead)));
    const scan = await scanSource(this.label, filter, found || undefined, this.scanOptions);
    const listing = {
      entries: scan.files,
      problems: scan.problems,
      warnings: scan.warnings,
      filteredOut: scan.filteredOut,
    };
    const details: string[] = [];
    if (this.cache && scan.keys) {
      this.scanned = { files: scan.files, keys: scan.keys, filter };
      const use = await this.cache.apply(scan.files, scan.keys, started);
      listing.warnings = [...listing.warnings, ...use.warnings];
      details.push(`hash cache: ${use.hits} of ${scan.files.length} file(s) unchanged since it was written`);
      if (hashAhead) this.hashing.offer(scan.files.filter((file) => file.md5 === undefined && hashAhead(file)));
    }
    if (hashAhead) this.hashing.scanned(hashAhead);
    return { ...listing, details };
  }

  /** Saves the hash cache (when there is one) with every MD5 this run learned; returns warnings. */
  async remember(): Promise<string[]> {
    if (!this.cache || !this.scanned) return [];
    const { files, keys, filter } = this.scanned;
    return this.cache.save(files, keys, filter);
  }

  hash(entries: readonly LocalFile[], onDone?: (stats: HashStats) => void): Promise<Map<LocalFile, string>> {
    return this.hashing.finish(entries, onDone);
  }

  async open(file: LocalFile): Promise<EntryReader> {
    try {
      if (file.size <= SYNC_IO_MAX) return SmallFileReader.open(file.path);
      const handle = await fs.open(file.path, 'r');
      return new FileReader(file.path, handle, await handle.stat());
    } catch (error) {
      throw readFailure(error, 'the file disappeared before upload');
    }
  }

  close(): Promise<void> {
    return this.hashing.cancel();
  }
}

/** One open file, checked again after reading: if it changed meanwhile, the upload must not claim sync. */
class FileReader implements EntryReader {
  constructor(
    private readonly path: string,
    private readonly handle: fs.FileHandle,
    private readonly before: Stats,
  ) {}

  get size(): number {
    return this.before.size;
  }

  async read(length: number, position: number): Promise<Buffer> {
    return readFully(length, position, async (buffer, offset, count, at) => {
      return (await this.handle.read(buffer, offset, count, at)).bytesRead;
    });
  }

  /** The file must still be the one we started reading: same inode, size and modification time. */
  async verifyUnchanged(outcome = 'nothing was committed'): Promise<void> {
    let after: Stats;
    try {
      after = await fs.stat(this.path);
    } catch {
      throw new TransferError(`the file disappeared while it was being uploaded; ${outcome}`);
    }
    unchangedOrThrow(this.before, after, outcome);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** A small file, opened, checked and closed with synchronous calls (see SYNC_IO_MAX); the same checks as FileReader. */
class SmallFileReader implements EntryReader {
  private constructor(
    private readonly path: string,
    private readonly fd: number,
    private readonly before: Stats,
  ) {}

  static open(path: string): SmallFileReader {
    const fd = openSync(path, 'r');
    try {
      return new SmallFileReader(path, fd, fstatSync(fd));
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  get size(): number {
    return this.before.size;
  }

  async read(length: number, position: number): Promise<Buffer> {
    return readFully(length, position, (buffer, offset, count, at) => readInto(this.fd, buffer, offset, count, at));
  }

  async verifyUnchanged(outcome = 'nothing was committed'): Promise<void> {
    let after: Stats | undefined;
    try {
      after = statSync(this.path, { throwIfNoEntry: false });
    } catch {
      // unreadable now: as good as gone
    }
    if (!after) throw new TransferError(`the file disappeared while it was being uploaded; ${outcome}`);
    unchangedOrThrow(this.before, after, outcome);
  }

  async close(): Promise<void> {
    closeSync(this.fd);
  }
}

/** Reads `length` bytes from `position`, however many reads it takes; a file that ends sooner shrank meanwhile. */
async function readFully(
  length: number,
  position: number,
  readAt: (buffer: Buffer, offset: number, count: number, at: number) => Promise<number>,
): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    let bytesRead: number;
    try {
      bytesRead = await readAt(buffer, filled, length - filled, position + filled);
    } catch (error) {
      throw readFailure(error, 'the file disappeared while it was being uploaded');
    }
    if (bytesRead === 0) throw new TransferError('the file shrank while it was being uploaded; nothing was committed');
    filled += bytesRead;
  }
  return buffer;
}

function readInto(fd: number, buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buffer, offset, length, position, (error, bytesRead) => (error ? reject(error) : resolve(bytesRead)));
  });
}

function unchangedOrThrow(before: Stats, after: Stats, outcome: string): void {
  if (after.ino !== before.ino || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
    throw new TransferError(`the file changed while it was being uploaded; ${outcome}`);
  }
}

/** A file system error as one short reason: the code says it all, the message would repeat the absolute path. */
function readFailure(error: unknown, whenMissing: string): unknown {
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (code === 'ENOENT') return new TransferError(whenMissing);
  if (syscall && code) return new TransferError(`cannot read: ${code}`);
  return error;
}
