import { createHash } from 'node:crypto';
import type {
  CopyCall,
  CopyRequest,
  DeleteManyResult,
  DeleteOutcome,
  StagedBlock,
  StoredHeaders,
  SyncDestination,
  WriteCondition,
  WriteOptions,
} from '../../src/engine/ports/destination.js';
import { TransferError } from '../../src/engine/errors.js';
import { encodedSourceOf } from '../../src/engine/plan/encoding.js';
import type { PathFilter } from '../../src/engine/plan/path-filter.js';
import type { CopySource, EntryReader, SourceListing, SyncSource } from '../../src/engine/ports/source.js';
import type { DesiredHeaders, RemoteBlob, SourceEntry } from '../../src/engine/types.js';

export const md5 = (body: Buffer | string) => createHash('md5').update(body).digest('base64');

/**
 * A source held in memory: content by name, or an error text for an entry that cannot be read. `changeWhileOpen`
 * names entries whose content moves on after they are opened (as a file rewritten mid-upload).
 */
export class MemorySource implements SyncSource {
  readonly label = 'memory:source';
  readonly opened: string[] = [];
  readonly changeWhileOpen = new Set<string>();
  private readonly content = new Map<string, Buffer | Error>();

  constructor(files: Record<string, string | Buffer | Error>) {
    for (const [name, value] of Object.entries(files))
      this.content.set(name, typeof value === 'string' ? Buffer.from(value) : value);
  }

  async list(filter: PathFilter): Promise<SourceListing<SourceEntry>> {
    const names = [...this.content.keys()].sort();
    const entries = names
      .filter((name) => filter.matches(name))
      .map((name) => ({ name, size: sizeOf(this.content.get(name)!) }));
    return { entries, problems: [], warnings: [], filteredOut: names.length - entries.length };
  }

  async hash(entries: readonly SourceEntry[]): Promise<Map<SourceEntry, string>> {
    const errors = new Map<SourceEntry, string>();
    for (const entry of entries) {
      const value = this.content.get(entry.name)!;
      if (value instanceof Error) errors.set(entry, value.message);
      else entry.md5 = md5(value);
    }
    return errors;
  }

  async open(entry: SourceEntry): Promise<EntryReader> {
    this.opened.push(entry.name);
    const value = this.content.get(entry.name)!;
    if (value instanceof Error) throw new TransferError(`cannot read: ${value.message}`);
    const changes = this.changeWhileOpen.has(entry.name);
    return {
      size: value.length,
      read: async (length, position) => Buffer.from(value.subarray(position, position + length)),
      verifyUnchanged: async (outcome = 'nothing was committed') => {
        if (changes) throw new TransferError(`the file changed while it was being uploaded; ${outcome}`);
      },
      close: async () => {},
    };
  }

  async close(): Promise<void> {}
}

function sizeOf(value: Buffer | Error): number {
  return value instanceof Error ? 0 : value.length;
}

export interface StoredBlob {
  content: Buffer;
  headers: StoredHeaders;
  etag: string;
}

/** An operation the destination was asked for, in the order the calls started. */
export interface Operation {
  op:
    | 'list'
    | 'create'
    | 'put'
    | 'stage'
    | 'stagedBlocks'
    | 'commit'
    | 'lookup'
    | 'setHeaders'
    | 'delete'
    | 'deleteMany'
    | 'readState'
    | 'writeState'
    | 'copy';
  blobName?: string;
  /** When the call finished, in the order calls finished (undefined while in flight or when it failed). */
  finished?: number;
}

/** A service-shaped error, read by status code as the storage SDK's RestError is. */
export function serviceError(statusCode: number, message = `the service answered ${statusCode}`, code?: string): Error {
  return Object.assign(new Error(message), { statusCode, ...(code ? { details: { errorCode: code } } : {}) });
}

/**
 * A destination held in memory with the service's rules: etags change on every write, conditional calls fail with
 * 412 when the blob moved on (409 when one was to be new), blocks are invisible until committed and all of one ID
 * length, a commit discards the blocks it leaves out. `fault` injects an error into a chosen call;
 * `beforeCall` runs before each call (to change a blob behind the engine's back); every call is recorded.
 */
