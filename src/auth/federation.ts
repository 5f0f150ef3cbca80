import { AzurePipelinesCredential, ClientAssertionCredential, type TokenCredential } from '@azure/identity';

/** Entra hosts that instance discovery knows; any other authority (Azure Stack, private clouds) skips discovery. */
const KNOWN_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.microsoftonline.de',
]);

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

export function isKnownAuthorityHost(authorityHost: string): boolean {
  try {
    return KNOWN_AUTHORITY_HOSTS.has(new URL(authorityHost).hostname.toLowerCase());
  } catch {
    return false;
  }
}

export interface FederatedIdentity {
  tenantId: string;
  clientId: string;
  authorityHost?: string;
}

/**
 * Workload identity federation with an ID token from the CI platform. `getAssertion` is called on every token
 * refresh, so a long upload gets a fresh ID token instead of failing when the first one expires.
 */
export function federatedCredential(identity: FederatedIdentity, getAssertion: () => Promise<string>): TokenCredential {
  const authorityHost = identity.authorityHost || DEFAULT_AUTHORITY_HOST;
  return new ClientAssertionCredential(identity.tenantId, identity.clientId, getAssertion, {
    authorityHost,
    disableInstanceDiscovery: !isKnownAuthorityHost(authorityHost),
  });
}

/** Azure DevOps workload identity federation through the agent's OIDC endpoint (refreshes itself). */
export function pipelinesCredential(
  identity: FederatedIdentity & { serviceConnectionId: string; systemAccessToken: string },
): TokenCredential {
  const authorityHost = identity.authorityHost || DEFAULT_AUTHORITY_HOST;
  return new AzurePipelinesCredential(
    identity.tenantId,
    identity.clientId,
    identity.serviceConnectionId,
    identity.systemAccessToken,
    { authorityHost, disableInstanceDiscovery: !isKnownAuthorityHost(authorityHost) },
  );
}
