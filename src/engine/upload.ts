import { createHash, randomBytes } from 'node:crypto';
import { promises as fs, type Stats } from 'node:fs';
import type { BlobHTTPHeaders, BlockBlobClient } from '@azure/storage-blob';
import pLimit from 'p-limit';
import type { ByteBudget } from './budget.js';
import { TransferError } from './errors.js';
import type { AccessTier, DesiredHeaders } from './types.js';

const MiB = 1024 * 1024;
/** Files up to this size go in one Put Blob: one request, and the service checks the MD5 itself. */
export const SINGLE_SHOT_MAX = 8 * MiB;
export const DEFAULT_BLOCK_SIZE = 8 * MiB;
export const MAX_BLOCKS = 50_000;
export const MAX_BLOCK_SIZE = 4000 * MiB;
/** Blocks of one file in flight at once. */
const BLOCKS_IN_FLIGHT = 8;

export interface UploadRequest {
  path: string;
  headers: DesiredHeaders;
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
 * Uploads one file and sets its Content-MD5, hashing the bytes as they are read so each file is read once. The
 * file is checked again after reading: if it changed meanwhile, nothing is committed and the upload fails.
 */
export async function uploadFile(blob: BlockBlobClient, request: UploadRequest): Promise<UploadOutcome> {
  const handle = await fs.open(request.path, 'r');
  try {
    const before = await handle.stat();
    const upload = before.size <= SINGLE_SHOT_MAX ? uploadSingleShot : uploadBlocks;
    return await upload(blob, request, handle, before);
  } finally {
    await handle.close();
  }
}

async function uploadSingleShot(
  blob: BlockBlobClient,
  request: UploadRequest,
  handle: fs.FileHandle,
  before: Stats,
): Promise<UploadOutcome> {
  const taken = await request.budget.acquire(before.size);
  try {
    const body = await readExactly(handle, before.size, 0);
    await assertUnchanged(request.path, before);
    const md5 = createHash('md5').update(body).digest();
    await blob.upload(body, body.length, {
      blobHTTPHeaders: httpHeaders(request.headers, md5),
      tier: request.tier,
    });
    request.onBytes?.(body.length);
    // The blob holds one whole version, the one read; if the file moved on meanwhile, the run must not claim sync.
    await assertUnchanged(request.path, before, 'the blob holds the version read before the change; run again');
    return { bytes: body.length, md5: md5.toString('base64') };
  } finally {
    request.budget.release(taken);
  }
}

async function uploadBlocks(
  blob: BlockBlobClient,
  request: UploadRequest,
  handle: fs.FileHandle,
  before: Stats,
): Promise<UploadOutcome> {
  const size = before.size;
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
      block = await readExactly(handle, length, offset);
    } catch (error) {
      request.budget.release(taken);
      failure = error;
      break;
    }
    hash.update(block);
    staged.push(
      limit(() => blob.stageBlock(ids[i]!, block, length, { abortSignal: abort.signal }))
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
  await assertUnchanged(request.path, before);

  const md5 = hash.digest();
  await blob.commitBlockList(ids, { blobHTTPHeaders: httpHeaders(request.headers, md5), tier: request.tier });
  return { bytes: size, md5: md5.toString('base64') };
}

function httpHeaders(headers: DesiredHeaders, md5: Buffer): BlobHTTPHeaders {
  return { blobContentType: headers.contentType, blobCacheControl: headers.cacheControl, blobContentMD5: md5 };
}

async function readExactly(handle: fs.FileHandle, length: number, position: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) throw new TransferError('the file shrank while it was being uploaded; nothing was committed');
    filled += bytesRead;
  }
  return buffer;
}

/** The file must still be the one we started reading: same inode, size and modification time. */
async function assertUnchanged(path: string, before: Stats, outcome = 'nothing was committed'): Promise<void> {
  let after: Stats;
  try {
    after = await fs.stat(path);
  } catch {
    throw new TransferError(`the file disappeared while it was being uploaded; ${outcome}`);
  }
  if (after.ino !== before.ino || after.size !== before.size || after.mtimeMs !== before.mtimeMs) {
    throw new TransferError(`the file changed while it was being uploaded; ${outcome}`);
  }
}
