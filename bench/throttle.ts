// The throttling figures: a first sync of the site data set behind a proxy that answers 503 ServerBusy whenever more
// than 16 requests are in flight (bench/busy-proxy.ts), our CLI with concurrency auto against --concurrency 16 set by
// hand, and the peers at the 64 transfers the main bench gives them. Each run gets a fresh Azurite. Reports medians of
// wall time, requests and busy answers. Usage: npm run bench:throttle -- [--quick] [--repeat N] [--latency MS]
// [--limit N] [--tool a,b] [--cli FILE] [--no-build]
import { spawnSync } from 'node:child_process';
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
import { startCountingAzurite } from './azurite.js';
import { behindBusyProxy } from './busy-proxy.js';
import { DatasetFolder, datasets } from './datasets.js';
import { behindLatency } from './latency-proxy.js';
import { gnuTimeMissing, measure } from './measure.js';
import { median } from './report.js';
import { type Command, type RunContext, TOOLS, useCli } from './tools.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const log = (line: string) => process.stderr.write(`${line}\n`);

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    repeat: { type: 'string' },
    latency: { type: 'string' },
    limit: { type: 'string' },
    tool: { type: 'string' },
    data: { type: 'string' },
    cli: { type: 'string' },
    'no-build': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(`npm run bench:throttle -- [options]

  --quick          the small site data set, one run
  --repeat N       runs per variant; medians are reported (default 5, 1 with --quick)
  --latency MS     a round trip added to every request, as between a runner and another region
  --limit N        requests in flight above which the proxy answers 503 ServerBusy (default 16)
  --tool a,b       only these variants (ours-auto, ours-N, rclone, azcopy)
  --data DIR       where data sets are generated
  --cli FILE       bench this bundled CLI instead of dist/cli/index.js
  --no-build       use dist/cli/index.js as it is
`);
  process.exit(0);
}
const quick = values.quick ?? false;
const repeat = Number(values.repeat ?? (quick ? 1 : 5));
const latencyMs = Number(values.latency ?? 0);
const limit = Number(values.limit ?? 16);
if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a whole number ≥ 1`);
if (!Number.isFinite(latencyMs) || latencyMs < 0) throw new Error(`--latency must be milliseconds ≥ 0`);
if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit must be a whole number ≥ 1`);

/** A variant under test: a tool of the main bench, with flags of its own. */
interface Variant {
  id: string;
  command(context: RunContext): Command;
  verify?(stdout: string): string | undefined;
  missing(): string | undefined;
}
const tool = (id: string) => TOOLS.find((candidate) => candidate.id === id)!;
const withFlags = (id: string, base: string, flags: string[]): Variant => ({
  id,
  missing: () => tool(base).missing(),
  verify: tool(base).verify,
  command: (context) => {
    const command = tool(base).command(context, 'first');
    return { ...command, argv: [...command.argv, ...flags] };
  },
});
const VARIANTS: Variant[] = [
  withFlags('ours-auto', 'ours', []),
  withFlags(`ours-${limit}`, 'ours', ['--concurrency', String(limit)]),
  withFlags('rclone', 'rclone', []),
  withFlags('azcopy', 'azcopy', []),
];

if (values.cli) useCli(values.cli);
const timeMissing = gnuTimeMissing();
if (timeMissing) throw new Error(timeMissing);
const wanted = values.tool?.split(',').map((id) => id.trim());
const variants = VARIANTS.filter((variant) => !wanted || wanted.includes(variant.id)).filter((variant) => {
  const missing = variant.missing();
  if (missing) log(`SKIPPING ${variant.id}: ${missing}`);
  return !missing;
});
if (!values['no-build'] && !values.cli) {
  log('building dist/cli/index.js');
  const build = spawnSync(process.execPath, ['scripts/build.mjs', 'cli'], { cwd: REPO, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
}

const set = datasets(quick).find((candidate) => candidate.id === 'site')!;
const folder = new DatasetFolder(set, values.data ?? path.join(os.tmpdir(), 'azure-blob-sync-bench'));
await folder.ensure(log);

interface Run {
  wallS: number;
  requests: number;
  busy: number;
  blobs: number;
}

async function runOnce(variant: Variant, index: number): Promise<Run> {
  const started = await startCountingAzurite('memory');
  const relayed = latencyMs > 0 ? await behindLatency(started, latencyMs) : started;
  const azurite = await behindBusyProxy(relayed, limit);
  try {
    const container = `throttle-${process.pid}-${index}`;
    const client = new ContainerClient(relayed.connectionString, container);
    await client.create();
    const sas = generateBlobSASQueryParameters(
      {
        containerName: container,
        permissions: ContainerSASPermissions.parse('racwdl'),
        expiresOn: new Date(Date.now() + 24 * 3600_000),
      },
      new StorageSharedKeyCredential(DEV_ACCOUNT.name, DEV_ACCOUNT.key),
    );
    const context = {
      folder: folder.root,
      azurite,
      container,
      containerSasUrl: `${azurite.serviceUrl}/${container}?${sas.toString()}`,
    };
    const command = variant.command(context);
    const result = await measure(command.argv, command.env);
    const failure = variant.verify?.(result.stdout);
    if (failure) throw new Error(`${variant.id}: ${failure}`);
    let blobs = 0;
    for await (const _blob of client.listBlobsFlat()) blobs++;
    if (blobs !== set.files.length) throw new Error(`${variant.id}: ${blobs} of ${set.files.length} blobs arrived`);
    return { wallS: result.wallS, requests: azurite.proxy.requests(), busy: azurite.proxy.busy(), blobs };
  } finally {
    await azurite.stop();
  }
}

const runs = new Map<string, Run[]>(variants.map((variant) => [variant.id, []]));
let counter = 0;
for (let index = 1; index <= repeat; index++) {
  // Variants take turns within each repeat, so drift in the machine's speed hits them alike.
  for (const variant of variants) {
    const run = await runOnce(variant, ++counter);
    runs.get(variant.id)!.push(run);
    log(
      `${variant.id} #${index}: ${run.wallS.toFixed(2)} s, ${run.requests} requests, ${run.busy} busy (${((100 * run.busy) / run.requests).toFixed(1)} %)`,
    );
  }
}

const baseline = median(runs.get(`ours-${limit}`)?.map((run) => run.wallS) ?? [Number.NaN]);
const lines = [
  `| tool | wall s | requests | answered busy | busy share | wall / ours-${limit} |`,
  '|---|--:|--:|--:|--:|--:|',
];
for (const [id, list] of runs) {
  const wall = median(list.map((run) => run.wallS));
  const requests = median(list.map((run) => run.requests));
  const busy = median(list.map((run) => run.busy));
  const share = median(list.map((run) => run.busy / run.requests));
  lines.push(
    `| ${id} | ${wall.toFixed(2)} | ${requests} | ${busy} | ${(100 * share).toFixed(1)} % | ${(wall / baseline).toFixed(2)} |`,
  );
}
process.stdout.write(
  `\nfirst sync of ${set.description} behind a service that answers 503 ServerBusy above ${limit} requests in flight` +
    `${latencyMs ? `, ${latencyMs} ms round trip added` : ''}; medians of ${repeat} run(s) on ${os.availableParallelism()} cores\n\n${lines.join('\n')}\n`,
);