export class MemoryDestination implements SyncDestination {
  readonly label = 'memory:destination';
  readonly blobs = new Map<string, StoredBlob>();
  readonly operations: Operation[] = [];
  exists = true;
  fault?: (op: Operation['op'], blobName?: string) => Error | undefined;
  beforeCall?: (op: Operation['op'], blobName?: string) => void;
  private readonly staged = new Map<string, Buffer>();
  private version = 0;
  private finishedCount = 0;

  constructor(private readonly prefix = '') {}

  /** Puts a blob in place as another tool would, outside the sync. */
  seed(blobName: string, content: string, headers: Partial<StoredHeaders> = {}): void {
    const body = Buffer.from(content);
    this.blobs.set(blobName, {
      content: body,
      headers: { contentType: 'text/plain', md5: md5(body), ...headers },
      etag: this.nextEtag(),
    });
  }

  checkAccess(): void {}

  async list(onBlob: (blob: RemoteBlob) => void): Promise<boolean> {
    return this.call('list', undefined, () => {
      if (!this.exists) return false;
      for (const [blobName, blob] of [...this.blobs].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const name = this.prefix ? blobName.slice(this.prefix.length + 1) : blobName;
        if (this.prefix && !blobName.startsWith(`${this.prefix}/`)) continue;
        onBlob({
          name,
          blobName,
          size: blob.content.length,
          etag: blob.etag,
          ...remoteHeaders(blob.headers),
        });
      }
      return true;
    });
  }

  async createContainer(): Promise<void> {
    return this.call('create', undefined, () => {
      this.exists = true;
    });
  }

  /** Whether a credential may read block lists (a SAS without r may not). */
  mayRead = true;

  async put(blobName: string, body: Buffer, headers: StoredHeaders, options: WriteOptions = {}): Promise<void> {
    return this.call('put', blobName, () => {
      this.check(blobName, options.condition);
      this.dropStaged(blobName);
      this.store(blobName, Buffer.from(body), headers);
    });
  }

  async stage(blobName: string, blockId: string, body: Buffer): Promise<void> {
    return this.call('stage', blobName, () => {
      // The service compares the IDs' lengths before base64.
      const bytes = (id: string) => Buffer.from(id, 'base64').length;
      const other = this.stagedOf(blobName).find((block) => bytes(block.id) !== bytes(blockId));
      if (other) throw serviceError(400, 'InvalidBlobOrBlock', 'InvalidBlobOrBlock');
      this.staged.set(`${blobName}\n${blockId}`, Buffer.from(body));
    });
  }

  async stagedBlocks(blobName: string): Promise<StagedBlock[] | undefined> {
    return this.call('stagedBlocks', blobName, () => (this.mayRead ? this.stagedOf(blobName) : undefined));
  }

  async commit(
    blobName: string,
    blockIds: readonly string[],
    headers: StoredHeaders,
    options: WriteOptions = {},
  ): Promise<void> {
    return this.call('commit', blobName, () => {
      this.check(blobName, options.condition);
      const parts = blockIds.map((id) => this.staged.get(`${blobName}\n${id}`));
      if (parts.some((part) => !part)) throw serviceError(400, 'InvalidBlockList');
      this.dropStaged(blobName);
      this.store(blobName, Buffer.concat(parts as Buffer[]), headers);
    });
  }

  async lookup(blobName: string): Promise<RemoteBlob | undefined> {
    return this.call('lookup', blobName, () => {
      const blob = this.blobs.get(blobName);
      if (!blob) return undefined;
      const name = this.prefix ? blobName.slice(this.prefix.length + 1) : blobName;
      return { name, blobName, size: blob.content.length, etag: blob.etag, ...remoteHeaders(blob.headers) };
    });
  }

  /** Stages a block as an interrupted upload (or another tool) would have. */
  seedStaged(blobName: string, blockId: string, body: Buffer): void {
    this.staged.set(`${blobName}\n${blockId}`, Buffer.from(body));
  }

