import { encodingReason, headersDiffer, needsHash, uploadReason } from './decide.js';
import { sourceView } from './encoding.js';
import { detachedBlob, flatCopy } from '../strings.js';
import type {
  CompareMode,
  DesiredHeaders,
  Encoding,
  Plan,
  RemoteBlob,
  SourceEntry,
  UpdateHeadersItem,
  UploadItem,
} from '../types.js';

const UNMATCHED = 0;
const SKIP = 1;
const PENDING = 2;
const DECIDED = 3;

/** How entries are matched against the listing. */
export interface MatchOptions<E extends SourceEntry = SourceEntry> {
  compare: CompareMode;
  deleteDestination: boolean;
  /** Builds the full blob name from a relative name. */
  blobName(relativeName: string): string;
  /** The headers a file should carry (`entry`: for headers the entry itself carries, as a source blob does). */
  headersFor(relativeName: string, entry: E): DesiredHeaders;
  /** Whether a remote blob is in the sync's scope (include/exclude), and so may be deleted. */
  inScope(relativeName: string): boolean;
  /** How a file should be stored (compress rules); `none` when absent. */
  encodingFor?(relativeName: string): Encoding;
  /** Whether a remote blob lies in a protected folder: never deleted, not counted in scope. */
  isProtected?(relativeName: string): boolean;
  /**
   * Whether an upload of this entry replaces its blob only as listed (a large file, committed If-Match the blob's
   * etag), so the etag must be kept while the file waits to be hashed; for the many small files it is not.
   */
  keepsEtag?(entry: E): boolean;
}

/** A listed blob kept for its file: until the file is hashed, or because the file changes. */
interface Held<E extends SourceEntry> {
  remote: RemoteBlob;
  /** The blob's place in the listing, so deletes keep the listing's order. */
  seq: number;
  /** In scope and not protected: counted as deployed, and deleted when no file takes it. */
  counted: boolean;
  verdict?: Verdict<E>;
}

type Verdict<E extends SourceEntry> = { upload: UploadItem<E> } | { update: UpdateHeadersItem<E> };

/**
 * What is kept of a blob whose file must be hashed first, when its size, encoding and headers already match: only its
 * MD5 (the file is unchanged or uploaded as changed), and its etag when the blob may have to count as extra (see
 * `finish`) or a large file's upload replaces it only as listed (see MatchOptions.keepsEtag). Hashing can lag far behind the listing, so this is most of a large re-sync for a while.
 */
type Expected = string | ExpectedBlob;

class ExpectedBlob {
  constructor(
    readonly md5: string,
    readonly etag: string | undefined,
    /** Its place in the listing; -1 for a blob that can never count as extra (kept for its etag alone). */
    readonly seq: number,
  ) {}
}

/**
 * The diff, fed one listed blob at a time while the listing streams in, so the destination is never held as a whole.
 * A blob is handed over as parsed, its texts slices of its page: whatever is kept of it is copied (see detachedBlob).
 * Each blob is looked up among the local entries (sorted by name: the next one in order first, else a binary search,
 * so no order of the listing is assumed) and judged at once when the file's MD5 is known or not needed. What an
 * unchanged file leaves behind is one byte of state; only changes, blobs whose file still has to be hashed, and extra
 * blobs are kept: a map of every blob and a skip item per file would cost hundreds of bytes a file (performance.md).
 */
export class PlanMatcher<E extends SourceEntry> {
  private readonly locals: readonly E[];
  private readonly state: Uint8Array;
  /** By local index: an array, which costs less per entry than a map. */
  private readonly held: (Held<E> | Expected | undefined)[];
  private readonly extras: Held<E>[] = [];
  private remoteInScope = 0;
  private seq = 0;
  private cursor = 0;

  constructor(
    locals: readonly E[],
    private readonly options: MatchOptions<E>,
  ) {
    this.locals = isSortedByName(locals) ? locals : [...locals].sort((a, b) => codeUnitOrder(a.name, b.name));
    this.state = new Uint8Array(this.locals.length);
    this.held = new Array<Held<E> | Expected | undefined>(this.locals.length);
  }

  /** Takes one listed blob (relative name). A name listed twice counts once, as in a map of the listing. */
  add(remote: RemoteBlob): void {
    const index = this.indexOf(remote.name);
    if (index >= 0 && this.state[index] !== UNMATCHED) return;
    const seq = this.seq++;
    const counted = !this.options.isProtected?.(remote.name) && this.options.inScope(remote.name);
    if (counted) this.remoteInScope++;
    if (index < 0) {
      if (counted && this.options.deleteDestination) this.extras.push({ remote: detachedBlob(remote), seq, counted });
      return;
    }
    const local = this.locals[index]!;
    if (needsHash(local, remote, this.options.compare)) {
      this.state[index] = PENDING;
      this.held[index] = this.onlyMd5Open(local, remote)
        ? this.expected(local, remote, seq, counted)
        : { remote: detachedBlob(remote), seq, counted };
      return;
    }
    const verdict = this.judge(local, remote);
    if (!verdict) {
      this.state[index] = SKIP;
      return;
    }
    this.state[index] = DECIDED;
    const kept = detachedBlob(remote);
    if ('update' in verdict) verdict.update.remote = kept;
    this.held[index] = { remote: kept, seq, counted, verdict };
  }

  /** The files that must be hashed before their blobs can be judged (see `needsHash`). */
  needingHash(): E[] {
    const files: E[] = [];
    this.locals.forEach((local, index) => {
      if (this.state[index] === PENDING && local.md5 === undefined) files.push(local);
    });
    return files;
  }

