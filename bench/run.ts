// The benchmark: our bundled CLI against rclone, AzCopy, a sequential SDK upload loop and the raw SDK ceiling, on the
// same Azurite, over generated data sets. Run with `npm run bench` (see --help). Not part of the test suite.
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
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
import { startCountingAzurite, type AzuriteMode, type CountingAzurite } from './azurite.js';
import { DatasetFolder, datasets, type FileSpec } from './datasets.js';
import { behindLatency } from './latency-proxy.js';
import { gnuTimeMissing, measure } from './measure.js';
import { benchChartSvg } from './chart.js';
import { markdownTable, summarize, type RunRecord } from './report.js';
import {
  baselineFor,
  SCENARIO_TEXT,
  SCENARIOS,
  TOOLS,
  useCli,
  type RunContext,
  type ScenarioId,
  type Tool,
} from './tools.js';

const HELP = `npm run bench -- [options]

  --quick              small data sets, one repeat: a smoke run of a few minutes
  --dataset a,b        only these data sets (site, many, many5k, deletes, big, mixed); 'million' alone runs
                       bench/million.ts; the throttling figures have their own runner, bench/throttle.ts
  --scenario a,b       only these scenarios (${SCENARIOS.join(', ')})
  --tool a,b           only these tools (${TOOLS.map((tool) => tool.id).join(', ')})
  --repeat N           runs per tool and scenario; medians are reported (default 3, 1 with --quick)
  --azurite MODE       memory (default) or disk: where Azurite keeps blobs
  --latency MS         reach Azurite through a relay adding this round-trip time to every request (default 0)
  --data DIR           where data sets are generated (default: $TMPDIR/azure-blob-sync-bench)
  --no-build           use dist/cli/index.js as it is instead of rebuilding it first
  --cli FILE           bench this bundled CLI (e.g. a copy of dist/cli) instead of dist/cli/index.js; no build
  --chart FILE         also draw the wall times as an SVG bar chart into FILE (e.g. docs/bench-quick.svg)
  --direction download a container folder into local folders instead (bench/download.ts: site and big, ours against
                       AzCopy, rclone, the SDK's own download and the service's floor); takes --dataset, --tool, --repeat, --quick,
                       --cli, --no-build`;

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const list = (value: string | undefined) => (value ? value.split(',').map((item) => item.trim()) : undefined);
const log = (line: string) => process.stderr.write(`${line}\n`);

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    dataset: { type: 'string' },
    scenario: { type: 'string' },
    tool: { type: 'string' },
    repeat: { type: 'string' },
    azurite: { type: 'string' },
    latency: { type: 'string' },
    data: { type: 'string' },
    'no-build': { type: 'boolean' },
    cli: { type: 'string' },
    direction: { type: 'string' },
    chart: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const quick = values.quick ?? false;
const repeat = Number(values.repeat ?? (quick ? 1 : 3));
const mode = (values.azurite ?? 'memory') as AzuriteMode;
if (!Number.isInteger(repeat) || repeat < 1)
  throw new Error(`--repeat must be a whole number ≥ 1, not "${values.repeat}"`);
const latencyMs = Number(values.latency ?? 0);
if (!Number.isFinite(latencyMs) || latencyMs < 0)
  throw new Error(`--latency must be a number of milliseconds ≥ 0, not "${values.latency}"`);
if (mode !== 'memory' && mode !== 'disk') throw new Error(`--azurite must be memory or disk, not "${values.azurite}"`);

if (values.direction === 'download') {
  // Downloading has its own runner: one container of the data set, many local folders. It benches the CLI built
  // first, as the upload direction does.
  if (!values['no-build'] && !values.cli) buildCli();
  const args = [
    '--import',
    'tsx',
    'bench/download.ts',
    ...process.argv
      .slice(2)
      .filter((arg) => !arg.startsWith('--direction') && arg !== 'download' && arg !== '--no-build'),
  ];
  process.exit(spawnSync(process.execPath, args, { cwd: REPO, stdio: 'inherit' }).status ?? 1);
}
if (values.direction !== undefined && values.direction !== 'upload')
  throw new Error(`--direction must be upload or download, not "${values.direction}"`);

const allSets = datasets(quick).filter((set) => !(quick && set.id === 'many5k'));
const wantedSets = list(values.dataset);
if (wantedSets?.includes('million')) {
  // A million blobs do not fit Azurite: that data set has its own runner against a simulated account.
  const args = [
    '--import',
    'tsx',
    'bench/million.ts',
    ...(values.repeat ? ['--repeat', values.repeat] : []),
    ...(values.cli ? ['--cli', values.cli] : []),
  ];
  process.exit(spawnSync(process.execPath, args, { cwd: REPO, stdio: 'inherit' }).status ?? 1);
}
const wantedScenarios = list(values.scenario) as ScenarioId[] | undefined;
const wantedTools = list(values.tool);
for (const [name, wanted, known] of [
  ['data set', wantedSets, allSets.map((set) => set.id)],
  ['scenario', wantedScenarios, SCENARIOS],
  ['tool', wantedTools, TOOLS.map((tool) => tool.id)],
] as const) {
  const unknown = wanted?.find((item) => !(known as readonly string[]).includes(item));
  if (unknown) throw new Error(`Unknown ${name} "${unknown}"; choose from ${known.join(', ')}`);
}

