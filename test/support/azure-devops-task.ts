import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { commandFromString, type TaskCommand } from 'azure-pipelines-task-lib/taskcommand.js';
import { BUNDLE_NODE, ROOT, runNode, type ProcessResult } from './cli.js';

export const TASK_BUNDLE = path.join(ROOT, 'dist/azure-devops/index.js');

/** The Node handlers task.json declares; the agent picks one and runs its `target` with its own node of that major. */
export type NodeHandler = 'Node20_1' | 'Node24';

/**
 * The version of the node that runs the bundles in this test run (`BUNDLE_NODE`), and the handler an agent runs
 * with a node of that major: Node24 on Node 24 and later, else Node20_1.
 */
export function bundleNodeHandler(): { version: string; handler: NodeHandler } {
  const version = execFileSync(BUNDLE_NODE, ['--version'], { encoding: 'utf8' }).trim();
  return { version, handler: Number(/^v(\d+)\./.exec(version)?.[1]) >= 24 ? 'Node24' : 'Node20_1' };
}

/** A service connection as the agent hands it to a task. */
export interface TaskEndpoint {
  id: string;
  url?: string;
  scheme: string;
  /** Authorization parameters (secret: the agent passes them through the task-lib vault). */
  parameters: Record<string, string>;
  /** Data parameters (public), e.g. activeDirectoryAuthority, environment. */
  data?: Record<string, string>;
}

export interface TaskRunOptions {
  /** System.DefaultWorkingDirectory; relative sourcePath values resolve from here. */
  workingDirectory: string;
  endpoints?: TaskEndpoint[];
  /** System.AccessToken, passed as the system connection's AccessToken parameter (a fixed fake by default). */
  systemAccessToken?: string;
  /** More environment: SYSTEM_OIDCREQUESTURI, AZURE_AUTHORITY_HOST, NODE_EXTRA_CA_CERTS… */
  env?: NodeJS.ProcessEnv;
  /** Run another copy of the bundle (e.g. the one inside the packaged extension). */
  bundle?: string;
  /**
   * Start the task the way the agent does instead of naming the bundle: read `task.json` in the task folder (the
   * repository root by default, which is a runnable task as committed), take `execution.<handler>.target`, resolve
   * it against the task folder, and pass the defaults task.json declares for the inputs the step leaves out.
   */
  agent?: { handler: NodeHandler; taskFolder?: string };
  /** Called with the task's process once it runs. */
  onStart?(child: ChildProcess): void;
}

export interface TaskRun extends ProcessResult {
  commands: TaskCommand[];
  /** `task.complete`: the result the agent would record. */
  result?: { result: string; message: string };
  /** `task.setvariable … isOutput=true`. */
  outputs: Record<string, string>;
  /** Values the task asked the agent to mask (`task.setsecret`). */
  secrets: string[];
  /** `task.issue` errors and warnings. */
  issues: { type: string; message: string }[];
  /** `task.setprogress` percentages, in order. */
  progress: number[];
  /** The files attached with `task.uploadsummary`, read before the agent's temp folder is removed. */
  summaries: { name: string; text: string }[];
  /** stdout without the `task.setsecret` lines (the only place a secret may legitimately appear). */
  log: string;
}

export const SYSTEM_ACCESS_TOKEN = 'fake-system-access-token-7b3c9e';

/**
 * Runs the bundled task (`dist/azure-devops/index.js`) the way the agent's Node handler does: inputs as `INPUT_<NAME>`,
 * service connections as `ENDPOINT_*` variables, the system connection with the job's access token, system
 * variables, and a fresh Agent.TempDirectory.
 */
