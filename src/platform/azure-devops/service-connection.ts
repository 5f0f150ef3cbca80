import {
  ClientCertificateCredential,
  ClientSecretCredential,
  ManagedIdentityCredential,
  type TokenCredential,
} from '@azure/identity';
import * as tl from 'azure-pipelines-task-lib/task.js';
import { authorityOrigin, DEFAULT_AUTHORITY_HOST, isKnownAuthorityHost } from '../../auth/authority.js';
import { pipelinesCredential } from '../../auth/federation.js';
import { AuthError, UsageError } from '../../engine/errors.js';

/** What the task needs from an Azure Resource Manager service connection. */
export interface ServiceConnectionLogin {
  credential: TokenCredential;
  /** For the log: 'workload identity federation (service connection "…")'. */
  method: string;
  /** The connection's cloud (AzureCloud, AzureUSGovernment, AzureStack…), which decides the blob endpoint. */
  environment?: string;
  /** Every secret the connection holds, for masking. */
  secrets: string[];
  /** What to check when Entra ID refuses the sign-in. */
  hint: string;
}

const SUPPORTED_SCHEMES = 'WorkloadIdentityFederation (recommended), ServicePrincipal or ManagedServiceIdentity';

const SYSTEM_CONNECTION = 'SYSTEMVSSCONNECTION';

/**
 * Signs in through the AzureRM service connection the `azureSubscription` input names, by its scheme. Secret
 * parameters are read from the endpoint's authorization object (task-lib's per-parameter getter writes the value to
 * the debug log) and returned for masking.
 */
export function serviceConnectionLogin(connectionId: string, env: NodeJS.ProcessEnv): ServiceConnectionLogin {
  if (!connectionId) {
    throw new UsageError(
      'authenticationType is serviceConnection, but no service connection was given.',
      'Set `azureSubscription:` to the name of an Azure Resource Manager service connection (Project settings > Service connections), or choose authenticationType sasToken or connectionString.',
    );
  }
  const authorization = tl.getEndpointAuthorization(connectionId, true);
  if (!authorization) {
    throw new UsageError(
      `The service connection "${connectionId}" is not available to this task.`,
      'Check that azureSubscription names an existing Azure Resource Manager service connection and that this pipeline is authorized to use it (Service connections > the connection > Security > Pipeline permissions).',
    );
  }
  const parameters = lowerCaseKeys(authorization.parameters ?? {});
  const scheme = (tl.getEndpointAuthorizationScheme(connectionId, true) || authorization.scheme || '').trim();
  const tenantId = parameters.tenantid ?? '';
  const clientId = parameters.serviceprincipalid ?? '';
  const authorityHost = authorityHostFor(connectionId, env);
  const environment = tl.getEndpointDataParameter(connectionId, 'environment', true) || undefined;
  const name = `service connection ${connectionId}`;
  const options = { authorityHost, disableInstanceDiscovery: !isKnownAuthorityHost(authorityHost) };

  switch (scheme.toLowerCase()) {
    case 'workloadidentityfederation': {
      requireIdentity(connectionId, scheme, tenantId, clientId);
      const systemAccessToken = systemToken();
      if (!env.SYSTEM_OIDCREQUESTURI) {
        throw new AuthError(
          'Workload identity federation needs the agent variable System.OidcRequestUri, which is not set.',
          'Run the pipeline on Azure DevOps Services (or a Server version with workload identity federation) with a current agent, or use a service connection with a service principal secret.',
        );
      }
      return {
        credential: pipelinesCredential({
          tenantId,
          clientId,
          authorityHost,
          serviceConnectionId: connectionId,
          systemAccessToken,
        }),
        method: `workload identity federation (${name})`,
        environment,
        secrets: [systemAccessToken],
        hint: 'Verify the service connection (Project settings > Service connections > Edit > Verify). The federated credential on its app registration or managed identity must have the issuer and subject the connection shows (sc://ORG/PROJECT/CONNECTION) and the audience api://AzureADTokenExchange.',
      };
    }
    case 'serviceprincipal': {
      requireIdentity(connectionId, scheme, tenantId, clientId);
      const certificate = parameters.serviceprincipalcertificate ?? '';
      if (
        parameters.authenticationtype?.toLowerCase() === 'spncertificate' ||
        (certificate && !parameters.serviceprincipalkey)
      ) {
        if (!certificate) throw missingParameter(connectionId, 'the service principal certificate');
        return {
          credential: new ClientCertificateCredential(tenantId, clientId, { certificate }, options),
          method: `service principal certificate (${name})`,
          environment,
          secrets: [certificate],
          hint: 'Check that the certificate in the service connection is registered on the app registration and not expired.',
        };
      }
      const secret = parameters.serviceprincipalkey ?? '';
      if (!secret) throw missingParameter(connectionId, 'the service principal secret');
      return {
        credential: new ClientSecretCredential(tenantId, clientId, secret, options),
        method: `service principal secret (${name})`,
        environment,
        secrets: [secret],
        hint: 'The secret may have expired or been rotated: create a new one on the app registration and update the service connection, or convert the connection to workload identity federation (no secret).',
      };
    }
    case 'managedserviceidentity': {
      // A user-assigned identity on the agent's VM is named by its client id in the connection's data.
      const msiClientId = tl.getEndpointDataParameter(connectionId, 'msiclientId', true);
      return {
        credential: msiClientId
          ? new ManagedIdentityCredential({ clientId: msiClientId })
          : new ManagedIdentityCredential(),
        method: `managed identity of the agent (${name})`,
        environment,
        secrets: [],
        hint: 'Managed identity works only on a self-hosted agent VM (or scale set) with that identity assigned; check the agent and the service connection.',
      };
    }
    default:
      throw new UsageError(
        `The service connection "${connectionId}" uses the authentication scheme "${scheme || 'unknown'}", which this task does not support.`,
        `Use an Azure Resource Manager service connection with ${SUPPORTED_SCHEMES}; or choose authenticationType sasToken or connectionString.`,
      );
  }
}

