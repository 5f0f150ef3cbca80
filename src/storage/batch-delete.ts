import { BlobBatch, type ContainerClient } from '@azure/storage-blob';
import type { DeleteManyOutcome, DeleteManyResult, DeleteOutcome } from '../engine/ports/destination.js';
import { statusOf, storageErrorCode } from '../engine/failures.js';
import { blobClient } from './blob-url.js';
import { RETRIABLE_STATUS } from './retry.js';

/** A blob to delete in a batch; with an etag, only if it is still that version (If-Match). */
export interface BatchedBlob {
  blobName: string;
  etag?: string;
}

/**
 * Deletes up to 256 blobs (and their snapshots) in one Blob Batch request, each sub-request built from the blob's URL
 * (blob-url.ts) and carrying its own condition, and reads each blob's answer on its own: 202 deleted, 404 absent, 412
 * changed, anything else that blob's error. A sub-request the service asks to retry (503, 500, …) is sent again on its
 * own through `single`, with the retry loop's backoff. The whole request may be refused where the service, the
 * credential or a proxy on the way does not take batches (older emulators, some SAS, gateways that break multipart
 * bodies): that is answered as `unavailable`, and the caller deletes one by one. A failure that is no refusal (the
 * service unreachable or failing after every retry) is each blob's error.
 */
export async function deleteBatch<B extends BatchedBlob>(
  container: ContainerClient,
  blobs: readonly B[],
  single: (blob: B) => Promise<DeleteOutcome>,
): Promise<DeleteManyResult> {
  const outcomes: (DeleteManyOutcome | undefined)[] = blobs.map(() => undefined);
  const batch = new BlobBatch();
  const sent: number[] = [];
  for (const [index, blob] of blobs.entries()) {
    try {
      await batch.deleteBlob(blobClient(container, blob.blobName), {
        deleteSnapshots: 'include',
        conditions: blob.etag ? { ifMatch: blob.etag } : undefined,
      });
      sent.push(index);
    } catch (error) {
      // A name no request may address (blob-url.ts refuses it): that blob alone.
      outcomes[index] = { error };
    }
  }
  if (sent.length > 0) {
    let answers;
    try {
      answers = (await container.getBlobBatchClient().submitBatch(batch)).subResponses;
    } catch (error) {
      const refused = refusal(error);
      if (refused) return { unavailable: refused };
      for (const index of sent) outcomes[index] = { error };
      return { outcomes: outcomes as DeleteManyOutcome[] };
    }
    // One answer for many requests: the service refused the batch as a whole inside its 202.
    if (sent.length > 1 && answers.length !== sent.length) return { unavailable: 'it answered the batch as a whole' };
    const retry: number[] = [];
    for (const [position, index] of sent.entries()) {
      const answer = answers[position];
      if (answer && RETRIABLE_STATUS.has(answer.status)) retry.push(index);
      else outcomes[index] = answer ? outcomeOf(answer.status, answer.errorCode) : { error: noAnswer() };
    }
    for (const index of retry) {
      outcomes[index] = await single(blobs[index]!).catch((error: unknown) => ({ error }));
    }
  }
  return { outcomes: outcomes as DeleteManyOutcome[] };
}

function outcomeOf(status: number, errorCode: string | undefined): DeleteManyOutcome {
  if (status >= 200 && status < 300) return 'deleted';
  if (status === 404) return 'absent';
  if (status === 412) return 'changed';
  const code = errorCode && /^\w{1,64}$/.test(errorCode) ? errorCode : undefined;
  const error = Object.assign(new Error(`the service answered ${status} for this blob in a batch`), {
    statusCode: status,
    code,
    details: { errorCode: code },
  });
  return { error };
}

function noAnswer(): Error {
  return new Error('the service gave no answer for this blob in the batch');
}

/**
 * Why the batch request as a whole was refused, or undefined when it failed otherwise. A refusal is an answer the
 * service (or a gateway) gives to the request itself: a client error, 501, or an answer that is no batch answer. The
 * service being busy, failing or out of reach after every retry is no refusal.
 */
function refusal(error: unknown): string | undefined {
  const status = statusOf(error);
  if (typeof status === 'number') {
    if (status >= 500 ? status !== 501 && status !== 505 : status === 408 || status === 429) return undefined;
    const code = storageErrorCode(error);
    return `the service answered ${status}${code && /^\w{1,64}$/.test(code) ? ` ${code}` : ''}`;
  }
  // The SDK's parser throws plain errors for an answer that is not a batch answer; system errors carry a code.
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string' || name === 'AbortError') return undefined;
  return 'its answer could not be read as a batch answer';
}