export async function runTask(inputs: Record<string, string>, options: TaskRunOptions): Promise<TaskRun> {
  let script = options.bundle ?? TASK_BUNDLE;
  if (options.agent) {
    if (options.bundle) throw new Error('runTask: pass either bundle or agent');
    const handler = agentHandler(options.agent.handler, options.agent.taskFolder ?? ROOT);
    script = handler.target;
    inputs = { ...handler.defaults, ...inputs };
  }
  const agentTemp = mkdtempSync(path.join(os.tmpdir(), 'abs-agent-'));
  try {
    const env: NodeJS.ProcessEnv = {
      TF_BUILD: 'True',
      AGENT_TEMPDIRECTORY: agentTemp,
      AGENT_VERSION: '4.260.0',
      SYSTEM_DEFAULTWORKINGDIRECTORY: options.workingDirectory,
      SYSTEM_TEAMFOUNDATIONCOLLECTIONURI: 'https://dev.azure.com/fabrikam/',
      ...endpointEnv({
        id: 'SYSTEMVSSCONNECTION',
        url: 'https://dev.azure.com/fabrikam/',
        scheme: 'OAuth',
        parameters: { AccessToken: options.systemAccessToken ?? SYSTEM_ACCESS_TOKEN },
      }),
      ...(options.endpoints ?? []).reduce((all, endpoint) => ({ ...all, ...endpointEnv(endpoint) }), {}),
      ...options.env,
    };
    for (const [name, value] of Object.entries(inputs))
      env[`INPUT_${name.replace(/[. ]/g, '_').toUpperCase()}`] = value;
    // The agent's Node handler starts `node "<target>"` in System.DefaultWorkingDirectory when the handler names no
    // workingDirectory (ours does not).
    const result = await runNode(script, [], { env, cwd: options.workingDirectory, onStart: options.onStart });
    return { ...result, ...parseCommands(result.stdout) };
  } finally {
    rmSync(agentTemp, { recursive: true, force: true });
  }
}

/** What the agent reads from task.json before it starts a Node handler: the target's full path, the inputs' defaults. */
function agentHandler(handler: NodeHandler, taskFolder: string): { target: string; defaults: Record<string, string> } {
  const task = JSON.parse(readFileSync(path.join(taskFolder, 'task.json'), 'utf8'));
  const relative: unknown = task.execution?.[handler]?.target;
  if (typeof relative !== 'string' || !relative) throw new Error(`task.json in ${taskFolder} has no ${handler} target`);
  const target = path.resolve(taskFolder, relative);
  // The agent checks the file exists before it starts node (and fails the step if not).
  if (!existsSync(target)) throw new Error(`${handler} target ${relative} is not in ${taskFolder}`);
  const defaults = Object.fromEntries(
    (task.inputs as { name: string; defaultValue?: string }[]).map((i) => [i.name, (i.defaultValue ?? '').trim()]),
  );
  return { target, defaults };
}

function endpointEnv(endpoint: TaskEndpoint): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    [`ENDPOINT_AUTH_${endpoint.id}`]: JSON.stringify({ parameters: endpoint.parameters, scheme: endpoint.scheme }),
    [`ENDPOINT_AUTH_SCHEME_${endpoint.id}`]: endpoint.scheme,
  };
  if (endpoint.url) env[`ENDPOINT_URL_${endpoint.id}`] = endpoint.url;
  for (const [key, value] of Object.entries(endpoint.parameters)) {
    env[`ENDPOINT_AUTH_PARAMETER_${endpoint.id}_${key.toUpperCase()}`] = value;
  }
  for (const [key, value] of Object.entries(endpoint.data ?? {})) {
    env[`ENDPOINT_DATA_${endpoint.id}_${key.toUpperCase()}`] = value;
  }
  return env;
}

type ParsedCommands = Omit<TaskRun, keyof ProcessResult>;

function parseCommands(stdout: string): ParsedCommands {
  const parsed: ParsedCommands = {
    commands: [],
    outputs: {},
    secrets: [],
    issues: [],
    progress: [],
    summaries: [],
    log: '',
  };
  const logLines: string[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const start = line.indexOf('##vso[');
    if (start === -1) {
      logLines.push(line);
      continue;
    }
    const command = commandFromString(line.slice(start));
    parsed.commands.push(command);
    const { properties: p, message } = command;
    switch (command.command) {
      case 'task.setsecret':
        parsed.secrets.push(message);
        continue; // not part of the visible log
      case 'task.complete':
        parsed.result = { result: p.result ?? '', message };
        break;
      case 'task.setvariable':
        if (p.isOutput === 'true' && p.variable) parsed.outputs[p.variable] = message;
        break;
      case 'task.issue':
        parsed.issues.push({ type: p.type ?? '', message });
        break;
      case 'task.setprogress':
        parsed.progress.push(Number(p.value));
        break;
      case 'task.uploadsummary':
        if (existsSync(message))
          parsed.summaries.push({ name: path.basename(message), text: readFileSync(message, 'utf8') });
        break;
    }
    logLines.push(line);
  }
  parsed.log = logLines.join('\n');
  return parsed;
}

/** Every place a secret must never appear: the visible log, stderr, summaries and output variables. */
export function findLeaks(run: TaskRun, secrets: readonly string[]): string[] {
  const places = {
    log: run.log,
    stderr: run.stderr,
    summary: run.summaries.map((s) => s.text).join('\n'),
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
