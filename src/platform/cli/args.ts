import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../../engine/errors.js';
import type { RawSyncOptions } from '../../engine/options.js';

/** Every flag, with its help text. The same names as the Action's inputs. */
export const FLAGS = {
  'connection-string': {
    type: 'string',
    help: 'Storage connection string (default: $AZURE_STORAGE_CONNECTION_STRING).',
  },
  container: { type: 'string', help: 'Container name, when the destination is not a URL.' },
  'destination-path': { type: 'string', help: 'Virtual folder inside the container (default: the container root).' },
  'storage-account': {
    type: 'string',
    help: 'Storage account name, for --account-key / --sas-token / Entra ID sign-in.',
  },
  'blob-endpoint': { type: 'string', help: 'Blob service URL (sovereign clouds, private endpoints, emulators).' },
  'account-key': { type: 'string', help: 'Account key (default: $AZURE_STORAGE_KEY). Prefer Entra ID or a SAS.' },
  'sas-token': { type: 'string', help: 'SAS token (default: $AZURE_STORAGE_SAS_TOKEN); needs w,l (+d to delete).' },
  emulator: { type: 'boolean', help: 'Start a local Azurite emulator and sync into it (no Azure account needed).' },
  'emulator-location': { type: 'string', help: 'Folder where the emulator keeps its data (default: ./.azurite).' },
  include: { type: 'string', multiple: true, help: 'Only files matching this glob (repeatable; e.g. "**/*.html").' },
  exclude: { type: 'string', multiple: true, help: 'Skip files matching this glob (repeatable; e.g. "**/*.map").' },
  'delete-destination': {
    type: 'boolean',
    help: 'Delete blobs under the path that are not in the source (after all uploads succeed).',
  },
  'delete-threshold': {
    type: 'string',
    help: 'Largest share by which one run may shrink the blobs in scope, e.g. 0.5 or 50% (default 50%).',
  },
  force: { type: 'boolean', help: 'Delete even when the run would shrink the destination beyond the threshold.' },
  compare: { type: 'string', help: 'How to tell a file changed: md5 (default), size, or none (always upload).' },
  'dry-run': { type: 'boolean', help: 'Print what would change; send nothing.' },
  concurrency: {
    type: 'string',
    help: 'Most files transferred at once (default: auto); fewer while the service says it is busy.',
  },
  'cap-mbps': {
    type: 'string',
    help: 'Keep uploads, copies and downloads together under this many megabits a second (default: no cap).',
  },
  'content-type': {
    type: 'string',
    multiple: true,
    help: 'Content-Type rule glob=type (repeatable; last match wins).',
  },
  'cache-control': {
    type: 'string',
    multiple: true,
    help: 'Cache-Control rule glob=value (repeatable; last match wins).',
  },
  'access-tier': { type: 'string', help: 'Access tier for uploaded blobs: Hot, Cool, Cold or Archive.' },
  'create-container': { type: 'boolean', help: 'Create the container if it does not exist.' },
  'follow-symlinks': {
    type: 'boolean',
    help: 'Follow symbolic links that point outside the source folder (by default they are skipped, with a warning).',
  },
  immutable: {
    type: 'boolean',
    help: 'Never replace, update or delete a blob that exists: a file whose blob differs fails (exit code 7); new blobs only where none is.',
  },
  'hash-cache': {
    type: 'string',
    help: 'A file outside the source that keeps the MD5s of unchanged files between runs, so they are not read again.',
  },
  compress: {
    type: 'string',
    multiple: true,
    help: 'Store matching files precompressed: glob=br|gzip|none (repeatable; last match wins).',
  },
  timeout: { type: 'string', help: 'Seconds one request may take before it is retried (default 120).' },
  shard: { type: 'string', help: "K/N: only this job's part of a sync spread over N jobs (by a hash of each name)." },
  'delete-grace': {
    type: 'string',
    help: 'Delete a blob only once it has been absent from the source this long: 90s, 30m, 12h, 7d (default 0).',
  },
  'purge-endpoint': {
    type: 'string',
    help: 'After a sync that changed something, purge the changed paths on this Front Door or CDN endpoint (its resource ID).',
  },
  'management-endpoint': {
    type: 'string',
    help: 'Azure Resource Manager endpoint for the purge (default: the cloud of AZURE_AUTHORITY_HOST).',
  },
  'download-to': {
    type: 'string',
    help: 'Download the source (a container folder URL) into this local folder (also: <container-url> <folder>).',
  },
  'source-sas-token': {
    type: 'string',
    help: 'SAS (r,l) for a container source, when it is not in the source URL.',
  },
  json: { type: 'boolean', help: 'Print the summary as JSON on stdout (logs go to stderr).' },
  verbose: {
    type: 'boolean',
    help: 'Also list unchanged (skipped) files, how the local hashing ran, and names the service stores differently.',
  },
  quiet: { type: 'boolean', help: 'Print only the summary and errors.' },
  help: { type: 'boolean', short: 'h', help: 'Show this help.' },
  version: { type: 'boolean', help: 'Show the version.' },
} as const;

type Flag = keyof typeof FLAGS;
type FlagValues = {
  [K in Flag]?: (typeof FLAGS)[K] extends { multiple: true }
    ? string[]
    : (typeof FLAGS)[K] extends { type: 'boolean' }
      ? boolean
      : string;
};

export interface CliArgs {
  source?: string;
  destinationUrl?: string;
  flags: FlagValues;
}

