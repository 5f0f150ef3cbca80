// The measurements of issue #30, each against the peer users compare with: a large upload killed part-way and finished
// by a fresh process with no local state (AzCopy from a fresh machine), and the re-sync of a persistent folder with
// the hash cache (`azcopy sync --compare-hash=MD5` with its hash store filled, `rclone sync --checksum`), with what
// writing the cache costs a first run. `npm run bench:big -- --help`; not a test.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ContainerClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { DEV_ACCOUNT } from '../src/auth/urls.js';
import { azcopy, azcopyExecutable } from './azcopy.js';
import { startCountingAzurite, type CountingAzurite } from './azurite.js';
import { startByteProxy, type ByteProxy } from './byte-proxy.js';
import { DatasetFolder, type Dataset, seededRandom } from './datasets.js';
import { gnuTimeMissing, measure, type Measurement } from './measure.js';
import { TOOLS, TRANSFERS, useCli, type RunContext, type Tool } from './tools.js';

const HELP = `npm run bench:big -- [options]

  --scenario a,b   resume, hash-cache (default both)
  --quick          small data sets, one repeat: a smoke run
  --repeat N       runs per measurement; medians are reported (default 3, 1 with --quick)
  --data DIR       where data sets are generated (default: $TMPDIR/azure-blob-sync-bench)
  --no-build       use dist/cli/index.js as it is
  --cli FILE       bench this bundled CLI instead of dist/cli/index.js`;

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MiB = 1024 * 1024;
const KiB = 1024;
/** Ours and AzCopy both stage 8 MiB blocks, so "60 % of the blocks" is the same bytes for both. */
const BLOCK_MIB = 8;
/** The share of a file's blocks staged when the first process is killed. */
const KILL_AT = 0.6;
const log = (line: string) => process.stderr.write(`${line}\n`);

