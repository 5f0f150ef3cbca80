// The download direction of the benchmark: a container folder into a local folder, ours against AzCopy and rclone
// (for big files also the SDK's own download at full parallelism, with and without each file's MD5 checked; for site
// the service's floor, every blob fetched and thrown away), on the same Azurite, same data. Run through
// `npm run bench -- --direction download [--dataset site,big] [--repeat N]`; prints a Markdown table of medians with
// each peer's wall time over ours.
import { spawnSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ContainerClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { DEV_ACCOUNT } from '../src/auth/urls.js';
import { azcopyDownload } from './azcopy.js';
import { type CountingAzurite, startCountingAzurite } from './azurite.js';
import { DatasetFolder, datasets } from './datasets.js';
import { gnuTimeMissing, measure } from './measure.js';
import { median } from './report.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => process.stderr.write(`${line}\n`);
const TRANSFERS = 64;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    dataset: { type: 'string' },
    tool: { type: 'string' },
    repeat: { type: 'string' },
    data: { type: 'string' },
    cli: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`npm run bench -- --direction download [options]

  --dataset a,b    site, big (default both)
  --tool a,b       ours, rclone, rclone-checksum, azcopy, azcopy-md5, sdk-ceiling, sdk-verified, service-floor
  --repeat N       runs per measurement; medians are reported (default 3, 1 with --quick)
  --quick          small data sets, one run each
  --data DIR       where data sets are generated
  --cli FILE       bench this bundled CLI instead of dist/cli/index.js
  --no-build       use dist/cli/index.js as it is (bench/run.ts builds it otherwise)
`);
  process.exit(0);
}
const quick = values.quick ?? false;
const repeat = Number(values.repeat ?? (quick ? 1 : 3));
const wantedSets = values.dataset?.split(',') ?? ['site', 'big'];
const wantedTools = values.tool?.split(',');
const cli = path.resolve(values.cli ?? path.join(REPO, 'dist/cli/index.js'));
const base = values.data ?? path.join(os.tmpdir(), 'azure-blob-sync-bench');
const timeMissing = gnuTimeMissing();
if (timeMissing) throw new Error(timeMissing);

type Scenario = 'first' | 'nochange';
interface Context {
  azurite: CountingAzurite;
  container: string;
  sasUrl: string;
  target: string;
}
interface DownloadTool {
  id: string;
  scenarios: readonly Scenario[];
  datasets?: readonly string[];
  command(context: Context): { argv: string[]; env?: NodeJS.ProcessEnv };
}

const rclone = (id: string, extra: string[]): DownloadTool => ({
  id,
  scenarios: ['first', 'nochange'],
  command: (context) => ({
    argv: [
      'rclone',
      'sync',
      `bench:${context.container}`,
      context.target,
      '--transfers',
      String(TRANSFERS),
      '--checkers',
      '32',
      ...extra,
    ],
    env: {
      RCLONE_CONFIG: '/dev/null',
      RCLONE_CONFIG_BENCH_TYPE: 'azureblob',
      RCLONE_CONFIG_BENCH_SAS_URL: context.sasUrl,
    },
  }),
});

/** The SDK's own download of the big files at full parallelism, with or without checking each file's MD5. */
const ceiling = (id: string, script: string): DownloadTool => ({
  id,
  scenarios: ['first'],
  datasets: ['big'],
  command: (context) => ({
    argv: [
      process.execPath,
      path.join(REPO, 'bench/peers', script),
      context.azurite.connectionString,
      context.container,
      context.target,
    ],
  }),
});

const TOOLS = (
  [
    {
      id: 'ours',
      scenarios: ['first', 'nochange'] as const,
      command: (context: Context) => ({
        argv: [
          process.execPath,
          cli,
          `${context.azurite.serviceUrl}/${context.container}`,
          context.target,
          '--connection-string',
          context.azurite.connectionString,
          '--quiet',
        ],
      }),
    },
    rclone('rclone', []),
    rclone('rclone-checksum', ['--checksum']),
    azcopyDownload('azcopy', { compareHash: false, transfers: TRANSFERS }),
    azcopyDownload('azcopy-md5', { compareHash: true, transfers: TRANSFERS }),
    ceiling('sdk-ceiling', 'ceiling-download.mjs'),
    ceiling('sdk-verified', 'ceiling-download-verified.mjs'),
    {
      id: 'service-floor',
      scenarios: ['first'] as const,
      datasets: ['site'],
      command: (context: Context) => ({
        argv: [process.execPath, path.join(REPO, 'bench/peers/floor-download.mjs'), context.sasUrl],
      }),
    },
  ] satisfies DownloadTool[]
).filter((tool: DownloadTool) => !wantedTools || wantedTools.includes(tool.id)) as DownloadTool[];

