import os from 'node:os';
import pLimit from 'p-limit';
import { failureReason, isRefused, PERMISSION_HINT } from './failures.js';
import { AuthError } from './errors.js';
import { enforceDeleteDecision, guardEmptySource, weighDeletes } from './guards/deletes.js';
import type { DestinationFile } from './local/local-destination.js';
import { localPathProblem, pathClashes } from './names/local-path.js';
import { filesToHash, planDownload } from './plan/download-plan.js';
import { PathFilter } from './plan/path-filter.js';
import { inShard } from './plan/shard.js';
import type { FolderDestination, FolderListing } from './ports/folder.js';
import type { SourceListing, SyncSource } from './ports/source.js';
import { SummaryBuilder } from './summary.js';
import { limitFor } from './transfer/adaptive-limit.js';
import { BandwidthCap } from './transfer/bandwidth.js';
import { ByteBudget } from './transfer/budget.js';
import { downloadOne } from './transfer/download-file.js';
import { Md5Workers } from './transfer/md5-workers.js';
import { ProgressCounter } from './transfer/progress.js';
import type { FileResult, Plan, RemoteBlob, SyncEvents, SyncOptions, SyncSummary } from './types.js';

const MiB = 1024 * 1024;
/** Memory for the ranged reads of every file in flight (see ByteBudget). */
const BUFFER_BUDGET = 96 * MiB;

export interface DownloadEnds {
  /** A container folder, read by ranged, ETag-conditional reads. */
  source: SyncSource<RemoteBlob>;
  /** The local folder. */
  destination: FolderDestination<DestinationFile>;
}

/**
 * Makes a local folder match a container folder: the other direction of `sync`, in the same phases. List both (the
 * container's blobs and the folder's files), check every blob name as a local path, hash the files whose blob has an
 * MD5 of their size, plan, guard, download, then delete local extras only if every download succeeded.
 */
export async function download(
  options: SyncOptions,
  ends: DownloadEnds,
  events: SyncEvents = {},
): Promise<SyncSummary> {
  const { source, destination } = ends;
  const summary = new SummaryBuilder();
  const filter = new PathFilter(options.include, options.exclude);
  const record = (result: FileResult) => {
    summary.record(result);
    events.file?.(result);
  };
  try {
    events.phase?.('list');
    const [listed, local] = await Promise.all([source.list(filter), destination.list(filter)]);
    listed.warnings.forEach((warning) => events.warning?.(warning));
    local.warnings.forEach((warning) => events.warning?.(warning));
    const emptyWarning = guardEmptySource(listed, options);
    if (emptyWarning) events.warning?.(emptyWarning);
    const blobs = writableBlobs(listed, local, destination.root, options, record);
    const folders = blobs.filter((blob) => blob.folder);
    const files = blobs.filter((blob) => !blob.folder);

    events.phase?.('hash');
    const inScope = (name: string) => filter.matches(name) && inShard(name, options.shard);
    const byName = new Map(local.files.filter((file) => inScope(file.name)).map((file) => [file.name, file]));
    const unreadable = await destination.hash(
      filesToHash(files, byName, options.compare) as DestinationFile[],
      (stats) => events.hashed?.(stats),
    );
    for (const problem of local.problems)
      record({ action: 'failed', name: problem.name, bytes: 0, reason: problem.reason });
    for (const [file, reason] of unreadable) {
      record({ action: 'failed', name: file.name, bytes: 0, reason: `cannot read the local file: ${reason}` });
      byName.delete(file.name);
    }

    events.phase?.('plan');
    const plan = planDownload(files, byName, {
      compare: options.compare,
      deleteDestination: options.deleteDestination,
      inScope,
    });
    events.plan?.(plan);
    const guard = plan.delete.length > 0 ? weighDeletes(plan, options) : undefined;
    if (guard) {
      events.guard?.(guard);
      enforceDeleteDecision(guard);
    }

    let deletesSkipped: string | undefined;
    const blocked = () =>
      `${summary.failedCount} file(s) failed, so none of the ${plan.delete.length} extra local file(s) ${options.dryRun ? 'would be' : 'were'} deleted.`;
    if (options.dryRun) {
      recordPlanned(plan, summary);
      if (plan.delete.length > 0 && summary.failedCount > 0) deletesSkipped = blocked();
      else for (const file of plan.delete) summary.record({ action: 'deleted', name: file.name, bytes: file.size });
    } else {
      for (const blob of plan.skip) record({ action: 'skipped', name: blob.name, bytes: blob.size });
      events.phase?.('download');
      await fetchAll(options, ends, plan, folders, events, record);
      if (plan.delete.length > 0 && summary.failedCount > 0) {
        deletesSkipped = blocked();
        events.warning?.(deletesSkipped);
      } else if (plan.delete.length > 0) {
        events.phase?.('delete');
        const extras = plan.delete.map((extra) => byName.get(extra.name)!);
        await deleteLocalExtras(options, destination, extras, events, record);
      }
    }
    return summary.build({
      source: source.label,
      destination: destination.label,
      dryRun: options.dryRun,
      deletesSkipped,
      deleteGuard: guard,
      transfer: 'download',
    });
  } finally {
    await source.close();
  }
}

