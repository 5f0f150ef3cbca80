import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { TransferError } from '../errors.js';
import { failureReason, isRefused, statusOf } from '../failures.js';
import type { FileWriter, FolderDestination } from '../ports/folder.js';
import type { EntryReader, SyncSource } from '../ports/source.js';
import type { FileResult, RemoteBlob, UploadItem } from '../types.js';
import type { BandwidthCap } from './bandwidth.js';
import type { ByteBudget } from './budget.js';
import type { Md5Workers, StreamHash } from './md5-workers.js';

const MiB = 1024 * 1024;
/** Bytes asked for in one ranged read. */
export const RANGE_SIZE = 8 * MiB;
/** Ranged reads of one file in flight at once. */
const RANGES_IN_FLIGHT = 8;
/** A stream's bytes are written in groups of this size: a few large writes, not one per network chunk. */
const WRITE_SIZE = 1 * MiB;

export interface DownloadContext {
  source: SyncSource<RemoteBlob>;
  destination: FolderDestination;
  budget: ByteBudget;
  /** The run's bandwidth cap, when it has one: bytes are paid for before they are asked for. */
  bandwidth?: BandwidthCap;
  /** Where large files are hashed (see md5-workers.ts). */
  md5: Md5Workers;
  onBytes?(bytes: number): void;
}

/** What the written file must be: its size and, when known, its MD5 (of the decoded bytes, for a decoded blob). */
interface Expected {
  size: number;
  md5?: string;
  /** The stored bytes are br or gzip and the file is what the upload encoded: decode them. */
  decode?: 'br' | 'gzip';
}

/**
 * Downloads one blob into the local folder: into a partial file beside the target (resumed from where an interrupted
 * run stopped, when it is of this blob version), checked against the blob's MD5 as a whole, then renamed over the
 * target with the blob's Last-Modified as its time. Every read is conditional on the listed ETag, so a blob that
 * changes meanwhile fails the file instead of mixing versions. A mismatch keeps the old file and drops the partial
 * one; any other failure keeps the partial file for the next run.
 */
export async function downloadOne(context: DownloadContext, item: UploadItem<RemoteBlob>): Promise<FileResult> {
  const blob = item.local;
  const name = item.blobName;
  let writer: FileWriter | undefined;
  try {
    writer = await context.destination.write(name, { etag: blob.etag, size: blob.size });
    const expected = expectedFile(blob);
    const reader = await context.source.open(blob);
    let fetched: number;
    let hash: StreamHash;
    try {
      ({ fetched, hash } = expected.decode
        ? await fetchDecoded(context, reader, writer, expected.decode)
        : await fetchResumed(context, reader, writer));
    } finally {
      await reader.close();
    }
    const written = hash.written;
    const md5 = await hash.digest();
    if (expected.md5 !== undefined && md5 !== expected.md5) {
      await writer.abandon(false);
      return failed(
        name,
        `its bytes do not match the blob's MD5 (${md5} read, ${expected.md5} stored); the old file was kept`,
      );
    }
    if (written !== expected.size) {
      await writer.abandon(false);
      return failed(name, `${written} bytes arrived where the blob holds ${expected.size}; the old file was kept`);
    }
    await writer.commit(new Date(blob.lastModified ?? Date.now()));
    const resumed = writer.resumeFrom > 0 && !expected.decode ? `, resumed after ${writer.resumeFrom} bytes` : '';
    return { action: 'downloaded', name, bytes: fetched, reason: `${item.reason}${resumed}` };
  } catch (error) {
    if (statusOf(error) === 412) {
      await writer?.abandon(false);
      return failed(name, 'the blob changed while it was being downloaded (412); run again');
    }
    await writer?.abandon(true).catch(() => undefined);
    if (isRefused(error)) throw error;
    return failed(name, failureReason(error));
  }
}

/** The size and MD5 the file must have: the source's own for a blob the upload stored encoded, else the blob's. */
function expectedFile(blob: RemoteBlob): Expected {
  const stored = blob.contentEncoding?.trim().toLowerCase();
  if (blob.source && (stored === 'br' || stored === 'gzip') && stored === blob.source.encoding) {
    return { size: blob.source.size, md5: blob.source.md5, decode: stored };
  }
  return { size: blob.size, md5: blob.md5 };
}

