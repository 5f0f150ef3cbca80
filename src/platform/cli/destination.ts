import path from 'node:path';
import type { StorageAuth } from '../../auth/client.js';
import { blobServiceUrl, parseContainerUrl } from '../../auth/destination.js';
import { UsageError } from '../../engine/errors.js';
import { startAzurite, type RunningAzurite } from '../../emulator/azurite.js';
import type { CliArgs } from './args.js';
import { cliEntraCredential } from './entra.js';

export interface CliDestination {
  auth: StorageAuth;
  container: string;
  destinationPath?: string;
  emulator?: RunningAzurite;
}

const EMULATOR_CONTAINER = 'demo';

/**
 * Picks the destination and the credential, in this order: the emulator; a container URL (with its SAS, else an
 * account key, else Entra ID); a connection string; an account name or endpoint with a container.
 */
export async function resolveCliDestination(args: CliArgs, env: NodeJS.ProcessEnv): Promise<CliDestination> {
  const f = args.flags;
  const sasToken = f['sas-token'] ?? env.AZURE_STORAGE_SAS_TOKEN;
  const accountKey = f['account-key'] ?? env.AZURE_STORAGE_KEY;

  if (f.emulator) {
    if (args.destinationUrl)
      throw new UsageError('--emulator takes no destination URL.', 'Use --container to name the container.');
    const emulator = await startAzurite({ location: path.resolve(f['emulator-location'] ?? '.azurite') });
    return {
      auth: { kind: 'connection-string', connectionString: emulator.connectionString },
      container: f.container ?? EMULATOR_CONTAINER,
      destinationPath: f['destination-path'],
      emulator,
    };
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
      const accountName = f['storage-account'] ?? accountFromUrl(url.serviceUrl);
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
      ? { kind: 'account-key', serviceUrl, accountName: f['storage-account'] ?? accountFromUrl(serviceUrl), accountKey }
      : entraAuth(serviceUrl, env);
  return { auth, container, destinationPath: f['destination-path'] };
}

function entraAuth(serviceUrl: string, env: NodeJS.ProcessEnv): StorageAuth {
  return {
    kind: 'token',
    serviceUrl,
    credential: cliEntraCredential(env),
    method: 'Entra ID (DefaultAzureCredential)',
  };
}

/** `https://acct.blob.core.windows.net` → acct; `http://127.0.0.1:10000/devstoreaccount1` → devstoreaccount1. */
function accountFromUrl(serviceUrl: string): string {
  const url = new URL(serviceUrl);
  const segment = url.pathname.split('/').filter(Boolean)[0];
  return segment ?? url.hostname.split('.')[0] ?? '';
}
