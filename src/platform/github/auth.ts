import * as core from '@actions/core';
import type { StorageAuth } from '../../auth/storage-auth.js';
import { authorityOrigin } from '../../auth/authority.js';
import { accountNameOf, blobServiceUrl, connectionStringWithEndpoint } from '../../auth/urls.js';
import { refuseEntraOverHttp } from '../../auth/plain-http.js';
import { AuthError, UsageError } from '../../engine/errors.js';
import { type AuthInputs, SECRET_INPUTS } from './inputs.js';
import { githubOidcCredential } from './oidc.js';
import { minimalWorkflow } from './workflow-example.js';
import { managementEndpointForAuthority } from '../../deploy/management-endpoint.js';
import type { ManagementSignIn } from '../../deploy/purge-setup.js';
import { secretParts } from '../secrets.js';

/**
 * Picks how to sign in. Explicit inputs win: client-id/tenant-id (OIDC), sas-token, connection-string or
 * account-key, exactly one of them. With none, AZURE_CLIENT_ID and AZURE_TENANT_ID from the environment select OIDC.
 */
export function chooseAuth(
  inputs: AuthInputs,
  env: NodeJS.ProcessEnv,
  { purging = false }: { purging?: boolean } = {},
): StorageAuth {
  // With a purge, client-id/tenant-id may accompany a secret: the secret signs in to storage, OIDC to the purge.
  const secretGiven = Boolean(inputs.sasToken || inputs.connectionString || inputs.accountKey);
  const oidcForStorage = (inputs.clientId || inputs.tenantId) && !(purging && secretGiven);
  const given = [
    oidcForStorage ? 'client-id/tenant-id (OIDC)' : '',
    inputs.sasToken ? 'sas-token' : '',
    inputs.connectionString ? 'connection-string' : '',
    inputs.accountKey ? 'account-key' : '',
  ].filter(Boolean);
  if (given.length > 1) {
    throw new UsageError(
      `More than one way to sign in was given (${given.join(', ')}).`,
      'Keep exactly one: client-id and tenant-id for OIDC (recommended, no secret), or one of sas-token, connection-string, account-key.',
    );
  }

  if (inputs.connectionString) {
    if (inputs.storageAccount || inputs.blobEndpoint) {
      throw connectionStringWithEndpoint();
    }
    return { kind: 'connection-string', connectionString: inputs.connectionString };
  }
  if (inputs.sasToken) {
    return { kind: 'sas', serviceUrl: serviceUrl(inputs), sasToken: inputs.sasToken };
  }
  if (inputs.accountKey) {
    const url = serviceUrl(inputs);
    return {
      kind: 'account-key',
      serviceUrl: url,
      accountName: inputs.storageAccount || accountNameOf(url),
      accountKey: inputs.accountKey,
    };
  }

  const clientId = inputs.clientId || env.AZURE_CLIENT_ID || '';
  const tenantId = inputs.tenantId || env.AZURE_TENANT_ID || '';
  if (!clientId && !tenantId) {
    throw new UsageError(
      'No way to sign in to Azure Storage was given.',
      `Use OIDC (no secret): give the job the id-token permission and pass client-id and tenant-id, e.g.\n${minimalWorkflow(env)}\nOr pass one of sas-token, connection-string or account-key from a secret.`,
    );
  }
  if (!clientId || !tenantId) {
    const missing = clientId ? 'tenant-id' : 'client-id';
    throw new UsageError(
      `OIDC sign-in needs both client-id and tenant-id, but ${missing} is missing.`,
      `Pass ${missing} (or set ${missing === 'client-id' ? 'AZURE_CLIENT_ID' : 'AZURE_TENANT_ID'} in the environment): the app registration's or managed identity's ${missing === 'client-id' ? 'Application (client) ID' : 'Directory (tenant) ID'}.`,
    );
  }
  checkIdentifier('client-id', clientId);
  checkIdentifier('tenant-id', tenantId);
  const url = serviceUrl(inputs);
  refuseEntraOverHttp(
    url,
    'pass `connection-string`, `account-key` or `sas-token` from a secret, or use the https endpoint.',
  );
  requireIdTokenPermission(env);
  const authorityHost = checkAuthorityHost(inputs.authorityHost || env.AZURE_AUTHORITY_HOST || '');
  return {
    kind: 'token',
    serviceUrl: url,
    credential: githubOidcCredential({ clientId, tenantId, authorityHost, audience: inputs.audience }),
    method: 'OIDC (GitHub workload identity federation)',
  };
}

