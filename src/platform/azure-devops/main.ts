import os from 'node:os';
import * as tl from 'azure-pipelines-task-lib/task.js';
import type { OptionKey } from '../../engine/errors.js';
import { countsLine } from '../../report/lines.js';
import { logSafe } from '../../report/log-safe.js';
import { failureMarkdown, summaryMarkdown } from '../../report/markdown.js';
import { type EntryPoint, runEntryPoint } from '../run.js';
import { inputTerms } from '../terms.js';
import { chooseAuth, managementSignIn, maskSecretInputs } from './auth.js';
import { readTaskInputs } from './inputs.js';
import { useAgentProxy } from './proxy.js';
import { azureCommenter, azurePullRequest } from './pull-request.js';
import { attachSummary, setOutputVariables, setTaskResult, taskEvents } from './report.js';

/** Task inputs are camelCase, as in task.json: `deleteThreshold`, `force: true`; the source is `sourcePath`. */
const TASK_TERMS = inputTerms((key: OptionKey) => (key === 'source' ? 'sourcePath' : key));

/**
 * Runs the task and returns the process exit code (the CLI's codes). The agent reads the result from
 * `##vso[task.complete]`; the exit code only repeats it. Never throws.
 */
export function runTask(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return runEntryPoint(taskEntryPoint(env));
}

function taskEntryPoint(env: NodeJS.ProcessEnv): EntryPoint {
  return {
    terms: TASK_TERMS,
    workspace: tl.getVariable('System.DefaultWorkingDirectory'),
    tempDir: tl.getVariable('Agent.TempDirectory') || os.tmpdir(),
    read() {
      // Secrets are read quietly, then masked before anything else can print them.
      const { preview, ...inputs } = readTaskInputs();
      maskSecretInputs(inputs.auth, [inputs.sourceSasToken, inputs.sync.source]);
      const pullRequest = preview.enabled ? azurePullRequest() : undefined;
      return {
        ...inputs,
        preview: { options: preview, pullRequest, commenter: pullRequest ? azureCommenter(env) : undefined },
        signIn: () => {
          useAgentProxy(env);
          return chooseAuth(inputs.auth, env);
        },
        managementSignIn: (storage) => managementSignIn(inputs.auth, env, storage),
      };
    },
    info: (line) => console.log(logSafe(line)),
    events: (options) => taskEvents(options.dryRun),
    publish(summary, preview) {
      setOutputVariables(summary, preview);
      attachSummary(summaryMarkdown(summary) + (preview ? `\n${preview.markdown}` : ''));
      console.log(countsLine(summary));
      // A failed purge after a complete sync is the task's result, set by fail().
      if (summary.failed > 0 || summary.purge?.status !== 'failed') setTaskResult(summary);
    },
    fail({ message, hint, stack }) {
      if (stack) tl.debug(stack);
      attachSummary(failureMarkdown(message, hint));
      tl.setResult(tl.TaskResult.Failed, hint ? `${message} ${hint}` : message);
    },
  };
}
