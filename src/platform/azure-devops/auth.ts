import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import * as tl from 'azure-pipelines-task-lib/task.js';
import type { StorageAuth } from '../../auth/client.js';
import { blobServiceUrl, connectionStringWithEndpoint } from '../../auth/destination.js';
import { briefIdentityError } from '../../auth/identity-errors.js';
import { AuthError, UsageError } from '../../engine/errors.js';
import { secretParts } from '../secrets.js';
import { cloudBlobServiceUrl } from './clouds.js';
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
          'Set `sasToken: $(storageSasToken)` from a secret variable (r, w, l permissions, plus d for deletes), or use the service connection (no secret).',
        );
      }
      return { kind: 'sas', serviceUrl: serviceUrl(inputs), sasToken: inputs.sasToken };
    case 'serviceConnection': {
      const login = serviceConnectionLogin(inputs.serviceConnection, env);
      login.secrets.forEach(maskSecret);
      return {
        kind: 'token',
        serviceUrl: serviceUrl(inputs, login.environment),
        credential: explainedCredential(login),
        method: login.method,
      };
    }
  }
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
