import * as core from '@actions/core';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { DEFAULT_AUTHORITY_HOST } from '../../auth/authority.js';
import { federatedCredential } from '../../auth/federation.js';
import { AUTHORITY_UNREACHABLE, briefIdentityError } from '../../auth/identity-errors.js';
import { AuthError } from '../../engine/errors.js';

export interface GithubOidcIdentity {
  clientId: string;
  tenantId: string;
  authorityHost?: string;
  audience: string;
}

const FEDERATION_HINT =
  'Check the federated credential on the app registration or managed identity: issuer ' +
  'https://token.actions.githubusercontent.com, subject matching this run (repo:OWNER/REPO:ref:refs/heads/BRANCH, ' +
  'or repo:OWNER/REPO:environment:NAME when the job has an environment), audience api://AzureADTokenExchange ' +
  '(or the audience input); and that client-id and tenant-id are right.';

/**
 * Entra ID sign-in with the runner's ID token. The assertion callback asks the runner for a new ID token on every
 * refresh, so uploads that outlast the first ID token (minutes) or access token (an hour) keep going.
 */
export function githubOidcCredential(identity: GithubOidcIdentity): TokenCredential {
  let idTokenError: unknown;
  const getAssertion = async () => {
    try {
      // core.getIDToken masks the ID token itself before returning it.
      return await core.getIDToken(identity.audience);
    } catch (error) {
      idTokenError = error;
      throw error;
    }
  };
  const credential = federatedCredential(identity, getAssertion);
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      idTokenError = undefined;
      try {
        const token = await credential.getToken(scopes, options);
        if (token) core.setSecret(token.token);
        return token;
      } catch (error) {
        if (idTokenError) {
          throw new AuthError(
            `The GitHub runner did not issue an ID token (${briefIdentityError(idTokenError)}).`,
            'Check that the job has `permissions: id-token: write` and that the audience input is right.',
          );
        }
        if (AUTHORITY_UNREACHABLE.test(String((error as Error)?.message ?? error))) {
          throw new AuthError(
            `Could not reach Entra ID at ${identity.authorityHost || DEFAULT_AUTHORITY_HOST} (${briefIdentityError(error)}).`,
            "Check authority-host (or AZURE_AUTHORITY_HOST) and that the runner's network or proxy lets it through.",
          );
        }
        throw new AuthError(
          `Entra ID refused the federated sign-in of client ${identity.clientId} in tenant ${identity.tenantId} (${briefIdentityError(error)}).`,
          FEDERATION_HINT,
        );
      }
    },
  };
}
