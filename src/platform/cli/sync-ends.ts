import path from 'node:path';
import type { StorageAuth } from '../../auth/storage-auth.js';
import { accountNameOf, blobServiceUrl, isContainerUrl, parseContainerUrl } from '../../auth/urls.js';
import { refuseEntraOverHttp } from '../../auth/plain-http.js';
import { UsageError } from '../../engine/errors.js';
import { startAzurite, type RunningAzurite } from '../../emulator/azurite.js';
import type { CliArgs } from './args.js';
import { cliEntraCredential } from './entra.js';

export interface CliDestination {
  /** The credential; for the emulator, known only once it started; none for a download with a SAS. */
  auth: StorageAuth | 'emulator' | undefined;
  container: string;
  destinationPath?: string;
  /** Set for a download: the container folder to fetch (its URL), the local folder to write, the source's SAS. */
  download?: { source: string; downloadTo: string; sasToken?: string };
}

const EMULATOR_CONTAINER = 'demo';

/**
 * Picks the destination and the credential, in this order: the emulator; a container URL (with its SAS, else an
 * account key, else Entra ID); a connection string; an account name or endpoint with a container.
 */
export function resolveCliDestination(args: CliArgs, env: NodeJS.ProcessEnv): CliDestination {
  const f = args.flags;
  const sasToken = f['sas-token'] ?? env.AZURE_STORAGE_SAS_TOKEN;
  const accountKey = f['account-key'] ?? env.AZURE_STORAGE_KEY;
  const download = downloadOf(args);
  if (download) return resolveCliDownload(args, env, download);

  if (f.emulator) {
    if (args.destinationUrl)
      throw new UsageError('--emulator takes no destination URL.', 'Use --container to name the container.');
    return { auth: 'emulator', container: f.container ?? EMULATOR_CONTAINER, destinationPath: f['destination-path'] };
  }

  if (args.destinationUrl) {
    const url = parseContainerUrl(args.destinationUrl);
    if (f.container) throw new UsageError('Give the container either in the URL or with --container, not both.');
    if (url.path && f['destination-path']) {
      throw new UsageError('Give the destination path either in the URL or with --destination-path, not both.');
    }
    const destinationPath = url.path || f['destination-path'];
    const sas = url.sas || sasToken;
    if (sas)
      return {
        auth: { kind: 'sas', serviceUrl: url.serviceUrl, sasToken: sas },
        container: url.container,
        destinationPath,
      };
    if (accountKey) {
      const accountName = f['storage-account'] ?? accountNameOf(url.serviceUrl);
      return {
        auth: { kind: 'account-key', serviceUrl: url.serviceUrl, accountName, accountKey },
        container: url.container,
        destinationPath,
      };
    }
    return { auth: entraAuth(url.serviceUrl, env), container: url.container, destinationPath };
  }

  const connectionString = f['connection-string'] ?? env.AZURE_STORAGE_CONNECTION_STRING;
  const container = f.container;
  if (!container) {
    throw new UsageError(
      args.source ? 'No destination was given.' : 'No source folder and no destination were given.',
      'Usage: azure-blob-sync <source> <container-url>, or add --connection-string and --container (see --help).',
    );
  }
  if (connectionString && !f['storage-account'] && !f['blob-endpoint']) {
    return { auth: { kind: 'connection-string', connectionString }, container, destinationPath: f['destination-path'] };
  }
  const serviceUrl = blobServiceUrl(f['storage-account'], f['blob-endpoint']);
  const auth: StorageAuth = sasToken
    ? { kind: 'sas', serviceUrl, sasToken }
    : accountKey
      ? { kind: 'account-key', serviceUrl, accountName: f['storage-account'] ?? accountNameOf(serviceUrl), accountKey }
      : entraAuth(serviceUrl, env);
  return { auth, container, destinationPath: f['destination-path'] };
}

