// Size against CPU for each brotli quality (and gzip levels) over the text files of the mixed data set: the
// measurement behind BROTLI_QUALITY in src/engine/transfer/encode.ts. `npm run bench:compress-levels`; not a test.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';
import { DatasetFolder, datasets } from './datasets.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    folder: { type: 'string' },
    quick: { type: 'boolean' },
    repeat: { type: 'string' },
  },
});
const log = (line: string) => process.stderr.write(`${line}\n`);
const TEXT = /\.(html?|css|m?js|json|svg|txt|xml|map)$/i;

async function textFiles(): Promise<{ label: string; files: Buffer[] }> {
  if (values.folder) {
    const names = (await fs.readdir(values.folder, { recursive: true })).filter((name) => TEXT.test(name));
    const files: Buffer[] = [];
    for (const name of names) {
      const full = path.join(values.folder, name);
      if ((await fs.stat(full)).isFile()) files.push(await fs.readFile(full));
    }
    return { label: values.folder, files };
  }
  const mixed = datasets(values.quick ?? false).find((set) => set.id === 'mixed')!;
  const folder = new DatasetFolder(mixed, values.data ?? path.join(os.tmpdir(), 'azure-blob-sync-bench'));
  await folder.ensure(log);
  const specs = mixed.files.filter((file) => file.text);
  const files = await Promise.all(specs.map((file) => fs.readFile(path.join(folder.root, file.name))));
  return { label: `mixed data set: its ${files.length} pages, styles and scripts`, files };
}

interface Setting {
  name: string;
  encode(body: Buffer): Buffer;
}
const brotli = (quality: number): Setting => ({
  name: `br q${quality}`,
  encode: (body) =>
    zlib.brotliCompressSync(body, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
        [zlib.constants.BROTLI_PARAM_LGWIN]: 22,
        [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_GENERIC,
      },
    }),
});
const gzip = (level: number): Setting => ({ name: `gzip -${level}`, encode: (body) => zlib.gzipSync(body, { level }) });
const SETTINGS = [gzip(6), gzip(9), ...[4, 5, 6, 7, 8, 9, 10, 11].map(brotli)];

/** CPU seconds of this thread's process for one pass over every file (the encoders are synchronous here). */
function cpuSeconds(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

const { label, files } = await textFiles();
const repeat = Number(values.repeat ?? 3);
const input = files.reduce((sum, file) => sum + file.length, 0);
log(`${label}: ${(input / 1e6).toFixed(1)} MB in ${files.length} files, ${repeat} pass(es) per setting`);
const results = SETTINGS.map((setting) => {
  let output = 0;
  const times: number[] = [];
  for (let pass = 0; pass < repeat; pass++) {
    output = 0;
    times.push(cpuSeconds(() => files.forEach((file) => (output += setting.encode(file).length))));
  }
  const cpu = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  log(`${setting.name}: ${output} bytes, ${cpu.toFixed(2)} s CPU`);
  return { name: setting.name, output, cpu };
});
const best = Math.min(...results.map((result) => result.output));
const lines = [
  `${label}: ${(input / 1e6).toFixed(1)} MB; ${os.cpus()[0]?.model}, Node ${process.version}, median CPU of ${repeat}`,
  '',
  '| setting | stored MB | stored / file | vs smallest | CPU s | MB/s of input |',
  '|---|--:|--:|--:|--:|--:|',
  ...results.map(
    (r) =>
      `| ${r.name} | ${(r.output / 1e6).toFixed(2)} | ${((100 * r.output) / input).toFixed(1)} % | +${((100 * (r.output - best)) / best).toFixed(1)} % | ${r.cpu.toFixed(2)} | ${(input / 1e6 / r.cpu).toFixed(1)} |`,
  ),
];
process.stdout.write(`${lines.join('\n')}\n`);
