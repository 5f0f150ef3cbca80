import { DELETE_MANY_MAX, type DeleteManyOutcome } from '../ports/destination.js';
import { failureReason, isRefused } from '../failures.js';
import type { FileResult, RemoteBlob, SourceEntry } from '../types.js';
import { ProgressCounter } from './progress.js';
import { stopOnRefusal, type TransferContext } from './transfer.js';

const CHANGED = 'changed since it was listed; not deleted';

/**
 * Deletes the plan's extra blobs, each only if it is still the blob that was listed; returns the names (relative to
 * the destination path) of those that are gone. Where the destination deletes many in one request, it is given up to
 * DELETE_MANY_MAX at a time, each blob still counted on its own; where that request is refused as a whole, the run
 * says so once and deletes the rest one by one.
 */
export async function deleteExtras<E extends SourceEntry>(
  context: TransferContext<E>,
  blobs: readonly RemoteBlob[],
): Promise<string[]> {
  const progress = new ProgressCounter('delete', context.events, blobs.length, 0);
  const run = stopOnRefusal(context, progress, 'The storage service refused to delete');
  const gone: string[] = [];
  const noted = (result: FileResult) => {
    if (result.action === 'deleted') gone.push(result.name);
    return result;
  };
  const one = (remote: RemoteBlob) => run.next(async () => noted(await deleteOne(context, remote)));

  const many = context.destination.deleteManyIfUnchanged?.bind(context.destination);
  let unavailable: string | undefined;
  const group = async (blobs: readonly RemoteBlob[]) => {
    let sent = false;
    await run.next(async () => {
      if (!many || unavailable !== undefined) return [];
      let answer;
      try {
        answer = await many(blobs);
      } catch (error) {
        if (isRefused(error)) throw error;
        sent = true;
        return blobs.map((remote) => resultOf(remote, { error }, run.refuse));
      }
      if ('unavailable' in answer) {
        if (unavailable === undefined) {
          unavailable = answer.unavailable;
          context.events.warning?.(
            `Deleting many blobs in one request (Blob Batch) is not available here (${answer.unavailable}); the rest are deleted one by one.`,
          );
        }
        return [];
      }
      sent = true;
      return blobs.map((remote, i) => noted(resultOf(remote, answer.outcomes[i], run.refuse)));
    });
    // One by one, each in a slot of its own; not while holding this one.
    if (!sent && !run.stopped) await Promise.all(blobs.map(one));
  };

  if (many) await Promise.all(groupsOf(blobs, DELETE_MANY_MAX).map(group));
  else await Promise.all(blobs.map(one));
  run.finish();
  return gone;
}

/** One blob's result in a delete of many: a refusal of the credential stops the run as a single delete's would. */
function resultOf(
  remote: RemoteBlob,
  outcome: DeleteManyOutcome | undefined,
  refuse: (error: unknown) => void,
): FileResult {
  const failed = (reason: string): FileResult => ({ action: 'failed', name: remote.name, bytes: 0, reason });
  if (outcome === undefined) return failed('the service gave no response for this blob in the batch');
  if (typeof outcome === 'object') {
    if (isRefused(outcome.error)) refuse(outcome.error);
    return failed(failureReason(outcome.error));
  }
  return outcome === 'changed' ? failed(CHANGED) : deleted(remote);
}

async function deleteOne<E extends SourceEntry>(context: TransferContext<E>, remote: RemoteBlob): Promise<FileResult> {
  try {
    const outcome = await context.destination.deleteIfUnchanged(remote);
    if (outcome === 'changed') return { action: 'failed', name: remote.name, bytes: 0, reason: CHANGED };
    return deleted(remote);
  } catch (error) {
    if (isRefused(error)) throw error;
    return { action: 'failed', name: remote.name, bytes: 0, reason: failureReason(error) };
  }
}

/** Gone, or already gone: either way the blob is no longer there. */
function deleted(remote: RemoteBlob): FileResult {
  return { action: 'deleted', name: remote.name, bytes: remote.size, blobName: remote.blobName };
}

function groupsOf<T>(items: readonly T[], size: number): T[][] {
  const groups: T[][] = [];
  for (let i = 0; i < items.length; i += size) groups.push(items.slice(i, i + size));
  return groups;
}