/**
 * Which scenarios a data set is measured in: many5k only serves as the plan-time baseline for many, deletes only as
 * the mirror whose deletes dominate (delete20 runs on it alone).
 */
function scenariosFor(dataset: string): ScenarioId[] {
  const only: Partial<Record<string, ScenarioId[]>> = { many5k: ['plan'], deletes: ['delete20'] };
  const all: ScenarioId[] = only[dataset] ?? SCENARIOS.filter((scenario) => scenario !== 'delete20');
  return all.filter(
    (scenario) =>
      (scenario !== 'hash' || dataset === 'big' || dataset === 'many') &&
      (!wantedScenarios || wantedScenarios.includes(scenario)),
  );
}

if (values.cli) useCli(values.cli);
const timeMissing = gnuTimeMissing();
if (timeMissing) throw new Error(timeMissing);
const tools = TOOLS.filter((tool) => !wantedTools || wantedTools.includes(tool.id)).filter((tool) => {
  const missing = tool.missing();
  if (missing) log(`SKIPPING ${tool.id}: ${missing}`);
  return !missing;
});

if (!values['no-build'] && !values.cli) buildCli();

const base = values.data ?? path.join(os.tmpdir(), 'azure-blob-sync-bench');
const records: RunRecord[] = [];
let containerCounter = 0;

