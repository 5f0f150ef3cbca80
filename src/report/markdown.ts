import type { RunSummary } from '../deploy/types.js';
import { formatBytes, formatDuration, formatRate } from './format.js';
import { conflictsLine, deleteDecisionLine, graceLine, purgeLine, resumedText } from './lines.js';

/** Failures listed before "and N more". */
export const MAX_LISTED_FAILURES = 50;

/**
 * The run's summary as Markdown, for the GitHub job summary and the Azure DevOps summary tab. Every value is a
 * file name, a count or the secret-free destination label.
 */
export function summaryMarkdown(summary: RunSummary, title = 'Azure Blob sync'): string {
  const lines: string[] = [];
  const status =
    summary.failed > 0 ? '❌ finished with failures' : summary.dryRun ? '🔎 dry run, nothing sent' : '✅ in sync';
  lines.push(`### ${title}: ${status}`, '');
  lines.push(`\`${escapeCode(summary.source)}\` → \`${escapeCode(summary.destination)}\``, '');
  const verb = summary.dryRun ? 'would be ' : '';
  lines.push('| | files |', '|---|---:|');
  const copies = summary.transfer === 'copy';
  const downloads = summary.transfer === 'download';
  lines.push(
    copies
      ? `| ${verb}copied (by the service) | ${summary.copied} |`
      : downloads
        ? `| ${verb}downloaded | ${summary.downloaded} |`
        : `| ${verb}uploaded | ${summary.uploaded} |`,
  );
  if (!downloads) lines.push(`| ${verb}updated (headers only) | ${summary.updated} |`);
  lines.push(`| skipped (unchanged) | ${summary.skipped} |`);
  lines.push(`| ${verb}deleted | ${summary.deleted} |`);
  lines.push(`| failed | ${summary.failed} |`, '');
  lines.push(
    copies
      ? `${formatBytes(summary.bytesCopied)} ${summary.dryRun ? 'to copy' : 'copied'} by the storage service (none through the runner) in ${formatDuration(summary.durationMs)}.`
      : downloads
        ? `${formatBytes(summary.bytesDownloaded)} ${summary.dryRun ? 'to download' : 'downloaded'} in ${formatDuration(summary.durationMs)} (${formatRate(summary.throughput)}).`
        : `${formatBytes(summary.bytesUploaded)} ${summary.dryRun ? 'to upload' : 'uploaded'} in ${formatDuration(summary.durationMs)} (${formatRate(summary.throughput)}).`,
    '',
  );
  const resumed = resumedText(summary);
  if (resumed) lines.push(`${capitalize(resumed)}.`, '');
  const conflicts = conflictsLine(summary);
  if (conflicts) lines.push(`> ⛔ ${capitalize(conflicts)}.`, '');
  if (summary.deleteGrace) lines.push(`${capitalize(graceLine(summary.deleteGrace, summary.dryRun))}.`, '');
  if (summary.deleteGuard) lines.push(deleteDecisionLine(summary.deleteGuard), '');
  if (summary.purge) lines.push(`${capitalize(escapeCell(purgeLine(summary.purge)))}.`, '');
  if (summary.deletesSkipped) lines.push(`> ⚠️ ${summary.deletesSkipped}`, '');
  if (summary.uploadedByExtension.length > 0) {
    lines.push('<details><summary>Uploaded by file type</summary>', '', '| type | files | bytes |', '|---|---:|---:|');
    for (const ext of summary.uploadedByExtension.slice(0, 15)) {
      lines.push(`| ${escapeCell(ext.extension)} | ${ext.files} | ${formatBytes(ext.bytes)} |`);
    }
    lines.push('', '</details>', '');
  }
  if (summary.failures.length > 0) {
    lines.push('#### Failed files', '', '| file | reason |', '|---|---|');
    for (const failure of summary.failures.slice(0, MAX_LISTED_FAILURES)) {
      lines.push(`| \`${escapeCode(failure.name)}\` | ${escapeCell(failure.reason)} |`);
    }
    const more = summary.failures.length - MAX_LISTED_FAILURES;
    if (more > 0) lines.push('', `…and ${more} more.`);
    lines.push('');
  }
  return lines.join('\n');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function escapeCode(text: string): string {
  return escapeCell(text).replace(/`/g, "'");
}

/** The summary for a run that stopped before or while syncing. Multi-line hints are YAML, shown as a block to copy. */
export function failureMarkdown(message: string, hint: string | undefined, title = 'Azure Blob sync'): string {
  const quote = (text: string) => text.split('\n').map((line) => `> ${line}`);
  const lines = [`### ${title}: ❌ failed`, '', ...quote(message)];
  if (hint) lines.push('', '**How to fix:**', '', ...(hint.includes('\n') ? ['```', hint, '```'] : [hint]));
  return `${lines.join('\n')}\n`;
}
