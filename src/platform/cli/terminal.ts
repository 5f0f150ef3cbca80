import type { DeleteDecision, FileResult, HashStats, Progress, SyncEvents } from '../../engine/types.js';
import { deleteDecisionLine } from '../../report/lines.js';
import { logSafe } from '../../report/log-safe.js';
import { formatBytes, formatRate } from '../../report/format.js';

export interface TerminalOptions {
  /** Where logs go: stdout normally, stderr when stdout carries JSON. */
  log: NodeJS.WritableStream;
  /** Progress bar on a TTY, plain lines elsewhere. */
  tty: boolean;
  verbose: boolean;
  quiet: boolean;
}

/** Plain progress lines on a non-TTY come at most this often. */
const PLAIN_PROGRESS_INTERVAL_MS = 5_000;
const BAR_REFRESH_MS = 100;

/** Turns engine events into terminal output: one line per change, a progress bar or periodic progress lines. */
export function terminalEvents(options: TerminalOptions): SyncEvents & { finish(): void } {
  const { log, tty } = options;
  const started = Date.now();
  // The first plain progress line comes after one interval: short runs need none.
  let lastDraw = started;
  let barShown = false;

  const clearBar = () => {
    if (barShown) log.write('\r\x1b[2K');
    barShown = false;
  };
  const line = (text: string) => {
    clearBar();
    log.write(`${logSafe(text)}\n`);
  };

  return {
    file(result: FileResult) {
      if (options.quiet) return;
      if (result.action === 'skipped' && !options.verbose) return;
      line(fileLine(result));
    },
    guard(decision: DeleteDecision) {
      // A refusal is the run's error, which says the same.
      if (!options.quiet && decision.verdict !== 'refused') line(deleteDecisionLine(decision));
    },
    hashed(stats: HashStats) {
      if (options.verbose && stats.files > 0) line(hashLine(stats));
    },
    warning(message: string) {
      line(`warning: ${message}`);
    },
    detail(message: string) {
      if (options.verbose && !options.quiet) line(message);
    },
    progress(progress: Progress) {
      if (options.quiet || progress.total === 0) return;
      const now = Date.now();
      const finished = progress.done === progress.total;
      if (tty) {
        if (now - lastDraw < BAR_REFRESH_MS && !finished) return;
        lastDraw = now;
        clearBar();
        log.write(progressText(progress, now - started, true));
        barShown = true;
      } else if (now - lastDraw >= PLAIN_PROGRESS_INTERVAL_MS && !finished) {
        lastDraw = now;
        line(progressText(progress, now - started, false));
      }
    },
    finish: clearBar,
  };
}

const SYMBOLS: Record<FileResult['action'], string> = {
  uploaded: '+',
  updated: '~',
  skipped: '=',
  deleted: '-',
  failed: '!',
  copied: '+',
  downloaded: '+',
};

function fileLine(result: FileResult): string {
  const detail =
    result.action === 'failed'
      ? `: ${result.reason}`
      : result.action === 'uploaded' || result.action === 'copied' || result.action === 'downloaded'
        ? ` (${formatBytes(result.bytes)}${result.reason ? `, ${result.reason}` : ''})`
        : '';
  return `${SYMBOLS[result.action]} ${result.action.padEnd(8)} ${result.name}${detail}`;
}

function hashLine(stats: HashStats): string {
  const where = stats.workers > 0 ? `${stats.workers} worker thread${stats.workers > 1 ? 's' : ''}` : 'the main thread';
  return `hashed ${stats.files} local file(s), ${formatBytes(stats.bytes)}, in ${(stats.durationMs / 1000).toFixed(2)} s on ${where}`;
}

function progressText(p: Progress, elapsedMs: number, bar: boolean): string {
  const share = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.total > 0 ? p.done / p.total : 1;
  const rate = elapsedMs > 0 ? (p.bytesDone * 1000) / elapsedMs : 0;
  const text = `${p.phase} ${p.done}/${p.total} files, ${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)} (${formatRate(rate)})`;
  if (!bar) return `${Math.floor(share * 100)}% ${text}`;
  const width = 24;
  const filled = Math.round(share * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ${text}`;
}