/**
 * This shard's blobs whose names can be files of the local folder; each other one fails on its own, named and with
 * why, before anything is written: a name no path may take (see localPathProblem), or one that clashes with another
 * (a file that is also a folder; names equal but for case where the file system does not tell them apart).
 */
function writableBlobs(
  listed: SourceListing<RemoteBlob>,
  local: FolderListing,
  root: string,
  options: SyncOptions,
  record: (result: FileResult) => void,
): RemoteBlob[] {
  const rules = { platform: os.platform(), root };
  const mine = listed.entries.filter((blob) => inShard(blob.name, options.shard));
  const failures = new Map<string, string>();
  for (const blob of mine) {
    const problem = localPathProblem(blob.name, rules);
    if (problem) failures.set(blob.name, problem);
  }
  const files = listed.entries.filter((blob) => !blob.folder && !failures.has(blob.name)).map((blob) => blob.name);
  for (const clash of pathClashes(files, !local.caseSensitive)) {
    if (inShard(clash.name, options.shard)) failures.set(clash.name, clash.reason);
  }
  for (const [name, reason] of [...failures].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    record({ action: 'failed', name, bytes: 0, reason: `${reason}; it was not written` });
  }
  return mine.filter((blob) => !failures.has(blob.name));
}

/** The folders first (directory stubs), then the files, with bounded concurrency; a refused credential stops the run. */
async function fetchAll(
  options: SyncOptions,
  { source, destination }: DownloadEnds,
  plan: Plan<RemoteBlob>,
  folders: readonly RemoteBlob[],
  events: SyncEvents,
  record: (result: FileResult) => void,
): Promise<void> {
  for (const folder of folders) {
    try {
      await destination.makeFolder(folder.name);
    } catch (error) {
      record({ action: 'failed', name: `${folder.name}/`, bytes: 0, reason: failureReason(error) });
    }
  }
  const bytesTotal = plan.upload.reduce((sum, item) => sum + item.local.size, 0);
  const progress = new ProgressCounter('download', events, plan.upload.length, bytesTotal);
  const context = {
    source,
    destination,
    budget: new ByteBudget(BUFFER_BUDGET),
    bandwidth: options.capMbps === undefined ? undefined : BandwidthCap.megabits(options.capMbps),
    md5: new Md5Workers(),
    onBytes: (n: number) => progress.addBytes(n),
  };
  // Files at once follow the service's load, as an upload's do (see AdaptiveLimit).
  const limit = limitFor(options.concurrency, source.watchLoad !== undefined);
  source.watchLoad?.(limit);
  let refused: AuthError | undefined;
  try {
    await Promise.all(
      plan.upload.map((item) =>
        limit.run(async () => {
          if (refused) return;
          try {
            record(await downloadOne(context, item));
            progress.fileDone();
          } catch (error) {
            if (!isRefused(error)) throw error;
            refused ??= new AuthError(
              `The storage service refused a download (${failureReason(error)}).`,
              PERMISSION_HINT,
            );
          }
        }),
      ),
    );
  } finally {
    await context.md5.close();
  }
  if (refused) throw refused;
}

async function deleteLocalExtras(
  options: SyncOptions,
  destination: FolderDestination<DestinationFile>,
  extras: readonly DestinationFile[],
  events: SyncEvents,
  record: (result: FileResult) => void,
): Promise<void> {
  const progress = new ProgressCounter('delete', events, extras.length, 0);
  const limit = pLimit(options.concurrency);
  await Promise.all(
    extras.map((extra) =>
      limit(async () => {
        const file = extra;
        try {
          const outcome = await destination.deleteIfUnchanged(file);
          record(
            outcome === 'changed'
              ? { action: 'failed', name: extra.name, bytes: 0, reason: 'changed since it was listed; not deleted' }
              : { action: 'deleted', name: extra.name, bytes: extra.size },
          );
        } catch (error) {
          record({ action: 'failed', name: extra.name, bytes: 0, reason: failureReason(error) });
        }
        progress.fileDone();
      }),
    ),
  );
}

/** A dry run's summary counts what a real run would fetch and skip. */
function recordPlanned(plan: Plan<RemoteBlob>, summary: SummaryBuilder): void {
  for (const item of plan.upload) summary.record({ action: 'downloaded', name: item.blobName, bytes: item.local.size });
  for (const blob of plan.skip) summary.record({ action: 'skipped', name: blob.name, bytes: 0 });
}
