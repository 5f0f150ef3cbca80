import type { BlobRequestConditions, ContainerClient } from '@azure/storage-blob';
import type { RemoteBlob } from '../engine/types.js';
import { isRefused, statusOf } from '../engine/failures.js';
import { blockDigest, BlockIdScheme } from '../engine/transfer/block-ids.js';
import { blobClient } from './blob-url.js';
import type { PutBlob } from './lean-client.js';
import { classifyFatal } from './classify.js';
import type {
  CopyCall,
  CopyRequest,
  DeleteManyResult,
  DeleteOutcome,
  LoadListener,
  StagedBlock,
  StoredHeaders,
  SyncDestination,
  WriteCondition,
  WriteOptions,
} from '../engine/ports/destination.js';
import { deleteBatch } from './batch-delete.js';
import type { LoadRelay } from './load-relay.js';
import { DEFAULT_LIST_LIMITS, eachRemoteBlob, lookupBlob } from './listing/listing.js';
import { checkSasGrants, sasMayRead } from './sas-check.js';
import { type CopyLimits, httpHeaders, ServerCopy } from './server-copy.js';

export interface ContainerTarget {
  container: ContainerClient;
  /** How to name the destination to a person: a URL with no secret in it. */
  label: string;
  /** One request's time limit, which also bounds a stall in the listing's streamed response (default 120 s). */
  tryTimeoutMs?: number;
  /** Which copy call serves which size (tests lower them to reach the larger-blob calls with small blobs). */
  copyLimits?: CopyLimits;
  /** A leaner Put Blob with the same credential, retries and time limit; the SDK's is used without it. */
  putBlob?: PutBlob;
  /** Tells how the service answers this container's requests (see connect.ts). */
  load?: LoadRelay;
}

/** A folder (`destinationPath`) of a blob container, through `@azure/storage-blob`. */
export class ContainerDestination implements SyncDestination {
  readonly label: string;
  private readonly container: ContainerClient;
  private readonly tryTimeoutMs: number;
  private readonly serverCopy: ServerCopy;
  private readonly putBlob?: PutBlob;
  private readonly load?: LoadRelay;

  constructor(
    target: ContainerTarget,
    private readonly destinationPath: string,
  ) {
    this.container = target.container;
    this.label = target.label;
    this.tryTimeoutMs = target.tryTimeoutMs ?? DEFAULT_LIST_LIMITS.tryTimeoutMs;
    this.serverCopy = new ServerCopy(target.copyLimits);
    this.putBlob = target.putBlob;
    this.load = target.load;
  }

  watchLoad(listener: LoadListener): void {
    this.load?.listen(listener);
  }

  checkAccess(needs: { write: boolean; delete: boolean }): void {
    checkSasGrants(this.container.url, needs);
  }

  async list(onBlob: (blob: RemoteBlob) => void): Promise<boolean> {
    const limits = { ...DEFAULT_LIST_LIMITS, tryTimeoutMs: this.tryTimeoutMs };
    try {
      await eachRemoteBlob(this.container, this.destinationPath, onBlob, limits);
      return true;
    } catch (error) {
      if (statusOf(error) === 404) return false;
      throw classifyFatal(error, 'list the container', this.label) ?? error;
    }
  }

  async createContainer(): Promise<void> {
    await this.container.createIfNotExists().catch((error: unknown) => {
      throw classifyFatal(error, 'create the container', this.label) ?? error;
    });
  }

  async put(blobName: string, body: Buffer, headers: StoredHeaders, options: WriteOptions = {}): Promise<void> {
    try {
      await this.putOnce(blobName, body, headers, options);
    } catch (error) {
      if (!(await this.onlyStagedBlocks(error, blobName, options.condition))) throw error;
      // Azurite refuses a Put Blob with If-None-Match: * over blocks staged and never committed, where Azure sees no
      // blob: the same body as one block, committed on the same condition, is right on both.
      await this.putAsOneBlock(blobName, body, headers, options);
    }
  }

  private async putOnce(blobName: string, body: Buffer, headers: StoredHeaders, options: WriteOptions): Promise<void> {
    if (this.putBlob) {
      try {
        return await this.putBlob(blobName, body, headers, options);
      } catch (error) {
        // A 401 may be a challenge (another tenant, fresh claims) that only the SDK's bearer policy answers.
        if (statusOf(error) !== 401) throw error;
      }
    }
    await blobClient(this.container, blobName).upload(body, body.length, {
      blobHTTPHeaders: httpHeaders(headers),
      metadata: headers.metadata,
      tier: options.tier,
      abortSignal: options.abortSignal,
      conditions: requestConditions(options.condition),
    });
  }

