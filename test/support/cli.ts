import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI_BUNDLE = path.join(ROOT, 'dist/cli/index.js');

/**
 * The node binary that runs the bundles: `ABS_BUNDLE_NODE` when set (`npm test` runs the Action and task tests a
 * second time with it pointing at Node 24, the runtime action.yml and the task's Node24 handler ask for), else the
 * node running the tests.
 */
export const BUNDLE_NODE = process.env.ABS_BUNDLE_NODE || process.execPath;

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The child's peak resident memory (Linux VmHWM, sampled), with `sampleMemory`. */
  peakRssMB?: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Run as this user and group (tests that need permissions to bite even when the suite runs as root). */
  user?: { uid: number; gid: number };
  /** Called with the child once it runs (e.g. to kill it at a chosen moment). */
  onStart?(child: ChildProcess): void;
  /** Sample the child's peak resident memory (Linux /proc; undefined elsewhere). */
  sampleMemory?: boolean;
}

/** Runs a bundled entry point as its own process, as a user, runner or agent would, and captures its output. */
export function runNode(script: string, args: string[], options: RunOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(BUNDLE_NODE, [script, ...args], {
      cwd: options.cwd ?? ROOT,
      // A clean environment: no inherited credentials or CI flags leak into the run under test.
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options.user,
    });
    options.onStart?.(child);
    let peakRssMB: number | undefined;
    // VmHWM is the kernel's own high-water mark, so sampling misses at most the last interval's growth.
    const sampler =
      options.sampleMemory && child.pid
        ? setInterval(() => (peakRssMB = highWaterMarkMB(child.pid!) ?? peakRssMB), 100)
        : undefined;
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(sampler);
      resolve({ code, signal, stdout, stderr, peakRssMB });
    });
  });
}

function highWaterMarkMB(pid: number): number | undefined {
  try {
    const kB = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kB ? Number(kB) / 1024 : undefined;
  } catch {
    return undefined; // exited, or not Linux
  }
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
