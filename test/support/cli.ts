import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI_BUNDLE = path.join(ROOT, 'dist/cli/index.js');

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Run as this user and group (tests that need permissions to bite even when the suite runs as root). */
  user?: { uid: number; gid: number };
  /** Called with the child once it runs (e.g. to kill it at a chosen moment). */
  onStart?(child: ChildProcess): void;
}

/** Runs a bundled entry point as its own process, as a user, runner or agent would, and captures its output. */
export function runNode(script: string, args: string[], options: RunOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: options.cwd ?? ROOT,
      // A clean environment: no inherited credentials or CI flags leak into the run under test.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options.user,
    });
    options.onStart?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs the bundled CLI (`dist/cli/index.js`). */
export function runCli(args: string[], options?: RunOptions): Promise<ProcessResult> {
  return runNode(CLI_BUNDLE, args, options);
}

/**
 * An unprivileged user for the child when the tests run as root (root reads files whatever their mode, so a
 * `chmod 000` would prove nothing), or undefined when the tests already run unprivileged.
 */
export function unprivilegedUser(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
}