  /** Whether a put that wanted no blob there was refused (409) over nothing but staged blocks (see `put`). */
  private async onlyStagedBlocks(error: unknown, blobName: string, condition?: WriteCondition): Promise<boolean> {
    if (statusOf(error) !== 409 || !condition || !('ifNoneMatch' in condition)) return false;
    const staged = await this.stagedBlocks(blobName);
    return staged !== undefined && staged.length > 0 && (await this.lookup(blobName)) === undefined;
  }

  private async putAsOneBlock(
    blobName: string,
    body: Buffer,
    headers: StoredHeaders,
    options: WriteOptions,
  ): Promise<void> {
    const scheme = BlockIdScheme.for(await this.stagedBlocks(blobName), 1);
    const ids = body.length > 0 ? [scheme.id(0, body.length, blockDigest(body))] : [];
    for (const id of ids) await this.stage(blobName, id, body, options);
    await this.commit(blobName, ids, headers, options);
  }

  async stage(blobName: string, blockId: string, body: Buffer, options: WriteOptions = {}): Promise<void> {
    await blobClient(this.container, blobName).stageBlock(blockId, body, body.length, {
      abortSignal: options.abortSignal,
    });
  }

  async stagedBlocks(blobName: string): Promise<StagedBlock[] | undefined> {
    if (!sasMayRead(this.container.url)) return undefined;
    try {
      const list = await blobClient(this.container, blobName).getBlockList('uncommitted');
      return (list.uncommittedBlocks ?? []).map((block) => ({ id: block.name, size: block.size }));
    } catch (error) {
      if (statusOf(error) === 404) return [];
      // Read is a permission of its own: without it, uploads go on whole (a refused write stops the run anyway).
      if (isRefused(error)) return undefined;
      throw error;
    }
  }

  async commit(
    blobName: string,
    blockIds: readonly string[],
    headers: StoredHeaders,
    options: WriteOptions = {},
  ): Promise<void> {
    await blobClient(this.container, blobName).commitBlockList([...blockIds], {
      blobHTTPHeaders: httpHeaders(headers),
      metadata: headers.metadata,
      tier: options.tier,
      abortSignal: options.abortSignal,
      conditions: requestConditions(options.condition),
    });
  }

  lookup(blobName: string): Promise<RemoteBlob | undefined> {
    return lookupBlob(this.container, this.destinationPath, blobName, {
      ...DEFAULT_LIST_LIMITS,
      tryTimeoutMs: this.tryTimeoutMs,
    });
  }

  copyFrom(blobName: string, request: CopyRequest): Promise<CopyCall> {
    return this.serverCopy.copy(blobClient(this.container, blobName), request);
  }

  async setHeaders(blob: RemoteBlob, headers: StoredHeaders): Promise<void> {
    await blobClient(this.container, blob.blobName).setHTTPHeaders(httpHeaders(headers), {
      conditions: blob.etag ? { ifMatch: blob.etag } : undefined,
    });
  }

  async deleteIfUnchanged(blob: RemoteBlob): Promise<DeleteOutcome> {
    try {
      await blobClient(this.container, blob.blobName).delete({
        deleteSnapshots: 'include',
        conditions: blob.etag ? { ifMatch: blob.etag } : undefined,
      });
      return 'deleted';
    } catch (error) {
      if (statusOf(error) === 404) return 'absent';
      if (statusOf(error) === 412) return 'changed';
      throw error;
    }
  }

  deleteManyIfUnchanged(blobs: readonly RemoteBlob[]): Promise<DeleteManyResult> {
    return deleteBatch(this.container, blobs, (blob) => this.deleteIfUnchanged(blob));
  }

  async readState(blobName: string): Promise<{ body: Buffer; etag: string } | undefined> {
    try {
      const response = await blobClient(this.container, blobName).download();
      return { body: await readAll(response.readableStreamBody), etag: response.etag ?? '' };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw classifyFatal(error, 'read the delete grace state', this.label) ?? error;
    }
  }

  async writeState(blobName: string, body: Buffer, etag: string | undefined): Promise<'written' | 'conflict'> {
    try {
      await blobClient(this.container, blobName).upload(body, body.length, {
        conditions: etag ? { ifMatch: etag } : { ifNoneMatch: '*' },
        // Served as JSON and never cached, should the container be a public static website.
        blobHTTPHeaders: { blobContentType: 'application/json', blobCacheControl: 'no-store' },
      });
      return 'written';
    } catch (error) {
      // 412: the etag no longer matches; 409: a state blob appeared since this run found none.
      if (statusOf(error) === 412 || statusOf(error) === 409) return 'conflict';
      throw error;
    }
  }
}

function requestConditions(condition: WriteCondition | undefined): BlobRequestConditions | undefined {
  return condition && { ...condition };
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream ?? []) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks);
}
