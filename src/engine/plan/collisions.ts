import type { Failure, SourceEntry } from '../types.js';

/**
 * Entries that the service would store under one blob name (`a\b.txt` beside `a/b.txt`: the service turns '\' into
 * '/'). One of them keeps the name: the entry whose own name is the blob name, else the first by its own name. The
 * others fail with the reason, so the run ends with exit 1 and deletes nothing, rather than letting two files
 * overwrite each other on every run.
 */
export function splitCollisions<E extends SourceEntry>(entries: readonly E[]): { entries: E[]; collisions: Failure[] } {
  const byName = sharedNames(entries);
  if (byName.size === 0) return { entries: entries as E[], collisions: [] };

  const losers = new Set<E>();
  const collisions: Failure[] = [];
  for (const [name, group] of byName) {
    if (group.length < 2) continue;
    const [winner, ...others] = [...group].sort(preferred);
    for (const other of others) {
      losers.add(other);
      collisions.push({
        name: ownName(other),
        reason: `collides with "${ownName(winner!)}": the service turns "\\" into "/", so both would be "${name}"; rename one (only "${ownName(winner!)}" is synced)`,
      });
    }
  }
  return { entries: entries.filter((entry) => !losers.has(entry)), collisions };
}

/**
 * The names that more than one entry takes, with those entries. A listing in name order (as sources give it) has them
 * side by side, so no map of every name is built (its memory grows with the listing); any other order is grouped by a map.
 */
function sharedNames<E extends SourceEntry>(entries: readonly E[]): Map<string, E[]> {
  const shared = new Map<string, E[]>();
  let sorted = true;
  for (let i = 1; i < entries.length && sorted; i++) {
    const before = entries[i - 1]!;
    const entry = entries[i]!;
    if (before.name > entry.name) sorted = false;
    else if (before.name === entry.name) {
      const group = shared.get(entry.name);
      if (group) group.push(entry);
      else shared.set(entry.name, [before, entry]);
    }
  }
  if (sorted) return shared;
  shared.clear();
  const byName = new Map<string, E[]>();
  for (const entry of entries) {
    const group = byName.get(entry.name);
    if (group) group.push(entry);
    else byName.set(entry.name, [entry]);
  }
  for (const [name, group] of byName) if (group.length > 1) shared.set(name, group);
  return shared;
}

function ownName(entry: SourceEntry): string {
  return entry.sourceName ?? entry.name;
}

/** The entry stored under its own name first, then code-unit order of the own names (stable across runs). */
function preferred(a: SourceEntry, b: SourceEntry): number {
  const renamed = Number(a.sourceName !== undefined) - Number(b.sourceName !== undefined);
  if (renamed !== 0) return renamed;
  const x = ownName(a);
  const y = ownName(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
