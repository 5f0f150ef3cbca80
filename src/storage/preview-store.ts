import type { ContainerClient } from '@azure/storage-blob';
import pLimit from 'p-limit';
import { statusOf } from '../engine/failures.js';
import { isToolState, TOOL_STATE_FOLDER } from '../engine/names/names.js';

/** What a preview run records in the preview folder, so retention counts from the last deploy, not blob dates. */
export interface DeployRecord {
  pullRequest: number;
  commit?: string;
  /** ISO time of the deploy. */
  deployedAt: string;
}

/** The record's name inside a preview folder, in the tool-state folder the sync never lists. */
export const DEPLOY_RECORD = `${TOOL_STATE_FOLDER}/deployed.json`;

/** Deletes in flight when a preview folder is removed. */
const DELETE_CONCURRENCY = 16;

/** The preview folders of a container, seen as whole folders: their deploy records, their removal. */
export class PreviewStore {
  constructor(private readonly container: ContainerClient) {}

  async writeRecord(folderPath: string, record: DeployRecord): Promise<void> {
    const body = Buffer.from(`${JSON.stringify(record, null, 2)}\n`);
    await this.container.getBlockBlobClient(`${folderPath}/${DEPLOY_RECORD}`).upload(body, body.length, {
      blobHTTPHeaders: { blobContentType: 'application/json', blobCacheControl: 'no-store' },
    });
  }

  /** The folder's deploy record; undefined when it has none (or one this version cannot read). */
  async readRecord(folderPath: string): Promise<DeployRecord | undefined> {
    let text: string;
    try {
      text = (await this.container.getBlobClient(`${folderPath}/${DEPLOY_RECORD}`).downloadToBuffer()).toString();
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    try {
      const record = JSON.parse(text) as Partial<DeployRecord>;
      if (typeof record.pullRequest !== 'number' || Number.isNaN(Date.parse(record.deployedAt ?? ''))) return undefined;
      return record as DeployRecord;
    } catch {
      return undefined;
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

  /**
   * Deletes every blob under the folder, the tool's own state included; `removed` hears of each file (not of the
   * state). A dry run only lists them. Returns the files' names and sizes.
   */
  async removeFolder(
    folderPath: string,
    options: { dryRun: boolean; removed?(name: string, bytes: number): void },
  ): Promise<{ name: string; bytes: number }[]> {
    const prefix = `${folderPath}/`;
    const blobs: { blobName: string; name: string; bytes: number }[] = [];
    try {
      for await (const blob of this.container.listBlobsFlat({ prefix })) {
        blobs.push({
          blobName: blob.name,
          name: blob.name.slice(prefix.length),
          bytes: blob.properties.contentLength ?? 0,
        });
      }
    } catch (error) {
      if (statusOf(error) !== 404) throw error; // no container: no preview to remove
    }
    // The record goes last: a removal cut short is still a preview, and the next run finds and finishes it.
    blobs.sort((a, b) => Number(isToolState(a.name)) - Number(isToolState(b.name)));
    const files = blobs.filter((blob) => !isToolState(blob.name));
    if (options.dryRun) return files;
    const limit = pLimit(DELETE_CONCURRENCY);
    const remove = (blob: (typeof blobs)[number]) =>
      limit(async () => {
        try {
          await this.container.getBlobClient(blob.blobName).delete({ deleteSnapshots: 'include' });
        } catch (error) {
          if (statusOf(error) !== 404) throw error;
        }
        if (!isToolState(blob.name)) options.removed?.(blob.name, blob.bytes);
      });
    await Promise.all(files.map(remove));
    await Promise.all(blobs.filter((blob) => isToolState(blob.name)).map(remove));
    return files;
  }
}
