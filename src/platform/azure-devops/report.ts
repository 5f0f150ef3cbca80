import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tl from 'azure-pipelines-task-lib/task.js';
import type { FileResult, Plan, Progress, SyncEvents, SyncSummary } from '../../engine/types.js';
import { formatBytes, formatRate } from '../../report/format.js';

/** The progress shown on the timeline is refreshed at most this often. */
const PROGRESS_INTERVAL_MS = 2_000;
/** Progress lines in the log come at most this often; short runs print none. */
const LOG_PROGRESS_INTERVAL_MS = 5_000;

/**
 * Turns engine events into the agent's idioms: one line per change inside a collapsible group, unchanged files at
 * debug level, warnings as issues, and progress on the timeline (`##vso[task.setprogress]`).
 */
export function taskEvents(dryRun: boolean): SyncEvents & { finish(): void } {
  const started = Date.now();
  let lastProgress = 0;
  let lastLogLine = started;
  let grouped = false;
  const write = (line: string) => process.stdout.write(`${line}\n`);

  return {
    plan(plan: Plan) {
      write(
        `Plan: ${plan.upload.length} to upload, ${plan.updateHeaders.length} to update, ${plan.skip.length} unchanged, ${plan.delete.length} to delete.`,
      );
      if (plan.upload.length + plan.updateHeaders.length + plan.delete.length === 0) return;
      write(`##[group]${dryRun ? 'Changes a real run would make' : 'Changed files'}`);
      grouped = true;
      if (!dryRun) return;
      for (const item of plan.upload) write(`would upload  ${item.local.name} (${item.reason})`);
      for (const item of plan.updateHeaders) write(`would update  ${item.local.name} (headers)`);
      for (const remote of plan.delete) write(`would delete  ${remote.name}`);
    },
    file(result: FileResult) {
      if (result.action === 'skipped') tl.debug(`unchanged ${result.name}`);
      else write(fileLine(result));
    },
    warning(message: string) {
      tl.warning(message);
    },
    progress(progress: Progress) {
      if (progress.total === 0) return;
      const now = Date.now();
      const finished = progress.done === progress.total;
      if (now - lastProgress >= PROGRESS_INTERVAL_MS || finished) {
        lastProgress = now;
        tl.setProgress(Math.floor(share(progress) * 100), `${progress.phase} ${progress.done}/${progress.total}`);
      }
      if (!finished && now - lastLogLine >= LOG_PROGRESS_INTERVAL_MS) {
        lastLogLine = now;
        write(progressLine(progress, now - started));
      }
    },
    finish() {
      if (grouped) write('##[endgroup]');
      grouped = false;
    },
  };
}

function share(p: Progress): number {
  return p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.done / p.total;
}

function fileLine(result: FileResult): string {
  switch (result.action) {
    case 'uploaded':
      return `uploaded  ${result.name} (${formatBytes(result.bytes)}${result.reason ? `, ${result.reason}` : ''})`;
    case 'failed':
      return `FAILED    ${result.name}: ${result.reason ?? 'unknown error'}`;
    default:
      return `${result.action.padEnd(9)} ${result.name}`;
  }
}

function progressLine(p: Progress, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? (p.bytesDone * 1000) / elapsedMs : 0;
  return `${Math.floor(share(p) * 100)}% ${p.phase}: ${p.done}/${p.total} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)} (${formatRate(rate)})`;
}

/** Output variables, named as in task.json's outputVariables; use them as $(<step name>.uploaded) etc. */
export function setOutputVariables(summary: SyncSummary, destinationUrl: string): void {
  const values: Record<string, string | number> = {
    uploaded: summary.uploaded,
    updated: summary.updated,
    skipped: summary.skipped,
    deleted: summary.deleted,
    failed: summary.failed,
    bytesUploaded: summary.bytesUploaded,
    destinationUrl,
  };
  for (const [name, value] of Object.entries(values)) tl.setVariable(name, String(value), false, true);
}

/**
 * Writes the Markdown summary to the agent's temp folder and attaches it to the run (the build summary page shows
 * it under the file's name). A failure to attach is a warning, never a failed task.
 */
export function attachSummary(markdown: string): void {
  try {
    const base = tl.getVariable('Agent.TempDirectory') || os.tmpdir();
    const file = path.join(mkdtempSync(path.join(base, 'azure-blob-sync-')), 'Azure Blob sync.md');
    writeFileSync(file, markdown);
    tl.uploadSummary(file);
  } catch (error) {
    tl.warning(`Could not attach the summary: ${(error as Error).message}`);
  }
}

/** The summary for a run that stopped before or while syncing. */
export function failureMarkdown(message: string, hint: string | undefined): string {
  const lines = ['### Azure Blob sync: ❌ failed', '', ...message.split('\n').map((line) => `> ${line}`)];
  if (hint) lines.push('', `**How to fix:** ${hint}`);
  return `${lines.join('\n')}\n`;
}