  /**
   * The plan, once every blob was added and the files `needingHash` were hashed. `excluded` files (unreadable) take
   * no part: nothing is uploaded for them and their blob counts as extra, as if they were not in the source.
   */
  finish(excluded: { has(entry: E): boolean } = new Set()): Plan<E> {
    const plan: Plan<E> = { upload: [], updateHeaders: [], skip: [], delete: [], remoteInScope: this.remoteInScope };
    const extras = [...this.extras];
    for (let index = 0; index < this.locals.length; index++) {
      const local = this.locals[index]!;
      const kept = this.held[index];
      if (excluded.has(local)) {
        // An unchanged (skipped) file was read successfully, so it is never excluded: only held blobs can be extra.
        const held = kept === undefined ? undefined : this.heldBlob(local, kept);
        if (held?.counted && this.options.deleteDestination) extras.push(held);
        continue;
      }
      switch (this.state[index]) {
        case UNMATCHED:
          plan.upload.push(this.uploadItem(local, 'new'));
          break;
        case SKIP:
          plan.skip.push(local);
          break;
        default: {
          const verdict = this.verdictOf(local, kept!);
          if (!verdict) plan.skip.push(local);
          else if ('upload' in verdict) plan.upload.push(verdict.upload);
          else plan.updateHeaders.push(verdict.update);
        }
      }
    }
    if (extras.length > this.extras.length) extras.sort((a, b) => a.seq - b.seq);
    plan.delete = extras.map((held) => held.remote);
    return plan;
  }

  /** Whether only the MD5 stands between this file and its blob: same size (see needsHash), encoding and headers. */
  private onlyMd5Open(local: E, remote: RemoteBlob): boolean {
    const encoding = this.options.encodingFor?.(local.name) ?? 'none';
    return (
      encodingReason(remote, encoding) === undefined &&
      !headersDiffer(this.options.headersFor(local.name, local), remote)
    );
  }

  private expected(local: E, remote: RemoteBlob, seq: number, counted: boolean): Expected {
    const md5 = flatCopy(sourceView(remote).md5!);
    // Only a blob that may count as extra needs more (a delete only removes the blob that was listed: its etag), or
    // one a changed file replaces only as listed.
    const extra = counted && this.options.deleteDestination;
    if (!extra && !this.options.keepsEtag?.(local)) return md5;
    return new ExpectedBlob(md5, remote.etag === undefined ? undefined : flatCopy(remote.etag), extra ? seq : -1);
  }

  /**
   * The held blob, rebuilt from its file (same name and size) when only its MD5 was kept: enough to count it and to
   * delete it only as listed. A plain MD5 (or one kept with its etag for the upload alone) was kept only for a blob
   * that can never count as extra.
   */
  private heldBlob(local: E, kept: Held<E> | Expected): Held<E> | undefined {
    if (typeof kept === 'string' || (kept instanceof ExpectedBlob && kept.seq < 0)) return undefined;
    if (!(kept instanceof ExpectedBlob)) return kept;
    const remote: RemoteBlob = { name: local.name, blobName: this.options.blobName(local.name), size: local.size };
    if (kept.etag !== undefined) remote.etag = kept.etag;
    return { remote, seq: kept.seq, counted: true };
  }

  /** A held blob's verdict: taken when it was listed, or now that its file is hashed. */
  private verdictOf(local: E, kept: Held<E> | Expected): Verdict<E> | undefined {
    if (typeof kept === 'string' || kept instanceof ExpectedBlob) {
      const md5 = typeof kept === 'string' ? kept : kept.md5;
      if (local.md5 === md5) return undefined;
      return { upload: this.uploadItem(local, 'changed', typeof kept === 'string' ? undefined : kept.etag) };
    }
    return kept.verdict ?? this.judge(local, kept.remote);
  }

  private judge(local: E, remote: RemoteBlob): Verdict<E> | undefined {
    const encoding = this.options.encodingFor?.(local.name) ?? 'none';
    const reason = uploadReason(local, remote, this.options.compare) ?? encodingReason(remote, encoding);
    if (reason) return { upload: this.uploadItem(local, reason, remote.etag) };
    const headers = this.options.headersFor(local.name, local);
    return headersDiffer(headers, remote) ? { update: { local, remote, headers } } : undefined;
  }

  private uploadItem(local: E, reason: UploadItem['reason'], etag?: string): UploadItem<E> {
    const encoding = this.options.encodingFor?.(local.name) ?? 'none';
    const item: UploadItem<E> = {
      local,
      blobName: this.options.blobName(local.name),
      headers: this.options.headersFor(local.name, local),
      reason,
    };
    if (encoding !== 'none') item.encoding = encoding;
    // Kept only where the upload will use it (see keepsEtag): a plan of a million changes carries no etags.
    if (etag !== undefined && this.options.keepsEtag?.(local)) item.etag = flatCopy(etag);
    return item;
  }

  /** The local entry of that name, or -1. Listings come in name order, so the entry after the last one found is tried first. */
  private indexOf(name: string): number {
    const { locals } = this;
    if (this.cursor < locals.length && locals[this.cursor]!.name === name) return this.cursor++;
    let low = 0;
    let high = locals.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (locals[mid]!.name < name) low = mid + 1;
      else high = mid;
    }
    this.cursor = low;
    if (low < locals.length && locals[low]!.name === name) return this.cursor++;
    return -1;
  }
}

/** Code-unit order, the order of the source listing (see SourceListing). */
export function codeUnitOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isSortedByName(entries: readonly SourceEntry[]): boolean {
  for (let i = 1; i < entries.length; i++) if (entries[i - 1]!.name > entries[i]!.name) return false;
  return true;
}
