import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import * as tl from 'azure-pipelines-task-lib/task.js';
import type { StorageAuth } from '../../auth/storage-auth.js';
import { blobServiceUrl, connectionStringWithEndpoint } from '../../auth/urls.js';
import { briefIdentityError } from '../../auth/identity-errors.js';
import { refuseEntraOverHttp } from '../../auth/plain-http.js';
import { AuthError, UsageError } from '../../engine/errors.js';
import { secretParts } from '../secrets.js';
import { cloudBlobServiceUrl } from './clouds.js';
import { PUBLIC_MANAGEMENT_ENDPOINT } from '../../deploy/management-endpoint.js';
import type { ManagementSignIn } from '../../deploy/purge-setup.js';
import type { AuthInputs } from './inputs.js';
import { serviceConnectionLogin, type ServiceConnectionLogin } from './service-connection.js';

/**
 * Picks how to sign in from `authenticationType`: the service connection (workload identity federation, service
 * principal, managed identity), a SAS token, or a connection string. Every secret involved is masked before this
 * returns.
 */
export function chooseAuth(inputs: AuthInputs, env: NodeJS.ProcessEnv): StorageAuth {
  switch (inputs.authenticationType) {
    case 'connectionString':
      if (!inputs.connectionString) {
        throw new UsageError(
          'authenticationType is connectionString, but connectionString is empty.',
          'Set `connectionString: $(storageConnectionString)` from a secret variable, or use the service connection (no secret).',
        );
      }
      if (inputs.storageAccount || inputs.blobEndpoint) {
        throw connectionStringWithEndpoint();
      }
      return { kind: 'connection-string', connectionString: inputs.connectionString };
    case 'sasToken':
      if (!inputs.sasToken) {
        throw new UsageError(
          'authenticationType is sasToken, but sasToken is empty.',
          'Set `sasToken: $(storageSasToken)` from a secret variable (w and l permissions, plus d for deletes), or use the service connection (no secret).',
        );
      }
      return { kind: 'sas', serviceUrl: serviceUrl(inputs), sasToken: inputs.sasToken };
    case 'serviceConnection': {
      const login = serviceConnectionLogin(inputs.serviceConnection, env);
      login.secrets.forEach(maskSecret);
      const url = serviceUrl(inputs, login.environment);
      refuseEntraOverHttp(
        url,
        'set `authenticationType: connectionString` (or `sasToken`) with the secret in a variable, or use the https endpoint.',
      );
      return {
        kind: 'token',
        serviceUrl: url,
        credential: explainedCredential(login),
        method: login.method,
      };
    }
  }
}

/**
 * The run's Entra sign-in for the purge: the service connection, which also signs in to storage with
 * authenticationType serviceConnection, or is named by azureSubscription beside a SAS or connection string. The
 * management endpoint is the connection's own (its cloud's Resource Manager).
 */
export function managementSignIn(inputs: AuthInputs, env: NodeJS.ProcessEnv, storage: StorageAuth): ManagementSignIn {
  if (!inputs.serviceConnection) {
    throw new UsageError(
      `purgeEndpoint needs an Entra ID sign-in for Azure Resource Manager, but authenticationType ${inputs.authenticationType} only reaches storage.`,
      'Set `azureSubscription:` to an Azure Resource Manager service connection whose identity has CDN Profile Contributor (Front Door) or CDN Endpoint Contributor (Azure CDN); the SAS or connection string keeps signing in to storage.',
    );
  }
  const endpoint = connectionManagementEndpoint(inputs.serviceConnection);
  if (storage.kind === 'token') return { credential: storage.credential, method: storage.method, endpoint };
  const login = serviceConnectionLogin(inputs.serviceConnection, env);
  login.secrets.forEach(maskSecret);
  return { credential: explainedCredential(login), method: login.method, endpoint };
}

/** An AzureRM service connection's URL is its cloud's Resource Manager endpoint (https://management.azure.com/). */
function connectionManagementEndpoint(connectionId: string): string {
  const url = tl.getEndpointUrl(connectionId, true);
  try {
    const parsed = url ? new URL(url) : undefined;
    if (parsed?.protocol === 'https:') return parsed.origin;
  } catch {
    // not a URL: the public cloud's endpoint below
  }
  return PUBLIC_MANAGEMENT_ENDPOINT;
}

/** Masks the secret inputs, and the parts of them that could be logged on their own, before anything is printed. */
export function maskSecretInputs(inputs: AuthInputs, source: (string | undefined)[] = []): void {
  for (const value of [inputs.sasToken, inputs.connectionString]) {
    if (value) secretParts(value).forEach(maskSecret);
  }
  // The source's SAS, in its own input or in a container URL given as the source.
  const [sourceSas, sourcePath] = source;
  if (sourceSas) secretParts(sourceSas).forEach(maskSecret);
  if (sourcePath && /[?&]sig=/.test(sourcePath)) secretParts(sourcePath).forEach(maskSecret);
}

/** task-lib refuses multi-line secrets (a PEM certificate), so those are masked line by line. */
function maskSecret(value: string): void {
  for (const line of value.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed && !/^-----(BEGIN|END) /.test(trimmed)) tl.setSecret(trimmed);
  }
}

function serviceUrl(inputs: AuthInputs, environment?: string): string {
  if (inputs.blobEndpoint) return blobServiceUrl(undefined, inputs.blobEndpoint);
  if (!inputs.storageAccount) {
    throw new UsageError(
      'No storage account was given.',
      'Set `storageAccount:` to the account name (the first part of <account>.blob.core.windows.net), or `blobEndpoint:` to the full blob service URL.',
    );
  }
  return cloudBlobServiceUrl(inputs.storageAccount, environment);
}

/**
 * The credential, with its failures turned into one clear error naming the service connection, and every access
 * token it issues masked.
 */
function explainedCredential(login: ServiceConnectionLogin): TokenCredential {
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      try {
        const token = await login.credential.getToken(scopes, options);
        if (token) tl.setSecret(token.token);
        return token;
      } catch (error) {
        const reason = briefIdentityError(error);
        // AzurePipelinesCredential first asks the agent for an ID token; a refusal there is not Entra's.
        if (/AzurePipelinesCredential: .*oidcToken/.test(reason)) {
          throw new AuthError(
            `Azure DevOps did not issue an ID token for the ${login.method} (${reason}).`,
            'Check that this pipeline may use the service connection (Service connections > the connection > Security > Pipeline permissions) and that the job access token is not restricted for this job.',
          );
        }
        throw new AuthError(`Entra ID refused the sign-in with the ${login.method} (${reason}).`, login.hint);
      }
    },
  };
}
