import type { SyncEvents } from '../../engine/types.js';

/** The names a sync uploaded or updated, heard from its events (the summary keeps only counts). */
export function trackChanges<T extends SyncEvents>(events: T): { events: T; changed: string[] } {
  const changed: string[] = [];
  return {
    changed,
    events: {
      ...events,
      file(result) {
        if (result.action === 'uploaded' || result.action === 'updated') changed.push(result.name);
        events.file?.(result);
      },
    },
  };
}

/** The changed pages (HTML files), by name. */
export function changedPages(changed: readonly string[]): string[] {
  return changed.filter((name) => /\.html?$/i.test(name)).sort();
}
