import { promises as fs, type Dirent, realpathSync, type Stats, statSync } from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import { UsageError } from '../errors.js';
import { serviceName } from '../names/blob-name.js';
import { flatCopy } from '../strings.js';
import { explainMissingSource } from './source-path.js';
import type { PathFilter } from '../plan/path-filter.js';
import type { Failure, LocalFile } from '../types.js';

export interface ScanResult {
  files: LocalFile[];
  /** Files or folders that exist but could not be read: reported as failed, and they block deletes. */
  problems: Failure[];
  warnings: string[];
  /** Files the include/exclude patterns left out. */
  filteredOut: number;
  /** With `statKeys`: each file's modification and change times, inode and device, in the order of `files`. */
  keys?: StatKeys;
}

/** Four numbers a file, as Node's stats give them: mtimeMs, ctimeMs, ino, dev (what the hash cache compares). */
export type StatKeys = Float64Array;
export const STAT_KEY_FIELDS = 4;

/** Folders read at once: enough to keep the disk busy, few enough not to exhaust file descriptors. */
const READDIR_CONCURRENCY = 64;

/** Checks the source folder and returns its absolute path, or throws a UsageError that says what to fix. */
export async function resolveSourceFolder(source: string): Promise<string> {
  if (!source) throw new UsageError('No source folder was given.', 'Name the local folder to sync from.');
  const absolute = path.resolve(source);
  let stats: Stats;
  try {
    stats = await fs.stat(absolute);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      const explained = explainMissingSource(source);
      if (explained) throw explained;
      throw new UsageError(
        `The source folder "${source}" does not exist.`,
        'Check the path (it is resolved from the current directory) and that the build step produced it.',
      );
    }
    throw new UsageError(`The source folder "${source}" cannot be read (${code}).`, 'Check its permissions.');
  }
  if (!stats.isDirectory()) {
    throw new UsageError(
      `The source "${source}" is a file, not a folder.`,
      (t) => `Give the folder that contains it; use ${t.name('include')} to pick single files.`,
    );
  }
  try {
    await fs.access(absolute, fs.constants.R_OK | fs.constants.X_OK);
  } catch {
    throw new UsageError(`The source folder "${source}" cannot be read.`, 'Check its permissions.');
  }
  return absolute;
}

export interface ScanOptions {
  /** Follow symbolic links whose target lies outside the source folder (by default they are skipped, with a warning). */
  followSymlinks?: boolean;
  /** Keep each file's stat key (see ScanResult.keys): only the hash cache needs it, so only then is it kept. */
  statKeys?: boolean;
}

/*
 * The folder walker. It replaces a glob library (glob, fast-glob, fdir) for the source's scan: glob reads a large tree
 * several times slower (docs/performance.md), and none of them has the link policy a hostile build output needs: a
 * link out of the source skipped and said so, every folder read once by device and inode whatever the links, real
 * folders before linked ones so names never depend on timing, folders excluded before they are read, and each
 * folder's files handed over while the walk goes on (see early-hash.ts). test/unit/scan-fuzz.test.ts holds it to a
 * plain reference walk on seeded random trees. What would let it go: a maintained walker with these rules at
 * fdir's speed.
 */

/**
 * Walks the source folder. Hidden files are included. Names and links are hostile input: a symbolic link whose
 * target lies outside the source folder is skipped (and said so) unless `followSymlinks`, and every folder is read at
 * most once, by device and inode, so no chain or loop of links multiplies the work. Real folders are read first and
 * linked folders after, in name order, so which name a folder is synced under never depends on timing.
 */
