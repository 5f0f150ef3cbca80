import path from 'node:path';
import type { FileResult, Plan, Progress, SyncSummary } from '../engine/types.js';
import { formatBytes, formatRate } from './format.js';

/** `Plan: 3 to upload, …`, the first line of every run's changes. */
export function planLine(plan: Plan): string {
  return `Plan: ${plan.upload.length} to ${transferVerb(plan)}, ${plan.updateHeaders.length} to update, ${plan.skip.length} unchanged, ${plan.delete.length} to delete.`;
}

/** What a dry run would change, one line each. */
export function plannedChangeLines(plan: Plan): string[] {
  return [
    ...plan.upload.map((item) => `would ${transferVerb(plan).padEnd(6)}  ${item.local.name} (${item.reason})`),
    ...plan.updateHeaders.map((item) => `would update  ${item.local.name} (headers)`),
    ...plan.delete.map((remote) => `would delete  ${remote.name}`),
  ];
}

/** From a container folder the service copies what a local folder would upload. */
function transferVerb(plan: Plan): 'upload' | 'copy' {
  return plan.copies ? 'copy' : 'upload';
}

export function changeCount(plan: Plan): number {
  return plan.upload.length + plan.updateHeaders.length + plan.delete.length;
}

/** One changed file in a pipeline log: `uploaded  a.html (2.00 KB, new)`, `FAILED    x.bin: reason`. */
export function fileLine(result: FileResult): string {
  switch (result.action) {
    case 'uploaded':
    case 'copied':
      return `${result.action.padEnd(9)} ${result.name} (${formatBytes(result.bytes)}${result.reason ? `, ${result.reason}` : ''})`;
    case 'failed':
      return `FAILED    ${result.name}: ${result.reason ?? 'unknown error'}`;
    default:
      return `${result.action.padEnd(9)} ${result.name}`;
  }
}

/** Share of a phase done, by bytes when it moves bytes, else by files. */
export function progressShare(p: Progress): number {
  return p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.total > 0 ? p.done / p.total : 1;
}

export function progressLine(p: Progress, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (p.bytesDone * 1000) / elapsedMs : 0;
  return `${Math.floor(progressShare(p) * 100)}% ${p.phase}: ${p.done}/${p.total} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)} (${formatRate(rate)})`;
}

/** `uploaded 3, updated 0, …` (a dry run says what would be). */
export function countsLine(s: SyncSummary): string {
  const verb = s.dryRun ? 'would be ' : '';
  const moved = s.transfer === 'copy' ? `copied ${s.copied}` : `uploaded ${s.uploaded}`;
  return `${verb}${moved}, ${verb}updated ${s.updated}, skipped ${s.skipped}, ${verb}deleted ${s.deleted}, failed ${s.failed}`;
}

/** Why a run with failed files failed: the first few names, and where the whole list is. */
export function failedFilesMessage(summary: SyncSummary, whereListed: string): string {
  const names = summary.failures.slice(0, 5).map((f) => `${f.name}: ${f.reason}`);
  return (
    `${summary.failed} file(s) could not be synced; the other files completed${summary.deletesSkipped ? ' and nothing was deleted' : ''}. ` +
    `${names.join('; ')}${summary.failed > names.length ? '; …' : ''} (${whereListed})`
  );
}

/** `dist` rather than `/home/runner/work/site/site/dist`: a folder inside the workspace, relative to it. */
export function relativeToWorkspace(folder: string, workspace: string | undefined): string {
  if (!workspace) return folder;
  const relative = path.relative(workspace, folder);
  if (relative === '') return '.';
  return relative.startsWith('..') || path.isAbsolute(relative) ? folder : relative;
}
