import type { StoredHeaders, SyncDestination } from '../ports/destination.js';
import { failureReason, isRefused, statusOf } from '../failures.js';
import type { CopySource } from '../ports/source.js';
import type { AccessTier, FileResult, SourceEntry, UploadItem } from '../types.js';

export interface CopyContext<E extends SourceEntry> {
  destination: SyncDestination;
  copySource(entry: E): Promise<CopySource>;
  tier?: AccessTier;
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
  try {
    const source = await context.copySource(item.local);
    await context.destination.copyFrom(item.blobName, {
      source,
      size: item.local.size,
      headers: finalHeaders(item, source.headers),
      tier: context.tier,
    });
    context.onBytes?.(item.local.size);
    return { action: 'copied', name, bytes: item.local.size, reason: item.reason };
  } catch (error) {
    if (statusOf(error) === 412) {
      return { action: 'failed', name, bytes: 0, reason: 'a blob changed during the copy (412); run again' };
    }
    if (isRefused(error)) throw error;
    return { action: 'failed', name, bytes: 0, reason: failureReason(error) };
  }
}

function finalHeaders<E extends SourceEntry>(item: UploadItem<E>, source: StoredHeaders): StoredHeaders {
  return {
    ...source,
    contentType: item.headers.contentType,
    cacheControl: item.headers.cacheControl ?? source.cacheControl,
  };
}
