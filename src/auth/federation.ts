import { AzurePipelinesCredential, ClientAssertionCredential, type TokenCredential } from '@azure/identity';
import { DEFAULT_AUTHORITY_HOST, isKnownAuthorityHost } from './authority.js';

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
