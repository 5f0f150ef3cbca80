import path from 'node:path';
import type { StorageAuth } from '../../auth/storage-auth.js';
import { accountNameOf, blobServiceUrl, parseContainerUrl } from '../../auth/urls.js';
import { refuseEntraOverHttp } from '../../auth/plain-http.js';
import { UsageError } from '../../engine/errors.js';
import { startAzurite, type RunningAzurite } from '../../emulator/azurite.js';
import type { CliArgs } from './args.js';
import { cliEntraCredential } from './entra.js';

export interface CliDestination {
  /** The credential; for the emulator, known only once it started. */
  auth: StorageAuth | 'emulator';
  container: string;
  destinationPath?: string;
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
