import type { StoredHeaders, SyncDestination } from '../ports/destination.js';
import { failureReason, isRefused, statusOf, storageErrorCode } from '../failures.js';
import type { CopySource } from '../ports/source.js';
import type { AccessTier, FileResult, SourceEntry, UploadItem } from '../types.js';

export interface CopyContext<E extends SourceEntry> {
  destination: SyncDestination;
  copySource(entry: E): Promise<CopySource>;
  tier?: AccessTier;
  /** New blobs only where no blob of that name is (--immutable). */
  immutable?: boolean;
  onBytes?(bytes: number): void;
}

/**
 * Has the storage service copy one planned entry from a container source. The header rules decide Content-Type and
 * Cache-Control (planned in `item.headers`); the source's other headers and its Content-MD5 carry over.
 */
export async function copyOne<E extends SourceEntry>(
  context: CopyContext<E>,
  item: UploadItem<E>,
): Promise<FileResult> {
  const name = item.local.name;
  let source: CopySource | undefined;
  try {
    source = await context.copySource(item.local);
    await context.destination.copyFrom(item.blobName, {
      source,
      size: item.local.size,
      headers: finalHeaders(item, source.headers),
      tier: context.tier,
      condition: context.immutable ? { ifNoneMatch: '*' } : undefined,
    });
    context.onBytes?.(item.local.size);
    return { action: 'copied', name, bytes: item.local.size, reason: item.reason };
  } catch (error) {
    if (context.immutable && source && isDestinationConflict(error)) return settleConflict(context, item, source);
    if (statusOf(error) === 412) {
      return { action: 'failed', name, bytes: 0, reason: 'a blob changed during the copy (412); run again' };
    }
    if (isRefused(error)) throw error;
    return { action: 'failed', name, bytes: 0, reason: failureReason(error) };
  }
}

/** The destination's condition failed (a blob of that name appeared), not the source's (412 SourceConditionNotMet). */
function isDestinationConflict(error: unknown): boolean {
  const status = statusOf(error);
  return status === 409 || (status === 412 && storageErrorCode(error) !== 'SourceConditionNotMet');
}

/** Another publisher copied first: the same content there passes, other content is left and fails. */
async function settleConflict<E extends SourceEntry>(
  context: CopyContext<E>,
  item: UploadItem<E>,
  source: CopySource,
): Promise<FileResult> {
  const name = item.local.name;
  let now;
  try {
    now = await context.destination.lookup(item.blobName);
  } catch (error) {
    if (isRefused(error)) throw error;
    return { action: 'failed', name, bytes: 0, reason: failureReason(error) };
  }
  if (now && now.size === item.local.size && source.headers.md5 !== undefined && now.md5 === source.headers.md5) {
    // A retried copy that had gone through, or another publisher's with the same content.
    return { action: 'copied', name, bytes: item.local.size, reason: item.reason };
  }
  return {
    action: 'failed',
    name,
    bytes: 0,
    reason: 'another writer created this blob since the listing, with other content; it was not overwritten',
    conflict: true,
  };
}

function finalHeaders<E extends SourceEntry>(item: UploadItem<E>, source: StoredHeaders): StoredHeaders {
  return {
    ...source,
    contentType: item.headers.contentType,
    cacheControl: item.headers.cacheControl ?? source.cacheControl,
  };
}
