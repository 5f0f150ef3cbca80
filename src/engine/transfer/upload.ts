import { createHash, randomBytes } from 'node:crypto';
import pLimit from 'p-limit';
import type { StoredHeaders, SyncDestination } from '../ports/destination.js';
import { TransferError } from '../errors.js';
import type { EntryReader } from '../ports/source.js';
import type { AccessTier } from '../types.js';
import type { ByteBudget } from './budget.js';

const MiB = 1024 * 1024;
/** Files up to this size go in one Put Blob: one request, and the service checks the MD5 itself. */
export const SINGLE_SHOT_MAX = 8 * MiB;
export const DEFAULT_BLOCK_SIZE = 8 * MiB;
export const MAX_BLOCKS = 50_000;
export const MAX_BLOCK_SIZE = 4000 * MiB;
/** Blocks of one file in flight at once. */
const BLOCKS_IN_FLIGHT = 8;

export interface UploadRequest {
  destination: SyncDestination;
  blobName: string;
  reader: EntryReader;
  /** Everything but the MD5, which is computed from the bytes sent. */
  headers: Omit<StoredHeaders, 'md5'>;
  tier?: AccessTier;
  blockSize?: number;
  budget: ByteBudget;
  onBytes?(bytes: number): void;
}

export interface UploadOutcome {
  bytes: number;
  md5: string;
}

/** The block size for a file: the requested (or default) size, raised so the file fits in 50,000 blocks. */
export function chooseBlockSize(fileSize: number, requested = DEFAULT_BLOCK_SIZE): number {
  const needed = Math.ceil(fileSize / MAX_BLOCKS / MiB) * MiB;
  const size = Math.max(requested, needed);
  if (size > MAX_BLOCK_SIZE) {
    throw new TransferError(`the file is too large for a block blob (${fileSize} bytes)`);
  }
  return size;
}

/**
 * Uploads one entry and sets its Content-MD5, hashing the bytes as they are read so each entry is read once. The
 * entry is checked again after reading: if it changed meanwhile, nothing is committed and the upload fails.
 */
export function upload(request: UploadRequest): Promise<UploadOutcome> {
  return request.reader.size <= SINGLE_SHOT_MAX ? uploadSingleShot(request) : uploadBlocks(request);
}

async function uploadSingleShot(request: UploadRequest): Promise<UploadOutcome> {
  const { reader } = request;
  const taken = await request.budget.acquire(reader.size);
  try {
    const body = await reader.read(reader.size, 0);
    await reader.verifyUnchanged();
    const md5 = createHash('md5').update(body).digest('base64');
    await request.destination.put(request.blobName, body, stored(request.headers, md5), { tier: request.tier });
    request.onBytes?.(body.length);
    // The blob holds one whole version, the one read; if the file moved on meanwhile, the run must not claim sync.
    await reader.verifyUnchanged('the blob holds the version read before the change; run again');
    return { bytes: body.length, md5 };
  } finally {
    request.budget.release(taken);
  }
}

async function uploadBlocks(request: UploadRequest): Promise<UploadOutcome> {
  const { reader, destination, blobName } = request;
  const size = reader.size;
  const blockSize = chooseBlockSize(size, request.blockSize);
  const count = Math.ceil(size / blockSize);
  // Equal-length IDs, unique per attempt, so blocks left uncommitted by an interrupted run never mix in.
  const attempt = randomBytes(6).toString('hex');
  const ids = Array.from({ length: count }, (_, i) =>
    Buffer.from(`${attempt}-${String(i).padStart(6, '0')}`).toString('base64'),
  );
  const hash = createHash('md5');
  const limit = pLimit(BLOCKS_IN_FLIGHT);
  const abort = new AbortController();
  const staged: Promise<void>[] = [];
  let failure: unknown;

  for (let i = 0; i < count && failure === undefined; i++) {
    const offset = i * blockSize;
    const length = Math.min(blockSize, size - offset);
    const taken = await request.budget.acquire(length);
    let block: Buffer;
    try {
      block = await reader.read(length, offset);
    } catch (error) {
      request.budget.release(taken);
      failure = error;
      break;
    }
    hash.update(block);
    staged.push(
      limit(() => destination.stage(blobName, ids[i]!, block, { abortSignal: abort.signal }))
        .then(() => request.onBytes?.(length))
        .catch((error: unknown) => {
          failure ??= error;
          abort.abort();
        })
        .finally(() => request.budget.release(taken)),
    );
  }
  await Promise.all(staged);
  if (failure !== undefined) throw failure;
  await reader.verifyUnchanged();

  const md5 = hash.digest('base64');
  await destination.commit(blobName, ids, stored(request.headers, md5), { tier: request.tier });
  return { bytes: size, md5 };
}

function stored(headers: Omit<StoredHeaders, 'md5'>, md5: string): StoredHeaders {
  return { ...headers, md5 };
}
