import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { PathFilter } from '../plan/path-filter.js';
import type { LocalFile } from '../types.js';
import { type CacheRow, CacheWriter, DamagedCache, MAGIC, readCache } from './hash-cache-file.js';
import { STAT_KEY_FIELDS, type StatKeys } from './scan.js';

/**
 * A file whose modification or change time is this close to the scan (or later) is not remembered: a write in the same
 * tick of a coarse file-system clock (FAT's is 2 s) would leave its stat key as it was, with other content.
 */
const SETTLED_MS = 3000;
/** Bytes written to the file at once. */
const WRITE_CHUNK = 1 << 20;

/** What loading found worth saying, and how many files the cache spared from hashing. */
export interface CacheUse {
  hits: number;
  warnings: string[];
}

/**
 * Remembers each local file's MD5 between runs, keyed by its relative name, size, modification and change times,
 * inode and device: any difference, and the file is hashed again (content rewritten with the same size and the old
 * modification time restored still moves the change time, which no user can set). The file lives outside the source,
 * is replaced whole at the end of a run (a temporary file renamed over it, so a reader sees the old or the new one,
 * never a part), and rows of files outside this run's include/exclude are kept from what is on disk then, so runs
 * over other parts of the folder, even at the same time, keep each other's; otherwise the last run to finish wins.
 */
export class HashCache {
  private startedAt = Date.now();
  /** Set once loading found a file that is not a cache: it is left as it is. */
  private foreign = false;

  private constructor(
    /** Absolute path of the cache file. */
    readonly file: string,
    /** The source folder's real path, recorded in the file: a cache of another folder is not used. */
    private readonly source: string,
  ) {}

  /** Checks where the cache goes: a file outside the source folder (a UsageError says why not). */
  static at(file: string, sourceRoot: string): HashCache {
    const absolute = path.resolve(file);
    const source = realpathSync(sourceRoot);
    if (existsSync(absolute) && statSync(absolute).isDirectory()) {
      throw new UsageError(
        `The hash cache "${file}" is a folder.`,
        (t) => `Give ${t.name('hashCache')} a file's path, e.g. ${path.join(file, 'site.hash-cache')}.`,
      );
    }
    const real = realPathOf(absolute);
    if (isInside(real, source)) {
      throw new UsageError(
        `The hash cache "${file}" is inside the source folder ${sourceRoot}: it would be synced as one of its files and change on every run.`,
        (t) =>
          `Keep it outside the source, e.g. ${t.set('hashCache', path.join(path.dirname(source), `${path.basename(source)}.hash-cache`))} (on CI, a folder the runner keeps between jobs).`,
      );
    }
    return new HashCache(absolute, source);
  }

  /**
   * Gives every file whose size and stat key are as remembered its MD5, before anything is hashed. A missing file is a
   * first run (nothing said); an unreadable, damaged or foreign one is said and not used.
   */
  async apply(files: readonly LocalFile[], keys: StatKeys, scanStartedAt: number): Promise<CacheUse> {
    this.startedAt = scanStartedAt;
    const read = await this.readFile();
    if (read.warning) return { hits: 0, warnings: [read.warning] };
    if (!read.rows) return { hits: 0, warnings: [] };
    try {
      return { hits: matchRows(files, keys, read.rows()), warnings: [] };
    } catch (error) {
      if (!(error instanceof DamagedCache)) throw error;
      // Nothing else gave these files an MD5 yet: what the damaged file gave is taken back.
      for (const file of files) file.md5 = undefined;
      return { hits: 0, warnings: [this.ignored(error.message)] };
    }
  }

  /**
   * Writes what this run knows: every file with an MD5 (hashed, taken from the cache, or computed while it was
   * uploaded) under the stat key the scan saw, except files that changed too recently to trust (see SETTLED_MS), and
   * the rows of files outside `filter` as the file on disk has them now. Returns warnings; never throws.
   */
  async save(files: readonly LocalFile[], keys: StatKeys, filter: PathFilter): Promise<string[]> {
    if (this.foreign) return [];
    let kept: Iterable<CacheRow> = [];
    // A run that takes every file leaves no row out of its scope to keep: only what the file is matters then.
    const current: { rows?: () => Generator<CacheRow>; foreign?: boolean; warning?: string } = filter.takesAll
      ? await this.foreignFile()
      : await this.readFile();
    // A file that is not a cache appeared there during the run: left as it is too.
    if (current.foreign) return [current.warning!];
    if (current.rows) kept = [...outOfScope(current.rows, filter)];
    const temporary = `${this.file}.${randomBytes(8).toString('hex')}.tmp`;
    try {
      await fs.mkdir(path.dirname(this.file), { recursive: true });
      const handle = await fs.open(temporary, 'wx');
      try {
        await this.write(handle, files, keys, kept);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temporary, this.file);
      return [];
    } catch (error) {
      await fs.rm(temporary, { force: true });
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return [`Could not write the hash cache ${this.file} (${code}); the next run hashes every file again.`];
    }
  }

