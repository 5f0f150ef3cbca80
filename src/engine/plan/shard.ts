import { UsageError } from '../errors.js';

/** This run's part of a sync spread over several jobs: shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

const MAX_SHARDS = 1000;

/** `2/4` → shard 2 of 4; empty → none (the whole sync). */
export function parseShard(value: string | undefined): Shard | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const match = /^(\d+)\s*\/\s*(\d+)$/.exec(text);
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || count < 1 || count > MAX_SHARDS || index < 1 || index > count) {
    throw new UsageError(
      (t) => `The shard "${value}" is not of the form K/N with 1 ≤ K ≤ N ≤ ${MAX_SHARDS} (${t.name('shard')}).`,
      (t) =>
        `Give this job's part and the number of jobs, e.g. ${t.set('shard', '2/4')} for the second of four jobs of the same sync.`,
    );
  }
  return { index, count };
}

/**
 * Whether a name belongs to the shard: FNV-1a (32 bit) over the name's UTF-16 code units, modulo the shard count.
 * Stable across runs, machines and versions, so N jobs of one sync split every name between them exactly once.
 */
export function inShard(name: string, shard: Shard | undefined): boolean {
  if (!shard || shard.count === 1) return true;
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shard.count === shard.index - 1;
}
