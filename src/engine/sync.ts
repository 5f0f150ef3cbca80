import pLimit from 'p-limit';
import { containerMissing } from './destination/classify.js';
import type { SyncDestination } from './destination/destination.js';
import { failureReason } from './failures.js';
import { guardDeletes, guardEmptySource } from './guards/deletes.js';
import { diff, filesNeedingHash } from './plan/diff.js';
import { HeaderResolver } from './plan/headers.js';
import { blobNameFor } from './plan/names.js';
import { PathFilter } from './source/matcher.js';
import type { SourceListing, SyncSource } from './source/source.js';
import { SummaryBuilder } from './summary.js';
import { deleteExtras, transferChanges } from './transfer/transfer.js';
import type { Plan, RemoteBlob, SourceEntry, SyncEvents, SyncOptions, SyncSummary } from './types.js';

export interface SyncEnds<E extends SourceEntry> {
  source: SyncSource<E>;
  destination: SyncDestination;
}

/**
 * Makes the destination match the source, in phases: list both (at once), hash what must be compared, plan, guard,
 * upload, then delete extras only if nothing failed. Per-file failures land in the summary; errors that make the
 * whole run pointless (bad input, refused credentials, an unreachable account, a tripped guard) are thrown.
 */
export async function sync<E extends SourceEntry>(
  options: SyncOptions,
  { source, destination }: SyncEnds<E>,
  events: SyncEvents = {},
): Promise<SyncSummary> {
  const summary = new SummaryBuilder();
  destination.checkAccess({ write: !options.dryRun, delete: options.deleteDestination && !options.dryRun });
  const filter = new PathFilter(options.include, options.exclude);
  try {
    // The destination is listed while the source is (and small files hashed): both take seconds on large trees.
    const listing = settled(destination.list());
    let listed = false;
    void listing.then(() => (listed = true));

    events.phase?.('scan');
    const entries = await source.list(filter);
    entries.warnings.forEach((warning) => events.warning?.(warning));
    const emptyWarning = guardEmptySource(entries, options);
    if (emptyWarning) events.warning?.(emptyWarning);
    if (!listed && options.compare === 'md5') source.hashAhead?.(entries.entries);

    events.phase?.('list');
    const remotes = await listedOrCreated(options, destination, events, await listing);

    events.phase?.('hash');
    const toHash = filesNeedingHash(entries.entries, remotes, options.compare);
    const unreadable = await source.hash(toHash, (stats) => events.hashed?.(stats));
    recordUnreadable(entries, unreadable, summary);

    events.phase?.('plan');
    const plan = planChanges(options, entries.entries, unreadable, remotes, filter, source);
    events.plan?.(plan);
    guardDeletes(plan, options);

    const transfer = source.copySource ? 'copy' : 'upload';
    const done = (deletesSkipped?: string) =>
      summary.build({
        source: source.label,
        destination: destination.label,
        dryRun: options.dryRun,
        deletesSkipped,
        transfer,
      });
    const blocked = () =>
      `${summary.failedCount} file(s) failed, so none of the ${plan.delete.length} extra blob(s) ${options.dryRun ? 'would be' : 'were'} deleted.`;

    if (options.dryRun) {
      // A copy source is never opened: the service reads it.
      const unopenable = source.copySource
        ? new Map<E, string>()
        : await probeUploads(source, plan, options.concurrency);
      recordPlanned(plan, unopenable, summary, transfer === 'copy' ? 'copied' : 'uploaded');
      return done(plan.delete.length > 0 && summary.failedCount > 0 ? blocked() : undefined);
    }

    for (const item of plan.skip) {
      const result = { action: 'skipped', name: item.local.name, bytes: item.local.size } as const;
      summary.record(result);
      events.file?.(result);
    }
    const context = { source, destination, options, events, summary };
    events.phase?.('upload');
    await transferChanges(context, plan);

    if (plan.delete.length === 0) return done();
    if (summary.failedCount > 0) {
      const reason = blocked();
      events.warning?.(reason);
      return done(reason);
    }
    events.phase?.('delete');
    await deleteExtras(context, plan.delete);
    return done();
  } finally {
    await source.close();
  }
}

