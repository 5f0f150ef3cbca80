import type { ContainerClient } from '@azure/storage-blob';
import pLimit from 'p-limit';
import { statusOf } from '../engine/failures.js';
import { DELETE_MANY_MAX, type DeleteManyResult } from '../engine/ports/destination.js';
import { blobClient } from './blob-url.js';
import { deleteBatch } from './batch-delete.js';

/** Single deletes in flight when a folder is removed one blob at a time. */
const DELETE_CONCURRENCY = 16;
/** Batches (of up to 256 deletes each) in flight when a folder is removed. */
const BATCH_CONCURRENCY = 4;

/** A blob found under a folder: its full name, its name relative to the folder, its size. */
export interface FolderBlob {
  blobName: string;
  name: string;
  bytes: number;
}

/**
 * A container seen as folders of whole blobs, for what runs beside a sync (preview folders and their records): small
 * blobs written and read whole, the folders under a folder, a folder's blobs, their removal.
 */
export class BlobFolders {
  /** Why deleting many blobs in one request is not available here, once a batch was refused. */
  private batchesUnavailable?: string;

  /** `warning` hears, once, that batches are refused here and blobs are deleted one by one. */
  constructor(
    private readonly container: ContainerClient,
    private readonly warning?: (message: string) => void,
  ) {}

  /** Writes a small blob that is never cached (should the container be a public static website). */
  async write(blobName: string, body: Buffer, contentType: string): Promise<void> {
    await blobClient(this.container, blobName).upload(body, body.length, {
      blobHTTPHeaders: { blobContentType: contentType, blobCacheControl: 'no-store' },
    });
  }

  /** A small blob's content; undefined when there is none. */
  async read(blobName: string): Promise<Buffer | undefined> {
    try {
      return await blobClient(this.container, blobName).downloadToBuffer();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** The folders directly under `parentPath` ('' for the container root), by name. */
  async listFolders(parentPath: string): Promise<string[]> {
    const prefix = parentPath ? `${parentPath}/` : '';
    const folders: string[] = [];
    for await (const item of this.container.listBlobsByHierarchy('/', { prefix })) {
      if (item.kind === 'prefix') folders.push(item.name.slice(prefix.length).replace(/\/$/, ''));
    }
    return folders;
  }

  /** Every blob under the folder; none when the container does not exist. */
  async listBlobs(folderPath: string): Promise<FolderBlob[]> {
    const prefix = `${folderPath}/`;
    const blobs: FolderBlob[] = [];
    try {
      for await (const blob of this.container.listBlobsFlat({ prefix })) {
        blobs.push({
          blobName: blob.name,
          name: blob.name.slice(prefix.length),
          bytes: blob.properties.contentLength ?? 0,
        });
      }
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    return blobs;
  }

  /**
   * Deletes the blobs (and their snapshots), up to 256 a request (Blob Batch), or one by one where batches are refused;
   * one already gone counts as deleted. `deleted` hears of each. The first failure is thrown once the rest are done.
   */
  async remove(blobs: readonly FolderBlob[], deleted?: (blob: FolderBlob) => void): Promise<void> {
    const limit = pLimit(BATCH_CONCURRENCY);
    const failures: unknown[] = [];
    const groups: FolderBlob[][] = [];
    for (let i = 0; i < blobs.length; i += DELETE_MANY_MAX) groups.push(blobs.slice(i, i + DELETE_MANY_MAX));
    const singly: FolderBlob[] = [];
    await Promise.all(
      groups.map((group) =>
        limit(async () => {
          const answer = this.batchesUnavailable === undefined ? await this.batch(group) : undefined;
          if (!answer || 'unavailable' in answer) return void singly.push(...group);
          answer.outcomes.forEach((outcome, i) => {
            if (typeof outcome === 'object') failures.push(outcome.error);
            else deleted?.(group[i]!);
          });
        }),
      ),
    );
    const one = pLimit(DELETE_CONCURRENCY);
    await Promise.all(
      singly.map((blob) =>
        one(async () => {
          try {
            await this.deleteOne(blob);
            deleted?.(blob);
          } catch (error) {
            failures.push(error);
          }
        }),
      ),
    );
    if (failures.length > 0) throw failures[0];
  }

  private async batch(group: readonly FolderBlob[]): Promise<DeleteManyResult> {
    const answer = await deleteBatch(this.container, group, (blob) => this.deleteOne(blob).then(() => 'deleted'));
    if ('unavailable' in answer && this.batchesUnavailable === undefined) {
      this.batchesUnavailable = answer.unavailable;
      this.warning?.(
        `Deleting many blobs in one request (Blob Batch) is not available here (${answer.unavailable}); the rest are deleted one by one.`,
      );
    }
    return answer;
  }

  private async deleteOne(blob: FolderBlob): Promise<void> {
    try {
      await blobClient(this.container, blob.blobName).delete({ deleteSnapshots: 'include' });
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }
}