const { values } = parseArgs({
  options: {
    scenario: { type: 'string' },
    quick: { type: 'boolean' },
    repeat: { type: 'string' },
    data: { type: 'string' },
    'no-build': { type: 'boolean' },
    cli: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const quick = values.quick ?? false;
const repeat = Number(values.repeat ?? (quick ? 1 : 3));
if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a whole number ≥ 1`);
const scenarios = (values.scenario ?? 'resume,hash-cache').split(',').map((s) => s.trim());
for (const scenario of scenarios) {
  if (scenario !== 'resume' && scenario !== 'hash-cache') throw new Error(`Unknown scenario "${scenario}"`);
}
const timeMissing = gnuTimeMissing();
if (timeMissing) throw new Error(timeMissing);
const cli = values.cli ? path.resolve(values.cli) : path.join(REPO, 'dist', 'cli', 'index.js');
if (values.cli) useCli(values.cli);
if (!values['no-build'] && !values.cli) {
  log('building dist/cli/index.js');
  const build = spawnSync(process.execPath, ['scripts/build.mjs', 'cli'], { cwd: REPO, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
}
const base = values.data ?? path.join(os.tmpdir(), 'azure-blob-sync-bench');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'abs-bench-big-'));
process.once('exit', () => rmSync(scratch, { recursive: true, force: true }));

function sasUrl(serviceUrl: string, container: string): string {
  const sas = generateBlobSASQueryParameters(
    {
      containerName: container,
      permissions: ContainerSASPermissions.parse('racwdl'),
      expiresOn: new Date(Date.now() + 24 * 3600_000),
    },
    new StorageSharedKeyCredential(DEV_ACCOUNT.name, DEV_ACCOUNT.key),
  );
  return `${serviceUrl}/${container}?${sas.toString()}`;
}

const connectionString = (serviceUrl: string) =>
  `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT.name};AccountKey=${DEV_ACCOUNT.key};BlobEndpoint=${serviceUrl};`;

/** A fresh Azurite with one empty container, reached through a relay that counts the bytes clients send. */
async function freshTarget(): Promise<{ azurite: CountingAzurite; proxy: ByteProxy; container: string }> {
  const azurite = await startCountingAzurite('memory');
  const proxy = await startByteProxy(azurite.serviceUrl);
  const container = 'bench';
  await new ContainerClient(azurite.connectionString, container).create();
  return { azurite, proxy, container };
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

// ---- Resume: a large file, killed once about 60 % of its blocks are staged, finished by a fresh process --------------

interface Uploader {
  id: string;
  /** The command that uploads the file (a fresh process each time: nothing carries over but what the service holds). */
  command(
    file: string,
    folder: string,
    proxy: ByteProxy,
    container: string,
  ): { argv: string[]; env?: NodeJS.ProcessEnv };
}

const oursUploader: Uploader = {
  id: 'ours',
  command: (_file, folder, proxy, container) => ({
    argv: [
      process.execPath,
      cli,
      folder,
      '--connection-string',
      connectionString(proxy.serviceUrl),
      '--container',
      container,
      '--quiet',
    ],
  }),
};

const azcopyUploader: Uploader = {
  id: 'azcopy (fresh machine)',
  command: (file, _folder, proxy, container) => {
    // A new plan folder each time: a CI runner is a new machine, so `azcopy jobs resume` has nothing to resume.
    const machine = mkdtempSync(path.join(scratch, 'azcopy-'));
    const url = sasUrl(proxy.serviceUrl, container).replace('?', `/${path.basename(file)}?`);
    return {
      argv: [
        azcopyExecutable(),
        'copy',
        file,
        url,
        '--from-to=LocalBlob',
        '--put-md5',
        `--block-size-mb=${BLOCK_MIB}`,
        '--overwrite=true',
        '--log-level=ERROR',
      ],
      env: {
        AZCOPY_CONCURRENCY_VALUE: String(TRANSFERS),
        AZCOPY_LOG_LOCATION: path.join(machine, 'logs'),
        AZCOPY_JOB_PLAN_LOCATION: path.join(machine, 'plans'),
        AZCOPY_DISABLE_SYSLOG: 'true',
      },
    };
  },
};

/** Starts the command and kills it (SIGKILL) once the service has taken `blocks` blocks. */
async function killAfter(command: { argv: string[]; env?: NodeJS.ProcessEnv }, proxy: ByteProxy, blocks: number) {
  const child: ChildProcess = spawn(command.argv[0]!, command.argv.slice(1), {
    env: { ...process.env, ...command.env },
    stdio: 'ignore',
  });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let finished = false;
  void exited.then(() => (finished = true));
  while (!finished && proxy.blocksStaged() < blocks) await sleep(5);
  if (finished) throw new Error(`${command.argv[0]} finished before it could be killed`);
  child.kill('SIGKILL');
  await exited;
  // What the killed client had written to its sockets still reaches the relay for a moment: not the next run's bytes.
  await sleep(1000);
}

interface ResumeRecord {
  tool: string;
  stagedShare: number;
  sentShare: number;
  wallS: number;
}

async function resumeScenario(): Promise<string> {
  const size = (quick ? 128 : 1024) * MiB;
  const set: Dataset = {
    id: quick ? 'resume-128m' : 'resume-1g',
    description: `one file of ${size / MiB} MiB`,
    files: [{ name: 'big.bin', size }],
  };
  const folder = new DatasetFolder(set, base);
  await folder.ensure(log);
  const file = path.join(folder.root, 'big.bin');
  const blocks = Math.ceil(size / (BLOCK_MIB * MiB));
  const records: ResumeRecord[] = [];
  for (let index = 1; index <= repeat; index++) {
    for (const tool of [oursUploader, azcopyUploader]) {
      const target = await freshTarget();
      try {
        await killAfter(
          tool.command(file, folder.root, target.proxy, target.container),
          target.proxy,
          Math.ceil(blocks * KILL_AT),
        );
        const blob = new ContainerClient(target.azurite.connectionString, target.container).getBlockBlobClient(
          'big.bin',
        );
        const staged = (await blob.getBlockList('uncommitted')).uncommittedBlocks ?? [];
        const stagedBytes = staged.reduce((sum, block) => sum + block.size, 0);
        const before = target.proxy.bytesSent();
        const fresh = tool.command(file, folder.root, target.proxy, target.container);
        const run = await measure(fresh.argv, fresh.env);
        const sent = target.proxy.bytesSent() - before;
        const properties = await blob.getProperties();
        if (properties.contentLength !== size)
          throw new Error(`${tool.id}: the blob is ${properties.contentLength} bytes`);
        const record = { tool: tool.id, stagedShare: stagedBytes / size, sentShare: sent / size, wallS: run.wallS };
        records.push(record);
        log(
          `resume ${tool.id} #${index}: ${pct(record.stagedShare)} staged when killed, the fresh run sent ${pct(record.sentShare)} in ${run.wallS.toFixed(2)} s`,
        );
      } finally {
        await target.proxy.stop();
        await target.azurite.stop();
      }
    }
  }
  const rows = [oursUploader, azcopyUploader].map((tool) => {
    const mine = records.filter((r) => r.tool === tool.id);
    return `| ${tool.id} | ${pct(median(mine.map((r) => r.stagedShare)))} | ${pct(median(mine.map((r) => r.sentShare)))} | ${median(mine.map((r) => r.wallS)).toFixed(2)} |`;
  });
  return [
    `Resume: ${set.description}, killed (SIGKILL) once ${pct(KILL_AT)} of its ${blocks} blocks were staged, then uploaded by a fresh process (medians of ${repeat})`,
    '',
    '| tool | staged when killed | sent by the fresh run | fresh run wall s |',
    '|---|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

function pct(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

// ---- Hash cache: a persistent folder re-synced with nothing changed --------------------------------------------------

function persistentFolder(count: number): Dataset {
  const random = seededRandom(30_000);
  // 50-160 KiB, about 105 KiB a file: 20,000 files make about 2 GiB.
  const files = Array.from({ length: count }, (_, i) => ({
    name: `exports/d${Math.floor(i / 500)}/part-${i}.dat`,
    size: 50 * KiB + Math.floor(random() * 110 * KiB),
  }));
  return { id: `persistent-${count}`, description: `${count.toLocaleString('en')} files, 50-160 KiB`, files };
}

interface Timing {
  label: string;
  runs: Measurement[];
}

function oursCommand(folder: string, context: RunContext, cache?: string): string[] {
  return [
    process.execPath,
    cli,
    folder,
    '--connection-string',
    context.azurite.connectionString,
    '--container',
    context.container,
    '--delete-destination',
    '--quiet',
    ...(cache ? ['--hash-cache', cache] : []),
  ];
}

async function contextFor(): Promise<{ context: RunContext; stop(): Promise<void> }> {
  const azurite = await startCountingAzurite('memory');
  const container = 'bench';
  await new ContainerClient(azurite.connectionString, container).create();
  const context = { folder: '', azurite, container, containerSasUrl: sasUrl(azurite.serviceUrl, container) };
  return { context, stop: () => azurite.stop() };
}

async function hashCacheScenario(): Promise<string> {
  const set = persistentFolder(quick ? 2000 : 20_000);
  const folder = new DatasetFolder(set, base);
  await folder.ensure(log);
  // Files changed within a few seconds of a run are not remembered (see src/engine/local/hash-cache.ts).
  await sleep(3500);
  const firstPlain: Measurement[] = [];
  const firstCached: Measurement[] = [];
  const timings: Record<string, Timing> = {};
  const time = (label: string, run: Measurement) => {
    (timings[label] ??= { label, runs: [] }).runs.push(run);
    log(
      `hash-cache ${label}: ${run.wallS.toFixed(2)} s wall, ${run.cpuS.toFixed(2)} s CPU, ${Math.round(run.peakRssMB)} MB`,
    );
  };
  const azcopyMd5 = azcopy('azcopy-md5', {
    compareHash: true,
    transfers: TRANSFERS,
    hashStore: mkdtempSync(path.join(scratch, 'azcopy-hashes-')),
  });
  const rcloneChecksum = TOOLS.find((tool) => tool.id === 'rclone-checksum') as Tool;
  const rcloneMissing = rcloneChecksum.missing();
  if (rcloneMissing) log(`SKIPPING rclone-checksum: ${rcloneMissing}`);

  let synced: { context: RunContext; stop(): Promise<void> } | undefined;
  const cache = path.join(scratch, 'persistent.hash-cache');
  for (let index = 1; index <= repeat; index++) {
    // The first sync with and without the cache, in alternating order, each into a fresh emulator.
    for (const withCache of index % 2 ? [false, true] : [true, false]) {
      const target = await contextFor();
      rmSync(cache, { force: true });
      const run = await measure(oursCommand(folder.root, target.context, withCache ? cache : undefined));
      (withCache ? firstCached : firstPlain).push(run);
      log(`hash-cache first sync ${withCache ? 'writing the cache' : 'without a cache'}: ${run.wallS.toFixed(2)} s`);
      if (withCache) {
        await synced?.stop();
        synced = target;
      } else {
        await target.stop();
      }
    }
  }
  const context = { ...synced!.context, folder: folder.root };
  // The cache is filled, and so is AzCopy's hash store (its first --compare-hash run computes every hash).
  const check = await measure([
    ...oursCommand(folder.root, context, cache).filter((a) => a !== '--quiet'),
    '--verbose',
  ]);
  const hits = /hash cache: (\d+) of (\d+)/.exec(check.stdout);
  if (!hits || hits[1] !== hits[2]) throw new Error(`the cache did not serve every file: ${hits?.[0]}`);
  const fill = azcopyMd5.command(context, 'nochange');
  await measure(fill.argv, fill.env);
  for (let index = 1; index <= repeat; index++) {
    time('ours --hash-cache', await measure(oursCommand(folder.root, context, cache)));
    time('ours (no cache)', await measure(oursCommand(folder.root, context)));
    const az = azcopyMd5.command(context, 'nochange');
    const azRun = await measure(az.argv, az.env);
    const failure = azcopyMd5.verify?.(azRun.stdout);
    if (failure) throw new Error(failure);
    time('azcopy sync --compare-hash=MD5 (hash store filled)', azRun);
    if (!rcloneMissing) {
      const rc = rcloneChecksum.command(context, 'nochange');
      time('rclone sync --checksum', await measure(rc.argv, rc.env));
    }
  }
  await synced?.stop();

  const baseline = median(timings['ours --hash-cache']!.runs.map((r) => r.wallS));
  const rows = Object.values(timings).map((t) => {
    const wall = median(t.runs.map((r) => r.wallS));
    return `| ${t.label} | ${wall.toFixed(2)} | ${median(t.runs.map((r) => r.cpuS)).toFixed(2)} | ${Math.round(median(t.runs.map((r) => r.peakRssMB)))} | ${(baseline / wall).toFixed(2)}× |`;
  });
  const plain = median(firstPlain.map((r) => r.wallS));
  const cached = median(firstCached.map((r) => r.wallS));
  return [
    `Hash cache: ${set.description} (${(folder.totalBytes / 2 ** 30).toFixed(2)} GiB), re-synced with nothing changed (medians of ${repeat})`,
    '',
    '| tool | wall s | CPU s | peak MB | ours --hash-cache ÷ tool |',
    '|---|---:|---:|---:|---:|',
    ...rows,
    '',
    `First sync: ${plain.toFixed(2)} s without a cache, ${cached.toFixed(2)} s writing it (${pct(cached / plain - 1)} more).`,
  ].join('\n');
}

const started = new Date();
const sections: string[] = [];
if (scenarios.includes('resume')) sections.push(await resumeScenario());
if (scenarios.includes('hash-cache')) sections.push(await hashCacheScenario());
const machine = `${os.availableParallelism()} cores (${os.cpus()[0]?.model}), Node ${process.version}, Azurite 3.35.0 in memory on loopback`;
const report = `${machine}; ${started.toISOString()}\n\n${sections.join('\n\n')}\n`;
await mkdir(path.join(REPO, 'bench', 'results'), { recursive: true });
const file = path.join(REPO, 'bench', 'results', `big-${started.toISOString().replace(/[:.]/g, '-')}.md`);
await writeFile(file, report);
process.stdout.write(`\n${report}\nSaved: ${path.relative(process.cwd(), file)}\n`);
