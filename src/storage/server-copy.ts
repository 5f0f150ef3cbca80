import type { BlobHTTPHeaders, BlockBlobClient } from '@azure/storage-blob';
import { TransferError } from '../engine/errors.js';
import { statusOf, storageErrorCode } from '../engine/failures.js';
import type { CopyCall, CopyRequest, StoredHeaders } from '../engine/ports/destination.js';

const MiB = 1024 * 1024;

/** Which service call copies a blob of which size (README, "A container folder as the source", says why). */
export interface CopyLimits {
  /** Copy Blob From URL: synchronous, one request, the service's limit is 256 MiB. */
  syncCopyMax: number;
  /** Put Blob From URL: synchronous, one request, up to 5000 MiB on Azure (Azurite 3.35 does not implement it). */
  putFromUrlMax: number;
  /** How often a pending asynchronous Copy Blob is polled. */
  pollIntervalMs: number;
}

export const DEFAULT_COPY_LIMITS: CopyLimits = {
  syncCopyMax: 256 * MiB,
  putFromUrlMax: 5000 * MiB,
  pollIntervalMs: 2000,
};

/**
 * Copies one blob service-side, choosing the call by size: Copy Blob From URL up to 256 MiB; Put Blob From URL up to
 * 5000 MiB where the service offers it; beyond that (or where it answers NotImplemented) the asynchronous Copy Blob,
 * polled until it ends. The copy reads only the version that was listed (source If-Match), and the headers end as
 * planned: the copy brings the source's, and any a rule changed are set afterwards on the copied version.
 */
export class ServerCopy {
  /** Set once the service answered NotImplemented to Put Blob From URL, so the run stops asking. */
  private putFromUrlMissing = false;

  constructor(private readonly limits: CopyLimits = DEFAULT_COPY_LIMITS) {}

  async copy(blob: BlockBlobClient, request: CopyRequest): Promise<CopyCall> {
    const { source, size, tier } = request;
    const sourceConditions = source.etag ? { ifMatch: source.etag } : undefined;
    // Where the blob may be written (--immutable: only where none is).
    const conditions = request.condition && { ...request.condition };
    // On Azure the service checks the copied bytes against the MD5 the diff relied on (Azurite ignores it).
    const sourceContentMD5 = request.source.headers.md5 ? Buffer.from(request.source.headers.md5, 'base64') : undefined;

    if (size <= this.limits.syncCopyMax) {
      const response = await blob.syncCopyFromURL(source.url, { tier, conditions, sourceConditions, sourceContentMD5 });
      if (response.copyStatus !== 'success') throw new TransferError(`the copy ended "${response.copyStatus}"`);
      await this.settleHeaders(blob, request, response.etag);
      return 'copy-blob-from-url';
    }
    if (size <= this.limits.putFromUrlMax && !this.putFromUrlMissing) {
      try {
        await blob.syncUploadFromURL(source.url, {
          blobHTTPHeaders: httpHeaders(request.headers),
          copySourceBlobProperties: false,
          tier,
          conditions,
          sourceConditions,
          sourceContentMD5,
        });
        return 'put-blob-from-url';
      } catch (error) {
        if (!isNotImplemented(error)) throw error;
        this.putFromUrlMissing = true;
      }
    }
    const poller = await blob.beginCopyFromURL(source.url, {
      tier,
      conditions,
      sourceConditions,
      intervalInMs: this.limits.pollIntervalMs,
    });
    const done = await poller.pollUntilDone();
    if (done.copyStatus !== 'success') {
      const why = (await blob.getProperties().catch(() => undefined))?.copyStatusDescription;
      throw new TransferError(`the service's copy ended "${done.copyStatus}"${why ? ` (${why})` : ''}`);
    }
    const etag = done.etag ?? (await blob.getProperties()).etag;
    await this.settleHeaders(blob, request, etag);
    return 'copy-blob';
  }

  /** Set Blob HTTP Headers replaces them all, so every header (and the MD5) is sent, only if a rule changed one. */
  private async settleHeaders(blob: BlockBlobClient, request: CopyRequest, etag: string | undefined): Promise<void> {
    if (sameHeaders(request.headers, request.source.headers)) return;
    await blob.setHTTPHeaders(httpHeaders(request.headers), { conditions: etag ? { ifMatch: etag } : undefined });
  }
}

function sameHeaders(a: StoredHeaders, b: StoredHeaders): boolean {
  const keys: (keyof StoredHeaders)[] = [
    'contentType',
    'cacheControl',
    'contentEncoding',
    'contentLanguage',
    'contentDisposition',
    'md5',
  ];
  return keys.every((key) => (a[key] ?? '') === (b[key] ?? ''));
}

function isNotImplemented(error: unknown): boolean {
  const code = storageErrorCode(error);
  return statusOf(error) === 501 || code === 'APINotImplemented' || code === 'NotImplemented';
}

export function httpHeaders(headers: StoredHeaders): BlobHTTPHeaders {
  return {
    blobContentType: headers.contentType,
    blobCacheControl: headers.cacheControl,
    blobContentEncoding: headers.contentEncoding,
    blobContentLanguage: headers.contentLanguage,
    blobContentDisposition: headers.contentDisposition,
    blobContentMD5: headers.md5 ? Buffer.from(headers.md5, 'base64') : undefined,
  };
}
