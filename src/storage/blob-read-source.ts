import { TransferError } from '../engine/errors.js';
import type { PathFilter } from '../engine/plan/path-filter.js';
import type { EntryReader, SourceListing, SyncSource } from '../engine/ports/source.js';
import type { RemoteBlob } from '../engine/types.js';
import { blobClient } from './blob-url.js';
import type { ReadRange } from './lean-client.js';
import type { LoadRelay } from './load-relay.js';
import type { LoadListener } from '../engine/ports/destination.js';
import { type ContainerFolder, listSourceFolder } from './container-source.js';

/** A container folder to read: its listing client, and the lean ranged read when there is one (see lean-client.ts). */
export type ReadFolder = Pick<ContainerFolder, 'container' | 'path' | 'label' | 'tryTimeoutMs'> & {
  readRange?: ReadRange;
  /** Tells how the service answers this folder's requests (see connect.ts). */
  load?: LoadRelay;
};

/**
 * A container folder read by the runner, for a download: listed with each blob's Last-Modified and the folder stubs
 * (a download creates them), and read in ranges, each conditional on the listed ETag, so a blob that changes during
 * the download fails the file instead of mixing two versions.
 */
export class BlobReadSource implements SyncSource<RemoteBlob> {
  readonly label: string;

  constructor(private readonly folder: ReadFolder) {
    this.label = folder.label;
  }

  async list(filter: PathFilter): Promise<SourceListing<RemoteBlob>> {
    const { entries, filteredOut } = await listSourceFolder(this.folder, filter, { lastModified: true, folders: true });
    return { entries, problems: [], warnings: [], filteredOut };
  }

  watchLoad(listener: LoadListener): void {
    this.folder.load?.listen(listener);
  }

  /** Nothing to compute: the listing carries every MD5 there is. */
  async hash(): Promise<Map<RemoteBlob, string>> {
    return new Map();
  }

  async open(entry: RemoteBlob): Promise<EntryReader> {
    return new BlobReader(this.folder, entry);
  }

  async close(): Promise<void> {}
}

/** Times a streamed read that broke off is asked for again from where it stopped. */
const STREAM_RETRIES = 5;

class BlobReader implements EntryReader {
  readonly size: number;

  constructor(
    private readonly folder: ReadFolder,
    private readonly blob: RemoteBlob,
  ) {
    this.size = blob.size;
  }

  async read(length: number, position: number): Promise<Buffer> {
    if (this.folder.readRange) return this.folder.readRange(this.blob.blobName, position, length, this.blob.etag);
    const response = await blobClient(this.folder.container, this.blob.blobName).download(position, length, {
      conditions: this.blob.etag ? { ifMatch: this.blob.etag } : undefined,
    });
    const bytes = await readAll(response.readableStreamBody, length);
    if (bytes.length !== length) {
      throw new TransferError(`the blob ended after ${position + bytes.length} of ${this.size} bytes`);
    }
    return bytes;
  }

  /**
   * The rest of the blob from `position` in one Get Blob, as the SDK streams it: a response that breaks off midway is
   * asked for again from where it stopped, still conditional on the listed ETag.
   */
  async *stream(position: number): AsyncIterable<Buffer> {
    const response = await blobClient(this.folder.container, this.blob.blobName).download(position, undefined, {
      conditions: this.blob.etag ? { ifMatch: this.blob.etag } : undefined,
      maxRetryRequests: STREAM_RETRIES,
    });
    let received = 0;
    for await (const chunk of response.readableStreamBody ?? []) {
      received += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (position + received !== this.size) {
      throw new TransferError(`the blob ended after ${position + received} of ${this.size} bytes`);
    }
  }

  /** Every read was conditional on the listed ETag: nothing to check afterwards. */
  async verifyUnchanged(): Promise<void> {}

  async close(): Promise<void> {}
}

/** A response body into one buffer of the expected length (copied once). */
async function readAll(stream: NodeJS.ReadableStream | undefined, expected: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream ?? []) {
    const bytes = chunk as Buffer;
    chunks.push(bytes);
    total += bytes.length;
    if (total > expected) break;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}
