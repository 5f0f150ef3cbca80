import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tl from 'azure-pipelines-task-lib/task.js';
import type { PreviewReport } from '../../deploy/preview/preview.js';
import { redact } from '../../engine/redact.js';
import type { RunSummary } from '../../deploy/types.js';
import { countsLine, failedFilesMessage } from '../../report/lines.js';
import { pipelineEvents } from '../pipeline-events.js';
import type { RunEvents } from '../run.js';

/** The agent's idioms: `##[group]`, debug lines, issues, and progress on the timeline (`##vso[task.setprogress]`). */
export function taskEvents(dryRun: boolean): RunEvents {
  return pipelineEvents(
    {
      info: (line) => process.stdout.write(`${line}\n`),
      debug: (line) => tl.debug(line),
      warning: (message) => tl.warning(message),
      startGroup: (title) => process.stdout.write(`##[group]${title}\n`),
      endGroup: () => process.stdout.write('##[endgroup]\n'),
      progress: (percent, text) => tl.setProgress(percent, text),
    },
    dryRun,
  );
}

/** Output variables, named as in task.json's outputVariables; use them as $(<step name>.uploaded) etc. */
export function setOutputVariables(summary: RunSummary, preview?: PreviewReport): void {
  const values: Record<string, string | number> = {
    uploaded: summary.uploaded,
    updated: summary.updated,
    skipped: summary.skipped,
    deleted: summary.deleted,
    failed: summary.failed,
    bytesUploaded: summary.bytesUploaded,
    destinationUrl: summary.destination,
    changedPathsFile: summary.changedPathsFile ?? '',
    ...(preview ? { previewUrl: preview.url } : {}),
    copied: summary.copied,
    downloaded: summary.downloaded,
    bytesDownloaded: summary.bytesDownloaded,
  };
  for (const [name, value] of Object.entries(values)) tl.setVariable(name, String(value), false, true);
}

/** Sets the task result: failed files fail it; a dry run or skipped deletes succeed "with issues". */
export function setTaskResult(summary: RunSummary): void {
  if (summary.failed > 0) {
    tl.setResult(
      tl.TaskResult.Failed,
      redact(failedFilesMessage(summary, 'the "Azure Blob sync" summary lists them all')),
    );
  } else if (summary.dryRun) {
    tl.setResult(tl.TaskResult.SucceededWithIssues, `Dry run, nothing was sent: ${countsLine(summary)}.`);
  } else if (summary.deletesSkipped) {
    tl.setResult(tl.TaskResult.SucceededWithIssues, redact(summary.deletesSkipped));
  } else {
    tl.setResult(tl.TaskResult.Succeeded, `In sync: ${countsLine(summary)}.`);
  }
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
