import type { ContainerClient } from '@azure/storage-blob';
import pLimit from 'p-limit';
import { ByteBudget } from './budget.js';
import { failureReason, isRefused, PERMISSION_HINT, statusOf } from './classify.js';
import { AuthError } from './errors.js';
import { blobNameProblem } from './names.js';
import type { SummaryBuilder } from './summary.js';
import type { FileResult, Plan, Progress, RemoteBlob, SyncEvents, SyncOptions, UploadItem } from './types.js';
import { uploadFile } from './upload.js';

const MiB = 1024 * 1024;
/**
 * Memory for block buffers across the whole run: 12 blocks of 8 MiB keep a link busy, and peak RSS stays under 250 MB
 * (128 MiB measured 252-260 MB on four 256 MiB files, at the same speed).
 */
const BUFFER_BUDGET = 96 * MiB;

interface TransferContext {
  container: ContainerClient;
  options: SyncOptions;
  events: SyncEvents;
  summary: SummaryBuilder;
}

/**
 * Runs the uploads and header updates of a plan with bounded concurrency. Pages (`.html`) go last, so a live site
 * never links to an asset that has not arrived yet. A refused credential stops the run at once.
 */
export async function transferChanges(context: TransferContext, plan: Plan): Promise<void> {
  const { options, events } = context;
  const budget = new ByteBudget(BUFFER_BUDGET);
  const progress = new ProgressCounter('upload', events, plan.upload.length + plan.updateHeaders.length, plan);
  const limit = pLimit(options.concurrency);
  let fatal: AuthError | undefined;

  const run = (work: () => Promise<FileResult>) =>
    limit(async () => {
      if (fatal) return;
      const result = await work().catch((error: unknown): FileResult | undefined => {
        if (isRefused(error)) {
          fatal ??= new AuthError(`The storage service refused an upload (${failureReason(error)}).`, PERMISSION_HINT);
          return undefined;
        }
        throw error;
      });
      if (result) report(context, result, progress);
    });

  const isPage = (item: UploadItem) => /\.html?$/i.test(item.local.name);
  const upload = (item: UploadItem) => run(() => uploadOne(context, item, budget, progress));
  await Promise.all([
    ...plan.upload.filter((item) => !isPage(item)).map(upload),
    ...plan.updateHeaders.map((item) =>
      run(() => updateHeaders(context.container, item.remote, item.headers, item.local.size)),
    ),
  ]);
  await Promise.all(plan.upload.filter(isPage).map(upload));
  if (fatal) throw fatal;
}

/** Deletes the plan's extra blobs, each only if it is still the blob that was listed. */
export async function deleteExtras(context: TransferContext, blobs: readonly RemoteBlob[]): Promise<void> {
  const progress = new ProgressCounter('delete', context.events, blobs.length);
  const limit = pLimit(context.options.concurrency);
  let fatal: AuthError | undefined;
  await Promise.all(
    blobs.map((remote) =>
      limit(async () => {
        if (fatal) return;
        let result: FileResult;
        try {
          await context.container.getBlobClient(remote.blobName).delete({
            deleteSnapshots: 'include',
            conditions: remote.etag ? { ifMatch: remote.etag } : undefined,
          });
          result = { action: 'deleted', name: remote.name, bytes: remote.size };
        } catch (error) {
          if (isRefused(error)) {
            // Every other delete would be refused the same way: stop, and say what permission is missing.
            fatal ??= new AuthError(
              `The storage service refused to delete (${failureReason(error)}).`,
              PERMISSION_HINT,
            );
            return;
          }
          if (statusOf(error) === 404) {
            result = { action: 'deleted', name: remote.name, bytes: remote.size };
          } else if (statusOf(error) === 412) {
            result = {
              action: 'failed',
              name: remote.name,
              bytes: 0,
              reason: 'changed since it was listed; not deleted',
            };
          } else {
            result = { action: 'failed', name: remote.name, bytes: 0, reason: failureReason(error) };
          }
        }
        report(context, result, progress);
      }),
    ),
  );
  if (fatal) throw fatal;
}

async function uploadOne(
  context: TransferContext,
  item: UploadItem,
  budget: ByteBudget,
  progress: ProgressCounter,
): Promise<FileResult> {
  const name = item.local.name;
  const problem = blobNameProblem(item.blobName);
  if (problem) return { action: 'failed', name, bytes: 0, reason: problem };
  try {
    const outcome = await uploadFile(context.container.getBlockBlobClient(item.blobName), {
      path: item.local.path,
      headers: item.headers,
      tier: context.options.accessTier,
      blockSize: context.options.blockSize,
      budget,
      onBytes: (bytes) => progress.addBytes(bytes),
    });
    item.local.md5 = outcome.md5;
    return { action: 'uploaded', name, bytes: outcome.bytes, reason: item.reason };
  } catch (error) {
    if (isRefused(error)) throw error;
    const { code, syscall } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT') return { action: 'failed', name, bytes: 0, reason: 'the file disappeared before upload' };
    // A local file system error: the code says it all, the message would repeat the absolute path.
    if (syscall && code) return { action: 'failed', name, bytes: 0, reason: `cannot read: ${code}` };
    return { action: 'failed', name, bytes: 0, reason: failureReason(error) };
  }
}

/** Set Blob HTTP Headers replaces them all, so the ones we do not manage (and the MD5) are sent back unchanged. */
async function updateHeaders(
  container: ContainerClient,
  remote: RemoteBlob,
  headers: UploadItem['headers'],
  size: number,
): Promise<FileResult> {
  try {
    await container.getBlobClient(remote.blobName).setHTTPHeaders(
      {
        blobContentType: headers.contentType,
        blobCacheControl: headers.cacheControl ?? remote.cacheControl,
        blobContentMD5: remote.md5 ? Buffer.from(remote.md5, 'base64') : undefined,
        blobContentEncoding: remote.contentEncoding,
        blobContentLanguage: remote.contentLanguage,
        blobContentDisposition: remote.contentDisposition,
      },
      { conditions: remote.etag ? { ifMatch: remote.etag } : undefined },
    );
    return { action: 'updated', name: remote.name, bytes: size };
  } catch (error) {
    if (isRefused(error)) throw error;
    return { action: 'failed', name: remote.name, bytes: 0, reason: failureReason(error) };
  }
}

function report(context: TransferContext, result: FileResult, progress: ProgressCounter): void {
  context.summary.record(result);
  context.events.file?.(result);
  progress.fileDone();
}

class ProgressCounter {
  private readonly state: Progress;

  constructor(
    phase: Progress['phase'],
    private readonly events: SyncEvents,
    total: number,
    plan?: Plan,
  ) {
    const bytesTotal = plan ? plan.upload.reduce((sum, item) => sum + item.local.size, 0) : 0;
    this.state = { phase, done: 0, total, bytesDone: 0, bytesTotal };
  }

  addBytes(bytes: number): void {
    this.state.bytesDone += bytes;
    this.events.progress?.({ ...this.state });
  }

  fileDone(): void {
    this.state.done++;
    this.events.progress?.({ ...this.state });
  }
}
