import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sourceMetadata } from '../plan/encoding.js';
import type { EntryReader } from '../ports/source.js';
import { createEncoder, encodeBuffer, type ContentEncoding } from './encode.js';
import { putWhole, SINGLE_SHOT_MAX, upload, type UploadOutcome, type UploadRequest } from './upload.js';

const MiB = 1024 * 1024;
/** Source bytes read per step while a large file is encoded. */
const READ_CHUNK = 1 * MiB;
/**
 * What one streaming encoder holds, taken from the run's byte budget while it works, so a run of many large files
 * does not multiply it unbounded: a brotli stream (window 4 MiB, one read chunk in flight) holds several MiB, a gzip
 * stream far less (docs/performance.md).
 */
export const ENCODER_MEMORY = 16 * MiB;

export interface EncodedUploadRequest extends UploadRequest {
  encoding: ContentEncoding;
}

export interface EncodedUploadOutcome extends UploadOutcome {
  /** Whether the blob holds encoded bytes: false when encoding did not make the file smaller. */
  encoded: boolean;
}

/**
 * Uploads a file under a compress rule: encoded, with Content-Encoding, when that makes it smaller, else as it is.
 * Either way the blob records the file's own size and MD5 and the rule, which the next diff compares. `md5` in the
 * outcome is the file's. Files up to the single-shot size are encoded in memory (taken from the byte budget); larger
 * ones stream through the encoder into a temporary file, because the upload must know the stored size up front.
 */
export function uploadEncoded(request: EncodedUploadRequest): Promise<EncodedUploadOutcome> {
  return request.reader.size <= SINGLE_SHOT_MAX ? encodeInMemory(request) : encodeThroughFile(request);
}

async function encodeInMemory(request: EncodedUploadRequest): Promise<EncodedUploadOutcome> {
  const { reader, encoding } = request;
  // The file and its encoding are in memory at once.
  const taken = await request.budget.acquire(2 * reader.size);
  try {
    const body = await reader.read(reader.size, 0);
    const sourceMd5 = md5Of(body);
    const encoded = await encodeBuffer(body, encoding);
    await reader.verifyUnchanged();
    const smaller = encoded.length < body.length;
    const stored = smaller ? encoded : body;
    const metadata = sourceMetadata({ size: body.length, md5: sourceMd5, encoding });
    const headers = {
      ...request.headers,
      contentEncoding: smaller ? encoding : undefined,
      md5: md5Of(stored),
      metadata,
    };
    const alreadyThere = await putWhole(request, stored, headers);
    if (alreadyThere) return { bytes: stored.length, md5: sourceMd5, encoded: smaller, alreadyThere };
    request.onBytes?.(body.length);
    await reader.verifyUnchanged('the blob holds the version read before the change; run again');
    return { bytes: stored.length, md5: sourceMd5, encoded: smaller };
  } finally {
    request.budget.release(taken);
  }
}

async function encodeThroughFile(request: EncodedUploadRequest): Promise<EncodedUploadOutcome> {
  const { reader, encoding } = request;
  const file = path.join(os.tmpdir(), `azure-blob-sync-${randomBytes(8).toString('hex')}.${encoding}`);
  try {
    const taken = await request.budget.acquire(ENCODER_MEMORY);
    let result: EncodedFile;
    try {
      result = await encodeToFile(reader, encoding, file);
    } finally {
      request.budget.release(taken);
    }
    await reader.verifyUnchanged();
    const metadata = sourceMetadata({ size: reader.size, md5: result.sourceMd5, encoding });
    if (result.size === undefined) {
      // Not smaller: stored as it is (read again), still recording the rule so the next run converges.
      const plain = await upload({ ...request, headers: { ...request.headers, metadata } });
      return { ...plain, md5: result.sourceMd5, encoded: false };
    }
    const handle = await fs.open(file, 'r');
    try {
      const sent = await upload({
        ...request,
        reader: new EncodedFileReader(handle, result.size, reader),
        headers: { ...request.headers, contentEncoding: encoding, metadata },
        onBytes: request.onBytes,
      });
      // Progress counts the file's bytes: the rest of them went into the encoding.
      request.onBytes?.(reader.size - sent.bytes);
      return { bytes: sent.bytes, md5: result.sourceMd5, encoded: true, alreadyThere: sent.alreadyThere };
    } finally {
      await handle.close();
    }
  } finally {
    await fs.rm(file, { force: true });
  }
}

interface EncodedFile {
  sourceMd5: string;
  /** The encoded size; undefined when the encoding grew as large as the file (then the rest was not encoded). */
  size: number | undefined;
}

/** Stops the encoder as soon as its output reaches the file's size: it can no longer end up smaller. */
class NotSmaller extends Error {}

async function encodeToFile(reader: EntryReader, encoding: ContentEncoding, file: string): Promise<EncodedFile> {
  const sourceHash = createHash('md5');
  let hashed = 0;
  // Reads run one after another, also when the encoder stopped while the stream had one in flight.
  let last: Promise<unknown> = Promise.resolve();
  const readNext = (): Promise<Buffer> => {
    const next = last.then(async () => {
      const chunk = await reader.read(Math.min(READ_CHUNK, reader.size - hashed), hashed);
      sourceHash.update(chunk);
      hashed += chunk.length;
      return chunk;
    });
    last = next.catch(() => {});
    return next;
  };
  async function* chunks() {
    while (hashed < reader.size) yield await readNext();
  }
  const encoder = createEncoder(encoding);
  const output = await fs.open(file, 'wx');
  let written = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      encoder.fixHeader(chunk, written);
      written += chunk.length;
      if (written >= reader.size) return done(new NotSmaller());
      output.write(chunk).then(() => done(), done);
    },
  });
  try {
    await pipeline(Readable.from(chunks()), encoder.stream, sink);
    return { sourceMd5: sourceHash.digest('base64'), size: written };
  } catch (error) {
    if (!(error instanceof NotSmaller)) throw error;
    // The file is stored as it is; its MD5 for the record comes from the rest of this pass.
    await last;
    while (hashed < reader.size) await readNext();
    return { sourceMd5: sourceHash.digest('base64'), size: undefined };
  } finally {
    await output.close();
  }
}

/** The encoded bytes in a temporary file, read for the upload; "unchanged" means the source file is unchanged. */
class EncodedFileReader implements EntryReader {
  constructor(
    private readonly handle: fs.FileHandle,
    readonly size: number,
    private readonly source: EntryReader,
  ) {}

  async read(length: number, position: number): Promise<Buffer> {
    const buffer = Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await this.handle.read(buffer, filled, length - filled, position + filled);
      if (bytesRead === 0) throw new Error('the temporary encoded file is shorter than written');
      filled += bytesRead;
    }
    return buffer;
  }

  verifyUnchanged(outcome?: string): Promise<void> {
    return this.source.verifyUnchanged(outcome);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function md5Of(body: Buffer): string {
  return createHash('md5').update(body).digest('base64');
}