  private stagedOf(blobName: string): StagedBlock[] {
    const prefix = `${blobName}\n`;
    return [...this.staged]
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, body]) => ({ id: key.slice(prefix.length), size: body.length }));
  }

  private dropStaged(blobName: string): void {
    for (const block of this.stagedOf(blobName)) this.staged.delete(`${blobName}\n${block.id}`);
  }

  /** A write's condition, as the service checks it: 409 for a blob that was to be new, 412 for one that moved on. */
  private check(blobName: string, condition: WriteCondition | undefined): void {
    const stored = this.blobs.get(blobName);
    if (!condition) return;
    if ('ifNoneMatch' in condition) {
      if (stored) throw serviceError(409, 'BlobAlreadyExists', 'BlobAlreadyExists');
    } else if (stored?.etag !== condition.ifMatch) {
      throw serviceError(412, 'ConditionNotMet', 'ConditionNotMet');
    }
  }

  /** Copies from a MemoryBlobSource's URL, as the service would: the listed version only, its headers along. */
  async copyFrom(blobName: string, request: CopyRequest): Promise<CopyCall> {
    return this.call('copy', blobName, () => {
      const source = MemoryBlobSource.resolve(request.source.url);
      if (!source) throw serviceError(404, 'CannotVerifyCopySource');
      if (request.source.etag && source.etag !== request.source.etag) throw serviceError(412, 'SourceConditionNotMet');
      this.check(blobName, request.condition);
      this.store(blobName, Buffer.from(source.content), request.headers);
      return 'copy-blob-from-url';
    });
  }

  async setHeaders(blob: RemoteBlob, headers: StoredHeaders): Promise<void> {
    return this.call('setHeaders', blob.blobName, () => {
      const stored = this.blobs.get(blob.blobName);
      if (!stored) throw serviceError(404, 'BlobNotFound');
      if (blob.etag && stored.etag !== blob.etag) throw serviceError(412, 'ConditionNotMet');
      // Set Blob HTTP Headers leaves the metadata as it was.
      stored.headers = { ...headers, metadata: stored.headers.metadata };
      stored.etag = this.nextEtag();
    });
  }

  async deleteIfUnchanged(blob: RemoteBlob): Promise<DeleteOutcome> {
    return this.call('delete', blob.blobName, () => this.removeIfUnchanged(blob));
  }

  protected removeIfUnchanged(blob: RemoteBlob): DeleteOutcome {
    const stored = this.blobs.get(blob.blobName);
    if (!stored) return 'absent';
    if (blob.etag && stored.etag !== blob.etag) return 'changed';
    this.blobs.delete(blob.blobName);
    return 'deleted';
  }

  async readState(blobName: string): Promise<{ body: Buffer; etag: string } | undefined> {
    return this.call('readState', blobName, () => {
      const stored = this.blobs.get(blobName);
      return stored && { body: Buffer.from(stored.content), etag: stored.etag };
    });
  }

  async writeState(blobName: string, body: Buffer, etag: string | undefined): Promise<'written' | 'conflict'> {
    return this.call('writeState', blobName, () => {
      const stored = this.blobs.get(blobName);
      if (etag ? stored?.etag !== etag : stored !== undefined) return 'conflict';
      this.store(blobName, Buffer.from(body), { contentType: 'application/json', md5: md5(body) });
      return 'written';
    });
  }

  /** The calls of one kind, in the order they started. */
  calls(op: Operation['op']): Operation[] {
    return this.operations.filter((operation) => operation.op === op);
  }

  protected async call<T>(op: Operation['op'], blobName: string | undefined, work: () => T): Promise<T> {
    const operation: Operation = { op, blobName };
    this.operations.push(operation);
    this.beforeCall?.(op, blobName);
    // A turn of the event loop, so calls in flight overlap as they do over a network.
    await new Promise((resolve) => setImmediate(resolve));
    const fault = this.fault?.(op, blobName);
    if (fault) throw fault;
    const result = work();
    operation.finished = ++this.finishedCount;
    return result;
  }

  private store(blobName: string, content: Buffer, headers: StoredHeaders): void {
    this.blobs.set(blobName, { content, headers: { ...headers }, etag: this.nextEtag() });
  }

  private nextEtag(): string {
    return `"0x${(++this.version).toString(16)}"`;
  }
}

/**
 * A MemoryDestination that also deletes many blobs in one call, as the Blob Batch API does: each blob keeps its own
 * condition and outcome. `refuseBatches` has every such call refused as a whole; `subFault` gives one blob an error
 * inside a batch (a sub-response). `batchSizes` records each call's number of blobs.
 */