export async function scanSource(
  root: string,
  filter: PathFilter,
  /** Called with each folder's files as they are found, before the scan is done. */
  found?: (files: LocalFile[]) => void,
  options: ScanOptions = {},
): Promise<ScanResult> {
  const result: ScanResult = { files: [], problems: [], warnings: [], filteredOut: 0 };
  const keys = options.statKeys ? new KeyRecorder() : undefined;
  const { ScannedFile, RenamedFile } = fileClassesUnder(root);
  const limit = pLimit(READDIR_CONCURRENCY);
  const rootReal = realpathSync(root);
  const insideRoot = rootReal.endsWith(path.sep) ? rootReal : `${rootReal}${path.sep}`;
  /** Every folder read, by device and inode, with the name it was read under. */
  const read = new Map<string, string>();
  /** Linked folders found, read once the real ones are. */
  let linkedFolders: { full: string; rel: string; id: string }[] = [];

  /** Marks a folder as read under `rel`, or says why it is not read again. */
  function firstVisit(id: string, rel: string): boolean {
    const first = read.get(id);
    if (first === undefined) {
      read.set(id, rel);
      return true;
    }
    const loops = first === '' || rel.startsWith(`${first}/`);
    result.warnings.push(
      loops
        ? `${rel}: not followed, the symbolic link loops back to a parent folder`
        : `${rel}: not followed, it leads to a folder already synced as "${first}"`,
    );
    return false;
  }

  async function walk(dir: string, relDir: string): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await limit(() => fs.readdir(dir, { withFileTypes: true }));
    } catch (error) {
      result.problems.push({ name: `${relDir || '.'}/`, reason: `cannot read folder: ${errnoText(error)}` });
      return;
    }
    // Stats are synchronous: on a local disk one takes microseconds, and the promise API's thread-pool round trip
    // costs several times the stat itself. Folders are still read asynchronously, so the listing's answer is taken in
    // between.
    const subfolders: Promise<void>[] = [];
    const files: LocalFile[] = [];
    const fileStats: Stats[] = [];
    for (const entry of entries) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      // Patterns and the diff see the name the service stores (a '\\' in a POSIX name becomes '/').
      const name = serviceName(rel);
      const full = joinUnder(dir, entry.name);
      const link = entry.isSymbolicLink();
      let stats: Stats;
      try {
        stats = statSync(full);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (link && (code === 'ENOENT' || code === 'ELOOP')) {
          result.warnings.push(`${rel}: skipped a broken symbolic link`);
        } else {
          result.problems.push({ name: rel, reason: `cannot read: ${errnoText(error)}` });
        }
        continue;
      }
      if (link && !options.followSymlinks && !leadsInside(full, rel)) continue;
      if (stats.isDirectory()) {
        if (filter.excludesFolder(name)) continue;
        const id = `${stats.dev}:${stats.ino}`;
        if (link) linkedFolders.push({ full, rel, id });
        else if (firstVisit(id, rel)) subfolders.push(walk(full, rel));
      } else if (stats.isFile()) {
        if (!filter.matches(name)) {
          result.filteredOut++;
          continue;
        }
        if (name === rel) files.push(new ScannedFile(flatCopy(name), stats.size));
        else files.push(new RenamedFile(flatCopy(name), stats.size, rel));
        if (keys) fileStats.push(stats);
      }
    }
    for (const file of files) result.files.push(file);
    for (const stats of fileStats) keys!.add(stats);
    if (files.length > 0) found?.(files);
    await Promise.all(subfolders);
  }

  /** Whether a link's target lies inside the source folder; says so when it does not. */
  function leadsInside(full: string, rel: string): boolean {
    let target: string;
    try {
      target = realpathSync(full);
    } catch (error) {
      result.problems.push({ name: rel, reason: `cannot read: ${errnoText(error)}` });
      return false;
    }
    if (target === rootReal || target.startsWith(insideRoot)) return true;
    result.warnings.push(
      `${rel}: skipped, the symbolic link points outside the source folder (to ${target}); turn on follow-symlinks to follow such links`,
    );
    return false;
  }

  const rootStats = await fs.stat(root);
  read.set(`${rootStats.dev}:${rootStats.ino}`, '');
  await walk(root, '');
  // Linked folders, in rounds: each round's in name order, so the first name to reach a folder is the same every run.
  while (linkedFolders.length > 0) {
    const round = linkedFolders.sort((a, b) => compareNames(a.rel, b.rel));
    linkedFolders = [];
    const walks = round.filter(({ id, rel }) => firstVisit(id, rel)).map(({ full, rel }) => walk(full, rel));
    await Promise.all(walks);
  }
  if (keys) {
    // Sorted together: the keys follow their files by index.
    const order = Array.from(result.files.keys()).sort((a, b) =>
      compareNames(result.files[a]!.name, result.files[b]!.name),
    );
    result.files = order.map((i) => result.files[i]!);
    result.keys = keys.inOrder(order);
  } else {
    result.files.sort((a, b) => compareNames(a.name, b.name));
  }
  result.problems.sort((a, b) => compareNames(a.name, b.name));
  result.warnings.sort();
  return result;
}

/** Stat keys as files are found, four numbers each in one growing array (no object a file). */
class KeyRecorder {
  private keys = new Float64Array(1024 * STAT_KEY_FIELDS);
  private count = 0;

  add(stats: Stats): void {
    if ((this.count + 1) * STAT_KEY_FIELDS > this.keys.length) {
      const grown = new Float64Array(this.keys.length * 2);
      grown.set(this.keys);
      this.keys = grown;
    }
    this.keys.set([stats.mtimeMs, stats.ctimeMs, stats.ino, stats.dev], this.count++ * STAT_KEY_FIELDS);
  }

  /** The keys rearranged: the i-th of the result is the `order[i]`-th found. */
  inOrder(order: readonly number[]): StatKeys {
    const sorted = new Float64Array(order.length * STAT_KEY_FIELDS);
    order.forEach((from, to) => {
      sorted.set(this.keys.subarray(from * STAT_KEY_FIELDS, (from + 1) * STAT_KEY_FIELDS), to * STAT_KEY_FIELDS);
    });
    return sorted;
  }
}

/**
 * The files one scan finds. Each derives its absolute path when it is read (hashed or uploaded, once or twice), and
 * the root is the classes', not each file's: fewer bytes a file, with a million of them held for the run.
 */
function fileClassesUnder(root: string) {
  class ScannedFile implements LocalFile {
    md5?: string;

    constructor(
      readonly name: string,
      readonly size: number,
    ) {}

    get path(): string {
      return joinUnder(root, this.name);
    }
  }

  /** A file the service stores under another name (`a\\b` as `a/b`). */
  class RenamedFile extends ScannedFile {
    constructor(
      name: string,
      size: number,
      readonly sourceName: string,
    ) {
      super(name, size);
    }

    override get path(): string {
      return joinUnder(root, this.sourceName);
    }
  }

  return { ScannedFile, RenamedFile };
}

/**
 * A path inside a scanned folder: `folder` absolute and normal, `relative` made of names read from it. On POSIX that is
 * plain concatenation; path.join's normalizing, once in the walk and once per read, is a visible share of a large
 * re-sync. Windows keeps path.join, which also turns the '/' of relative names into '\\'.
 */
function joinUnder(folder: string, relative: string): string {
  if (path.sep !== '/') return path.join(folder, relative);
  return folder.endsWith('/') ? folder + relative : `${folder}/${relative}`;
}

/**
 * UTF-16 code-unit order. The service lists blobs in the order of the names' UTF-8 bytes, which is the same except
 * where a name has a character beyond U+FFFF where another has one from U+E000 to U+FFFF; the matcher does not rely on
 * the two agreeing (it looks each blob up).
 */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function errnoText(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? e.message;
}
