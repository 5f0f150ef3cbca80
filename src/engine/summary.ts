import path from 'node:path';
import type { DeleteDecision, ExtensionStats, GraceReport, Failure, FileResult, SyncSummary } from './types.js';

/** Collects per-file results into the run's summary. */
export class SummaryBuilder {
  private readonly counts = { uploaded: 0, updated: 0, skipped: 0, deleted: 0, failed: 0, copied: 0, downloaded: 0 };
  private bytesUploaded = 0;
  private bytesCopied = 0;
  private bytesDownloaded = 0;
  private bytesSent = 0;
  private bytesResumed = 0;
  private conflicts = 0;
  private readonly failures: Failure[] = [];
  private readonly changedBlobs: string[] = [];
  private readonly byExtension = new Map<string, ExtensionStats>();
  private readonly started = Date.now();

  record(result: FileResult): void {
    this.counts[result.action]++;
    const changed =
      result.action === 'uploaded' ||
      result.action === 'copied' ||
      result.action === 'updated' ||
      result.action === 'deleted';
    if (changed && result.blobName !== undefined) this.changedBlobs.push(result.blobName);
    if (result.action === 'copied') this.bytesCopied += result.bytes;
    if (result.action === 'downloaded') this.bytesDownloaded += result.bytes;
    if (result.action === 'failed') this.failures.push({ name: result.name, reason: result.reason ?? 'unknown' });
    if (result.conflict) this.conflicts++;
    if (result.action === 'uploaded') {
      this.bytesUploaded += result.bytes;
      const extension = path.posix.extname(result.name).toLowerCase() || '(none)';
      const stats = this.byExtension.get(extension) ?? { extension, files: 0, bytes: 0 };
      stats.files++;
      stats.bytes += result.bytes;
      this.byExtension.set(extension, stats);
    }
  }

  /** Bytes an upload sent, counted as the service takes them (also for an upload that fails later). */
  sent(bytes: number): void {
    this.bytesSent += bytes;
  }

  /** Bytes an earlier run had staged, found and not sent again. */
  resumed(bytes: number): void {
    this.bytesResumed += bytes;
  }

  get failedCount(): number {
    return this.counts.failed;
  }

  build(fields: {
    source: string;
    destination: string;
    dryRun: boolean;
    deletesSkipped?: string;
    deleteGuard?: DeleteDecision;
    deleteGrace?: GraceReport;
    transfer?: SyncSummary['transfer'];
  }): SyncSummary {
    const durationMs = Date.now() - this.started;
    return {
      transfer: 'upload',
      ...fields,
      ...this.counts,
      bytesUploaded: this.bytesUploaded,
      bytesCopied: this.bytesCopied,
      bytesDownloaded: this.bytesDownloaded,
      bytesSent: this.bytesSent,
      bytesResumed: this.bytesResumed,
      conflicts: this.conflicts,
      durationMs,
      throughput: durationMs > 0 ? Math.round(((this.bytesUploaded + this.bytesDownloaded) * 1000) / durationMs) : 0,
      failures: [...this.failures].sort((a, b) => byCodePoint(a.name, b.name)),
      uploadedByExtension: [...this.byExtension.values()].sort((a, b) => b.bytes - a.bytes || b.files - a.files),
      changedBlobs: [...this.changedBlobs].sort(byCodePoint),
    };
  }
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
