import * as tl from 'azure-pipelines-task-lib/task.js';
import type { OptionKey } from '../../engine/errors.js';
import { countsLine } from '../../report/lines.js';
import { failureMarkdown, summaryMarkdown } from '../../report/markdown.js';
import { type EntryPoint, runEntryPoint } from '../run.js';
import { inputTerms } from '../terms.js';
import { chooseAuth, maskSecretInputs } from './auth.js';
import { readTaskInputs } from './inputs.js';
import { useAgentProxy } from './proxy.js';
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
    read() {
      // Secrets are read quietly, then masked before anything else can print them.
      const inputs = readTaskInputs();
      maskSecretInputs(inputs.auth, [inputs.sourceSasToken, inputs.sync.source]);
      return {
        ...inputs,
        signIn: () => {
          useAgentProxy(env);
          return chooseAuth(inputs.auth, env);
        },
      };
    },
    info: (line) => console.log(line),
    events: (options) => taskEvents(options.dryRun),
    publish(summary) {
      setOutputVariables(summary);
      attachSummary(summaryMarkdown(summary));
      console.log(countsLine(summary));
      setTaskResult(summary);
    },
    fail({ message, hint, stack }) {
      if (stack) tl.debug(stack);
      attachSummary(failureMarkdown(message, hint));
      tl.setResult(tl.TaskResult.Failed, hint ? `${message} ${hint}` : message);
    },
  };
}
