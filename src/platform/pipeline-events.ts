import type { DeleteDecision, FileResult, Plan, Progress } from '../engine/types.js';
import {
  deleteDecisionLine,
  fileLine,
  planLine,
  plannedChangeLines,
  progressLine,
  progressShare,
} from '../report/lines.js';
import { logSafe } from '../report/log-safe.js';
import type { RunEvents } from './run.js';

/** A CI log's idioms, as the runner and the agent each spell them. */
export interface PipelineLog {
  info(line: string): void;
  debug(line: string): void;
  /** An annotation (GitHub) or issue (Azure DevOps) that the run's page shows. */
  warning(message: string): void;
  startGroup(title: string): void;
  endGroup(): void;
  /** The run's progress indicator outside the log (the agent's timeline), when the platform has one. */
  progress?(percent: number, text: string): void;
}

/** Progress lines in the log come at most this often; short runs print none. */
const LOG_PROGRESS_INTERVAL_MS = 5_000;
/** A progress indicator outside the log is refreshed at most this often. */
const INDICATOR_INTERVAL_MS = 2_000;

/**
 * Turns engine events into a CI log: one line per change inside a collapsible group, unchanged files at debug level,
 * warnings as annotations, a progress line every few seconds on long runs (and the platform's progress indicator).
 */
export function pipelineEvents(log: PipelineLog, dryRun: boolean, clock: () => number = Date.now): RunEvents {
  // Lines hold file and blob names: none may read as a command to the runner or the agent (see log-safe.ts).
  const info = (line: string) => log.info(logSafe(line));
  const started = clock();
  let lastLine = started;
  let lastIndicator = -Infinity;
  let grouped = false;
  const openGroup = (title: string) => {
    if (grouped) return;
    log.startGroup(title);
    grouped = true;
  };

  return {
    plan(plan: Plan) {
      info(planLine(plan));
      // A real run opens its group with the first changed file, so a run stopped by a guard shows no empty group.
      const planned = dryRun ? plannedChangeLines(plan) : [];
      if (planned.length === 0) return;
      openGroup('Changes a real run would make');
      planned.forEach((line) => info(line));
    },
    guard(decision: DeleteDecision) {
      // A refusal is the run's error, which says the same.
      if (decision.verdict !== 'refused') info(deleteDecisionLine(decision));
    },
    file(result: FileResult) {
      if (result.action === 'skipped') {
        log.debug(`unchanged ${result.name}`);
        return;
      }
      openGroup('Changed files');
      info(fileLine(result));
    },
    warning(message: string) {
      log.warning(message);
    },
    detail(message: string) {
      log.debug(message);
    },
    progress(progress: Progress) {
      if (progress.total === 0) return;
      const now = clock();
      const finished = progress.done === progress.total;
      if (log.progress && (finished || now - lastIndicator >= INDICATOR_INTERVAL_MS)) {
        lastIndicator = now;
        log.progress(Math.floor(progressShare(progress) * 100), `${progress.phase} ${progress.done}/${progress.total}`);
      }
      if (finished || now - lastLine < LOG_PROGRESS_INTERVAL_MS) return;
      lastLine = now;
      info(progressLine(progress, now - started));
    },
    finish() {
      if (grouped) log.endGroup();
      grouped = false;
    },
  };
}
