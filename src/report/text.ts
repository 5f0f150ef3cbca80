import type { RunSummary } from '../deploy/types.js';
import { formatBytes, formatDuration, formatRate } from './format.js';
import { conflictsLine, deleteDecisionLine, graceLine, purgeLine, resumedText } from './lines.js';

/** The summary as terminal lines. */
export function summaryText(summary: RunSummary): string[] {
  const verb = summary.dryRun ? 'Dry run (nothing sent):' : summary.failed > 0 ? 'Finished with failures:' : 'In sync:';
  const row = (label: string, count: number, extra = '') => `  ${label.padEnd(10)}${String(count).padStart(8)}${extra}`;
  const lines = [
    `${verb} ${summary.source} -> ${summary.destination}`,
    summary.transfer === 'copy'
      ? row(
          summary.dryRun ? 'to copy' : 'copied',
          summary.copied,
          `  (${formatBytes(summary.bytesCopied)}, by the service)`,
        )
      : summary.transfer === 'download'
        ? row(
            summary.dryRun ? 'to fetch' : 'downloaded',
            summary.downloaded,
            `  (${formatBytes(summary.bytesDownloaded)})`,
          )
        : row(
            summary.dryRun ? 'to upload' : 'uploaded',
            summary.uploaded,
            `  (${[formatBytes(summary.bytesUploaded), resumedText(summary)].filter(Boolean).join('; ')})`,
          ),
    ...(summary.transfer === 'download' ? [] : [row(summary.dryRun ? 'to update' : 'updated', summary.updated)]),
    row('skipped', summary.skipped),
    row(summary.dryRun ? 'to delete' : 'deleted', summary.deleted),
    row('failed', summary.failed),
    `  ${formatDuration(summary.durationMs)}, ${formatRate(summary.throughput)}`,
  ];
  if (summary.deleteGrace) lines.push(`  ${graceLine(summary.deleteGrace, summary.dryRun)}`);
  if (summary.deleteGuard) lines.push(`  ${deleteDecisionLine(summary.deleteGuard)}`);
  if (summary.purge) lines.push(`  ${purgeLine(summary.purge)}`);
  if (summary.deletesSkipped) lines.push(`  warning: ${summary.deletesSkipped}`);
  const conflicts = conflictsLine(summary);
  if (conflicts) lines.push(`  ${conflicts}`);
  for (const failure of summary.failures.slice(0, 100)) lines.push(`  failed: ${failure.name}: ${failure.reason}`);
  if (summary.failures.length > 100) lines.push(`  …and ${summary.failures.length - 100} more failures`);
  return lines;
}
