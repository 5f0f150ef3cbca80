import type { RemoteBlob, SourceEntry } from '../types.js';
import type { PlanMatcher } from './matcher.js';
import { detachedBlob, flatCopy } from '../strings.js';
import { unsafeBlobName } from '../names/blob-name.js';

/** A listed blob whose name no request may address, and why. */
export interface UnsafeBlob {
  blobName: string;
  reason: string;
}

/** Unsafe blobs named in detail; the rest are only counted. */
const UNSAFE_EXAMPLES = 20;

/**
 * Where the destination's listing streams to. It starts before the source is scanned (both take seconds on large
 * trees), so the blobs that arrive first wait here; once the scan is done and the matcher exists, the waiting ones and
 * every later one go straight to it, and none is kept for the run.
 */
export class ListingFeed<E extends SourceEntry> {
  private waiting: RemoteBlob[] = [];
  private matcher?: PlanMatcher<E>;
  private watched?: { has(name: string): boolean };
  /** The listed names among those watched (the delete grace state's), for the grace to tell which are gone. */
  readonly listedWatched = new Set<string>();
  /** Listed blobs whose names no request may address (see unsafeBlobName): never compared, counted nor deleted. */
  readonly unsafe: { count: number; examples: UnsafeBlob[] } = { count: 0, examples: [] };

  constructor(
    /** Names that are never files of the destination (the sync's own state): not compared, counted nor deleted. */
    private readonly ignored: (name: string) => boolean = () => false,
  ) {}

  /** Takes one listed blob; bound, so it can be handed to the destination as it is. */
  readonly take = (remote: RemoteBlob): void => {
    if (this.ignored(remote.name)) return;
    const reason = unsafeBlobName(remote.blobName);
    if (reason) {
      if (this.unsafe.count++ < UNSAFE_EXAMPLES)
        this.unsafe.examples.push({ blobName: flatCopy(remote.blobName), reason });
      return;
    }
    if (this.watched?.has(remote.name)) this.listedWatched.add(flatCopy(remote.name));
    if (this.matcher) this.matcher.add(remote);
    else this.waiting.push(detachedBlob(remote));
  };

  /** From now on blobs go to `matcher`, the waiting ones first. */
  attach(matcher: PlanMatcher<E>, watched?: { has(name: string): boolean }): void {
    this.watched = watched;
    for (const remote of this.waiting) {
      if (watched?.has(remote.name)) this.listedWatched.add(remote.name);
      matcher.add(remote);
    }
    this.waiting = [];
    this.matcher = matcher;
  }
}
