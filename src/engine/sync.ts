import pLimit from 'p-limit';
import type { SyncDestination } from './ports/destination.js';
import { containerMissing, failureReason } from './failures.js';
import { DeleteGrace } from './guards/delete-grace.js';
import { enforceDeleteDecision, guardEmptySource, weighDeletes } from './guards/deletes.js';
import { refuseReplacements } from './guards/immutable.js';
import { GRACE_STATE_NAME } from './guards/grace.js';
import { ListingFeed, type UnsafeBlob } from './plan/listing-feed.js';
import { PlanMatcher } from './plan/matcher.js';
import { splitCollisions } from './plan/collisions.js';
import { EncodingResolver } from './plan/encoding.js';
import { HeaderResolver } from './plan/headers.js';
import { blobNameFor, blobNameProblem, isToolState, TOOL_STATE_FOLDER, UNSAFE_NAME_ADVICE } from './names/blob-name.js';
import { inShard, type Shard } from './plan/shard.js';
import { ProtectedFolders } from './plan/protected.js';
import { PathFilter } from './plan/path-filter.js';
import { sniffContentTypes } from './local/sniff.js';
import type { SourceListing, SyncSource } from './ports/source.js';
import { SummaryBuilder } from './summary.js';
import { transferChanges } from './transfer/transfer.js';
import { deleteExtras } from './transfer/delete.js';
import { type AdaptiveLimit, limitFor } from './transfer/adaptive-limit.js';
import { BandwidthCap } from './transfer/bandwidth.js';
import { SINGLE_SHOT_MAX } from './transfer/upload.js';
import type { DeleteDecision, Plan, SourceEntry, SyncEvents, SyncOptions, SyncSummary } from './types.js';

export interface SyncEnds<E extends SourceEntry> {
  source: SyncSource<E>;
  destination: SyncDestination;
}

/**
 * Makes the destination match the source, in phases: list both (at once), plan (hashing what must be compared),
 * guard, transfer, delete extras only if nothing failed, save the delete grace's state. Per-file failures land in the
 * summary; errors that make the whole run pointless (bad input, refused credentials, an unreachable account, a
 * tripped guard) are thrown.
 */
export async function sync<E extends SourceEntry>(
  options: SyncOptions,
  ends: SyncEnds<E>,
  events: SyncEvents = {},
): Promise<SyncSummary> {
  const run = new SyncRun(options, ends, events);
  try {
    const listed = await run.listBoth();
    const plan = await run.plan(listed);
    const guard = run.guard(plan);
    if (options.dryRun) return await run.dryRun(plan, guard);
    await run.transfer(plan);
    const deleted = await run.deleteExtras(plan);
    await run.saveState(deleted);
    return run.finish(plan, guard);
  } finally {
    // What was hashed stays true whatever became of the run (a dry run, a refusal, a failure).
    for (const warning of (await ends.source.remember?.()) ?? []) events.warning?.(warning);
    await ends.source.close();
  }
}

/** What the first phase leaves for the next: the source's entries and the destination's listing under way. */
interface Listed<E extends SourceEntry> {
  entries: SourceListing<E>;
  feed: ListingFeed<E>;
  listing: Promise<{ value: boolean } | { error: unknown }>;
}

/** One sync's phases and the state they share. */
class SyncRun<E extends SourceEntry> {
  private readonly summary = new SummaryBuilder();
  private readonly filter: PathFilter;
  private readonly source: SyncSource<E>;
  private readonly destination: SyncDestination;
  /** Transfers at once, following the service's load through the whole run (see AdaptiveLimit). */
  private readonly concurrency: AdaptiveLimit;
  private readonly bandwidth?: BandwidthCap;
  private grace?: DeleteGrace;
  private deletesSkipped?: string;

  constructor(
    private readonly options: SyncOptions,
    ends: SyncEnds<E>,
    private readonly events: SyncEvents,
  ) {
    ({ source: this.source, destination: this.destination } = ends);
    this.destination.checkAccess({
      write: !options.dryRun,
      delete: options.deleteDestination && !options.dryRun,
    });
    this.filter = new PathFilter(options.include, options.exclude);
    this.concurrency = limitFor(options.concurrency, this.destination.watchLoad !== undefined);
    this.destination.watchLoad?.(this.concurrency);
    if (options.capMbps !== undefined) this.bandwidth = BandwidthCap.megabits(options.capMbps);
  }