function containerSasUrl(serviceUrl: string, container: string): string {
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

/** Puts the folder into the state the scenario starts from; returns the files to restore afterwards. */
async function mutate(folder: DatasetFolder, scenario: ScenarioId): Promise<{ changed: FileSpec[] }> {
  switch (scenario) {
    case 'mtime':
      await folder.touchAll();
      return { changed: [] };
    case 'change1': {
      const files = folder.pick(0.01, 101);
      await folder.change(files);
      return { changed: files };
    }
    case 'delete10':
    case 'delete20': {
      const files = folder.pick(scenario === 'delete10' ? 0.1 : 0.2, 1010);
      await folder.remove(files);
      return { changed: files };
    }
    default:
      return { changed: [] };
  }
}

/**
 * Scenarios after which the container is as the set-up left it (nothing uploaded, nothing deleted): the next such
 * scenario of the same tool can start from it instead of syncing the whole data set again. That matters on large
 * data sets, where Azurite takes many minutes to take in 50,000 blobs.
 */
const LEAVES_CONTAINER: readonly ScenarioId[] = ['nochange', 'mtime', 'plan'];

interface SyncedContainer {
  azurite: CountingAzurite;
  context: RunContext;
}
/** The container each tool last synced per data set, kept while scenarios leave it as it was. */
const synced = new Map<string, SyncedContainer>();

async function newContainer(folder: string): Promise<SyncedContainer> {
  const started = await startCountingAzurite(mode);
  const azurite = latencyMs > 0 ? await behindLatency(started, latencyMs) : started;
  const container = `bench-${process.pid}-${++containerCounter}`;
  const context = {
    folder,
    azurite,
    container,
    containerSasUrl: containerSasUrl(azurite.serviceUrl, container),
  } as RunContext;
  await new ContainerClient(azurite.connectionString, container).create();
  return { azurite, context };
}

/** A container in the state the scenario starts from: empty for a first sync, else synced by the tool itself. */
async function containerFor(folder: DatasetFolder, scenario: ScenarioId, tool: Tool): Promise<SyncedContainer> {
  const key = `${folder.dataset.id}:${tool.id}`;
  const kept = synced.get(key);
  synced.delete(key);
  if (kept && LEAVES_CONTAINER.includes(scenario)) return kept;
  await kept?.azurite.stop();
  const fresh = await newContainer(folder.root);
  if (scenario !== 'first') {
    const setup = tool.command(fresh.context, 'first');
    const { stdout } = await measure(setup.argv, setup.env);
    const failure = tool.verify?.(stdout);
    if (failure) {
      await fresh.azurite.stop();
      throw new Error(`${folder.dataset.id} ${scenario} ${tool.id} (set-up): ${failure}`);
    }
  }
  return fresh;
}

/** What a container holds after a first sync: the content bytes the tool sent (precompressed ones count as stored). */
async function storedBytes(context: RunContext): Promise<number> {
  const container = new ContainerClient(context.azurite.connectionString, context.container);
  let bytes = 0;
  for await (const blob of container.listBlobsFlat()) bytes += blob.properties.contentLength ?? 0;
  return bytes;
}

/** One timed run: the starting container, the mutation of the folder, the timed command. */
async function runOnce(folder: DatasetFolder, scenario: ScenarioId, tool: Tool, index: number): Promise<RunRecord> {
  const target = scenario === 'hash' ? undefined : await containerFor(folder, scenario, tool);
  const azurite = target?.azurite;
  const context = target?.context ?? ({ folder: folder.root } as RunContext);
  let keep = false;
  try {
    const { changed } = await mutate(folder, scenario);
    try {
      await azurite?.settle();
      const requestsBefore = azurite?.requests() ?? 0;
      const uploadsBefore = azurite?.uploads() ?? 0;
      const deletesBefore = azurite?.deleteRequests() ?? 0;
      const command = tool.command(context, scenario);
      const result = await measure(command.argv, command.env);
      const failure = tool.verify?.(result.stdout);
      if (failure) throw new Error(`${folder.dataset.id} ${scenario} ${tool.id}: ${failure}`);
      await azurite?.settle();
      keep = Boolean(target) && LEAVES_CONTAINER.includes(scenario);
      const storedMB = target && scenario === 'first' ? (await storedBytes(target.context)) / 1e6 : undefined;
      return {
        dataset: folder.dataset.id,
        scenario,
        tool: tool.id,
        repeat: index,
        wallS: tool.selfTimed ? Number(result.stdout.trim()) : result.wallS,
        cpuS: result.cpuS,
        peakRssMB: result.peakRssMB,
        requests: (azurite?.requests() ?? 0) - requestsBefore,
        uploaded: (azurite?.uploads() ?? 0) - uploadsBefore,
        deleteRequests: (azurite?.deleteRequests() ?? 0) - deletesBefore,
        ...(storedMB === undefined ? {} : { storedMB }),
      };
    } finally {
      if (changed.length) await folder.restore(changed);
    }
  } finally {
    if (keep && target) synced.set(`${folder.dataset.id}:${tool.id}`, target);
    else await azurite?.stop();
  }
}

const started = new Date();
const failures: string[] = [];
for (const set of allSets.filter((candidate) => !wantedSets || wantedSets.includes(candidate.id))) {
  const folder = new DatasetFolder(set, base);
  const scenarios = scenariosFor(set.id);
  if (scenarios.length === 0) continue;
  await folder.ensure(log);
  for (const scenario of scenarios) {
    const applicable = tools.filter((tool) => tool.scenarios.includes(scenario));
    // Tools take turns within each repeat, so drift in the machine's speed hits them alike.
    for (let index = 1; index <= repeat; index++) {
      for (const tool of applicable) {
        // A failed run is reported at the end instead of throwing away an hour of measurements.
        const record = await runOnce(folder, scenario, tool, index).catch((error: Error) => {
          failures.push(`${set.id} ${scenario} ${tool.id} #${index}: ${error.message}`);
          log(`FAILED ${failures.at(-1)}`);
        });
        if (!record) continue;
        records.push(record);
        log(
          `${set.id} ${scenario} ${tool.id} #${index}: ${record.wallS.toFixed(2)} s wall, ${record.cpuS.toFixed(2)} s CPU, ${Math.round(record.peakRssMB)} MB, ${record.requests} requests, ${record.uploaded} uploaded, ${record.deleteRequests} delete requests`,
        );
      }
    }
  }
}

for (const kept of synced.values()) await kept.azurite.stop();

const bytes = new Map(allSets.map((set) => [set.id, set.files.reduce((sum, file) => sum + file.size, 0)]));
const rows = summarize(records, baselineFor, (id) => bytes.get(id) ?? 0);
const machine = {
  cpus: os.availableParallelism(),
  cpuModel: os.cpus()[0]?.model,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  azurite: `3.35.0 on loopback, ${mode === 'memory' ? 'in memory' : 'on disk'}${latencyMs ? `, ${latencyMs} ms round trip added` : ''}`,
};
const output = {
  started: started.toISOString(),
  finished: new Date().toISOString(),
  machine,
  options: { quick, repeat, azurite: mode, latencyMs, cli: values.cli },
  headCommit: spawnSync('git', ['rev-parse', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).stdout?.trim(),
  datasets: allSets.map((set) => ({
    id: set.id,
    description: set.description,
    files: set.files.length,
    bytes: bytes.get(set.id),
  })),
  scenarios: SCENARIO_TEXT,
  rows,
  records,
  failures,
};
await mkdir(path.join(REPO, 'bench', 'results'), { recursive: true });
const file = path.join(REPO, 'bench', 'results', `bench-${started.toISOString().replace(/[:.]/g, '-')}.json`);
await writeFile(file, `${JSON.stringify(output, null, 2)}\n`);
if (values.chart) {
  await writeFile(
    path.resolve(values.chart),
    benchChartSvg(
      output,
      TOOLS.map((tool) => tool.id),
    ),
  );
  log(`chart: ${values.chart}`);
}
process.stdout.write(
  `\n${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, Azurite ${machine.azurite}; medians of ${repeat} run(s)\n\n${markdownTable(rows)}\n\nJSON: ${path.relative(process.cwd(), file)}\n`,
);
if (failures.length > 0) {
  process.stderr.write(`\n${failures.length} run(s) failed:\n${failures.join('\n')}\n`);
  process.exitCode = 1;
}

function buildCli(): void {
  log('building dist/cli/index.js');
  const build = spawnSync(process.execPath, ['scripts/build.mjs', 'cli'], { cwd: REPO, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
}
