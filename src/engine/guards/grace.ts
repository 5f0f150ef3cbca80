import type { GraceKept, Plan, RemoteBlob, SourceEntry } from '../types.js';

/**
 * The delete grace's state, kept in one small blob under the destination path (never listed as a file, never
 * deleted by a sync): when each blob was first found absent from the source, by its name relative to the path.
 */
export const GRACE_STATE_NAME = '.azure-blob-sync/delete-grace.json';

export type AbsentSince = Map<string, number>;

/** What one run changes in the state: names it found newly absent, and names that came back or are gone. */
export interface GraceChanges {
  added: AbsentSince;
  removed: Set<string>;
}

/**
 * Splits the plan's deletes into those absent for at least the grace (deleted now) and those kept until it has
 * passed, counted from the first run that found them absent. A name that is in the source again is no longer
 * counted as absent; a name no longer listed at all (deleted meanwhile) leaves the state.
 */
export function applyGrace<E extends SourceEntry>(
  plan: Plan<E>,
  state: ReadonlyMap<string, number>,
  /** Whether the listing held the name (asked only of names in the state). */
  listed: { has(name: string): boolean },
  graceMs: number,
  now: number,
): { plan: Plan<E>; changes: GraceChanges } {
  const changes: GraceChanges = { added: new Map(), removed: new Set() };
  const due: RemoteBlob[] = [];
  const kept: GraceKept[] = [];
  for (const remote of plan.delete) {
    const since = state.get(remote.name) ?? now;
    if (!state.has(remote.name)) changes.added.set(remote.name, since);
    if (now - since >= graceMs) due.push(remote);
    else kept.push({ remote, absentSince: since, goesAt: since + graceMs });
  }
  // Only the state's names are looked up, so a million unchanged files add nothing here.
  const present = new Set<string>();
  const note = (name: string) => state.has(name) && present.add(name);
  for (const item of plan.upload) note(item.local.name);
  for (const item of plan.updateHeaders) note(item.local.name);
  for (const entry of plan.skip) note(entry.name);
  for (const name of state.keys()) {
    if (present.has(name) || !listed.has(name)) changes.removed.add(name);
  }
  kept.sort((a, b) => a.goesAt - b.goesAt);
  return { plan: { ...plan, delete: due, kept }, changes };
}

/** The state after this run's changes: removals apply, additions keep the earliest time another run recorded. */
export function mergeGrace(current: ReadonlyMap<string, number>, changes: GraceChanges): AbsentSince {
  const merged = new Map(current);
  for (const name of changes.removed) merged.delete(name);
  for (const [name, since] of changes.added) {
    const known = merged.get(name);
    merged.set(name, known === undefined ? since : Math.min(known, since));
  }
  return merged;
}

export function hasChanges(changes: GraceChanges): boolean {
  return changes.added.size > 0 || changes.removed.size > 0;
}

/** The state blob's body: `{"version":1,"absentSince":{"name":"2026-…Z"}}`, names sorted. */
export function serializeGrace(state: ReadonlyMap<string, number>): Buffer {
  const entries = [...state].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const absentSince = Object.fromEntries(entries.map(([name, since]) => [name, new Date(since).toISOString()]));
  return Buffer.from(`${JSON.stringify({ version: 1, absentSince }, null, 1)}\n`);
}

/**
 * Reads a state blob. A body that is not a state this version wrote (edited by hand, cut short) counts as empty:
 * every absent blob's grace then starts again, which keeps blobs longer, never shorter.
 */
export function parseGrace(body: Buffer): { state: AbsentSince; damaged: boolean } {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { version?: unknown; absentSince?: unknown };
    if (parsed.version !== 1 || typeof parsed.absentSince !== 'object' || parsed.absentSince === null) {
      throw new Error('not a version 1 state');
    }
    const state: AbsentSince = new Map();
    for (const [name, text] of Object.entries(parsed.absentSince as Record<string, unknown>)) {
      const time = typeof text === 'string' ? Date.parse(text) : NaN;
      if (!Number.isFinite(time)) throw new Error(`bad time for ${name}`);
      state.set(name, time);
    }
    return { state, damaged: false };
  } catch {
    return { state: new Map(), damaged: true };
  }
}