export function parseCliArgs(argv: string[]): CliArgs {
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([name, spec]) => [
      name,
      { type: spec.type, multiple: 'multiple' in spec, ...('short' in spec ? { short: spec.short } : {}) },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}`, 'Run with --help to see the flags.');
  }
  const expanded = shellExpandedSource(parsed.positionals);
  if (expanded) throw expanded;
  const [source, destinationUrl, ...extra] = parsed.positionals;
  if (extra.length > 0) {
    throw new UsageError(
      `Unexpected argument "${extra[0]}".`,
      'Give a source folder and at most one destination URL; quote globs.',
    );
  }
  return { source, destinationUrl, flags: parsed.values as FlagValues };
}

/**
 * `azure-blob-sync dist/* <url>` without quotes: the shell replaced `dist/*` with the paths it matches, so several
 * sources arrive (or a path where the URL belongs). Said plainly, with the form that works.
 */
function shellExpandedSource(positionals: readonly string[]): UsageError | undefined {
  const isUrl = (text: string) => /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  const last = positionals.at(-1);
  const paths = last !== undefined && isUrl(last) ? positionals.slice(0, -1) : positionals;
  if (paths.length < 2 || paths.some(isUrl) || !paths.every((p) => existsSync(p))) return undefined;
  const parent = path.dirname(paths[0]!);
  const shown = paths.length > 2 ? `${paths[0]}, ${paths[1]}, …` : paths.join(', ');
  return new UsageError(
    `Got ${paths.length} source paths (${shown}): the shell expanded a pattern such as ${path.join(parent, '*')} into what it matches.`,
    `Give the folder itself, e.g. azure-blob-sync ${parent} <destination>: its whole contents are synced, subfolders included (or quote the pattern).`,
  );
}

export function rawSyncOptions(
  args: CliArgs,
  destinationPath: string | undefined,
  download?: { source: string; downloadTo: string },
): RawSyncOptions {
  const f = args.flags;
  return {
    source: download?.source ?? args.source ?? '',
    downloadTo: download?.downloadTo,
    destinationPath,
    include: f.include,
    exclude: f.exclude,
    compare: f.compare,
    deleteDestination: f['delete-destination'],
    deleteThreshold: f['delete-threshold'],
    force: f.force,
    dryRun: f['dry-run'],
    concurrency: f.concurrency,
    capMbps: f['cap-mbps'],
    contentType: f['content-type'],
    cacheControl: f['cache-control'],
    accessTier: f['access-tier'],
    createContainer: f['create-container'] || (f.emulator && !download),
    followSymlinks: f['follow-symlinks'],
    immutable: f.immutable,
    hashCache: f['hash-cache'],
    shard: f.shard,
    compress: f.compress,
    deleteGrace: f['delete-grace'],
  };
}

export function helpText(version: string): string {
  const flagLines = Object.entries(FLAGS).map(([name, spec]) => {
    const left = `  ${'short' in spec ? `-${spec.short}, ` : ''}--${name}${spec.type === 'string' ? ' <value>' : ''}`;
    return `${left.padEnd(32)} ${spec.help}`;
  });
  return [
    `azure-blob-sync ${version}: make a blob container (or a folder in it) match a local folder.`,
    '',
    'Usage:',
    '  azure-blob-sync <source> <container-url>[?<sas>] [flags]',
    '  azure-blob-sync <container-url>/<folder>[?<sas>] <container-url>[?<sas>] [flags]   (server-side copy)',
    '  azure-blob-sync <source> --connection-string <cs> --container <name> [--destination-path <path>] [flags]',
    '  azure-blob-sync <source> --emulator [--container <name>]',
    '  azure-blob-sync <container-url>/<folder>[?<sas>] <local-folder> [flags]                  (download)',
    '',
    'Files are compared by content (MD5), so fresh checkouts upload nothing that is unchanged. Blobs outside the',
    'destination path are never touched; deletes run only with --delete-destination, only after every upload',
    'succeeded, and never when the source is empty. Without a SAS, key or connection string, the CLI signs in with',
    "Entra ID (environment, workload identity, managed identity, Azure CLI). The source is always a folder's whole",
    'contents: "dist/*" and "dist/**" (AzCopy\'s way of saying so) mean dist. A container URL first and a local folder',
    'second downloads: by content too, verified, written atomically and resumed from a partial file; with --emulator,',
    "name the emulator's container as http://127.0.0.1:10000/devstoreaccount1/<container>[/<folder>].",
    '',
    'Flags:',
    ...flagLines,
    '',
    'Examples:',
    '  azure-blob-sync ./dist https://myaccount.blob.core.windows.net/\\$web --delete-destination \\',
    '    --cache-control "**/*.html=no-cache" --cache-control "assets/**=public, max-age=31536000, immutable"',
    '  azure-blob-sync ./release "https://myaccount.blob.core.windows.net/releases/v1.2?$SAS" --include "*.tar.gz"',
    '  azure-blob-sync ./site --emulator --dry-run',
    '  azure-blob-sync https://myaccount.blob.core.windows.net/releases/v1.2 \\',
    '    https://myaccount.blob.core.windows.net/releases/latest --delete-destination   # the service copies',
    '  azure-blob-sync https://myaccount.blob.core.windows.net/releases/v1.2 ./release --delete-destination',
    '',
    'Exit codes: 0 in sync, 1 some files failed, 2 bad input, 3 refused credentials or permission,',
    '4 destination unreachable or missing, 5 stopped by a safety guard (nothing changed),',
    '6 the sync completed but the CDN / Front Door purge was refused, failed or timed out,',
    '7 with --immutable, a file differs from the blob already there (that blob was left as it is).',
  ].join('\n');
}
