import type { ScenarioId } from './tools.js';

/** One timed run of one tool. */
export interface RunRecord {
  dataset: string;
  scenario: ScenarioId;
  tool: string;
  repeat: number;
  wallS: number;
  cpuS: number;
  peakRssMB: number;
  requests: number;
  uploaded: number;
  /** Delete Blob and Blob Batch requests (a batch deletes up to 256); absent in results saved before they were counted. */
  deleteRequests?: number;
  /** After a first sync: the bytes the container holds, i.e. the content the tool sent (MB). */
  storedMB?: number;
}

/** Medians over the repeats of one tool in one dataset and scenario. */
export interface Row {
  dataset: string;
  scenario: ScenarioId;
  tool: string;
  runs: number;
  wallS: number;
  cpuS: number;
  peakRssMB: number;
  requests: number;
  uploaded: number;
  deleteRequests?: number;
  storedMB?: number;
  /** Our median wall time divided by this tool's (below 1: we are faster). */
  oursOverTool?: number;
  /** MB/s over the data set's bytes (hash scenario). */
  throughputMBs?: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function summarize(
  records: readonly RunRecord[],
  baseline: (scenario: ScenarioId) => string,
  bytesOf: (dataset: string) => number,
): Row[] {
  const groups = new Map<string, RunRecord[]>();
  for (const record of records) {
    const key = `${record.dataset}\u0000${record.scenario}\u0000${record.tool}`;
    groups.set(key, [...(groups.get(key) ?? []), record]);
  }
  const rows: Row[] = [...groups.values()].map((group) => {
    const first = group[0]!;
    const pick = (field: 'wallS' | 'cpuS' | 'peakRssMB' | 'requests' | 'uploaded' | 'deleteRequests') =>
      median(group.map((record) => record[field] ?? 0));
    const row: Row = {
      dataset: first.dataset,
      scenario: first.scenario,
      tool: first.tool,
      runs: group.length,
      wallS: pick('wallS'),
      cpuS: pick('cpuS'),
      peakRssMB: pick('peakRssMB'),
      requests: pick('requests'),
      uploaded: pick('uploaded'),
      deleteRequests: pick('deleteRequests'),
    };
    if (first.scenario === 'hash') row.throughputMBs = bytesOf(first.dataset) / 1e6 / row.wallS;
    const stored = group.flatMap((record) => (record.storedMB === undefined ? [] : [record.storedMB]));
    if (stored.length > 0) row.storedMB = median(stored);
    return row;
  });
  for (const row of rows) {
    const ours = rows.find(
      (other) =>
        other.dataset === row.dataset && other.scenario === row.scenario && other.tool === baseline(row.scenario),
    );
    if (ours) row.oursOverTool = ours.wallS / row.wallS;
  }
  return rows;
}

/** A Markdown table, readable in a terminal and ready for the README. */
export function markdownTable(rows: readonly Row[]): string {
  const header =
    '| data set | scenario | tool | wall s | CPU s | peak RSS MB | requests | uploaded | delete requests | ours / tool | stored MB |';
  const lines = [header, '|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|'];
  for (const row of rows) {
    const extra = row.throughputMBs ? ` (${Math.round(row.throughputMBs)} MB/s)` : '';
    lines.push(
      `| ${row.dataset} | ${row.scenario} | ${row.tool} | ${row.wallS.toFixed(2)}${extra} | ${row.cpuS.toFixed(2)} | ${Math.round(row.peakRssMB)} | ${row.requests} | ${row.uploaded} | ${row.deleteRequests ?? ''} | ${row.oursOverTool === undefined ? '' : row.oursOverTool.toFixed(2)} | ${row.storedMB === undefined ? '' : row.storedMB.toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}