  private async write(
    handle: fs.FileHandle,
    files: readonly LocalFile[],
    keys: StatKeys,
    kept: Iterable<CacheRow>,
  ): Promise<void> {
    let chunk = '';
    const writer = new CacheWriter((text) => (chunk += text));
    // One write at a time: writes to a file handle issued together may land in any order.
    const flush = async (atLeast: number) => {
      if (chunk.length < atLeast) return;
      await handle.write(chunk);
      chunk = '';
    };
    writer.header(this.source);
    const settledBefore = this.startedAt - SETTLED_MS;
    const others = kept[Symbol.iterator]();
    let other = others.next();
    for (let index = 0; index < files.length; index++) {
      const row = rowOf(files[index]!, keys, index);
      if (!row) continue;
      for (; !other.done && other.value.name < row.name; other = others.next()) writer.row(other.value);
      if (Math.max(row.mtimeMs, row.ctimeMs) <= settledBefore) writer.row(row);
      await flush(WRITE_CHUNK);
    }
    for (; !other.done; other = others.next()) writer.row(other.value);
    writer.finish();
    await flush(0);
  }

  /** The file on disk: its rows, or why it is not used (said once, at load). */
  private async readFile(): Promise<{ rows?: () => Generator<CacheRow>; warning?: string; foreign?: boolean }> {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(this.file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return {};
      return { warning: `Could not read the hash cache ${this.file} (${code}); every file is hashed.` };
    }
    if (bytes.length === 0) return {};
    const read = readCache(bytes);
    switch (read.kind) {
      case 'foreign':
        this.foreign = true;
        return {
          foreign: true,
          warning: `The hash cache ${this.file} is not a file this tool wrote, so it is not used and is left as it is; every file is hashed. Give the hash cache a path of its own.`,
        };
      case 'damaged':
        return { warning: this.ignored(read.why) };
      case 'cache':
        if (read.source !== this.source) {
          return {
            warning: `The hash cache ${this.file} was written for another source folder (${read.source}); every file is hashed, and it is rewritten for this one.`,
          };
        }
        return { rows: read.rows };
    }
  }

  /** Whether the file there now is not a cache (its first bytes say so), without reading the rest. */
  private async foreignFile(): Promise<{ foreign?: boolean; warning?: string }> {
    const start = Buffer.alloc(MAGIC.length);
    try {
      const handle = await fs.open(this.file, 'r');
      try {
        const { bytesRead } = await handle.read(start, 0, start.length, 0);
        if (bytesRead === 0 || start.toString('utf8', 0, bytesRead) === MAGIC) return {};
      } finally {
        await handle.close();
      }
    } catch {
      return {}; // nothing there (or unreadable): the new file takes its place
    }
    const { foreign, warning } = await this.readFile();
    return { foreign, warning };
  }

  private ignored(why: string): string {
    return `The hash cache ${this.file} is not used: ${why}. Every file is hashed, and it is rewritten at the end of the run.`;
  }
}

/** Walks the sorted files and the sorted rows together: a row whose file has the same size and stat key gives its MD5. */
function matchRows(files: readonly LocalFile[], keys: StatKeys, rows: Iterable<CacheRow>): number {
  let hits = 0;
  let index = 0;
  for (const row of rows) {
    while (index < files.length && files[index]!.name < row.name) index++;
    if (index === files.length) break;
    const file = files[index]!;
    if (file.name !== row.name || file.size !== row.size) continue;
    const at = index * STAT_KEY_FIELDS;
    if (
      keys[at] === row.mtimeMs &&
      keys[at + 1] === row.ctimeMs &&
      keys[at + 2] === row.ino &&
      keys[at + 3] === row.dev
    ) {
      file.md5 = row.md5;
      hits++;
    }
  }
  return hits;
}

function rowOf(file: LocalFile, keys: StatKeys, index: number): CacheRow | undefined {
  if (file.md5 === undefined) return undefined;
  const at = index * STAT_KEY_FIELDS;
  return {
    name: file.name,
    md5: file.md5,
    size: file.size,
    mtimeMs: keys[at]!,
    ctimeMs: keys[at + 1]!,
    ino: keys[at + 2]!,
    dev: keys[at + 3]!,
  };
}

function* outOfScope(rows: () => Generator<CacheRow>, filter: PathFilter): Generator<CacheRow> {
  try {
    for (const row of rows()) if (!filter.matches(row.name)) yield row;
  } catch (error) {
    if (!(error instanceof DamagedCache)) throw error;
  }
}

/** The real path of a file that may not exist yet: its nearest existing folder's real path, and the rest. */
function realPathOf(absolute: string): string {
  const rest: string[] = [];
  let at = absolute;
  for (;;) {
    try {
      return path.join(realpathSync(at), ...rest.reverse());
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return absolute;
      rest.push(path.basename(at));
      at = parent;
    }
  }
}

function isInside(candidate: string, folder: string): boolean {
  const fold = (p: string) => (os.platform() === 'win32' || os.platform() === 'darwin' ? p.toLowerCase() : p);
  const inside = folder.endsWith(path.sep) ? folder : `${folder}${path.sep}`;
  return fold(candidate) === fold(folder) || fold(candidate).startsWith(fold(inside));
}