  /**
   * Lists the destination while the source is scanned (both take seconds on large trees), and small files are hashed
   * meanwhile. The sync's own state is never a file of the destination: not compared, not counted, not deleted.
   */
  async listBoth(): Promise<Listed<E>> {
    const { options, events } = this;
    const feed = new ListingFeed<E>((name) => name === GRACE_STATE_NAME);
    const listing = settled(this.destination.list(feed.take));
    if (options.deleteDestination && options.deleteGraceMs > 0) {
      // Read while the destination is listed: one small blob.
      const stateName = blobNameFor(options.destinationPath, GRACE_STATE_NAME);
      this.grace = DeleteGrace.load(this.destination, stateName, options.deleteGraceMs);
    }
    let listed = false;
    void listing.then(() => (listed = true));

    events.phase?.('scan');
    // Files found while the listing runs can be hashed meanwhile (a re-sync needs most of their MD5s): this shard's.
    const hashAhead =
      options.compare === 'md5' ? (entry: E) => !listed && inShard(entry.name, options.shard) : undefined;
    const scanned = await this.source.list(this.filter, hashAhead);
    const own = distinctNames(ownShard(scanned, options.shard), this.summary, events);
    const entries = writableNames(own, options.destinationPath, this.summary, events);
    entries.warnings.forEach((warning) => events.warning?.(warning));
    entries.details?.forEach((detail) => events.detail?.(detail));
    const emptyWarning = guardEmptySource(entries.whole, options);
    if (emptyWarning) events.warning?.(emptyWarning);
    return { entries, feed, listing };
  }

  /** Matches the listing against the entries as it streams in, hashes what must be compared, applies the grace. */
  async plan({ entries, feed, listing }: Listed<E>): Promise<Plan<E>> {
    const { options, events, source, summary } = this;
    // The headers a file should carry are known before the listing is matched against the files as it streams in.
    // A copy source is never read by the runner: no sniffing (its blobs carry their own Content-Type).
    const sniffed = source.copySource
      ? new Map<string, string>()
      : await sniffContentTypes(source, entries.entries, options);
    const reserved = entries.entries.filter((e) => isToolState(e.name));
    const matcher = this.matcher(
      reserved.length > 0 ? entries.entries.filter((e) => !isToolState(e.name)) : entries.entries,
      sniffed,
    );
    // The grace state says which listed names the grace must know about.
    feed.attach(matcher, await this.grace?.watched());

    events.phase?.('list');
    await this.listedOrCreated(await listing);
    reportUnsafeBlobs(feed.unsafe, events);

    events.phase?.('hash');
    const unreadable = await source.hash(matcher.needingHash(), (stats) => events.hashed?.(stats));
    recordUnreadable(entries, unreadable, summary);
    for (const entry of reserved)
      summary.record({ action: 'failed', name: entry.name, bytes: 0, reason: RESERVED_FOLDER });

    events.phase?.('plan');
    let plan = matcher.finish(unreadable);
    if (source.copySource) plan.copies = true;
    if (this.grace) plan = await this.grace.apply(plan, feed.listedWatched, events);
    if (options.immutable) plan = this.refuse(refuseReplacements(plan));
    events.plan?.(plan);
    return plan;
  }

  /** What --immutable keeps from being replaced fails at once, named, in a dry run as in a real one. */
  private refuse(plan: Plan<E>): Plan<E> {
    for (const item of plan.refused ?? []) {
      const result = {
        action: 'failed',
        name: item.local.name,
        bytes: 0,
        reason: item.reason,
        conflict: true,
      } as const;
      this.summary.record(result);
      this.events.file?.(result);
    }
    return plan;
  }

  /** The delete guard's decision on a plan that deletes something; throws when it refuses. */
  guard(plan: Plan<E>): DeleteDecision | undefined {
    if (plan.delete.length === 0) return undefined;
    const decision = weighDeletes(plan, this.options);
    this.events.guard?.(decision);
    enforceDeleteDecision(decision);
    return decision;
  }

  /** The plan counted as a real run would carry it out; what could not be opened fails here too. */
  async dryRun(plan: Plan<E>, guard: DeleteDecision | undefined): Promise<SyncSummary> {
    // A copy source is never opened: the service reads it.
    const unopenable = this.source.copySource
      ? new Map<E, string>()
      : await probeUploads(this.source, plan, this.options.concurrency);
    recordPlanned(plan, unopenable, this.summary, this.source.copySource ? 'copied' : 'uploaded');
    if (plan.delete.length > 0 && this.summary.failedCount > 0) this.deletesSkipped = this.blocked(plan);
    return this.finish(plan, guard);
  }

  async transfer(plan: Plan<E>): Promise<void> {
    for (const entry of plan.skip) {
      const result = { action: 'skipped', name: entry.name, bytes: entry.size } as const;
      this.summary.record(result);
      this.events.file?.(result);
    }
    this.events.phase?.('upload');
    await transferChanges(this.context(), plan);
  }

