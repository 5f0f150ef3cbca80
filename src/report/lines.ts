import path from 'node:path';
import { percent, remainderText } from '../engine/guards/deletes.js';
import type { PurgeReport, RunSummary } from '../deploy/types.js';
import type { DeleteDecision, FileResult, GraceReport, Plan, Progress } from '../engine/types.js';
import { formatBytes, formatDuration, formatRate } from './format.js';

/** `Plan: 3 to upload, …`, the first line of every run's changes. */
export function planLine(plan: Plan): string {
  const kept = plan.kept ? `, ${plan.kept.length} kept for the delete grace` : '';
  const refused = plan.refused?.length ? `, ${plan.refused.length} refused (the destination is immutable)` : '';
  return `Plan: ${plan.upload.length} to ${transferVerb(plan)}, ${plan.updateHeaders.length} to update, ${plan.skip.length} unchanged, ${plan.delete.length} to delete${kept}${refused}.`;
}

/** What a dry run would change, one line each. */
export function plannedChangeLines(plan: Plan): string[] {
  return [
    ...plan.upload.map((item) => `would ${transferVerb(plan).padEnd(6)}  ${item.local.name} (${item.reason})`),
    ...plan.updateHeaders.map((item) => `would update  ${item.local.name} (headers)`),
    ...plan.delete.map((remote) => `would delete  ${remote.name}`),
    ...(plan.kept ?? []).map(
      (kept) =>
        `would keep    ${kept.remote.name} (absent since ${isoSeconds(kept.absentSince)}; may go after ${isoSeconds(kept.goesAt)})`,
    ),
  ];
}

/** `Delete guard: …`: the guard's decision as one log line (a dry run shows it with the plan). */
export function deleteDecisionLine(decision: DeleteDecision): string {
  const threshold = percent(decision.threshold);
  const verdict = {
    allowed: `within the ${threshold} threshold: allowed`,
    forced: `more than the ${threshold} threshold: allowed by force`,
    refused: `more than the ${threshold} threshold: refused`,
  }[decision.verdict];
  return `Delete guard: ${decision.deleting} of the ${decision.deployed} ${decision.items} in scope to delete; ${remainderText(decision)}, ${verdict}.`;
}

/** `kept 3 blobs absent from the source for the 7d delete grace; the next may go after 2026-…Z` */
export function graceLine(grace: GraceReport, dryRun: boolean): string {
  const next = grace.nextDeleteAt ? `; the next may go after ${grace.nextDeleteAt.replace(/\.\d+Z$/, 'Z')}` : '';
  const blobs = `${grace.kept} blob${grace.kept === 1 ? '' : 's'}`;
  return `${dryRun ? 'would keep' : 'kept'} ${blobs} absent from the source for the ${formatGrace(grace.graceMs)} delete grace${next}`;
}

/** `purged 3 paths on /subscriptions/… in 2.1 s`, or why not. */
export function purgeLine(purge: PurgeReport): string {
  const paths = `${purge.paths.length} path${purge.paths.length === 1 ? '' : 's'}`;
  switch (purge.status) {
    case 'purged':
      return `purged ${paths} on ${purge.endpoint} in ${formatDuration(purge.durationMs ?? 0)}`;
    case 'would purge':
      return `would purge ${paths} on ${purge.endpoint}`;
    case 'nothing changed':
      return `nothing changed, so nothing was purged on ${purge.endpoint}`;
    case 'failed':
      return `purge FAILED on ${purge.endpoint}: ${purge.error ?? 'unknown error'}`;
  }
}

/** 90000 → "90s", 1800000 → "30m", 604800000 → "7d". */
export function formatGrace(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms / 1000}s`;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** From a container folder the service copies what a local folder would upload; a download fetches it. */
function transferVerb(plan: Plan): 'upload' | 'copy' | 'download' {
  return plan.downloads ? 'download' : plan.copies ? 'copy' : 'upload';
}

/** One changed file in a pipeline log: `uploaded  a.html (2.00 KB, new)`, `FAILED    x.bin: reason`. */
export function fileLine(result: FileResult): string {
  switch (result.action) {
    case 'uploaded':
    case 'copied':
    case 'downloaded':
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

/**
 * What the uploads sent, when that is not simply the files' bytes: `612 MB sent, 412 MB resumed from an earlier run`;
 * undefined when nothing was resumed.
 */
export function resumedText(s: Pick<RunSummary, 'bytesSent' | 'bytesResumed'>): string | undefined {
  if (s.bytesResumed === 0) return undefined;
  return `${formatBytes(s.bytesSent)} sent, ${formatBytes(s.bytesResumed)} resumed from blocks an interrupted run had staged`;
}

/** With --immutable, why the run failed: files that differ from what is there. */
export function conflictsLine(s: Pick<RunSummary, 'conflicts'>): string | undefined {
  if (s.conflicts === 0) return undefined;
  return `${s.conflicts} file(s) differ from the blobs already there; the destination is immutable, so those blobs were left as they are`;
}

/** `uploaded 3, updated 0, …` (a dry run says what would be). */
export function countsLine(s: RunSummary): string {
  const verb = s.dryRun ? 'would be ' : '';
  const moved =
    s.transfer === 'copy'
      ? `copied ${s.copied}`
      : s.transfer === 'download'
        ? `downloaded ${s.downloaded}`
        : `uploaded ${s.uploaded}`;
  return `${verb}${moved}, ${verb}updated ${s.updated}, skipped ${s.skipped}, ${verb}deleted ${s.deleted}, failed ${s.failed}`;
}

/** Why a run with failed files failed: the first few names, and where the whole list is. */
export function failedFilesMessage(summary: RunSummary, whereListed: string): string {
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