/** A promise that never rejects, so an error waits until the run is ready for it (and is never unhandled). */
function settled<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

async function listedOrCreated(
  options: SyncOptions,
  destination: SyncDestination,
  events: SyncEvents,
  listing: { value: Map<string, RemoteBlob> | undefined } | { error: unknown },
): Promise<Map<string, RemoteBlob>> {
  if ('error' in listing) throw listing.error;
  if (listing.value) return listing.value;
  if (!options.createContainer) throw containerMissing(destination.label);
  if (options.dryRun) events.warning?.(`The container does not exist yet; a real run would create it.`);
  else await destination.createContainer();
  return new Map();
}

function planChanges<E extends SourceEntry>(
  options: SyncOptions,
  entries: readonly E[],
  unreadable: ReadonlyMap<E, string>,
  remotes: ReadonlyMap<string, RemoteBlob>,
  filter: PathFilter,
  source: SyncSource<E>,
): Plan<E> {
  const headers = new HeaderResolver(options.contentTypeRules, options.cacheControlRules);
  const plan = diff(
    entries.filter((entry) => !unreadable.has(entry)),
    remotes,
    {
      compare: options.compare,
      deleteDestination: options.deleteDestination,
      blobName: (name) => blobNameFor(options.destinationPath, name),
      headersFor: (name, entry) => headers.resolve(name, source.inheritedHeaders?.(entry)),
      inScope: (name) => filter.matches(name),
    },
  );
  if (source.copySource) plan.copies = true;
  return plan;
}

/** What the source could not read fails in a dry run as in a real one: either way, it would not arrive. */
function recordUnreadable<E extends SourceEntry>(
  listing: SourceListing<E>,
  unreadable: ReadonlyMap<E, string>,
  summary: SummaryBuilder,
): void {
  for (const problem of listing.problems)
    summary.record({ action: 'failed', name: problem.name, bytes: 0, reason: problem.reason });
  for (const [entry, reason] of unreadable)
    summary.record({ action: 'failed', name: entry.name, bytes: 0, reason: `cannot read: ${reason}` });
}

/** A dry run opens what it would upload (and reads nothing), so a file a real run could not read fails here too. */
async function probeUploads<E extends SourceEntry>(
  source: SyncSource<E>,
  plan: Plan<E>,
  concurrency: number,
): Promise<Map<E, string>> {
  const limit = pLimit(concurrency);
  const failed = new Map<E, string>();
  await Promise.all(
    plan.upload.map((item) =>
      limit(async () => {
        try {
          await (await source.open(item.local)).close();
        } catch (error) {
          failed.set(item.local, failureReason(error));
        }
      }),
    ),
  );
  return failed;
}

/** A dry run's summary counts what a real run would do. */
function recordPlanned<E extends SourceEntry>(
  plan: Plan<E>,
  unopenable: ReadonlyMap<E, string>,
  summary: SummaryBuilder,
  arrives: 'uploaded' | 'copied',
): void {
  for (const item of plan.upload) {
    const reason = unopenable.get(item.local);
    if (reason) summary.record({ action: 'failed', name: item.local.name, bytes: 0, reason });
    else summary.record({ action: arrives, name: item.local.name, bytes: item.local.size });
  }
  for (const item of plan.updateHeaders) summary.record({ action: 'updated', name: item.local.name, bytes: 0 });
  for (const item of plan.skip) summary.record({ action: 'skipped', name: item.local.name, bytes: 0 });
  if (summary.failedCount > 0) return; // a real run would delete nothing
  for (const remote of plan.delete) summary.record({ action: 'deleted', name: remote.name, bytes: remote.size });
}
