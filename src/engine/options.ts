import os from 'node:os';
import { type OptionKey, UsageError } from './errors.js';
import { parseCompressRules } from './plan/encoding.js';
import { parseHeaderRules } from './plan/headers.js';
import { normalizeDestinationPath } from './names/blob-name.js';
import { parseShard } from './plan/shard.js';
import type { AccessTier, CompareMode, SyncOptions } from './types.js';

/**
 * Options as every entry point reads them: text and flags, before validation. The CLI, the Action and the pipeline
 * task all go through `resolveSyncOptions`, so the same option has the same meaning and default everywhere.
 */
export interface RawSyncOptions {
  source: string;
  destinationPath?: string;
  include?: string[];
  exclude?: string[];
  compare?: string;
  deleteDestination?: boolean;
  deleteThreshold?: string;
  force?: boolean;
  dryRun?: boolean;
  concurrency?: string;
  contentType?: string[];
  cacheControl?: string[];
  accessTier?: string;
  createContainer?: boolean;
  /** `K/N`: this job's part of a sync spread over N jobs. */
  shard?: string;
  /** Precompression rules, `glob=br|gzip|none`, one a line or repeated. */
  compress?: string[];
  /** `90s`, `30m`, `12h`, `7d` or `0`. */
  deleteGrace?: string;
  /** Follow symbolic links whose target lies outside the source folder. */
  followSymlinks?: boolean;
  /** Download the source (a container folder URL) into this local folder instead of uploading to a container. */
  downloadTo?: string;
  /** Never replace, update or delete an existing blob (a release folder). */
  immutable?: boolean;
  /** A file, outside the source, that keeps the local files' MD5s between runs. */
  hashCache?: string;
  /** Megabits a second that uploads, copies and downloads together stay under; empty for no cap. */
  capMbps?: string;
}

export const DEFAULTS = {
  compare: 'md5',
  deleteThreshold: 0.5,
  concurrency: 'auto',
} as const;

const COMPARE_MODES: readonly CompareMode[] = ['md5', 'size', 'none'];
const ACCESS_TIERS: readonly AccessTier[] = ['Hot', 'Cool', 'Cold', 'Archive'];

export function resolveSyncOptions(raw: RawSyncOptions): SyncOptions {
  const downloadTo = raw.downloadTo?.trim() || undefined;
  if (downloadTo) refuseUploadOnly(raw);
  const options: SyncOptions = {
    downloadTo,
    source: raw.source,
    destinationPath: normalizeDestinationPath(raw.destinationPath),
    include: splitPatterns(raw.include),
    exclude: splitPatterns(raw.exclude),
    compare: parseCompare(raw.compare),
    deleteDestination: raw.deleteDestination ?? false,
    deleteThreshold: parseThreshold(raw.deleteThreshold),
    force: raw.force ?? false,
    dryRun: raw.dryRun ?? false,
    concurrency: parseConcurrency(raw.concurrency),
    capMbps: parseCapMbps(raw.capMbps),
    contentTypeRules: parseHeaderRules(raw.contentType ?? [], 'content-type'),
    cacheControlRules: parseHeaderRules(raw.cacheControl ?? [], 'cache-control'),
    accessTier: parseAccessTier(raw.accessTier),
    createContainer: raw.createContainer ?? false,
    shard: parseShard(raw.shard),
    compressRules: parseCompressRules(raw.compress ?? []),
    deleteGraceMs: parseDuration(raw.deleteGrace),
    followSymlinks: raw.followSymlinks ?? false,
    immutable: raw.immutable ?? false,
    hashCache: raw.hashCache?.trim() || undefined,
  };
  if (options.immutable) refuseWithImmutable(options);
  return options;
}

/** What --immutable cannot be combined with: it never deletes a blob, and never replaces one without comparing. */
function refuseWithImmutable(options: SyncOptions): void {
  if (options.deleteDestination) {
    throw new UsageError(
      (t) =>
        `${t.set('immutable')} and ${t.set('deleteDestination')} contradict each other: an immutable destination's blobs are never deleted.`,
      (t) =>
        `Leave out ${t.name('deleteDestination')} to publish a release folder, or ${t.name('immutable')} to mirror a folder.`,
    );
  }
  if (options.compare === 'none') {
    throw new UsageError(
      (t) =>
        `${t.set('immutable')} with ${t.set('compare', 'none')} would replace every blob there, which immutable never does.`,
      (t) =>
        `Use ${t.set('compare', 'md5')} (the default): a file whose blob has the same content passes, one that differs fails.`,
    );
  }
}

/**
 * Files in flight when the user says 'auto'. Small files are bound by round trips, not CPU, so 64 hide a remote
 * account's round trip even on 2 cores (docs/performance.md); memory is bounded by the
 * byte budget, not by this number.
 */
export function autoConcurrency(): number {
  return Math.min(128, Math.max(64, os.availableParallelism() * 8));
}

/**
 * Splits glob lists given as lines or comma-separated (`*.html, *.css`), keeping commas inside braces (`*.{js,css}`).
 */
