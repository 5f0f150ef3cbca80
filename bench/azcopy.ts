// AzCopy v10 as a bench peer: `azcopy sync` from the npm package @azure-tools/azcopy-linux, against the same Azurite.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AzCopyExe64 } from '@azure-tools/azcopy-linux';
import type { Command, RunContext, ScenarioId, Tool } from './tools.js';

/** npm unpacks the binary without its execute bit, so the bench runs a private executable copy. */
const EXECUTABLE = path.join(os.tmpdir(), 'abs-bench-azcopy', 'azcopy');

function ensureExecutable(): string | undefined {
  let source;
  try {
    source = statSync(AzCopyExe64);
  } catch {
    return `${AzCopyExe64} is missing: run npm ci (AzCopy comes from the devDependency @azure-tools/azcopy-linux)`;
  }
  if (statSync(EXECUTABLE, { throwIfNoEntry: false })?.size !== source.size) {
    mkdirSync(path.dirname(EXECUTABLE), { recursive: true });
    copyFileSync(AzCopyExe64, EXECUTABLE);
  }
  chmodSync(EXECUTABLE, 0o755);
  return undefined;
}

let checked: string | undefined | null = null;

/** Why AzCopy cannot run here and how to fix it, or undefined when it runs. */
function azcopyMissing(): string | undefined {
  if (checked !== null) return checked;
  checked = ensureExecutable();
  if (checked) return checked;
  const probe = spawnSync(EXECUTABLE, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    checked = /libsecret/.test(probe.stderr)
      ? 'AzCopy needs libsecret: apt-get update && apt-get install -y libsecret-1-0'
      : `AzCopy does not start: ${(probe.stderr || probe.error?.message || '').trim()}`;
  }
  return checked;
}

/** The executable AzCopy binary (a private copy, see EXECUTABLE); throws why it cannot run here. */
export function azcopyExecutable(): string {
  const missing = azcopyMissing();
  if (missing) throw new Error(missing);
  return EXECUTABLE;
}

const scratch: string[] = [];
process.once('exit', () => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A fresh folder per run for AzCopy's logs, job plans (and hashes), removed when the bench exits; its environment. */
function runFolder(transfers: number): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'abs-bench-azcopy-run-'));
  scratch.push(dir);
  return {
    dir,
    env: {
      AZCOPY_CONCURRENCY_VALUE: String(transfers),
      AZCOPY_LOG_LOCATION: path.join(dir, 'logs'),
      AZCOPY_JOB_PLAN_LOCATION: path.join(dir, 'plans'),
      AZCOPY_DISABLE_SYSLOG: 'true',
    },
  };
}

/**
 * `azcopy sync` with --put-md5, so the blobs carry Content-MD5 like ours. Without `compareHash` AzCopy decides by
 * last-modified time (its default); with it, by comparing the local MD5 with the blob's Content-MD5.
 */
export function azcopy(
  id: string,
  options: {
    compareHash: boolean;
    transfers: number;
    /** Keep the hashes it computes in files in this folder, outside the source (its default: xattrs on each file). */
    hashStore?: string;
  },
): Tool {
  return {
    id,
    scenarios: ['first', 'nochange', 'mtime', 'change1', 'delete10', 'delete20'],
    missing: azcopyMissing,
    command: (context: RunContext, _scenario: ScenarioId): Command => {
      const { env } = runFolder(options.transfers);
      return {
        argv: [
          EXECUTABLE,
          'sync',
          context.folder,
          context.containerSasUrl,
          '--from-to=LocalBlob',
          '--recursive',
          '--put-md5',
          '--delete-destination=true',
          // Errors only: INFO (the default) logs every request to disk, a cost no other tool here pays.
          '--log-level=ERROR',
          ...(options.compareHash ? ['--compare-hash=MD5'] : []),
          ...(options.hashStore
            ? ['--local-hash-storage-mode=HiddenFiles', `--hash-meta-dir=${options.hashStore}`]
            : []),
        ],
        env,
      };
    },
    verify: (stdout) => {
      const status = /Final Job Status: (\S+)/.exec(stdout)?.[1];
      const failed = Number(/Number of Copy Transfers Failed: (\d+)/.exec(stdout)?.[1] ?? NaN);
      return status === 'Completed' && failed === 0
        ? undefined
        : `AzCopy did not complete cleanly (status ${status ?? 'missing'}, ${failed} failed):\n${stdout.slice(-2000)}`;
    },
  };
}

/**
 * `azcopy sync <container-url> <folder>`: the download direction. Without `compareHash` AzCopy decides by
 * last-modified time (its default); with it, by comparing the blob's Content-MD5 with the local file's MD5.
 */
export function azcopyDownload(
  id: string,
  options: { compareHash: boolean; transfers: number },
): {
  id: string;
  scenarios: readonly ('first' | 'nochange')[];
  command(context: { sasUrl: string; target: string }): Command;
} {
  return {
    id,
    scenarios: ['first', 'nochange'],
    command: (context) => {
      const missing = azcopyMissing();
      if (missing) throw new Error(missing);
      const { dir, env } = runFolder(options.transfers);
      return {
        argv: [
          EXECUTABLE,
          'sync',
          context.sasUrl,
          context.target,
          '--from-to=BlobLocal',
          '--recursive',
          '--log-level=ERROR',
          // Its local hashes go to a folder of their own: the default (xattrs) needs user_xattr on the file system.
          ...(options.compareHash
            ? [
                '--compare-hash=MD5',
                '--local-hash-storage-mode=HiddenFiles',
                `--hash-meta-dir=${path.join(dir, 'hashes')}`,
              ]
            : []),
        ],
        env,
      };
    },
  };
}
