import type { ContainerClient } from '@azure/storage-blob';
import { classifyFatal, statusOf } from './classify.js';
import { GuardError, UsageError } from './errors.js';
import { EarlyHashing } from './early-hash.js';
import { HeaderResolver } from './headers.js';
import { PathFilter } from './matcher.js';
import { blobNameFor } from './names.js';
import { diff, filesNeedingHash } from './plan.js';
import { DEFAULT_LIST_LIMITS, listRemote } from './remote.js';
import { checkSasGrants } from './sas-check.js';
import { resolveSourceFolder, scanSource } from './scan.js';
import { SummaryBuilder } from './summary.js';
import { deleteExtras, transferChanges } from './transfer.js';
import type { LocalFile, Plan, RemoteBlob, SyncEvents, SyncOptions, SyncSummary } from './types.js';

/** Files hashed at once when there are too few to start worker threads for (see hash.ts). */
const HASH_CONCURRENCY = 8;

export interface SyncTarget {
  container: ContainerClient;
  /** How to name the destination to a person: a URL with no secret in it. */
  label: string;
  /** One request's time limit, which also bounds a stall in the listing's streamed answer (default 120 s). */
  tryTimeoutMs?: number;
}

/**
 * Makes the container (under `destinationPath`) match the source folder: scan, list, hash what must be compared,
 * plan, upload, then delete extras only if nothing failed. Per-file failures land in the summary; errors that make
 * the whole run pointless (bad input, refused credentials, an unreachable account, a tripped guard) are thrown.
 */
export async function sync(options: SyncOptions, target: SyncTarget, events: SyncEvents = {}): Promise<SyncSummary> {
  const summary = new SummaryBuilder();
  const root = await resolveSourceFolder(options.source);
  checkSasGrants(target.container.url, options);
  const filter = new PathFilter(options.include, options.exclude);

  // Listing runs while the folder is scanned (and small files hashed): both take seconds on large trees.
  const limits = { ...DEFAULT_LIST_LIMITS, tryTimeoutMs: target.tryTimeoutMs ?? DEFAULT_LIST_LIMITS.tryTimeoutMs };
  const listing = settled(listRemote(target.container, options.destinationPath, limits));
  let listed = false;
  void listing.then(() => (listed = true));

  events.phase?.('scan');
  const scan = await scanSource(root, filter);
  scan.warnings.forEach((w) => events.warning?.(w));
  if (scan.files.length === 0 && scan.filteredOut > 0) {
    throw new UsageError(
      `None of the ${scan.filteredOut} files in "${options.source}" match the include/exclude patterns. Nothing was changed.`,
      'Patterns match paths relative to the source folder, e.g. --include "**/*.html" (not "*.html" for files in subfolders).',
    );
  }
  if (scan.files.length === 0) {
    if (options.deleteDestination) {
      throw new GuardError(
        `The source "${options.source}" matched no files, so deleting would empty the destination. Nothing was changed.`,
        'Check that the build produced output and that --include/--exclude are right; to really empty the destination, delete it with another tool.',
      );
    }
    events.warning?.(
      `The source "${options.source}" matched no files; check the path and the include/exclude patterns.`,
    );
  }

  const hashing = new EarlyHashing(HASH_CONCURRENCY);
  if (!listed && options.compare === 'md5') hashing.start(scan.files);

  events.phase?.('list');
  const remotes = await listOrCreate(options, target, events, await listing).catch(async (error: unknown) => {
    await hashing.cancel();
    throw error;
  });

  events.phase?.('hash');
  const toHash = filesNeedingHash(scan.files, remotes, options.compare);
  const hashErrors = await hashing.finish(toHash, (stats) => events.hashed?.(stats));
  const unreadable = new Set<LocalFile>(hashErrors.keys());

  events.phase?.('plan');
  const headers = new HeaderResolver(options.contentTypeRules, options.cacheControlRules);
  const plan = diff(
    scan.files.filter((file) => !unreadable.has(file)),
    remotes,
    {
      compare: options.compare,
      deleteDestination: options.deleteDestination,
      blobName: (name) => blobNameFor(options.destinationPath, name),
      headersFor: (name) => headers.resolve(name),
      inScope: (name) => filter.matches(name),
    },
  );
  events.plan?.(plan);
  guardDeletes(plan, options);

  const done = (deletesSkipped?: string) =>
    summary.build({ source: root, destination: target.label, dryRun: options.dryRun, deletesSkipped });
  if (options.dryRun) {
    recordPlanned(plan, summary);
    return done();
  }

  for (const problem of scan.problems)
    summary.record({ action: 'failed', name: problem.name, bytes: 0, reason: problem.reason });
  for (const [file, reason] of hashErrors)
    summary.record({ action: 'failed', name: file.name, bytes: 0, reason: `cannot read: ${reason}` });
  for (const item of plan.skip) {
    const result = { action: 'skipped', name: item.local.name, bytes: item.local.size } as const;
    summary.record(result);
    events.file?.(result);
  }

  const context = { container: target.container, options, events, summary };
  events.phase?.('upload');
  await transferChanges(context, plan);

  if (plan.delete.length === 0) return done();
  if (summary.failedCount > 0) {
    const reason = `${summary.failedCount} file(s) failed, so none of the ${plan.delete.length} extra blob(s) were deleted.`;
    events.warning?.(reason);
    return done(reason);
  }
  events.phase?.('delete');
  await deleteExtras(context, plan.delete);
  return done();
}

/** A promise that never rejects, so an error waits until the run is ready for it (and is never unhandled). */
function settled<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

async function listOrCreate(
  options: SyncOptions,
  target: SyncTarget,
  events: SyncEvents,
  listing: { value: Map<string, RemoteBlob> } | { error: unknown },
): Promise<Map<string, RemoteBlob>> {
  if ('value' in listing) return listing.value;
  const { error } = listing;
  const missing = statusOf(error) === 404;
  if (missing && options.createContainer) {
    if (options.dryRun) {
      events.warning?.(`The container does not exist yet; a real run would create it.`);
    } else {
      await target.container.createIfNotExists().catch((e: unknown) => {
        throw classifyFatal(e, 'create the container', target.label) ?? e;
      });
    }
    return new Map();
  }
  throw classifyFatal(error, 'list the container', target.label) ?? error;
}

function guardDeletes(plan: Plan, options: SyncOptions): void {
  if (options.force || plan.delete.length === 0) return;
  const share = plan.delete.length / plan.remoteInScope;
  if (share > options.deleteThreshold) {
    const percent = (n: number) => `${Math.round(n * 100)}%`;
    throw new GuardError(
      `Refusing to delete ${plan.delete.length} of the ${plan.remoteInScope} blobs in scope (${percent(share)}, more than the ${percent(options.deleteThreshold)} threshold). Nothing was changed.`,
      'Check that the source folder is complete; if the deletes are intended, raise --delete-threshold or pass --force.',
    );
  }
}

/** A dry run's summary counts what a real run would do. */
function recordPlanned(plan: Plan, summary: SummaryBuilder): void {
  for (const item of plan.upload) summary.record({ action: 'uploaded', name: item.local.name, bytes: item.local.size });
  for (const item of plan.updateHeaders) summary.record({ action: 'updated', name: item.local.name, bytes: 0 });
  for (const item of plan.skip) summary.record({ action: 'skipped', name: item.local.name, bytes: 0 });
  for (const remote of plan.delete) summary.record({ action: 'deleted', name: remote.name, bytes: remote.size });
}
