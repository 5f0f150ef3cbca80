import pLimit from 'p-limit';
import { containerMissing } from '../storage/classify.js';
import type { SyncDestination } from './ports/destination.js';
import { failureReason } from './failures.js';
import { enforceDeleteDecision, guardEmptySource, weighDeletes } from './guards/deletes.js';
import { applyGrace, GRACE_STATE_NAME, type GraceChanges } from './guards/grace.js';
import { type LoadedGrace, loadGrace, saveGrace } from './guards/grace-store.js';
import { ListingFeed } from './plan/listing-feed.js';
import { PlanMatcher } from './plan/matcher.js';
import { splitCollisions } from './plan/collisions.js';
import { EncodingResolver } from './plan/encoding.js';
import { HeaderResolver } from './plan/headers.js';
import { blobNameFor, isToolState, TOOL_STATE_FOLDER } from './names/names.js';
import { inShard, type Shard } from './plan/shard.js';
import { ProtectedFolders } from './plan/protected.js';
import { PathFilter } from './plan/path-filter.js';
import { sniffContentTypes } from './local/sniff.js';
import type { SourceListing, SyncSource } from './ports/source.js';
import { SummaryBuilder } from './summary.js';
import { deleteExtras, transferChanges } from './transfer/transfer.js';
import type { GraceReport, Plan, SourceEntry, SyncEvents, SyncOptions, SyncSummary } from './types.js';

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
    // The sync's own state is never a file of the destination: not compared, not counted, not deleted.
    const feed = new ListingFeed<E>((name) => name === GRACE_STATE_NAME);
    const listing = settled(destination.list(feed.take));
    const graceOn = options.deleteDestination && options.deleteGraceMs > 0;
    const stateName = blobNameFor(options.destinationPath, GRACE_STATE_NAME);
    const graceRead = graceOn ? settled(loadGrace(destination, stateName)) : undefined;
    let listed = false;
    void listing.then(() => (listed = true));

    events.phase?.('scan');
    // Files found while the listing runs can be hashed meanwhile (a re-sync needs most of their MD5s): this shard's.
    const hashAhead =
      options.compare === 'md5' ? (entry: E) => !listed && inShard(entry.name, options.shard) : undefined;
    const entries = distinctNames(ownShard(await source.list(filter, hashAhead), options.shard), summary, events);
    entries.warnings.forEach((warning) => events.warning?.(warning));
    const emptyWarning = guardEmptySource(entries.whole, options);
    if (emptyWarning) events.warning?.(emptyWarning);

    // The headers a file should carry are known before the listing is matched against the files as it streams in.
    // A copy source is never read by the runner: no sniffing (its blobs carry their own Content-Type).
    const sniffed = source.copySource
      ? new Map<string, string>()
      : await sniffContentTypes(source, entries.entries, options);
    const reserved = entries.entries.filter((e) => isToolState(e.name));
    const matcher = planMatcher(
      options,
      reserved.length > 0 ? entries.entries.filter((e) => !isToolState(e.name)) : entries.entries,
      filter,
      sniffed,
      source,
    );
    // The grace state (one small blob, read meanwhile) says which listed names the grace must know about.
    const graceSeen = graceRead && (await graceRead);
    feed.attach(matcher, graceSeen && 'value' in graceSeen ? graceSeen.value.state : undefined);

    events.phase?.('list');
    await listedOrCreated(options, destination, events, await listing);

    events.phase?.('hash');
    const unreadable = await source.hash(matcher.needingHash(), (stats) => events.hashed?.(stats));
    recordUnreadable(entries, unreadable, summary);
    for (const entry of reserved)
      summary.record({ action: 'failed', name: entry.name, bytes: 0, reason: RESERVED_FOLDER });

    events.phase?.('plan');
    let plan = matcher.finish(unreadable);
    if (source.copySource) plan.copies = true;
    let grace: { loaded: LoadedGrace; changes: GraceChanges } | undefined;
    if (graceRead) {
      const loaded = unwrap(await graceRead);
      if (loaded.damaged) events.warning?.(DAMAGED_STATE);
      const applied = applyGrace(plan, loaded.state, feed.listedWatched, options.deleteGraceMs, Date.now());
      plan = applied.plan;
      grace = { loaded, changes: applied.changes };
    }
    events.plan?.(plan);
    const deleteGuard = plan.delete.length > 0 ? weighDeletes(plan, options) : undefined;
    if (deleteGuard) {
      events.guard?.(deleteGuard);
      enforceDeleteDecision(deleteGuard);
    }

    let graceState: GraceReport['state'] = 'not saved';
    const transfer = source.copySource ? 'copy' : 'upload';
    const done = (deletesSkipped?: string) =>
      summary.build({
        source: source.label,
        destination: destination.label,
        dryRun: options.dryRun,
        deletesSkipped,
        deleteGuard,
        deleteGrace: grace && graceReport(plan, options.deleteGraceMs, graceState),
        transfer,
      });
    /** Saves the grace state after the run's deletes (or without them, when a failure held them back). */
    const saveState = async (deleted: readonly string[]) => {
      if (!grace) return;
      deleted.forEach((name) => grace.changes.removed.add(name));
      graceState = await saveGrace(destination, stateName, grace.loaded, grace.changes);
      if (graceState === 'conflict') events.warning?.(STATE_CONFLICT);
    };
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

    for (const entry of plan.skip) {
      const result = { action: 'skipped', name: entry.name, bytes: entry.size } as const;
      summary.record(result);
      events.file?.(result);
    }
    const context = { source, destination, options, events, summary };
    events.phase?.('upload');
    await transferChanges(context, plan);

    if (plan.delete.length === 0) {
      await saveState([]);
      return done();
    }
    if (summary.failedCount > 0) {
      const reason = blocked();
      events.warning?.(reason);
      await saveState([]);
      return done(reason);
    }
    events.phase?.('delete');
    await saveState(await deleteExtras(context, plan.delete));
    return done();
  } finally {
    await source.close();
  }
}

