import path from 'node:path';
import * as tl from 'azure-pipelines-task-lib/task.js';
import { connectContainer, parseTryTimeout } from '../../auth/client.js';
import { ExitCode, SyncError } from '../../engine/errors.js';
import { resolveSyncOptions } from '../../engine/options.js';
import { redact } from '../../engine/redact.js';
import { resolveSourceFolder } from '../../engine/scan.js';
import { sync } from '../../engine/sync.js';
import type { SyncSummary } from '../../engine/types.js';
import { summaryMarkdown } from '../../report/markdown.js';
import { inInputTerms } from '../input-terms.js';
import { chooseAuth, maskSecretInputs } from './auth.js';
import { readTaskInputs } from './inputs.js';
import { useAgentProxy } from './proxy.js';
import { attachSummary, failureMarkdown, setOutputVariables, taskEvents } from './report.js';

/**
 * Runs the task and returns the process exit code (the CLI's codes). The agent reads the result from
 * `##vso[task.complete]`; the exit code only repeats it. Never throws.
 */
export async function runTask(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let finishEvents: (() => void) | undefined;
  try {
    const inputs = readTaskInputs();
    // Masks go out before anything else can print a secret.
    maskSecretInputs(inputs.auth);
    const options = resolveSyncOptions(inputs.sync);
    // Input mistakes are reported before any sign-in is attempted.
    await resolveSourceFolder(options.source);
    const tryTimeoutMs = parseTryTimeout(inputs.timeout);
    useAgentProxy(env);
    const auth = chooseAuth(inputs.auth, env);
    const target = connectContainer(auth, inputs.container, { tryTimeoutMs });
    const destinationUrl = options.destinationPath ? `${target.label}/${options.destinationPath}` : target.label;
    const source = workingDirectoryRelative(options.source);
    console.log(`Syncing ${source} -> ${destinationUrl} (${target.method})${options.dryRun ? ', dry run' : ''}`);

    const events = taskEvents(options.dryRun);
    finishEvents = events.finish;
    const summary = {
      ...(await sync(options, { ...target, label: destinationUrl }, events)),
      source,
    };
    events.finish();
    setOutputVariables(summary, destinationUrl);
    attachSummary(summaryMarkdown(summary));
    console.log(counts(summary));
    return report(summary);
  } catch (error) {
    finishEvents?.();
    const message = inTaskTerms(redact(error instanceof Error ? error.message : String(error)));
    const hint = error instanceof SyncError && error.hint ? inTaskTerms(redact(error.hint)) : undefined;
    if (!(error instanceof SyncError) && error instanceof Error) tl.debug(redact(error.stack ?? ''));
    attachSummary(failureMarkdown(message, hint));
    tl.setResult(tl.TaskResult.Failed, hint ? `${message} ${hint}` : message);
    return error instanceof SyncError ? error.exitCode : ExitCode.partialFailure;
  }
}

/** Sets the task result: failed files fail it; a dry run or skipped deletes succeed "with issues". */
function report(summary: SyncSummary): number {
  if (summary.failed > 0) {
    const names = summary.failures.slice(0, 5).map((f) => `${f.name}: ${f.reason}`);
    tl.setResult(
      tl.TaskResult.Failed,
      redact(
        `${summary.failed} file(s) could not be synced; the other files completed${summary.deletesSkipped ? ' and nothing was deleted' : ''}. ` +
          `${names.join('; ')}${summary.failed > names.length ? '; …' : ''} (the "Azure Blob sync" summary lists them all)`,
      ),
    );
    return ExitCode.partialFailure;
  }
  if (summary.dryRun) {
    tl.setResult(tl.TaskResult.SucceededWithIssues, `Dry run, nothing was sent: ${counts(summary)}.`);
  } else if (summary.deletesSkipped) {
    tl.setResult(tl.TaskResult.SucceededWithIssues, redact(summary.deletesSkipped));
  } else {
    tl.setResult(tl.TaskResult.Succeeded, `In sync: ${counts(summary)}.`);
  }
  return ExitCode.ok;
}

function counts(s: SyncSummary): string {
  const verb = s.dryRun ? 'would be ' : '';
  return `${verb}uploaded ${s.uploaded}, ${verb}updated ${s.updated}, skipped ${s.skipped}, ${verb}deleted ${s.deleted}, failed ${s.failed}`;
}

/** `site` rather than `/home/vsts/work/1/s/site` in the log and the summary. */
function workingDirectoryRelative(folder: string): string {
  const base = tl.getVariable('System.DefaultWorkingDirectory');
  if (!base) return folder;
  const relative = path.relative(base, folder);
  if (relative === '') return '.';
  return relative.startsWith('..') || path.isAbsolute(relative) ? folder : relative;
}

/** Task inputs are the CLI's flags in camelCase (`--delete-threshold` → `deleteThreshold`). */
function inTaskTerms(text: string): string {
  return inInputTerms(text, (flag) => flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()));
}
