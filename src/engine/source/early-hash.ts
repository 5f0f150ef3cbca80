import { HashPool } from './hash-pool.js';
import { hashFiles, hashWorkersFor } from './hash.js';
import type { HashStats, LocalFile } from '../types.js';

/** Only small files are hashed before the listing says they are needed, and only this much of them. */
const EARLY_MAX_FILE_BYTES = 2 ** 20;
const EARLY_MAX_TOTAL_BYTES = 128 * 2 ** 20;

/**
 * Hashing while the container is still being listed. On a re-sync most files need their hash, and listing tens of
 * thousands of blobs takes seconds, so hashing then hides the hash phase. Only small files, and only while the listing
 * is still running: a first sync lists an empty container at once and starts nothing, and a large new file is never
 * read twice (it is hashed as it streams up).
 */
export class EarlyHashing {
  private running?: Promise<Map<LocalFile, string>>;
  /** The early pass's workers, kept for what the listing then asks for: one start-up for both. */
  private pool?: HashPool;
  private files = 0;
  private bytes = 0;
  private workers = 0;
  private readonly spans: [number, number][] = [];

  constructor(private readonly concurrency: number) {}

  start(files: readonly LocalFile[]): void {
    let bytes = 0;
    const chosen: LocalFile[] = [];
    for (const file of files) {
      if (file.size > EARLY_MAX_FILE_BYTES || bytes + file.size > EARLY_MAX_TOTAL_BYTES) continue;
      chosen.push(file);
      bytes += file.size;
    }
    if (chosen.length === 0) return;
    const workers = hashWorkersFor(chosen);
    if (workers > 0) this.pool = new HashPool(workers);
    this.running = this.pass(chosen);
  }

  /**
   * Waits for the early pass, then hashes on the same workers what the listing says is needed and the early pass did
   * not take (or could not read: its error stands); one error map and one stats record for both. What the early pass
   * took is not remembered apart (a set of a million files cost ~30 bytes each): a file it hashed has its MD5.
   */
  async finish(needed: readonly LocalFile[], onDone?: (stats: HashStats) => void): Promise<Map<LocalFile, string>> {
    try {
      const earlyErrors = (await this.running) ?? new Map<LocalFile, string>();
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
    await this.pool?.close();
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
