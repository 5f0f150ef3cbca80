// A horizontal bar chart of the bench's results, as SVG text: one group of bars per data set and scenario, each bar a
// tool's median wall time, ours drawn in its own colour. Plain SVG needs no charting library and renders on GitHub.
import type { Row } from './report.js';

export interface Bar {
  label: string;
  /** Seconds (or any non-negative quantity); the bar's length is its share of the group's longest. */
  value: number;
  ours: boolean;
}

export interface BarGroup {
  title: string;
  bars: Bar[];
}

export interface ChartText {
  title: string;
  /** A line under the title: the machine, the date, how many runs each value is the median of. */
  subtitle: string;
  /** How a value is written after its bar, e.g. `(v) => \`${v.toFixed(2)} s\``. */
  format(value: number): string;
}

const WIDTH = 760;
const LABEL_WIDTH = 170;
const VALUE_WIDTH = 90;
const BAR_HEIGHT = 14;
const BAR_GAP = 4;
const GROUP_TITLE = 22;
const GROUP_GAP = 10;
const HEADER = 58;
const OURS = '#0b6bcb';
const PEER = '#9aa4b1';

/** Text as it may stand inside an SVG element or attribute. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`);
}

/**
 * The chart. Each group has its own scale (a first sync of 5,000 files and a re-sync differ a hundredfold), so bars
 * compare tools within a group, never across groups.
 */
export function barChartSvg(groups: readonly BarGroup[], text: ChartText): string {
  for (const group of groups)
    for (const bar of group.bars)
      if (!Number.isFinite(bar.value) || bar.value < 0)
        throw new Error(`"${group.title}": the value of ${bar.label} is ${bar.value}, not a number ≥ 0`);
  const barSpace = WIDTH - LABEL_WIDTH - VALUE_WIDTH - 20;
  const parts: string[] = [];
  let y = HEADER;
  for (const group of groups) {
    parts.push(`<text x="10" y="${y + 16}" class="group">${escapeXml(group.title)}</text>`);
    y += GROUP_TITLE;
    const longest = Math.max(...group.bars.map((bar) => bar.value));
    for (const bar of group.bars) {
      const length = longest > 0 ? (bar.value / longest) * barSpace : 0;
      const middle = y + BAR_HEIGHT / 2 + 4;
      parts.push(
        `<text x="${LABEL_WIDTH - 8}" y="${middle}" text-anchor="end"${bar.ours ? ' class="ours"' : ''}>${escapeXml(bar.label)}</text>`,
        `<rect x="${LABEL_WIDTH}" y="${y}" width="${length.toFixed(1)}" height="${BAR_HEIGHT}" fill="${bar.ours ? OURS : PEER}"/>`,
        `<text x="${(LABEL_WIDTH + length + 6).toFixed(1)}" y="${middle}">${escapeXml(text.format(bar.value))}</text>`,
      );
      y += BAR_HEIGHT + BAR_GAP;
    }
    y += GROUP_GAP;
  }
  const height = y + 6;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="chart-title">`,
    `<title id="chart-title">${escapeXml(text.title)}</title>`,
    '<style>text{font:13px -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;fill:#24292f}' +
      '.title{font-size:16px;font-weight:600}.group{font-weight:600}.ours{font-weight:600}.sub{fill:#57606a}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="24" class="title">${escapeXml(text.title)}</text>`,
    `<text x="10" y="44" class="sub">${escapeXml(text.subtitle)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * The groups of a bench run: every data set and scenario that ours and a peer ran, ours first, then the peers in the
 * order given (the bench's tool order), each bar a median wall time. Our variants (`ours-compress`) are not peers.
 */
export function benchGroups(
  rows: readonly Row[],
  toolOrder: readonly string[],
  describe: (row: Row) => string,
  ours = 'ours',
): BarGroup[] {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    if (row.scenario === 'hash' || row.scenario === 'plan') continue; // ours alone, or against md5sum: no peers
    if (row.tool !== ours && row.tool.startsWith(`${ours}-`)) continue;
    const key = `${row.dataset}\u0000${row.scenario}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const rank = (tool: string) => (tool === ours ? -1 : toolOrder.indexOf(tool));
  return [...groups.values()]
    .filter((group) => group.length > 1 && group.some((row) => row.tool === ours))
    .map((group) => ({
      title: describe(group[0]!),
      bars: [...group]
        .sort((a, b) => rank(a.tool) - rank(b.tool))
        .map((row) => ({ label: row.tool, value: row.wallS, ours: row.tool === ours })),
    }));
}

/** What a bench run writes to bench/results/*.json, as far as the chart reads it. */
export interface BenchOutput {
  started: string;
  machine: { cpus: number; cpuModel?: string; node: string; azurite: string };
  options: { repeat: number };
  datasets: { id: string; description: string }[];
  scenarios: Record<string, string>;
  rows: Row[];
}

/** The chart of one bench run: its wall times, titled with the date, the machine and the number of runs. */
export function benchChartSvg(output: BenchOutput, toolOrder: readonly string[]): string {
  const sets = new Map(output.datasets.map((set) => [set.id, set.description]));
  const { machine } = output;
  return barChartSvg(
    benchGroups(
      output.rows,
      toolOrder,
      (row) => `${row.dataset} (${sets.get(row.dataset)}): ${output.scenarios[row.scenario] ?? row.scenario}`,
    ),
    {
      title: 'Wall time of one sync, ours against the peers (shorter is faster)',
      subtitle: `${output.started.slice(0, 10)}, ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}, Azurite ${machine.azurite}; medians of ${output.options.repeat}`,
      format: (seconds) => `${seconds.toFixed(2)} s`,
    },
  );
}
