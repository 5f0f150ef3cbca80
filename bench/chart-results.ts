// Draws the chart of a bench run already made:
//   node --import tsx bench/chart-results.ts bench/results/<run>.json docs/<name>.svg
import { readFile, writeFile } from 'node:fs/promises';
import { benchChartSvg, type BenchOutput } from './chart.js';
import { TOOLS } from './tools.js';

const [results, svg] = process.argv.slice(2);
if (!results || !svg) {
  process.stderr.write('Usage: node --import tsx bench/chart-results.ts <bench/results/….json> <chart.svg>\n');
  process.exit(2);
}
const output = JSON.parse(await readFile(results, 'utf8')) as BenchOutput;
await writeFile(
  svg,
  benchChartSvg(
    output,
    TOOLS.map((tool) => tool.id),
  ),
);
process.stderr.write(`chart: ${svg}\n`);