/**
 * The run's Entra sign-in for the purge: the storage sign-in's own OIDC credential, or OIDC from client-id and
 * tenant-id when storage uses a SAS, a key or a connection string. The management endpoint follows the authority.
 */
export function managementSignIn(inputs: AuthInputs, env: NodeJS.ProcessEnv, storage: StorageAuth): ManagementSignIn {
  const authorityHost = checkAuthorityHost(inputs.authorityHost || env.AZURE_AUTHORITY_HOST || '');
  const endpoint = managementEndpointForAuthority(authorityHost);
  if (storage.kind === 'token') return { credential: storage.credential, method: storage.method, endpoint };
  const clientId = inputs.clientId || env.AZURE_CLIENT_ID || '';
  const tenantId = inputs.tenantId || env.AZURE_TENANT_ID || '';
  const secret = inputs.sasToken ? 'sas-token' : inputs.connectionString ? 'connection-string' : 'account-key';
  if (!clientId || !tenantId) {
    throw new UsageError(
      `purge-endpoint needs an Entra ID sign-in for Azure Resource Manager, but this step signs in with ${secret}, which only reaches storage.`,
      `Add client-id and tenant-id (OIDC; the job needs \`permissions: id-token: write\`) of an identity with CDN Profile Contributor (Front Door) or CDN Endpoint Contributor (Azure CDN); ${secret} keeps signing in to storage.`,
    );
  }
  checkIdentifier('client-id', clientId);
  checkIdentifier('tenant-id', tenantId);
  requireIdTokenPermission(env);
  return {
    credential: githubOidcCredential({ clientId, tenantId, authorityHost, audience: inputs.audience }),
    method: 'OIDC (GitHub workload identity federation)',
    endpoint,
  };
}

/** Every secret input, and the parts of it that could be logged on their own, masked before anything is printed. */
export function maskSecrets(env: NodeJS.ProcessEnv): void {
  for (const value of SECRET_INPUTS.map((name) => core.getInput(name))) {
    if (value) secretParts(value).forEach((part) => core.setSecret(part));
  }
  // A container source may carry its SAS in the URL.
  const source = core.getInput('source');
  if (/[?&]sig=/.test(source)) secretParts(source).forEach((part) => core.setSecret(part));
  // The runner masks its own request token; masking it again costs nothing and survives a runner bug.
  if (env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) core.setSecret(env.ACTIONS_ID_TOKEN_REQUEST_TOKEN);
}

function serviceUrl(inputs: AuthInputs): string {
  return blobServiceUrl(inputs.storageAccount || undefined, inputs.blobEndpoint || undefined);
}

/** GUIDs, or a tenant's domain name (contoso.onmicrosoft.com); anything else is a copy-paste slip. */
function checkIdentifier(name: 'client-id' | 'tenant-id', value: string): void {
  const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
  const domain = name === 'tenant-id' && /^[a-z0-9][a-z0-9.-]*\.[a-z]{2,}$/i.test(value);
  if (!guid && !domain) {
    throw new UsageError(
      `The ${name} "${value}" is not a GUID${name === 'tenant-id' ? ' or a tenant domain' : ''}.`,
      `Copy the ${name === 'client-id' ? 'Application (client) ID' : 'Directory (tenant) ID'} from the app registration or managed identity overview, e.g. 00000000-0000-0000-0000-000000000000.`,
    );
  }
}

function checkAuthorityHost(value: string): string | undefined {
  if (!value) return undefined;
  return authorityOrigin(
    value,
    'The authority host',
    'Give e.g. https://login.microsoftonline.us, or leave it empty for the public cloud.',
  );
}

/** Without `id-token: write` the runner does not expose the ID-token endpoint at all. */
function requireIdTokenPermission(env: NodeJS.ProcessEnv): void {
  const missing = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'].filter((name) => !env[name]);
  if (missing.length === 0) return;
  throw new AuthError(
    `OIDC sign-in needs the job permission \`id-token: write\`, which is missing: the runner did not set ${missing.join(' and ')}.`,
    `Add it to the workflow or the job:\n  permissions:\n    id-token: write\n    contents: read\n` +
      '(A job that sets `permissions:` gets only the ones it lists. Pull requests from forks and Dependabot runs never receive an ID token.)',
  );
}
