import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, runNode, type ProcessResult } from './cli.js';

export const ACTION_BUNDLE = path.join(ROOT, 'dist/github/index.js');

export interface ActionRun extends ProcessResult {
  /** What the step wrote to GITHUB_OUTPUT. */
  outputs: Record<string, string>;
  /** What the step wrote to GITHUB_STEP_SUMMARY. */
  summary: string;
  /** Values the step asked the runner to mask (`::add-mask::`). */
  masked: string[];
  /** `::error::` annotations, unescaped. */
  errors: string[];
  /** stdout without the `::add-mask::` lines (the only place a secret may legitimately appear). */
  log: string;
}

export interface ActionRunOptions {
  /** GITHUB_WORKSPACE; relative sources resolve from here. */
  workspace: string;
  /** More environment: ID-token variables, AZURE_*, NODE_EXTRA_CA_CERTS… */
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs the bundled action (`dist/github/index.js`) the way the runner does: inputs as `INPUT_<NAME>` variables
 * (upper case, spaces to '_', hyphens kept), file commands for outputs and the summary, the workspace and temp dir.
 */
export async function runAction(inputs: Record<string, string>, options: ActionRunOptions): Promise<ActionRun> {
  const runnerTemp = mkdtempSync(path.join(os.tmpdir(), 'abs-runner-'));
  try {
    const outputFile = path.join(runnerTemp, 'output');
    const summaryFile = path.join(runnerTemp, 'step-summary.md');
    writeFileSync(outputFile, '');
    writeFileSync(summaryFile, '');
    const env: NodeJS.ProcessEnv = {
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_WORKSPACE: options.workspace,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: runnerTemp,
      RUNNER_OS: 'Linux',
      ...options.env,
    };
    for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
    const result = await runNode(ACTION_BUNDLE, [], { env, cwd: options.workspace });
    const stdoutLines = result.stdout.split(/\r?\n/);
    return {
      ...result,
      outputs: parseOutputFile(readFileSync(outputFile, 'utf8')),
      summary: readFileSync(summaryFile, 'utf8'),
      masked: stdoutLines.filter((l) => l.startsWith('::add-mask::')).map((l) => unescapeCommand(l.slice(12))),
      errors: stdoutLines.filter((l) => l.startsWith('::error::')).map((l) => unescapeCommand(l.slice(9))),
      log: stdoutLines.filter((l) => !l.startsWith('::add-mask::')).join('\n'),
    };
  } finally {
    rmSync(runnerTemp, { recursive: true, force: true });
  }
}

/** `name<<delimiter\nvalue\ndelimiter` blocks, as `core.setOutput` writes them. */
function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '');
    if (!match) continue;
    const [, name, delimiter] = match;
    const value: string[] = [];
    while (++i < lines.length && lines[i] !== delimiter) value.push(lines[i] ?? '');
    outputs[name!] = value.join('\n');
  }
  return outputs;
}

/** Workflow commands escape %, CR and LF in their data. */
function unescapeCommand(text: string): string {
  return text.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

/** Fails when any secret occurs in what the runner would show or keep: log, stderr, summary, outputs. */
export function findLeaks(run: ActionRun, secrets: readonly string[]): string[] {
  const places = {
    log: run.log,
    stderr: run.stderr,
    summary: run.summary,
    outputs: JSON.stringify(run.outputs),
  };
  const leaks: string[] = [];
  for (const secret of secrets) {
    for (const [place, text] of Object.entries(places)) {
      if (secret && text.includes(secret)) leaks.push(`${place} contains ${secret.slice(0, 6)}…`);
    }
  }
  return leaks;
}