export function splitPatterns(values: readonly string[] | undefined): string[] {
  const patterns: string[] = [];
  for (const value of values ?? []) {
    for (const line of value.split(/\r?\n/)) {
      let depth = 0;
      let current = '';
      for (const char of line) {
        if (char === '{') depth++;
        if (char === '}') depth = Math.max(0, depth - 1);
        if (char === ',' && depth === 0) {
          patterns.push(current);
          current = '';
        } else {
          current += char;
        }
      }
      patterns.push(current);
    }
  }
  return patterns.map((p) => p.trim()).filter(Boolean);
}

function parseCompare(value: string | undefined): CompareMode {
  const mode = (value?.trim() || DEFAULTS.compare).toLowerCase();
  if (!COMPARE_MODES.includes(mode as CompareMode)) {
    throw new UsageError(
      `Unknown compare mode "${value}".`,
      'Use md5 (content, the default), size, or none (always upload).',
    );
  }
  return mode as CompareMode;
}

function parseThreshold(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULTS.deleteThreshold;
  const text = value.trim();
  const number = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (!Number.isFinite(number) || number < 0 || number > 1) {
    throw new UsageError(
      `The delete threshold "${value}" is not a share between 0 and 1.`,
      'Write it as 0.5 or 50% (the largest share by which one run may shrink the blobs in scope).',
    );
  }
  return number;
}

const DURATION_UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** A grace longer than this is almost certainly a slip (7000d for 7d); a year covers any cache. */
const MAX_GRACE_MS = 366 * DURATION_UNITS.d!;

/** `90s`, `30m`, `12h`, `7d`, `1.5h` → milliseconds; empty or `0` → 0. */
export function parseDuration(value: string | undefined): number {
  const text = value?.trim().toLowerCase() ?? '';
  if (text === '' || text === '0') return 0;
  const match = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text);
  const ms = match ? Math.round(Number(match[1]) * DURATION_UNITS[match[2]!]!) : NaN;
  if (!Number.isFinite(ms) || ms > MAX_GRACE_MS) {
    throw new UsageError(
      `The delete grace "${value}" is not a duration of up to 366 days.`,
      (t) =>
        `Give a number and a unit to ${t.name('deleteGrace')}: 90s, 30m, 12h or 7d (s, m, h, d), or 0 to delete at once.`,
    );
  }
  return ms;
}

function parseConcurrency(value: string | undefined): number {
  const text = value?.trim().toLowerCase();
  if (!text || text === 'auto') return autoConcurrency();
  const number = Number(text);
  if (!Number.isInteger(number) || number < 1 || number > 1000) {
    throw new UsageError(`The concurrency "${value}" is not a whole number from 1 to 1000.`, 'Use "auto" or e.g. 32.');
  }
  return number;
}

/** Megabits a second (AzCopy's `--cap-mbps`); empty means no cap. */
function parseCapMbps(value: string | undefined): number | undefined {
  const text = value?.trim() ?? '';
  if (text === '') return undefined;
  const mbps = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(mbps > 0)) {
    throw new UsageError(
      `The bandwidth cap "${value}" is not a positive number of megabits a second.`,
      (t) =>
        `Give ${t.name('capMbps')} a number such as 40 (megabits a second; 0.5 for 500 kilobits), or leave it empty for no cap.`,
    );
  }
  return mbps;
}

function parseAccessTier(value: string | undefined): AccessTier | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  const tier = ACCESS_TIERS.find((t) => t.toLowerCase() === text.toLowerCase());
  if (!tier) throw new UsageError(`Unknown access tier "${value}".`, `Use one of ${ACCESS_TIERS.join(', ')}.`);
  return tier;
}

/** Seconds as a user writes them ("60", "2.5") to the per-try limit; empty means the default. */
export function parseTryTimeout(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(
      `The timeout "${value}" is not a positive number of seconds.`,
      (t) => `Give the seconds as a number, e.g. 60, to ${t.name('timeout')}.`,
    );
  }
  return Math.round(seconds * 1000);
}

/** Options that shape what an upload writes: a download writes files as the container holds them. */
const UPLOAD_ONLY = [
  'destinationPath',
  'contentType',
  'cacheControl',
  'accessTier',
  'createContainer',
  'compress',
  'deleteGrace',
  'followSymlinks',
  'immutable',
  'hashCache',
] as const satisfies readonly (keyof RawSyncOptions & OptionKey)[];

function refuseUploadOnly(raw: RawSyncOptions): void {
  const given = UPLOAD_ONLY.filter((key) => {
    const value = raw[key];
    return Array.isArray(value)
      ? value.some((item) => item.trim() !== '')
      : value === true || (typeof value === 'string' && value.trim() !== '');
  });
  if (given.length === 0) return;
  throw new UsageError(
    (t) =>
      `${given.map((key) => t.name(key)).join(', ')} ${given.length > 1 ? 'shape' : 'shapes'} what an upload writes, but this run downloads (${t.name('downloadTo')}): files are written as the container holds them.`,
    (t) =>
      `Leave ${given.map((key) => t.name(key)).join(', ')} out of the download; the folder of the container to download goes in ${t.name('source')}.`,
  );
}
