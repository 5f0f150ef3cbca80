import path from 'node:path';
import * as core from '@actions/core';
import { connectContainer, parseTryTimeout } from '../../auth/client.js';
import { ExitCode, SyncError } from '../../engine/errors.js';
import { resolveSyncOptions } from '../../engine/options.js';
import { redact } from '../../engine/redact.js';
import { resolveSourceFolder } from '../../engine/scan.js';
import { sync } from '../../engine/sync.js';
import { summaryMarkdown } from '../../report/markdown.js';
import { chooseAuth, maskSecrets } from './auth.js';
import { readActionInputs } from './inputs.js';
import { actionEvents, failureMarkdown, setOutputs, writeJobSummary } from './report.js';
import { inInputTerms } from '../input-terms.js';

/** Runs the action and returns the process exit code (the CLI's codes; any non-zero fails the step). Never throws. */
export async function runAction(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let finishEvents: (() => void) | undefined;
  try {
    // Masks go out before anything else can print a secret.
    maskSecrets(env);
    const inputs = readActionInputs(env);
    const options = resolveSyncOptions(inputs.sync);
    // Input mistakes are reported before any sign-in is attempted.
    await resolveSourceFolder(options.source);
    const tryTimeoutMs = parseTryTimeout(inputs.timeout);
    const auth = chooseAuth(inputs.auth, env);
    const target = connectContainer(auth, inputs.container, { tryTimeoutMs });
    const destinationUrl = options.destinationPath ? `${target.label}/${options.destinationPath}` : target.label;
    const source = workspaceRelative(options.source, env);
    core.info(`Syncing ${source} -> ${destinationUrl} (${target.method})${options.dryRun ? ', dry run' : ''}`);

    const events = actionEvents(options.dryRun);
    finishEvents = events.finish;
    const summary = {
      ...(await sync(options, { ...target, label: destinationUrl }, events)),
      source,
    };
    events.finish();
    setOutputs(summary, destinationUrl);
    await writeJobSummary(summaryMarkdown(summary));
    core.info(
      `uploaded ${summary.uploaded}, updated ${summary.updated}, skipped ${summary.skipped}, deleted ${summary.deleted}, failed ${summary.failed}`,
    );
    if (summary.failed > 0) {
      const names = summary.failures.slice(0, 5).map((f) => `${f.name}: ${f.reason}`);
      core.setFailed(
        redact(
          `${summary.failed} file(s) could not be synced; the other files completed${summary.deletesSkipped ? ' and nothing was deleted' : ''}. ` +
            `${names.join('; ')}${summary.failed > names.length ? '; …' : ''} (the job summary lists them all)`,
        ),
      );
      return ExitCode.partialFailure;
    }
    return ExitCode.ok;
  } catch (error) {
    finishEvents?.();
    const message = inActionTerms(redact(error instanceof Error ? error.message : String(error)));
    const hint = error instanceof SyncError && error.hint ? inActionTerms(redact(error.hint)) : undefined;
    core.setFailed(hint ? `${message}\n${hint}` : message);
    if (!(error instanceof SyncError) && error instanceof Error) core.debug(redact(error.stack ?? ''));
    await writeJobSummary(failureMarkdown(message, hint));
    return error instanceof SyncError ? error.exitCode : ExitCode.partialFailure;
  }
}

/** `dist` rather than `/home/runner/work/site/site/dist` in the log and the summary. */
function workspaceRelative(folder: string, env: NodeJS.ProcessEnv): string {
  const workspace = env.GITHUB_WORKSPACE;
  if (!workspace) return folder;
  const relative = path.relative(workspace, folder);
  if (relative === '') return '.';
  return relative.startsWith('..') || path.isAbsolute(relative) ? folder : relative;
}

/** Action inputs are the CLI's flag names. */
function inActionTerms(text: string): string {
  return inInputTerms(text, (flag) => flag);
}