/**
 * The Entra authority for the connection's cloud (sovereign clouds, Azure Stack), overridden by AZURE_AUTHORITY_HOST.
 * Only the origin is kept: the credential adds the tenant (or `adfs`) itself.
 */
function authorityHostFor(connectionId: string, env: NodeJS.ProcessEnv): string {
  const fromConnection =
    tl.getEndpointDataParameter(connectionId, 'activeDirectoryAuthority', true) ||
    tl.getEndpointDataParameter(connectionId, 'environmentAuthorityUrl', true);
  const configured = env.AZURE_AUTHORITY_HOST || fromConnection;
  if (!configured) return DEFAULT_AUTHORITY_HOST;
  return authorityOrigin(
    configured,
    'The Entra authority',
    env.AZURE_AUTHORITY_HOST
      ? 'Fix or remove the AZURE_AUTHORITY_HOST variable.'
      : "Fix the service connection's environment (Active Directory authority).",
  );
}

/** The job's access token, which the agent hands every task through the system connection. */
function systemToken(): string {
  const token = lowerCaseKeys(tl.getEndpointAuthorization(SYSTEM_CONNECTION, true)?.parameters ?? {}).accesstoken;
  if (!token) {
    throw new AuthError(
      'The agent did not pass the job access token (System.AccessToken), which workload identity federation needs to request an ID token.',
      'Run the task on an Azure Pipelines agent; if the job limits the token (e.g. a restricted container job), use a service principal secret connection instead.',
    );
  }
  return token;
}

function requireIdentity(connectionId: string, scheme: string, tenantId: string, clientId: string): void {
  if (!tenantId) throw missingParameter(connectionId, `the tenant id (scheme ${scheme})`);
  if (!clientId) throw missingParameter(connectionId, `the service principal (client) id (scheme ${scheme})`);
}

function missingParameter(connectionId: string, what: string): UsageError {
  return new UsageError(
    `The service connection "${connectionId}" is missing ${what}.`,
    'Edit the service connection (or recreate it with "Workload identity federation (automatic)") so that it is complete, then verify it.',
  );
}

function lowerCaseKeys(record: Record<string, string>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]));
}
