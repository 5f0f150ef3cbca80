import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import pLimit from 'p-limit';
import { HashPool } from './hash-pool.js';
import type { HashStats, LocalFile } from '../types.js';

/**
 * Below both of these, starting workers costs more than it saves: hashing ~500 small files or ~32 MiB on the main
 * thread takes about as long as starting a worker (docs/performance.md).
 */
const POOL_MIN_FILES = 500;
const POOL_MIN_BYTES = 32 * 2 ** 20;
const MAX_WORKERS = 4;
/** A batch is one message to a worker: enough small files that messaging is a small share of the work. */
const BATCH_MAX_FILES = 256;
const BATCH_MAX_BYTES = 8 * 2 ** 20;
const LARGE_FILE_BYTES = 2 ** 20;
/** Batches handed to the pool at once per worker: the pool keeps two at each worker, one more waits. */
const BATCHES_QUEUED_PER_WORKER = 3;

/**
 * Base64 MD5 of a file, streamed so memory stays flat whatever the size. The read size follows the expected size: a
 * large buffer for a small file makes hashing small files several times slower.
 */
export async function md5OfFile(path: string, expectedSize = Infinity): Promise<string> {
  const hash = createHash('md5');
  const highWaterMark = Math.min(1 << 20, Math.max(1 << 13, expectedSize + 1));
  for await (const chunk of createReadStream(path, { highWaterMark })) hash.update(chunk as Buffer);
  return hash.digest('base64');
}

/** Worker threads worth starting for these files: 0 when the main thread is cheaper. */
export function hashWorkersFor(files: readonly LocalFile[]): number {
  const bytes = files.reduce((sum, file) => sum + file.size, 0);
  if (files.length < POOL_MIN_FILES && bytes < POOL_MIN_BYTES) return 0;
  return Math.max(1, Math.min(os.availableParallelism(), MAX_WORKERS, files.length));
}

export interface HashHooks {
  onHashed?: (file: LocalFile) => void;
  onDone?: (stats: HashStats) => void;
  /** Workers already started (and closed) by the caller, so two phases of hashing share one start-up. */
  pool?: HashPool;
}

/**
 * Fills in `md5` on each file, on worker threads when there is enough to hash or a pool is given (on the main thread
 * otherwise, with `concurrency` files at once). Errors are returned per file (file → error code) rather than thrown,
 * so one unreadable file does not stop the run.
 */
export async function hashFiles(
  files: readonly LocalFile[],
  concurrency: number,
  hooks: HashHooks = {},
): Promise<Map<LocalFile, string>> {
  const started = performance.now();
  const workers = hooks.pool?.size ?? hashWorkersFor(files);
  const errors = new Map<LocalFile, string>();
  const record = { errors, onHashed: hooks.onHashed };
  if (workers === 0) {
    await hashOnMainThread(files, concurrency, record);
  } else {
    const pool = hooks.pool ?? new HashPool(workers);
    try {
      await hashOnWorkers(files, pool, concurrency, record);
    } finally {
      if (!hooks.pool) await pool.close();
    }
  }
  hooks.onDone?.({
    files: files.length,
    bytes: files.reduce((sum, file) => sum + file.size, 0),
    workers,
    durationMs: performance.now() - started,
  });
  return errors;
}

interface Recorder {
  errors: Map<LocalFile, string>;
  onHashed?: (file: LocalFile) => void;
}

async function hashOnMainThread(files: readonly LocalFile[], concurrency: number, record: Recorder): Promise<void> {
  const limit = pLimit(concurrency);
  await Promise.all(
    files.map((file) =>
      limit(async () => {
        try {
          file.md5 = await md5OfFile(file.path, file.size);
          record.onHashed?.(file);
        } catch (error) {
          record.errors.set(file, (error as NodeJS.ErrnoException).code ?? String(error));
        }
      }),
    ),
  );
}

async function hashOnWorkers(
  files: readonly LocalFile[],
  pool: HashPool,
  concurrency: number,
  record: Recorder,
): Promise<void> {
  // Only a few batches wait at the pool, and batches are cut as they are sent, so the paths (built per file when asked)
  // exist for those alone: queuing them all at once, or cutting every batch first, held memory for every file.
  const batches = batchesOf(files);
  const sendNext = async (): Promise<void> => {
    for (let next = batches.next(); !next.done; next = batches.next()) await hashBatch(next.value);
  };
  const hashBatch = async (batch: LocalFile[]): Promise<void> => {
    let result;
    try {
      result = await pool.hash(
        batch.map((file) => file.path),
        batch.map((file) => file.size),
      );
    } catch {
      if (pool.closed) return batch.forEach((file) => record.errors.set(file, 'cancelled'));
      // A worker died (not a file error: those come back per file); its files are hashed here instead.
      return hashOnMainThread(batch, concurrency, record);
    }
    batch.forEach((file, i) => {
      const md5 = result.md5s[i];
      if (md5) {
        file.md5 = md5;
        record.onHashed?.(file);
      } else {
        record.errors.set(file, result.errors[i] ?? 'unknown error');
      }
    });
  };
  await Promise.all(Array.from({ length: pool.size * BATCHES_QUEUED_PER_WORKER }, sendNext));
}

/**
 * Large files first, largest first, so a big file left for last does not keep one worker busy while the others idle;
 * small files (in scan order: sorting 50,000 of them would buy nothing) grouped up to a count and a byte size per
 * batch. A large file goes alone.
 */
function* batchesOf(files: readonly LocalFile[]): Generator<LocalFile[]> {
  const large = files.filter((file) => file.size >= LARGE_FILE_BYTES).sort((a, b) => b.size - a.size);
  for (const file of large) yield [file];
  let current: LocalFile[] = [];
  let bytes = 0;
  for (const file of files) {
    if (file.size >= LARGE_FILE_BYTES) continue;
    if (current.length > 0 && (current.length >= BATCH_MAX_FILES || bytes + file.size > BATCH_MAX_BYTES)) {
      yield current;
      current = [];
      bytes = 0;
    }
    current.push(file);
    bytes += file.size;
  }
  if (current.length > 0) yield current;
}