function sasUrl(serviceUrl: string, container: string): string {
  const sas = generateBlobSASQueryParameters(
    {
      containerName: container,
      permissions: ContainerSASPermissions.parse('rl'),
      expiresOn: new Date(Date.now() + 864e5),
    },
    new StorageSharedKeyCredential(DEV_ACCOUNT.name, DEV_ACCOUNT.key),
  );
  return `${serviceUrl}/${container}?${sas.toString()}`;
}

interface Record_ {
  dataset: string;
  scenario: Scenario;
  tool: string;
  wallS: number;
  cpuS: number;
  peakRssMB: number;
  requests: number;
}
const records: Record_[] = [];
let counter = 0;

for (const set of datasets(quick).filter((candidate) => wantedSets.includes(candidate.id))) {
  const folder = new DatasetFolder(set, base);
  await folder.ensure(log);
  // One container holds the data set for every tool, uploaded once by our CLI (every blob with its Content-MD5).
  const azurite = await startCountingAzurite('memory');
  // Writing where a previous run's files were just deleted costs this machine's ext4 several times the system time of
  // writing into fresh space (a file created: up to 0.7 ms against 0.03 ms; 256 MiB written: 0.6 s against 0.05 s),
  // so a tool would pay for the previous tool's cleanup. Every target is kept until the data set's runs end (big with
  // every tool and 3 repeats: about 30 GiB of disk).
  const kept: string[] = [];
  try {
    const container = `dl-${process.pid}`;
    await new ContainerClient(azurite.connectionString, container).create();
    const upload = spawnSync(process.execPath, [
      cli,
      folder.root,
      '--connection-string',
      azurite.connectionString,
      '--container',
      container,
      '--quiet',
    ]);
    if (upload.status !== 0) throw new Error(`the upload of ${set.id} failed: ${upload.stderr}`);
    for (const scenario of ['first', 'nochange'] as const) {
      for (let index = 1; index <= repeat; index++) {
        for (const tool of TOOLS.filter(
          (t) => t.scenarios.includes(scenario) && (!t.datasets || t.datasets.includes(set.id)),
        )) {
          const target = path.join(base, `download-${set.id}-${tool.id}-${++counter}`);
          await rm(target, { recursive: true, force: true });
          await mkdir(target, { recursive: true });
          const context = { azurite, container, sasUrl: sasUrl(azurite.serviceUrl, container), target };
          try {
            if (scenario === 'nochange') {
              // The folder as the tool's own first download left it.
              const setup = tool.command(context);
              await measure(setup.argv, setup.env);
            }
            await azurite.settle();
            const before = azurite.requests();
            const command = tool.command(context);
            const result = await measure(command.argv, command.env);
            await azurite.settle();
            const record = {
              dataset: set.id,
              scenario,
              tool: tool.id,
              wallS: result.wallS,
              cpuS: result.cpuS,
              peakRssMB: result.peakRssMB,
              requests: azurite.requests() - before,
            };
            records.push(record);
            log(
              `${set.id} ${scenario} ${tool.id} #${index}: ${record.wallS.toFixed(2)} s wall, ${record.cpuS.toFixed(2)} s CPU, ${Math.round(record.peakRssMB)} MB, ${record.requests} requests`,
            );
          } catch (error) {
            // A failed run is reported and the rest measured, instead of throwing away an hour of measurements.
            log(`FAILED ${set.id} ${scenario} ${tool.id} #${index}: ${(error as Error).message.slice(0, 500)}`);
          } finally {
            kept.push(target);
          }
        }
      }
    }
  } finally {
    await azurite.stop();
    for (const target of kept.splice(0)) await rm(target, { recursive: true, force: true });
  }
}

const groups = new Map<string, Record_[]>();
for (const record of records) {
  const key = `${record.dataset}|${record.scenario}|${record.tool}`;
  groups.set(key, [...(groups.get(key) ?? []), record]);
}
const lines = [
  '| data set | scenario | tool | runs | wall s | CPU s | peak RSS MB | requests | wall / ours | CPU / ours |',
  '|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
];
for (const [key, group] of groups) {
  const [dataset, scenario] = key.split('|');
  const ours = groups.get(`${dataset}|${scenario}|ours`);
  const wall = median(group.map((r) => r.wallS));
  const cpu = median(group.map((r) => r.cpuS));
  const oursWall = ours && median(ours.map((r) => r.wallS));
  const oursCpu = ours && median(ours.map((r) => r.cpuS));
  lines.push(
    `| ${dataset} | ${scenario} | ${group[0]!.tool} | ${group.length} | ${wall.toFixed(2)} | ${cpu.toFixed(2)} | ${Math.round(median(group.map((r) => r.peakRssMB)))} | ${Math.round(median(group.map((r) => r.requests)))} | ${oursWall ? (wall / oursWall).toFixed(2) : '—'} | ${oursCpu ? (cpu / oursCpu).toFixed(2) : '—'} |`,
  );
}
process.stdout.write(`${lines.join('\n')}\n`);
