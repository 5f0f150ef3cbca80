import type { ContainerClient } from '@azure/storage-blob';
import pLimit from 'p-limit';
import { statusOf } from '../engine/failures.js';
import { blobClient } from './blob-url.js';

/** Deletes in flight when a folder is removed. */
const DELETE_CONCURRENCY = 16;

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
  constructor(private readonly container: ContainerClient) {}

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

  /** Deletes the blobs (and their snapshots); one already gone counts as deleted. `deleted` hears of each. */
  async remove(blobs: readonly FolderBlob[], deleted?: (blob: FolderBlob) => void): Promise<void> {
    const limit = pLimit(DELETE_CONCURRENCY);
    await Promise.all(
      blobs.map((blob) =>
        limit(async () => {
          try {
            await blobClient(this.container, blob.blobName).delete({ deleteSnapshots: 'include' });
          } catch (error) {
            if (statusOf(error) !== 404) throw error;
          }
          deleted?.(blob);
        }),
      ),
    );
  }
}
