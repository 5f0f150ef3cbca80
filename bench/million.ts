// The `million` data set: a re-sync with nothing changed of 100,000 and 1,000,000 small local files against a
// simulated account that serves the matching listing (bench/sim-account.ts). Reports wall time, CPU and peak RSS of
// the bundled CLI, the median of --repeat runs. Usage: node --import tsx bench/million.ts [--sizes 100000,1000000]
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { measure } from './measure.js';
import { type SimBlob, startSimAccount } from './sim-account.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string' },
    repeat: { type: 'string' },
    data: { type: 'string' },
    cli: { type: 'string' },
  },
});
const sizes = (values.sizes ?? '100000,1000000').split(',').map(Number);
const repeat = Number(values.repeat ?? 3);
const base = values.data ?? path.join(os.tmpdir(), 'azure-blob-sync-bench');
const cli = path.resolve(values.cli ?? 'dist/cli/index.js');

const FILES_PER_FOLDER = 1000;
const contentOf = (i: number) => `file ${i}\n`;
const nameOf = (i: number) => `d${String(Math.floor(i / FILES_PER_FOLDER)).padStart(4, '0')}/f${i}.txt`;

/** Writes the files once; a marker records how many, so later runs reuse them. */
function ensureFiles(count: number): string {
  const root = path.join(base, `million-${count}`);
  const marker = `${root}.done`;
  if (existsSync(marker) && readFileSync(marker, 'utf8') === String(count)) return root;
  console.error(`writing ${count.toLocaleString('en')} files under ${root} (once)`);
  for (let i = 0; i < count; i++) {
    if (i % FILES_PER_FOLDER === 0) mkdirSync(path.join(root, path.dirname(nameOf(i))), { recursive: true });
    writeFileSync(path.join(root, nameOf(i)), contentOf(i));
  }
  writeFileSync(marker, String(count));
  return root;
}

function listingFor(count: number): SimBlob[] {
  return Array.from({ length: count }, (_, i) => {
    const content = contentOf(i);
    return {
      name: nameOf(i),
      size: Buffer.byteLength(content),
      md5: createHash('md5').update(content).digest('base64'),
      contentType: 'text/plain; charset=utf-8',
    };
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows: string[] = [];
for (const count of sizes) {
  const root = ensureFiles(count);
  const account = await startSimAccount(listingFor(count));
  const runs: { wallS: number; cpuS: number; peakRssMB: number }[] = [];
  try {
    for (let i = 1; i <= repeat; i++) {
      const result = await measure([process.execPath, cli, root, account.containerUrl, '--json', '--quiet']);
      const summary = JSON.parse(result.stdout) as { skipped: number; uploaded: number; failed: number };
      if (summary.skipped !== count || summary.uploaded + summary.failed > 0) {
        throw new Error(`expected ${count} skipped, got ${JSON.stringify(summary)}`);
      }
      runs.push(result);
      console.error(
        `${count} #${i}: ${result.wallS.toFixed(2)} s wall, ${result.cpuS.toFixed(2)} s CPU, ${Math.round(result.peakRssMB)} MB`,
      );
    }
  } finally {
    await account.stop();
  }
  const row = {
    wall: median(runs.map((r) => r.wallS)),
    cpu: median(runs.map((r) => r.cpuS)),
    rss: median(runs.map((r) => r.peakRssMB)),
  };
  rows.push(
    `| ${count.toLocaleString('en')} | ${row.wall.toFixed(1)} | ${row.cpu.toFixed(1)} | ${Math.round(row.rss)} | ${Math.round((row.rss * 1024 * 1024) / count)} |`,
  );
}
console.log(`\nre-sync, nothing changed; medians of ${repeat} run(s) on ${os.availableParallelism()} cores\n`);
console.log('| files | wall s | CPU s | peak RSS MB | bytes/file |\n|--:|--:|--:|--:|--:|');
console.log(rows.join('\n'));
