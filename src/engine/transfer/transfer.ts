import type { SyncDestination, WriteCondition } from '../ports/destination.js';
import { AuthError, WriteConflict } from '../errors.js';
import { failureReason, isRefused, PERMISSION_HINT } from '../failures.js';
import type { SyncSource } from '../ports/source.js';
import type { SummaryBuilder } from '../summary.js';
import type {
  FileResult,
  Plan,
  SourceEntry,
  SyncEvents,
  SyncOptions,
  UpdateHeadersItem,
  UploadItem,
} from '../types.js';
import type { AdaptiveLimit } from './adaptive-limit.js';
import { type BandwidthCap, pacedDestination } from './bandwidth.js';
import { ByteBudget } from './budget.js';
import { copyOne } from './copy.js';
import { ProgressCounter } from './progress.js';
import { BlockResume } from './resume.js';
import { upload } from './upload.js';
import { uploadEncoded } from './upload-encoded.js';

const MiB = 1024 * 1024;
/**
 * Memory for block buffers across the whole run: 12 blocks of 8 MiB keep a link busy, and peak RSS stays under 250 MB
 * (a larger budget went over it on four 256 MiB files, at the same speed).
 */
const BUFFER_BUDGET = 96 * MiB;

export interface TransferContext<E extends SourceEntry> {
  source: SyncSource<E>;
  destination: SyncDestination;
  options: SyncOptions;
  events: SyncEvents;
  summary: SummaryBuilder;
  /** Transfers at once, following the service's load; shared by the run's phases. */
  concurrency: AdaptiveLimit;
  /** The run's bandwidth cap, when it has one: every body is paid for before it is sent. */
  bandwidth?: BandwidthCap;
}

/**
 * Runs the uploads and header updates of a plan with bounded concurrency. Pages (`.html`) go last, so a live site
 * never links to an asset that has not arrived yet. A refused credential stops the run at once.
 */
export async function transferChanges<E extends SourceEntry>(
  context: TransferContext<E>,
  plan: Plan<E>,
): Promise<void> {
  if (context.bandwidth)
    context = { ...context, destination: pacedDestination(context.destination, context.bandwidth) };
  const budget = new ByteBudget(BUFFER_BUDGET);
  const bytesTotal = plan.upload.reduce((sum, item) => sum + item.local.size, 0);
  const progress = new ProgressCounter(
    'upload',
    context.events,
    plan.upload.length + plan.updateHeaders.length,
    bytesTotal,
  );
  const copySource = context.source.copySource?.bind(context.source);
  const run = stopOnRefusal(context, progress, `The storage service refused ${copySource ? 'a copy' : 'an upload'}`);
  const resume = new BlockResume(context.destination, (message) => context.events.warning?.(message));

  const isPage = (item: UploadItem<E>) => /\.html?$/i.test(item.local.name);
  const copy = copySource && {
    destination: context.destination,
    copySource,
    tier: context.options.accessTier,
    immutable: context.options.immutable,
    onBytes: (bytes: number) => progress.addBytes(bytes),
  };
  const send = (item: UploadItem<E>) =>
    run.next(() => (copy ? copyOne(copy, item) : uploadOne(context, item, { budget, progress, resume })));
  await Promise.all([
    ...plan.upload.filter((item) => !isPage(item)).map(send),
    ...plan.updateHeaders.map((item) => run.next(() => updateHeaders(context, item))),
  ]);
  await Promise.all(plan.upload.filter(isPage).map(send));
  run.finish();
}

/**
 * Runs per-file work (or work on many files at once) with the run's concurrency and records each result. A 401/403
 * means every other request would be refused the same way: the queue drains without sending more, and `finish`
 * throws one AuthError that says why. Work that also has results to record hands its refusal to `refuse`.
 */