/** The stored bytes as they are, from where an interrupted run stopped; what it wrote is read back and hashed. */
async function fetchResumed(
  context: DownloadContext,
  reader: EntryReader,
  writer: FileWriter,
): Promise<{ fetched: number; hash: StreamHash }> {
  const hash = context.md5.hashFor(reader.size);
  for (let at = 0; at < writer.resumeFrom; at += RANGE_SIZE) {
    await hash.update([await writer.readPartial(Math.min(RANGE_SIZE, writer.resumeFrom - at), at)]);
  }
  let fetched = 0;
  const take = async (pieces: Buffer[]) => {
    await writer.append(...pieces);
    await hash.update(pieces);
    for (const piece of pieces) {
      fetched += piece.length;
      context.onBytes?.(piece.length);
    }
  };
  if (reader.stream && reader.size - writer.resumeFrom > RANGE_SIZE) {
    // A large file streams in one request (no request, and no whole buffer, per range), written in a few large writes.
    const groups = gathered(WRITE_SIZE, reader.stream(writer.resumeFrom));
    for await (const pieces of paced(groups, reader.size - writer.resumeFrom, context.bandwidth)) await take(pieces);
  } else {
    for await (const bytes of rangesInOrder(reader, writer.resumeFrom, reader.size, context)) await take([bytes]);
  }
  return { fetched, hash };
}

/** The stored bytes decoded as they stream in; a decoded file is always written from its first byte. */
async function fetchDecoded(
  context: DownloadContext,
  reader: EntryReader,
  writer: FileWriter,
  encoding: 'br' | 'gzip',
): Promise<{ fetched: number; hash: StreamHash }> {
  if (writer.resumeFrom > 0) await writer.restart();
  const hash = context.md5.hashFor(0);
  let fetched = 0;
  const stored = async function* () {
    for await (const bytes of rangesInOrder(reader, 0, reader.size, context)) {
      fetched += bytes.length;
      context.onBytes?.(bytes.length);
      yield bytes;
    }
  };
  const decoder = encoding === 'br' ? zlib.createBrotliDecompress() : zlib.createGunzip();
  try {
    await pipeline(Readable.from(stored()), decoder, async (decoded: AsyncIterable<Buffer>) => {
      for await (const bytes of decoded) {
        await hash.update([bytes]);
        await writer.append(bytes);
      }
    });
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('Z_') || (error as { errno?: number }).errno !== undefined) {
      throw new TransferError(`its stored ${encoding} bytes cannot be decoded (${(error as Error).message})`);
    }
    throw error;
  }
  return { fetched, hash };
}

/**
 * The bytes [start, end) in ranged reads, several in flight, handed over in order. Each read's buffer is taken from
 * the run's byte budget and given back once the consumer has it, so memory stays bounded across all files; with a
 * bandwidth cap, each read is paid for before it is asked for.
 */
async function* rangesInOrder(
  reader: EntryReader,
  start: number,
  end: number,
  { budget, bandwidth }: Pick<DownloadContext, 'budget' | 'bandwidth'>,
): AsyncGenerator<Buffer> {
  const pending: Promise<{ bytes: Buffer; taken: number }>[] = [];
  let next = start;
  const launch = () => {
    const at = next;
    const length = Math.min(RANGE_SIZE, end - at);
    next += length;
    const read = budget.acquire(length).then(async (taken) => {
      try {
        await bandwidth?.take(length);
        return { bytes: await reader.read(length, at), taken };
      } catch (error) {
        budget.release(taken);
        throw error;
      }
    });
    read.catch(() => undefined); // awaited in turn below; until then its failure is not unhandled
    pending.push(read);
  };
  try {
    while (pending.length < RANGES_IN_FLIGHT && next < end) launch();
    while (pending.length > 0) {
      const { bytes, taken } = await pending.shift()!;
      if (next < end) launch();
      try {
        yield bytes;
      } finally {
        budget.release(taken);
      }
    }
  } finally {
    // Reads still in flight when the consumer stopped early give their buffers back as they land.
    for (const read of pending)
      void read.then(
        ({ taken }) => budget.release(taken),
        () => undefined,
      );
  }
}

/**
 * A stream's groups (of `total` bytes in all), each paid for before it is pulled when there is a bandwidth cap, so the
 * download runs no further ahead of the cap than the stream's own buffers; what a group holds beyond what was paid is
 * paid with the next.
 */
async function* paced(
  groups: AsyncGenerator<Buffer[]>,
  total: number,
  bandwidth: BandwidthCap | undefined,
): AsyncGenerator<Buffer[]> {
  if (!bandwidth) return yield* groups;
  let credit = 0;
  let left = total;
  try {
    for (;;) {
      const owed = Math.min(WRITE_SIZE, left) - credit;
      if (owed > 0) {
        await bandwidth.take(owed);
        credit += owed;
      }
      const next = await groups.next();
      if (next.done) return;
      const size = next.value.reduce((sum, piece) => sum + piece.length, 0);
      credit -= size;
      left -= size;
      yield next.value;
    }
  } finally {
    await groups.return(undefined);
  }
}

/** The stream's bytes gathered into groups of at least `size` bytes (the last may be smaller), written at once. */
async function* gathered(size: number, stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer[]> {
  let group: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    group.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield group;
      group = [];
      length = 0;
    }
  }
  if (group.length > 0) yield group;
}

function failed(name: string, reason: string): FileResult {
  return { action: 'failed', name, bytes: 0, reason };
}