/** Starts the local emulator (its data in --emulator-location) for an `--emulator` run. */
export function startEmulator(args: CliArgs): Promise<RunningAzurite> {
  return startAzurite({ location: path.resolve(args.flags['emulator-location'] ?? '.azurite') });
}

function entraAuth(serviceUrl: string, env: NodeJS.ProcessEnv): StorageAuth {
  refuseEntraOverHttp(
    serviceUrl,
    'pass --connection-string, --account-key or a SAS (in the URL or with --sas-token), or use the https endpoint.',
  );
  return {
    kind: 'token',
    serviceUrl,
    credential: cliEntraCredential(env),
    method: 'Entra ID (DefaultAzureCredential)',
  };
}

/**
 * `<container-url> <local-folder>`, or a container URL with `--download-to`: a download. Both forms at once, or a
 * folder given twice, are usage errors.
 */
function downloadOf(args: CliArgs): CliDestination['download'] {
  const downloadTo = args.flags['download-to'];
  const urlFirst = args.source !== undefined && isContainerUrl(args.source);
  const localSecond = args.destinationUrl !== undefined && !isContainerUrl(args.destinationUrl);
  if (downloadTo !== undefined) {
    if (args.destinationUrl !== undefined) {
      throw new UsageError(
        `Got a destination ("${args.destinationUrl}") and --download-to: a download writes only into its local folder.`,
        'Give azure-blob-sync <container-url> <local-folder>, or the URL with --download-to <folder>.',
      );
    }
    return { source: args.source ?? '', downloadTo };
  }
  return urlFirst && localSecond ? { source: args.source!, downloadTo: args.destinationUrl! } : undefined;
}

/**
 * How a download signs in: a SAS in the URL, --source-sas-token or --sas-token; else an account key, a connection
 * string of the URL's account, or Entra ID; with --emulator, the URL names the emulator's development account.
 */
function resolveCliDownload(
  args: CliArgs,
  env: NodeJS.ProcessEnv,
  download: NonNullable<CliDestination['download']>,
): CliDestination {
  const f = args.flags;
  if (f.container || f['destination-path']) {
    throw new UsageError(
      'A download reads the container and folder its source URL names: --container and --destination-path do not apply.',
      'Give the folder in the URL, e.g. https://myaccount.blob.core.windows.net/releases/v1.2.',
    );
  }
  if (f.emulator) return { auth: 'emulator', container: '', download };
  const url = parseContainerUrl(download.source, 'source');
  const accountKey = f['account-key'] ?? env.AZURE_STORAGE_KEY;
  const connectionString = f['connection-string'] ?? env.AZURE_STORAGE_CONNECTION_STRING;
  // A SAS reaches the run loop as the source's own, which then signs in with nothing else.
  const sasToken = url.sas ? undefined : (f['source-sas-token'] ?? f['sas-token'] ?? env.AZURE_STORAGE_SAS_TOKEN);
  if (url.sas || sasToken) return { auth: undefined, container: '', download: { ...download, sasToken } };
  const auth: StorageAuth = accountKey
    ? { kind: 'account-key', serviceUrl: url.serviceUrl, accountName: accountNameOf(url.serviceUrl), accountKey }
    : connectionString
      ? { kind: 'connection-string', connectionString }
      : entraAuth(url.serviceUrl, env);
  return { auth, container: '', download };
}

/** The emulator's development account, as a download from it names it (any host: the emulator started is used). */
export function emulatorSource(source: string, emulatorServiceUrl: string): string {
  const url = new URL(source);
  const [, account, ...rest] = url.pathname.split('/');
  if (account !== 'devstoreaccount1') {
    throw new UsageError(
      `With --emulator, a download's source names the emulator's account: http://127.0.0.1:10000/devstoreaccount1/<container>[/<folder>], not ${url.origin}${url.pathname}.`,
    );
  }
  return `${emulatorServiceUrl}/${rest.join('/')}${url.search}`;
}
