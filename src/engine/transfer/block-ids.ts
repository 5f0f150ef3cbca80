import { createHash } from 'node:crypto';
import { TransferError } from '../errors.js';

/**
 * Block IDs derived from each block's place and content, so that a run on any machine can tell which blocks an
 * interrupted upload already staged: the service's list of uncommitted blocks is the only resume state.
 *
 * An ID is `abs1`, the block's index and length (32-bit big-endian each) and the start of the block's SHA-256, as
 * base64. The service wants every ID staged for a blob to have the same length before base64 (400 InvalidBlobOrBlock
 * otherwise), so IDs are made as long as the ones another tool left staged: the hash part shrinks or grows with them. Below 8
 * bytes of hash an ID could match a foreign block by chance, so such IDs only number the blocks, and every block is
 * sent (a Put Block with an ID already staged replaces that block).
 */

/** The length of the IDs chosen when nothing is staged, in bytes before base64 (60 characters, no padding). */
export const NATIVE_ID_BYTES = 45;
/** The longest block ID the service takes, in bytes before base64. */
const MAX_ID_BYTES = 64;
const MAGIC = Buffer.from('abs1');
const HEADER_BYTES = MAGIC.length + 8;
/** Hash bytes below which an ID is not trusted to name this content (see above). */
const MIN_HASH_BYTES = 8;

/** The SHA-256 of a block, whose start goes into its ID. */
export function blockDigest(block: Buffer): Buffer {
  return createHash('sha256').update(block).digest();
}

/** The IDs of one length for one upload. */
export class BlockIdScheme {
  /** `bytes`: the IDs' length before base64 (that of the blocks already staged, or the native one). */
  constructor(
    readonly bytes: number,
    blockCount: number,
  ) {
    // Longer than the service takes, or too short to number every block: another tool's oddity, said plainly.
    const tooFew = !this.resumable && bytes < 4 && blockCount > 256 ** bytes;
    if (bytes < 1 || bytes > MAX_ID_BYTES || tooFew) throw new TransferError(foreignLengthProblem(bytes));
  }

  /** The IDs of the blocks already staged decide the length; the native one when none are. */
  static for(staged: readonly { id: string }[] | undefined, blockCount: number): BlockIdScheme {
    const first = staged?.[0];
    return new BlockIdScheme(first ? Buffer.from(first.id, 'base64').length : NATIVE_ID_BYTES, blockCount);
  }

  /** Whether an ID of this length carries enough of the content's hash that a staged block with it can be kept. */
  get resumable(): boolean {
    return this.bytes - HEADER_BYTES >= MIN_HASH_BYTES;
  }

  /** The ID of block `index` (0-based) of `length` bytes whose SHA-256 is `digest`. */
  id(index: number, length: number, digest: Buffer): string {
    const id = Buffer.alloc(this.bytes);
    if (this.resumable) {
      MAGIC.copy(id, 0);
      id.writeUInt32BE(index, MAGIC.length);
      id.writeUInt32BE(length, MAGIC.length + 4);
      digest.copy(id, HEADER_BYTES, 0, Math.min(digest.length, this.bytes - HEADER_BYTES));
    } else {
      // Just a number, big-endian in the last bytes: unique per block, never trusted to name content.
      for (let rest = index, at = this.bytes - 1; rest > 0 && at >= 0; rest = Math.floor(rest / 256), at--) {
        id[at] = rest % 256;
      }
    }
    return id.toString('base64');
  }
}

function foreignLengthProblem(bytes: number): string {
  return (
    `the blob holds uncommitted blocks another tool left, with IDs of ${bytes} bytes that no upload can ` +
    'stage beside; nothing was committed. Delete the blob (or wait: the service discards uncommitted blocks after a week)'
  );
}
