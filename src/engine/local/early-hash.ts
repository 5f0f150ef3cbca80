import { HashPool } from './hash-pool.js';
import { hashFiles, hashWorkersFor } from './hash.js';
import type { HashStats, LocalFile } from '../types.js';

/** Only small files are hashed before the listing says they are needed, and only this much of them. */
const EARLY_MAX_FILE_BYTES = 2 ** 20;
const EARLY_MAX_TOTAL_BYTES = 128 * 2 ** 20;
/**
 * Files offered while the folder is scanned wait until there are this many: a tree that small is scanned in well
 * under a second, and is then hashed ahead only if the listing is still running (a first sync's empty listing is
 * done by then, and nothing is read twice).
 */
const EARLY_START_FILES = 10_000;
/** Files handed to the pool in one pass; a pass waits for its last batch, so passes are long. */
const PASS_FILES = 16_384;

/**
 * Hashing while the container is still being listed. On a re-sync most files need their hash, and listing tens of
 * thousands of blobs takes seconds, so hashing then hides the hash phase; on a large tree it starts while the folder
 * is still being scanned (the scan of a very large tree keeps the main thread busy, with a core to spare).
 * Only small files, and only while the listing is still running: a first sync lists an empty container at once and
 * starts nothing, and a large new file is never read twice (it is hashed as it streams up).
 */
export class EarlyHashing {
  /** Offered, not yet started (see EARLY_START_FILES). */
  private waiting: LocalFile[] = [];
  /** Started, not yet handed to the pool: arrays as offered, taken in passes. */
  private readonly queue: LocalFile[][] = [];
  /** How many of the queue's first array were taken. */
  private taken = 0;
  private draining?: Promise<void>;
  private readonly errors = new Map<LocalFile, string>();
  private started = false;
  private cancelled = false;
  private offeredBytes = 0;
  /** The early pass's workers, kept for what the listing then asks for: one start-up for both. */
  private pool?: HashPool;
  private files = 0;
  private bytes = 0;
  private workers = 0;
  private readonly spans: [number, number][] = [];

  constructor(private readonly concurrency: number) {}

  /** Files found that will probably need their MD5; small ones within the budget are taken. */
  offer(files: readonly LocalFile[]): void {
    for (const file of files) {
      if (file.size > EARLY_MAX_FILE_BYTES || this.offeredBytes + file.size > EARLY_MAX_TOTAL_BYTES) continue;
      this.offeredBytes += file.size;
      this.waiting.push(file);
    }
    if (this.started || this.waiting.length >= EARLY_START_FILES) this.begin();
  }

  /** The scan is done: the files still waiting start, those of them `wanted` still says yes to. */
  scanned(wanted: (file: LocalFile) => boolean): void {
    this.waiting = this.waiting.filter(wanted);
    this.begin();
  }

  /**
   * Waits for the early pass, then hashes on the same workers what the listing says is needed and the early pass did
   * not take (or could not read: its error stands); one error map and one stats record for both. What the early pass
   * took is not remembered apart (a set of every file would cost memory per file): a file it hashed has its MD5.
   */
  async finish(needed: readonly LocalFile[], onDone?: (stats: HashStats) => void): Promise<Map<LocalFile, string>> {
    try {
      while (this.draining) await this.draining;
      const earlyErrors = this.errors;
      const rest = needed.filter((file) => file.md5 === undefined && !earlyErrors.has(file));
      const restErrors = rest.length > 0 ? await this.pass(rest) : new Map<LocalFile, string>();
      if (this.files > 0) onDone?.(this.stats());
      return new Map([...earlyErrors, ...restErrors]);
    } finally {
      await this.pool?.close();
    }
  }

  /** Stops the workers when the run ends before `finish` (the listing failed), so the process can exit. */
  async cancel(): Promise<void> {
    this.cancelled = true;
    await this.pool?.close();
  }

  private begin(): void {
    if (this.waiting.length === 0 || this.cancelled) return;
    if (!this.started) {
      this.started = true;
      const workers = hashWorkersFor(this.waiting);
      if (workers > 0) this.pool = new HashPool(workers);
    }
    this.queue.push(this.waiting);
    this.waiting = [];
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.cancelled) {
      const files = this.nextPass();
      for (const [file, error] of await this.pass(files)) this.errors.set(file, error);
    }
  }

  /** Up to PASS_FILES of the queued files, in the order offered. */
  private nextPass(): LocalFile[] {
    const files: LocalFile[] = [];
    while (this.queue.length > 0 && files.length < PASS_FILES) {
      const head = this.queue[0]!;
      const end = Math.min(head.length, this.taken + PASS_FILES - files.length);
      for (let i = this.taken; i < end; i++) files.push(head[i]!);
      this.taken = end;
      if (end === head.length) {
        this.queue.shift();
        this.taken = 0;
      }
    }
    return files;
  }

  private pass(files: LocalFile[]): Promise<Map<LocalFile, string>> {
    const started = performance.now();
    return hashFiles(files, this.concurrency, {
      pool: this.pool,
      onDone: (stats) => {
        this.files += stats.files;
        this.bytes += stats.bytes;
        this.workers = Math.max(this.workers, stats.workers);
        this.spans.push([started, performance.now()]);
      },
    });
  }

  /** Time spent hashing (the two passes may overlap; the wait between them, for the listing, does not count). */
  private stats(): HashStats {
    const spans = [...this.spans].sort((a, b) => a[0] - b[0]);
    let durationMs = 0;
    let reached = -Infinity;
    for (const [from, to] of spans) {
      durationMs += Math.max(0, to - Math.max(from, reached));
      reached = Math.max(reached, to);
    }
    return { files: this.files, bytes: this.bytes, workers: this.workers, durationMs };
  }
}
