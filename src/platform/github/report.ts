import * as core from '@actions/core';
import type { FileResult, Plan, Progress, SyncEvents, SyncSummary } from '../../engine/types.js';
import { formatBytes, formatRate } from '../../report/format.js';

/** Progress lines come at most this often; short runs print none. */
const PROGRESS_INTERVAL_MS = 5_000;

/**
 * Turns engine events into the runner's idioms: one line per change inside a collapsible group, unchanged files at
 * debug level, warnings as annotations, and a progress line every few seconds on long runs.
 */
export function actionEvents(dryRun: boolean, clock: () => number = Date.now): SyncEvents & { finish(): void } {
  const started = clock();
  let lastProgress = started;
  let grouped = false;
  const openGroup = (title: string) => {
    if (grouped) return;
    core.startGroup(title);
    grouped = true;
  };

  return {
    plan(plan: Plan) {
      const changes = plan.upload.length + plan.updateHeaders.length + plan.delete.length;
      core.info(
        `Plan: ${plan.upload.length} to upload, ${plan.updateHeaders.length} to update, ${plan.skip.length} unchanged, ${plan.delete.length} to delete.`,
      );
      // A real run opens its group with the first changed file, so a run stopped by a guard shows no empty group.
      if (changes === 0 || !dryRun) return;
      openGroup('Changes a real run would make');
      for (const item of plan.upload) core.info(`would upload  ${item.local.name} (${item.reason})`);
      for (const item of plan.updateHeaders) core.info(`would update  ${item.local.name} (headers)`);
      for (const remote of plan.delete) core.info(`would delete  ${remote.name}`);
    },
    file(result: FileResult) {
      if (result.action === 'skipped') {
        core.debug(`unchanged ${result.name}`);
        return;
      }
      openGroup('Changed files');
      core.info(fileLine(result));
    },
    warning(message: string) {
      core.warning(message);
    },
    progress(progress: Progress) {
      const now = clock();
      if (progress.total === 0 || progress.done === progress.total) return;
      if (now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      core.info(progressLine(progress, now - started));
    },
    finish() {
      if (grouped) core.endGroup();
      grouped = false;
    },
  };
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
  const share = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.done / p.total;
  const rate = elapsedMs > 0 ? (p.bytesDone * 1000) / elapsedMs : 0;
  return `${Math.floor(share * 100)}% ${p.phase}: ${p.done}/${p.total} files, ${formatBytes(p.bytesDone)} of ${formatBytes(p.bytesTotal)} (${formatRate(rate)})`;
}

/** The step's outputs, named as in action.yml. */
export function setOutputs(summary: SyncSummary, destinationUrl: string): void {
  core.setOutput('uploaded', summary.uploaded);
  core.setOutput('updated', summary.updated);
  core.setOutput('skipped', summary.skipped);
  core.setOutput('deleted', summary.deleted);
  core.setOutput('failed', summary.failed);
  core.setOutput('bytes-uploaded', summary.bytesUploaded);
  core.setOutput('destination-url', destinationUrl);
}

/** Writes the job summary; a runner without a summary file (act, old GHES) just gets none. */
export async function writeJobSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  try {
    await core.summary.addRaw(markdown, true).write();
  } catch (error) {
    core.warning(`Could not write the job summary: ${(error as Error).message}`);
  }
}

/** The job summary for a run that stopped before or while syncing. */
export function failureMarkdown(message: string, hint: string | undefined): string {
  const quote = (text: string) => text.split('\n').map((line) => `> ${line}`);
  const lines = ['### Azure Blob sync: ❌ failed', '', ...quote(message)];
  // Multi-line hints are workflow YAML, shown as a block to copy.
  if (hint) lines.push('', '**How to fix:**', '', ...(hint.includes('\n') ? ['```', hint, '```'] : [hint]));
  return `${lines.join('\n')}\n`;
}
