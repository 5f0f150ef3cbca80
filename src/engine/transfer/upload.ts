import { createHash } from 'node:crypto';
import pLimit from 'p-limit';
import type { StoredHeaders, SyncDestination, WriteCondition } from '../ports/destination.js';
import { TransferError, WriteConflict } from '../errors.js';
import { statusOf, storageErrorCode } from '../failures.js';
import type { EntryReader } from '../ports/source.js';
import type { AccessTier } from '../types.js';
import type { ByteBudget } from './budget.js';
import { blockDigest, BlockIdScheme } from './block-ids.js';
import type { BlockResume } from './resume.js';

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
  /**
   * What the commit of a blob written in blocks relies on: no blob yet (a new one), or the version listed (a changed
   * one). Blocks are staged beside a live blob, so the commit is where another writer's blob would be overwritten.
   */
  commitCondition?: WriteCondition;
  /** What a single Put Blob relies on too (with --immutable: no blob yet). */
  putCondition?: WriteCondition;
  /** Looks up the blocks an interrupted upload left; without it every block is sent. */
  resume?: BlockResume;
  /** Bytes of the entry done, sent or found staged: progress. */
  onBytes?(bytes: number): void;
  /** Bytes this upload sent (each block or put once the service took it). */
  onSent?(bytes: number): void;
  /** Bytes an earlier, interrupted upload had staged, which were not sent again. */
  onResumed?(bytes: number): void;
}

export interface UploadOutcome {
  bytes: number;
  md5: string;
  /**
   * A conditional write was refused over this very content: a retried request whose first try had gone through, or
   * another run's write. The blob is as it should be.
   */
  alreadyThere?: boolean;
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
    const alreadyThere = await putWhole(request, body, stored(request.headers, md5));
    if (alreadyThere) return { bytes: body.length, md5, alreadyThere };
    request.onBytes?.(body.length);
    // The blob holds one whole version, the one read; if the file moved on meanwhile, the run must not claim sync.
    await reader.verifyUnchanged('the blob holds the version read before the change; run again');
    return { bytes: body.length, md5 };
  } finally {
    request.budget.release(taken);
  }
}

/**
 * One Put Blob of a whole body, on the request's put condition. True when the service refused it and the same content
 * was found there (see UploadOutcome.alreadyThere); another blob there is a WriteConflict.
 */
export async function putWhole(request: UploadRequest, body: Buffer, headers: StoredHeaders): Promise<boolean> {
  const condition = request.putCondition;
  try {
    await request.destination.put(request.blobName, body, headers, { tier: request.tier, condition });
  } catch (error) {
    await sameContentThere(request, error, condition, headers.md5!, body.length);
    return true;
  }
  request.onSent?.(body.length);
  return false;
}

/**
 * Uploads a large entry in blocks whose IDs come from their place and content (see block-ids.ts): blocks an earlier,
 * interrupted upload staged (on any machine) are read and hashed like the others, and not sent again.
 */
async function uploadBlocks(request: UploadRequest): Promise<UploadOutcome> {
  const { reader, destination, blobName } = request;
  const size = reader.size;
  const blockSize = chooseBlockSize(size, request.blockSize);
  const count = Math.ceil(size / blockSize);
  const staged = await request.resume?.staged(blobName);
  const scheme = BlockIdScheme.for(staged, count);
  const reusable = scheme.resumable && staged ? new Map(staged.map((block) => [block.id, block.size])) : undefined;
  const ids: string[] = [];
  const hash = createHash('md5');
  const limit = pLimit(BLOCKS_IN_FLIGHT);
  const abort = new AbortController();
  const sending: Promise<void>[] = [];
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
    const id = scheme.id(i, length, blockDigest(block));
    ids.push(id);
    if (reusable?.get(id) === length) {
      request.budget.release(taken);
      request.onResumed?.(length);
      request.onBytes?.(length);
      continue;
    }
    sending.push(
      limit(() => destination.stage(blobName, id, block, { abortSignal: abort.signal }))
        .then(() => {
          request.onSent?.(length);
          request.onBytes?.(length);
        })
        .catch((error: unknown) => {
          failure ??= stageFailure(error, staged);
          abort.abort();
        })
        .finally(() => request.budget.release(taken)),
    );
  }
  await Promise.all(sending);
  if (failure !== undefined) throw failure;
  await reader.verifyUnchanged();

  const md5 = hash.digest('base64');
  const condition = request.commitCondition;
  try {
    await destination.commit(blobName, ids, stored(request.headers, md5), { tier: request.tier, condition });
  } catch (error) {
    await sameContentThere(request, error, condition, md5, size);
    return { bytes: size, md5, alreadyThere: true };
  }
  return { bytes: size, md5 };
}

/**
 * Returns when a conditional write (409, 412) was refused because this very content is there already (a retry of a
 * write that had gone through, or another run of this sync); throws a WriteConflict when another blob is in the way,
 * and any other error as it is.
 */
async function sameContentThere(
  request: UploadRequest,
  error: unknown,
  condition: WriteCondition | undefined,
  md5: string,
  size: number,
): Promise<void> {
  const status = statusOf(error);
  if (!condition || (status !== 409 && status !== 412)) throw error;
  const now = await request.destination.lookup(request.blobName);
  if (now?.size === size && now.md5 === md5) return;
  throw new WriteConflict(conflictMessage(condition));
}

function conflictMessage(condition: WriteCondition): string {
  return 'ifNoneMatch' in condition
    ? 'another writer created this blob since the listing, with other content; it was not overwritten'
    : 'the blob changed since it was listed (another writer); it was not overwritten; run again';
}

/** The service refuses a block whose ID length differs from the blocks another tool left staged. */
function stageFailure(error: unknown, staged: readonly unknown[] | undefined): unknown {
  if (storageErrorCode(error) !== 'InvalidBlobOrBlock' || staged !== undefined) return error;
  return new TransferError(
    'the blob holds uncommitted blocks another tool left, with IDs of another length, and this credential may not read them to stage beside them (a SAS needs r); nothing was committed',
  );
}

function stored(headers: Omit<StoredHeaders, 'md5'>, md5: string): StoredHeaders {
  return { ...headers, md5 };
}
