import type { SyncEvents } from '../../engine/types.js';

/**
 * The pages (HTML files) a sync uploaded or updated, heard from its events (the summary keeps only counts). Only
 * pages are kept, so a sync of many assets does not grow this list.
 */
export function trackChangedPages<T extends SyncEvents>(events: T): { events: T; pages: string[] } {
  const pages: string[] = [];
  return {
    pages,
    events: {
      ...events,
      file(result) {
        if (
          (result.action === 'uploaded' || result.action === 'copied' || result.action === 'updated') &&
          isPage(result.name)
        )
          pages.push(result.name);
        events.file?.(result);
      },
    },
  };
}

/** The changed pages (HTML files), by name. */
export function changedPages(changed: readonly string[]): string[] {
  return changed.filter(isPage).sort();
}

function isPage(name: string): boolean {
  return /\.html?$/i.test(name);
}
