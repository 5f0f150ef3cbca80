import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { azcopy } from './azcopy.js';
import type { CountingAzurite } from './azurite.js';

export const SCENARIOS = ['first', 'nochange', 'mtime', 'change1', 'delete10', 'delete20', 'plan', 'hash'] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

export const SCENARIO_TEXT: Record<ScenarioId, string> = {
  first: 'first sync into an empty container',
  nochange: 're-sync, nothing changed',
  mtime: 're-sync after every mtime changed (fresh checkout)',
  change1: 're-sync after 1% of the files changed (same sizes)',
  delete10: 'mirror after 10% of the files were deleted locally',
  delete20: 'mirror after 20% of the files were deleted locally (the deletes data set: deletes dominate)',
  plan: 'scan + list + hash + diff only (--dry-run, nothing changed)',
  hash: 'hashing every file: our hash phase vs md5sum',
};

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let oursCli = path.join(REPO, 'dist', 'cli', 'index.js');
/** Benches another build of our CLI (a copy of dist/cli, so a rebuild during a long run cannot disturb it). */
export function useCli(file: string): void {
  oursCli = path.resolve(file);
}
/** Files in flight for every syncing tool: our CLI's automatic value on this machine, given to the peers too. */
export const TRANSFERS = 64;
const RCLONE_CHECKERS = 32;

export interface RunContext {
  folder: string;
  azurite: CountingAzurite;
  container: string;
  /** Container URL with a SAS (rclone's azureblob backend and AzCopy only talk to Azurite that way). */
  containerSasUrl: string;
}

export interface Command {
  argv: string[];
  env?: NodeJS.ProcessEnv;
}

export interface Tool {
  id: string;
  scenarios: readonly ScenarioId[];
  /** Why the tool cannot run here and how to install it, or undefined when it can. */
  missing(): string | undefined;
  /** The timed command for a scenario. */
  command(context: RunContext, scenario: ScenarioId): Command;
  /** Reads the timed seconds from the output when the tool times its own work (excluding start-up). */
  selfTimed?: boolean;
  /** Why a run that exited 0 still did not do its job (read from its output), or undefined when it did. */
  verify?(stdout: string): string | undefined;
}

const RESYNC: readonly ScenarioId[] = ['first', 'nochange', 'mtime', 'change1', 'delete10', 'delete20'];

const ours: Tool = {
  id: 'ours',
  scenarios: [...RESYNC, 'plan'],
  missing: () => (existsSync(oursCli) ? undefined : `${oursCli} is missing: run npm run build`),
  command: (context, scenario) => ({
    argv: [
      process.execPath,
      oursCli,
      context.folder,
      '--connection-string',
      context.azurite.connectionString,
      '--container',
      context.container,
      '--delete-destination',
      '--quiet',
      ...(scenario === 'plan' ? ['--dry-run'] : []),
    ],
  }),
};

function rcloneMissing(): string | undefined {
  const probe = spawnSync('rclone', ['version'], { stdio: 'ignore' });
  return probe.status === 0 ? undefined : 'rclone is not installed: apt-get update && apt-get install -y rclone';
}

function rclone(id: string, extra: string[]): Tool {
  return {
    id,
    scenarios: RESYNC,
    missing: rcloneMissing,
    command: (context) => ({
      argv: [
        'rclone',
        'sync',
        context.folder,
        `bench:${context.container}`,
        '--transfers',
        String(TRANSFERS),
        // Checkers list and compare; more than 32 made rclone's folder-by-folder listing slower on Azurite.
        '--checkers',
        String(RCLONE_CHECKERS),
        ...extra,
      ],
      // The remote is configured purely by environment: no config file is read or written.
      env: {
        RCLONE_CONFIG: '/dev/null',
        RCLONE_CONFIG_BENCH_TYPE: 'azureblob',
        RCLONE_CONFIG_BENCH_SAS_URL: context.containerSasUrl,
      },
    }),
  };
}

const peer = (file: string) => path.join(REPO, 'bench', 'peers', file);

const sequential: Tool = {
  id: 'sdk-sequential',
  scenarios: ['first'],
  missing: () => undefined,
  command: (context) => ({
    argv: [
      process.execPath,
      peer('sequential-upload.mjs'),
      context.folder,
      context.azurite.connectionString,
      context.container,
    ],
  }),
};

const ceiling: Tool = {
  id: 'sdk-ceiling',
  scenarios: ['first'],
  missing: () => undefined,
  command: (context) => ({
    argv: [
      process.execPath,
      peer('ceiling-upload.mjs'),
      context.folder,
      context.azurite.connectionString,
      context.container,
    ],
  }),
};

const oursHash: Tool = {
  id: 'ours-hash',
  scenarios: ['hash'],
  missing: () => undefined,
  selfTimed: true,
  command: (context) => ({ argv: [process.execPath, '--import', 'tsx', peer('hash-files.ts'), context.folder] }),
};

const md5sum: Tool = {
  id: 'md5sum',
  scenarios: ['hash'],
  missing: () =>
    spawnSync('md5sum', ['--version'], { stdio: 'ignore' }).status === 0
      ? undefined
      : 'md5sum is missing: apt-get install -y coreutils',
  command: (context) => ({
    argv: ['sh', '-c', 'find "$1" -type f -print0 | xargs -0 md5sum > /dev/null', 'sh', context.folder],
  }),
};

/** Our CLI storing the text assets precompressed (`--compress`): the same site, fewer bytes sent and stored. */
export const COMPRESS_RULE = '**/*.{html,css,js,svg,json}=br';
const oursCompress: Tool = {
  id: 'ours-compress',
  scenarios: ['first', 'nochange', 'mtime', 'change1'],
  missing: ours.missing,
  command: (context, scenario) => {
    const { argv } = ours.command(context, scenario);
    return { argv: [...argv, '--compress', COMPRESS_RULE] };
  },
};

export const TOOLS: readonly Tool[] = [
  ours,
  oursCompress,
  rclone('rclone', []),
  rclone('rclone-checksum', ['--checksum']),
  azcopy('azcopy', { compareHash: false, transfers: TRANSFERS }),
  azcopy('azcopy-md5', { compareHash: true, transfers: TRANSFERS }),
  sequential,
  ceiling,
  oursHash,
  md5sum,
];

/** The tool every ratio is taken against in a scenario. */
export function baselineFor(scenario: ScenarioId): string {
  return scenario === 'hash' ? 'ours-hash' : 'ours';
}