export function stopOnRefusal<E extends SourceEntry>(
  context: TransferContext<E>,
  progress: ProgressCounter,
  what: string,
) {
  let fatal: AuthError | undefined;
  const refuse = (error: unknown) => {
    fatal ??= new AuthError(`${what} (${failureReason(error)}).`, PERMISSION_HINT);
  };
  return {
    next: (work: () => Promise<FileResult | readonly FileResult[]>) =>
      context.concurrency.run(async () => {
        if (fatal) return;
        try {
          const done = await work();
          for (const result of Array.isArray(done) ? done : [done]) record(context, result, progress);
        } catch (error) {
          if (!isRefused(error)) throw error;
          refuse(error);
        }
      }),
    refuse,
    get stopped() {
      return fatal !== undefined;
    },
    finish() {
      if (fatal) throw fatal;
    },
  };
}

/** What every upload of a run shares. */
interface UploadShared {
  budget: ByteBudget;
  progress: ProgressCounter;
  resume: BlockResume;
}

async function uploadOne<E extends SourceEntry>(
  context: TransferContext<E>,
  item: UploadItem<E>,
  { budget, progress, resume }: UploadShared,
): Promise<FileResult> {
  const name = item.local.name;
  const { summary, options } = context;
  try {
    const reader = await context.source.open(item.local);
    try {
      const request = {
        destination: context.destination,
        blobName: item.blobName,
        reader,
        headers: item.headers,
        tier: options.accessTier,
        blockSize: options.blockSize,
        budget,
        commitCondition: commitCondition(item),
        // A release folder's new blobs appear only where none is: a racing publisher's is never overwritten.
        putCondition: options.immutable ? NO_BLOB_YET : undefined,
        resume,
        onBytes: (bytes: number) => progress.addBytes(bytes),
        onSent: (bytes: number) => summary.sent(bytes),
        onResumed: (bytes: number) => summary.resumed(bytes),
      };
      const outcome = item.encoding
        ? await uploadEncoded({ ...request, encoding: item.encoding })
        : await upload(request);
      item.local.md5 = outcome.md5;
      // A retried write that had gone through, or another run's with the same content: the blob is as it should be.
      if (outcome.alreadyThere) context.events.detail?.(`${name}: ${ALREADY_THERE}`);
      return { action: 'uploaded', name, bytes: outcome.bytes, reason: item.reason, blobName: item.blobName };
    } finally {
      await reader.close();
    }
  } catch (error) {
    if (isRefused(error)) throw error;
    const conflict = error instanceof WriteConflict && options.immutable;
    return { action: 'failed', name, bytes: 0, reason: failureReason(error), ...(conflict ? { conflict } : {}) };
  }
}

const NO_BLOB_YET: WriteCondition = { ifNoneMatch: '*' };
const ALREADY_THERE =
  'a conditional write found this very content there (a retry of a write that had gone through, or another run)';

/**
 * A blob written in blocks is committed only where the listing left it: none for a new file (an interrupted run's
 * staged blocks are no blob), the listed version for a changed one. Another writer's blob in between is not
 * overwritten.
 */
function commitCondition(item: UploadItem): WriteCondition | undefined {
  if (item.reason === 'new') return NO_BLOB_YET;
  return item.etag === undefined ? undefined : { ifMatch: item.etag };
}

/** Set Blob HTTP Headers replaces them all, so the ones we do not manage (and the MD5) are sent back unchanged. */
async function updateHeaders<E extends SourceEntry>(
  context: TransferContext<E>,
  item: UpdateHeadersItem<E>,
): Promise<FileResult> {
  const { remote, headers } = item;
  try {
    await context.destination.setHeaders(remote, {
      contentType: headers.contentType,
      cacheControl: headers.cacheControl ?? remote.cacheControl,
      contentEncoding: remote.contentEncoding,
      contentLanguage: remote.contentLanguage,
      contentDisposition: remote.contentDisposition,
      md5: remote.md5,
    });
    return { action: 'updated', name: remote.name, bytes: item.local.size, blobName: remote.blobName };
  } catch (error) {
    if (isRefused(error)) throw error;
    return { action: 'failed', name: remote.name, bytes: 0, reason: failureReason(error) };
  }
}

function record<E extends SourceEntry>(
  context: TransferContext<E>,
  result: FileResult,
  progress: ProgressCounter,
): void {
  context.summary.record(result);
  context.events.file?.(result);
  progress.fileDone();
}
