import * as core from '@actions/core';
import type { PreviewReport } from '../../deploy/preview/preview.js';
import type { RunSummary } from '../../deploy/types.js';
import { pipelineEvents } from '../pipeline-events.js';
import type { RunEvents } from '../run.js';

/** The runner's idioms: `::group::`, `::debug::`, `::warning::` annotations. It has no progress indicator. */
export function actionEvents(dryRun: boolean, clock: () => number = Date.now): RunEvents {
  return pipelineEvents(
    {
      info: (line) => core.info(line),
      debug: (line) => core.debug(line),
      warning: (message) => core.warning(message),
      startGroup: (title) => core.startGroup(title),
      endGroup: () => core.endGroup(),
    },
    dryRun,
    clock,
  );
}

/** The step's outputs, named as in action.yml. */
export function setOutputs(summary: RunSummary, preview?: PreviewReport): void {
  core.setOutput('uploaded', summary.uploaded);
  core.setOutput('updated', summary.updated);
  core.setOutput('skipped', summary.skipped);
  core.setOutput('deleted', summary.deleted);
  core.setOutput('failed', summary.failed);
  core.setOutput('bytes-uploaded', summary.bytesUploaded);
  core.setOutput('destination-url', summary.destination);
  core.setOutput('changed-paths-file', summary.changedPathsFile ?? '');
  if (preview) core.setOutput('preview-url', preview.url);
  core.setOutput('copied', summary.copied);
  core.setOutput('downloaded', summary.downloaded);
  core.setOutput('bytes-downloaded', summary.bytesDownloaded);
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