export class BatchingMemoryDestination extends MemoryDestination {
  refuseBatches = false;
  subFault?: (blobName: string) => Error | undefined;
  readonly batchSizes: number[] = [];

  async deleteManyIfUnchanged(blobs: readonly RemoteBlob[]): Promise<DeleteManyResult> {
    this.batchSizes.push(blobs.length);
    return this.call('deleteMany', undefined, () => {
      if (this.refuseBatches) return { unavailable: 'the service answered 400 InvalidInput' };
      return {
        outcomes: blobs.map((blob) => {
          this.beforeCall?.('delete', blob.blobName);
          const error = this.subFault?.(blob.blobName);
          return error ? { error } : this.removeIfUnchanged(blob);
        }),
      };
    });
  }
}

function remoteHeaders(headers: StoredHeaders): Omit<RemoteBlob, 'name' | 'blobName' | 'size' | 'etag'> {
  const source = headers.metadata && encodedSourceOf(headers.metadata);
  return {
    ...(source ? { source } : {}),
    md5: headers.md5,
    contentType: headers.contentType,
    cacheControl: headers.cacheControl,
    contentEncoding: headers.contentEncoding,
    contentLanguage: headers.contentLanguage,
    contentDisposition: headers.contentDisposition,
  };
}

/**
 * A container folder held in memory, copied by a MemoryDestination through `memory://` URLs and never opened: the
 * in-memory stand-in for ContainerFolderSource in orchestration tests.
 */
export class MemoryBlobSource implements SyncSource<RemoteBlob> {
  private static readonly byUrl = new Map<string, StoredBlob>();
  private static sources = 0;
  readonly label: string;
  readonly opened: string[] = [];
  private readonly blobs = new Map<string, StoredBlob>();
  private readonly id = ++MemoryBlobSource.sources;
  private version = 0;

  constructor(blobs: Record<string, string | { content: string; headers: Partial<StoredHeaders> }>) {
    this.label = `memory://source-${this.id}`;
    for (const [name, value] of Object.entries(blobs)) {
      const { content, headers } = typeof value === 'string' ? { content: value, headers: {} } : value;
      this.set(name, content, headers);
    }
  }

  static resolve(url: string): StoredBlob | undefined {
    return MemoryBlobSource.byUrl.get(url);
  }

  /** Writes a source blob (a new version, with a new etag). */
  set(name: string, content: string, headers: Partial<StoredHeaders> = {}): void {
    const body = Buffer.from(content);
    const blob = {
      content: body,
      headers: { contentType: 'application/octet-stream', md5: md5(body), ...headers },
      etag: `"src-${this.id}-${++this.version}"`,
    };
    this.blobs.set(name, blob);
    MemoryBlobSource.byUrl.set(`${this.label}/${name}`, blob);
  }

  async list(filter: PathFilter): Promise<SourceListing<RemoteBlob>> {
    const names = [...this.blobs.keys()].sort();
    const entries = names
      .filter((name) => filter.matches(name))
      .map((name) => {
        const blob = this.blobs.get(name)!;
        return { name, blobName: name, size: blob.content.length, etag: blob.etag, ...remoteHeaders(blob.headers) };
      });
    return { entries, problems: [], warnings: [], filteredOut: names.length - entries.length };
  }

  async hash(): Promise<Map<RemoteBlob, string>> {
    return new Map();
  }

  async open(entry: RemoteBlob): Promise<EntryReader> {
    this.opened.push(entry.name);
    throw new TransferError('a copy source is never opened');
  }

  async copySource(entry: RemoteBlob): Promise<CopySource> {
    const { md5: sourceMd5, contentType, cacheControl, contentEncoding, contentLanguage, contentDisposition } = entry;
    return {
      url: `${this.label}/${entry.blobName}`,
      etag: entry.etag,
      headers: {
        contentType: contentType ?? '',
        cacheControl,
        contentEncoding,
        contentLanguage,
        contentDisposition,
        md5: sourceMd5,
      },
    };
  }

  inheritedHeaders(entry: RemoteBlob): Partial<DesiredHeaders> {
    return { contentType: entry.contentType, cacheControl: entry.cacheControl };
  }

  async close(): Promise<void> {}
}
