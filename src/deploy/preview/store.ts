import { isToolState, TOOL_STATE_FOLDER, unsafeBlobName } from '../../engine/names/blob-name.js';
import type { BlobFolders, FolderBlob } from '../../storage/blob-folders.js';

/** What a preview run records in the preview folder, so retention counts from the last deploy, not blob dates. */
export interface DeployRecord {
  pullRequest: number;
  commit?: string;
  /** ISO time of the deploy. */
  deployedAt: string;
}

/** The record's name inside a preview folder, in the tool-state folder the sync never lists. */
export const DEPLOY_RECORD = `${TOOL_STATE_FOLDER}/deployed.json`;

/** The preview folders of a container, seen as whole folders: their deploy records, their removal. */
export class PreviewStore {
  constructor(private readonly folders: BlobFolders) {}

  async writeRecord(folderPath: string, record: DeployRecord): Promise<void> {
    const body = Buffer.from(`${JSON.stringify(record, null, 2)}\n`);
    await this.folders.write(`${folderPath}/${DEPLOY_RECORD}`, body, 'application/json');
  }

  /** The folder's deploy record; undefined when it has none (or one this version cannot read). */
  async readRecord(folderPath: string): Promise<DeployRecord | undefined> {
    const body = await this.folders.read(`${folderPath}/${DEPLOY_RECORD}`);
    if (!body) return undefined;
    try {
      const record = JSON.parse(body.toString()) as Partial<DeployRecord>;
      if (typeof record.pullRequest !== 'number' || Number.isNaN(Date.parse(record.deployedAt ?? ''))) return undefined;
      return record as DeployRecord;
    } catch {
      return undefined;
    }
  }

  /** The folders directly under `parentPath` ('' for the container root), by name. */
  listFolders(parentPath: string): Promise<string[]> {
    return this.folders.listFolders(parentPath);
  }

  /**
   * Deletes every blob under the folder, the tool's own state included; `removed` hears of each file (not of the
   * state). A blob whose name no request may address (written by another tool) is left alone and `leftAlone` hears of
   * it, as a sync reports one. A dry run only lists them. Returns the files' names and sizes.
   */
  async removeFolder(
    folderPath: string,
    options: {
      dryRun: boolean;
      removed?(name: string, bytes: number): void;
      leftAlone?(name: string, reason: string): void;
    },
  ): Promise<FolderBlob[]> {
    const listed = await this.folders.listBlobs(folderPath);
    const blobs = listed.filter((blob) => {
      const unsafe = unsafeBlobName(blob.blobName);
      if (unsafe) options.leftAlone?.(blob.blobName, unsafe);
      return !unsafe;
    });
    const files = blobs.filter((blob) => !isToolState(blob.name));
    const state = blobs.filter((blob) => isToolState(blob.name));
    if (options.dryRun) return files;
    // The record goes last: a removal cut short is still a preview, and the next run finds and finishes it.
    await this.folders.remove(files, (blob) => options.removed?.(blob.name, blob.bytes));
    await this.folders.remove(state);
    return files;
  }
}
