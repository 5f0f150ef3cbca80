import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** GNU time reports the child's own accounting: user + system seconds and its peak resident set. */
export const GNU_TIME = '/usr/bin/time';

export interface Measurement {
  wallS: number;
  cpuS: number;
  peakRssMB: number;
  stdout: string;
}

export function gnuTimeMissing(): string | undefined {
  return existsSync(GNU_TIME) ? undefined : 'GNU time is missing: apt-get install -y time';
}

/** Runs a command to completion under GNU time; a non-zero exit is an error carrying the command's output. */
export async function measure(command: string[], env: NodeJS.ProcessEnv = {}): Promise<Measurement> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'abs-bench-time-'));
  const report = path.join(dir, 'time.txt');
  try {
    const started = process.hrtime.bigint();
    const { code, stdout, stderr } = await run(GNU_TIME, ['-f', '%U %S %M', '-o', report, ...command], env);
    const wallS = Number(process.hrtime.bigint() - started) / 1e9;
    if (code !== 0) {
      throw new Error(`${command.slice(0, 3).join(' ')} … exited with ${code}:\n${(stderr || stdout).slice(-2000)}`);
    }
    const last = (await readFile(report, 'utf8')).trim().split('\n').at(-1) ?? '';
    const [user, system, maxKiB] = last.split(' ').map(Number);
    return { wallS, cpuS: (user ?? 0) + (system ?? 0), peakRssMB: (maxKiB ?? 0) / 1024, stdout };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (data: Buffer) => (stdout += data.toString()));
    child.stderr.on('data', (data: Buffer) => (stderr += data.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