  /** Deletes the extras, only when every transfer succeeded; returns the names (relative) that are gone. */
  async deleteExtras(plan: Plan<E>): Promise<string[]> {
    if (plan.delete.length === 0) return [];
    if (this.summary.failedCount > 0) {
      this.deletesSkipped = this.blocked(plan);
      this.events.warning?.(this.deletesSkipped);
      return [];
    }
    this.events.phase?.('delete');
    return deleteExtras(this.context(), plan.delete);
  }

  /** Saves the delete grace's state after the run's deletes (or without them, when a failure held them back). */
  async saveState(deleted: readonly string[]): Promise<void> {
    await this.grace?.save(deleted, this.events);
  }

  finish(plan: Plan<E>, deleteGuard: DeleteDecision | undefined): SyncSummary {
    const load = this.concurrency.stats;
    if (load.cuts > 0) {
      this.events.detail?.(
        `The service said it was busy ${load.busy} time(s): transfers at once went down to ${load.lowest} (of at most ${this.concurrency.ceiling}), rising again with its healthy responses.`,
      );
    }
    return this.summary.build({
      source: this.source.label,
      destination: this.destination.label,
      dryRun: this.options.dryRun,
      deletesSkipped: this.deletesSkipped,
      deleteGuard,
      deleteGrace: this.grace?.report(plan),
      transfer: this.source.copySource ? 'copy' : 'upload',
    });
  }

  private blocked(plan: Plan<E>): string {
    const verb = this.options.dryRun ? 'would be' : 'were';
    return `${this.summary.failedCount} file(s) failed, so none of the ${plan.delete.length} extra blob(s) ${verb} deleted.`;
  }

  private context() {
    const { source, destination, options, events, summary, concurrency, bandwidth } = this;
    return { source, destination, options, events, summary, concurrency, bandwidth };
  }

  private async listedOrCreated(listing: { value: boolean } | { error: unknown }): Promise<void> {
    if ('error' in listing) throw listing.error;
    if (listing.value) return;
    if (!this.options.createContainer) throw containerMissing(this.destination.label);
    if (this.options.dryRun) this.events.warning?.(`The container does not exist yet; a real run would create it.`);
    else await this.destination.createContainer();
  }

  /** The diff of these entries against the listing, fed blob by blob (see PlanMatcher). */
  private matcher(entries: readonly E[], sniffed: ReadonlyMap<string, string>): PlanMatcher<E> {
    const { options, source, filter } = this;
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
      // Written in blocks and committed If-Match the listed etag (see transfer.ts).
      keepsEtag: (entry) => entry.size > SINGLE_SHOT_MAX,
    });
  }
}

// A file there would never be listed (the listing leaves the tool's state out), so it would be sent on every run, and
// could overwrite the delete grace state or a preview's deploy record.
const RESERVED_FOLDER = `${TOOL_STATE_FOLDER}/ folders are reserved for this tool's own state (the delete grace, preview records); exclude the file (e.g. **/${TOOL_STATE_FOLDER}/**) or rename its folder`;

/** A promise that never rejects, so an error waits until the run is ready for it (and is never unhandled). */
function settled<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
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

/**
 * The listing without the entries whose blob name the run must not write (see blobNameProblem): each fails on its own,
 * named as the source names it, before anything is sent, which also keeps every delete from running.
 */
function writableNames<E extends SourceEntry, L extends SourceListing<E>>(
  listing: L,
  destinationPath: string,
  summary: SummaryBuilder,
  events: SyncEvents,
): L {
  const entries: E[] = [];
  for (const entry of listing.entries) {
    const problem = blobNameProblem(blobNameFor(destinationPath, entry.name));
    if (!problem) {
      entries.push(entry);
      continue;
    }
    const result = {
      action: 'failed',
      name: entry.sourceName ?? entry.name,
      bytes: 0,
      reason: `${problem}; ${UNSAFE_NAME_ADVICE}`,
    } as const;
    summary.record(result);
    events.file?.(result);
  }
  return entries.length === listing.entries.length ? listing : { ...listing, entries };
}

/** Blobs another tool wrote under names no request may address: said once, each in detail, and left as they are. */
function reportUnsafeBlobs(unsafe: { count: number; examples: readonly UnsafeBlob[] }, events: SyncEvents): void {
  if (unsafe.count === 0) return;
  for (const blob of unsafe.examples) events.detail?.(`${blob.blobName}: left alone, ${blob.reason}`);
  const first = unsafe.examples[0]!;
  events.warning?.(
    `${unsafe.count} blob(s) in the destination have names no request may address (e.g. "${first.blobName}": ${first.reason}); they were not compared, updated, deleted or counted by the delete guard. Rename or delete them with another tool if they should not be there.`,
  );
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
