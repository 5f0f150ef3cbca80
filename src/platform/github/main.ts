import os from 'node:os';
import * as core from '@actions/core';
import { githubCommenter } from './pr-comment.js';
import type { OptionKey } from '../../engine/errors.js';
import { redact } from '../../engine/redact.js';
import { countsLine, failedFilesMessage } from '../../report/lines.js';
import { logSafe } from '../../report/log-safe.js';
import { failureMarkdown, summaryMarkdown } from '../../report/markdown.js';
import { type EntryPoint, runEntryPoint } from '../run.js';
import { inputTerms, kebabCase } from '../terms.js';
import { chooseAuth, managementSignIn, maskSecrets } from './auth.js';
import { readActionInputs } from './inputs.js';
import { githubPullRequest, githubRepository } from './pull-request.js';
import { actionEvents, setOutputs, writeJobSummary } from './report.js';

/** Action inputs are kebab-case, as in action.yml: `delete-threshold`, `force: true`. */
const ACTION_TERMS = inputTerms((key: OptionKey) => kebabCase(key));

/** Runs the action and returns the process exit code (the CLI's codes; any non-zero fails the step). Never throws. */
export function runAction(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runEntryPoint(actionEntryPoint(env));
}

function actionEntryPoint(env: NodeJS.ProcessEnv): EntryPoint {
  return {
    terms: ACTION_TERMS,
    workspace: env.GITHUB_WORKSPACE,
    tempDir: env.RUNNER_TEMP || os.tmpdir(),
    async read() {
      // Masks go out before anything else can print a secret.
      maskSecrets(env);
      const { preview, githubToken, pullRequestInput, ...inputs } = readActionInputs(env);
      const purging = Boolean(inputs.deploy.purgeEndpoint);
      const pullRequest = preview.enabled ? await githubPullRequest(githubToken, pullRequestInput) : undefined;
      return {
        ...inputs,
        signIn: () => chooseAuth(inputs.auth, env, { purging }),
        managementSignIn: (storage) => managementSignIn(inputs.auth, env, storage),
        preview: {
          options: preview,
          pullRequest,
          commenter: pullRequest ? githubCommenter(githubToken, githubRepository()) : undefined,
        },
      };
    },
    info: (line) => core.info(logSafe(line)),
    events: (options) => actionEvents(options.dryRun),
    async publish(summary, preview) {
      setOutputs(summary, preview);
      await writeJobSummary(summaryMarkdown(summary) + (preview ? `\n${preview.markdown}` : ''));
      core.info(countsLine(summary));
      if (summary.failed > 0) core.setFailed(redact(failedFilesMessage(summary, 'the job summary lists them all')));
    },
    async fail({ message, hint, stack }) {
      core.setFailed(hint ? `${message}\n${hint}` : message);
      if (stack) core.debug(stack);
      await writeJobSummary(failureMarkdown(message, hint));
    },
  };
}
