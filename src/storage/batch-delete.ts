import { BlobBatch, type ContainerClient } from '@azure/storage-blob';
import type { DeleteManyOutcome, DeleteManyResult, DeleteOutcome } from '../engine/ports/destination.js';
import { statusOf, storageErrorCode } from '../engine/failures.js';
import { blobClient } from './blob-url.js';
import { RETRIABLE_STATUS } from './retry.js';
import { serviceError } from './service-error.js';

/** A blob to delete in a batch; with an etag, only if it is still that version (If-Match). */
export interface BatchedBlob {
  blobName: string;
  etag?: string;
}

/**
 * Deletes up to 256 blobs (and their snapshots) in one Blob Batch request, each sub-request built from the blob's URL
 * (blob-url.ts) and carrying its own condition, and reads each blob's response on its own: 202 deleted, 404 absent, 412
 * changed, anything else that blob's error. A sub-request the service asks to retry (503, 500, …) is sent again on its
 * own through `single`, with the retry loop's backoff. The whole request may be refused where the service, the
 * credential or a proxy on the way does not take batches (older emulators, some SAS, gateways that break multipart
 * bodies): that is answered as `unavailable`, and the caller deletes one by one. A request that got no response at
 * all (the service out of reach after every retry) is each blob's error.
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
    let responses;
    try {
      responses = (await container.getBlobBatchClient().submitBatch(batch)).subResponses;
    } catch (error) {
      const refused = refusal(error);
      if (refused) return { unavailable: refused };
      for (const index of sent) outcomes[index] = { error };
      return { outcomes: outcomes as DeleteManyOutcome[] };
    }
    // One response for many requests: the service refused the batch as a whole inside its 202.
    if (sent.length > 1 && responses.length !== sent.length) return { unavailable: 'it answered the batch as a whole' };
    const retry: number[] = [];
    for (const [position, index] of sent.entries()) {
      const response = responses[position];
      if (response && RETRIABLE_STATUS.has(response.status)) retry.push(index);
      else outcomes[index] = response ? outcomeOf(response.status, response.errorCode) : { error: noResponse() };
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
  const header = (name: string) => (name === 'x-ms-error-code' ? errorCode : undefined);
  return {
    error: serviceError({
      status,
      header,
      parsed: { Message: `The service answered ${status} for this blob in a batch` },
    }),
  };
}

function noResponse(): Error {
  return new Error('the service gave no response for this blob in the batch');
}

/**
 * Why the batch request as a whole was refused, or undefined when it never got a response. Any error status after the
 * retries counts (a client error, 501, a server error that lasts: Azurite answers 500 to a batch under an account
 * SAS), and so does a response that is no batch response: single deletes may well pass where the batch does not. A
 * service out of reach is out of reach for single deletes too.
 */
function refusal(error: unknown): string | undefined {
  const status = statusOf(error);
  if (typeof status === 'number') {
    const code = storageErrorCode(error);
    return `the service answered ${status}${code && /^\w{1,64}$/.test(code) ? ` ${code}` : ''}`;
  }
  // The SDK's parser throws plain errors for a response that is no batch response; system errors carry a code.
  const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
  if (typeof code === 'string' || name === 'AbortError') return undefined;
  return 'its response could not be read as a batch response';
}