// A file there would never be listed (the listing leaves the tool's state out), so it would be sent on every run, and
// could overwrite the delete grace state or a preview's deploy record.
const RESERVED_FOLDER = `${TOOL_STATE_FOLDER}/ folders are reserved for this tool's own state (the delete grace, preview records); exclude the file (e.g. **/${TOOL_STATE_FOLDER}/**) or rename its folder`;
const DAMAGED_STATE = `The delete grace state (${GRACE_STATE_NAME}) could not be read; it is written anew, and every blob absent from the source starts its grace again.`;
const STATE_CONFLICT = `Other runs kept rewriting the delete grace state (${GRACE_STATE_NAME}), so this run's changes to it were not saved; the next run records them (blobs are kept longer, never deleted sooner).`;

function graceReport(plan: Plan, graceMs: number, state: GraceReport['state']): GraceReport {
  const kept = plan.kept ?? [];
  const next = kept[0]?.goesAt;
  return {
    graceMs,
    kept: kept.length,
    nextDeleteAt: next === undefined ? undefined : new Date(next).toISOString(),
    state,
  };
}

function unwrap<T>(outcome: { value: T } | { error: unknown }): T {
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
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
  listing: { value: boolean } | { error: unknown },
): Promise<void> {
  if ('error' in listing) throw listing.error;
  if (listing.value) return;
  if (!options.createContainer) throw containerMissing(destination.label);
  if (options.dryRun) events.warning?.(`The container does not exist yet; a real run would create it.`);
  else await destination.createContainer();
}

/** The diff of these entries against the listing, fed blob by blob (see PlanMatcher). */
function planMatcher<E extends SourceEntry>(
  options: SyncOptions,
  entries: readonly E[],
  filter: PathFilter,
  sniffed: ReadonlyMap<string, string>,
  source: SyncSource<E>,
): PlanMatcher<E> {
  const headers = new HeaderResolver(options.contentTypeRules, options.cacheControlRules, sniffed);
  // The service copies a source blob's bytes as they are: compress rules apply to local files only.
  const encodings = source.copySource ? undefined : new EncodingResolver(options.compressRules);
  const protectedFolders = new ProtectedFolders(options.protect);
  return new PlanMatcher(entries, {
    compare: options.compare,
    deleteDestination: options.deleteDestination,
    blobName: (name) => blobNameFor(options.destinationPath, name),
    headersFor: (name, entry) => headers.resolve(name, source.inheritedHeaders?.(entry)),
    inScope: (name) => filter.matches(name) && inShard(name, options.shard),
    encodingFor: encodings && ((name) => encodings.resolve(name)),
    isProtected: (name) => protectedFolders.covers(name),
  });
}

/**
 * The part of the source this run handles: with a shard, only its names (a folder that cannot be read concerns every
 * shard, so it stays). `whole` is the listing as it was, for the guards that judge the source as a whole.
 */
function ownShard<E extends SourceEntry>(
  listing: SourceListing<E>,
  shard: Shard | undefined,
): SourceListing<E> & { whole: SourceListing<E> } {
  if (!shard) return { ...listing, whole: listing };
  return {
    ...listing,
    entries: listing.entries.filter((entry) => inShard(entry.name, shard)),
    problems: listing.problems.filter((problem) => problem.name.endsWith('/') || inShard(problem.name, shard)),
    whole: listing,
  };
}

/**
 * The listing with one entry per blob name. Entries the service stores under another name are said so (in detail),
 * and entries whose blob name another entry already takes fail, which also keeps every delete from running.
 */
function distinctNames<E extends SourceEntry, L extends SourceListing<E>>(
  listing: L,
  summary: SummaryBuilder,
  events: SyncEvents,
): L {
  for (const entry of listing.entries) {
    if (entry.sourceName !== undefined)
      events.detail?.(`${entry.sourceName}: stored as "${entry.name}" (the service turns "\\" into "/")`);
  }
  const { entries, collisions } = splitCollisions(listing.entries);
  for (const failure of collisions) {
    const result = { action: 'failed', name: failure.name, bytes: 0, reason: failure.reason } as const;
    summary.record(result);
    events.file?.(result);
  }
  return { ...listing, entries };
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
    else summary.record({ action: arrives, name: item.local.name, bytes: item.local.size, blobName: item.blobName });
  }
  for (const item of plan.updateHeaders)
    summary.record({ action: 'updated', name: item.local.name, bytes: 0, blobName: item.remote.blobName });
  for (const entry of plan.skip) summary.record({ action: 'skipped', name: entry.name, bytes: 0 });
  if (summary.failedCount > 0) return; // a real run would delete nothing
  for (const remote of plan.delete)
    summary.record({ action: 'deleted', name: remote.name, bytes: remote.size, blobName: remote.blobName });
}
