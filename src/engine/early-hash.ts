import { hashFiles } from './hash.js';
import type { HashStats, LocalFile } from './types.js';

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
  private stats: HashStats = { files: 0, bytes: 0, workers: 0, durationMs: 0 };

  constructor(private readonly concurrency: number) {}

  start(files: readonly LocalFile[]): void {
    const chosen: LocalFile[] = [];
    let bytes = 0;
    for (const file of files) {
      if (file.size > EARLY_MAX_FILE_BYTES || bytes + file.size > EARLY_MAX_TOTAL_BYTES) continue;
      chosen.push(file);
      bytes += file.size;
    }
    if (chosen.length === 0) return;
    this.running = hashFiles(chosen, this.concurrency, undefined, (stats) => this.add(stats));
  }

  /** Waits for the early hashes, then hashes what is still needed; one error map and one stats record for both. */
  async finish(needed: readonly LocalFile[], onDone?: (stats: HashStats) => void): Promise<Map<LocalFile, string>> {
    const errors = new Map(await (this.running ?? Promise.resolve([])));
    const rest = needed.filter((file) => file.md5 === undefined && !errors.has(file));
    if (rest.length > 0) {
      for (const [file, error] of await hashFiles(rest, this.concurrency, undefined, (stats) => this.add(stats))) {
        errors.set(file, error);
      }
    }
    if (this.stats.files > 0) onDone?.(this.stats);
    return errors;
  }

  private add(stats: HashStats): void {
    this.stats = {
      files: this.stats.files + stats.files,
      bytes: this.stats.bytes + stats.bytes,
      workers: Math.max(this.stats.workers, stats.workers),
      // Time spent hashing, not the listing it overlapped.
      durationMs: this.stats.durationMs + stats.durationMs,
    };
  }
}
