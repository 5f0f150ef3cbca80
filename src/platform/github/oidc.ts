import * as core from '@actions/core';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { DEFAULT_AUTHORITY_HOST, federatedCredential } from '../../auth/federation.js';
import { AuthError } from '../../engine/errors.js';
import { redact } from '../../engine/redact.js';

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
            `The GitHub runner did not issue an ID token (${brief(idTokenError)}).`,
            'Check that the job has `permissions: id-token: write` and that the audience input is right.',
          );
        }
        if (UNREACHABLE.test(String((error as Error)?.message ?? error))) {
          throw new AuthError(
            `Could not reach Entra ID at ${identity.authorityHost || DEFAULT_AUTHORITY_HOST} (${brief(error)}).`,
            "Check authority-host (or AZURE_AUTHORITY_HOST) and that the runner's network or proxy lets it through.",
          );
        }
        throw new AuthError(
          `Entra ID refused the federated sign-in of client ${identity.clientId} in tenant ${identity.tenantId} (${brief(error)}).`,
          FEDERATION_HINT,
        );
      }
    },
  };
}

/** Errors that mean the authority never answered, rather than refused. */
const UNREACHABLE =
  /ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|endpoints_resolution_error|network_error|certificate|self[- ]signed/i;

/** One line of an identity error: Entra's AADSTS code and text are what users search for. */
function brief(error: unknown): string {
  const text = redact(error instanceof Error ? error.message : String(error))
    .replace(/\s+/g, ' ')
    // MSAL fills the fields Entra did not send with "Not Available"; they only bury the AADSTS text.
    .replace(/(?:Error\(s\)|Timestamp|Correlation ID|Trace ID): Not Available(?: - )?/g, '')
    .replace(/ - $/, '')
    .trim();
  return text.length > 400 ? `${text.slice(0, 397)}...` : text;
}
