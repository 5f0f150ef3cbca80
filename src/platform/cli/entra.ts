import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { DEFAULT_AUTHORITY_HOST, isKnownAuthorityHost } from '../../auth/authority.js';
import { AUTHORITY_UNREACHABLE, briefIdentityError } from '../../auth/identity-errors.js';
import { AuthError, UsageError } from '../../engine/errors.js';
import { managementEndpointForAuthority } from '../../deploy/management-endpoint.js';
import type { ManagementSignIn } from '../../deploy/purge-setup.js';
import type { StorageAuth } from '../../auth/storage-auth.js';

const PURGE_SIGN_IN_HINT =
  'Sign in with `az login`, or set AZURE_CLIENT_ID and AZURE_TENANT_ID with AZURE_CLIENT_SECRET (or ' +
  'AZURE_FEDERATED_TOKEN_FILE), or run where a managed identity is assigned: an identity with CDN Profile Contributor ' +
  '(Front Door) or CDN Endpoint Contributor (Azure CDN). A SAS, key or connection string only reaches storage.';

const SIGN_IN_HINT =
  'Sign in with `az login` (or `azd auth login`), set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET (or ' +
  'AZURE_FEDERATED_TOKEN_FILE) for a service principal, or pass a SAS URL, --account-key or --connection-string.';

/**
 * Entra ID for the command line: whatever DefaultAzureCredential finds (environment, workload identity, managed
 * identity, Azure CLI…). An authority that is not a well-known Entra host (AZURE_AUTHORITY_HOST for Azure Stack or a
 * private cloud) skips instance discovery, which would otherwise ask login.microsoftonline.com about it. Failures
 * become one line with the fix.
 */
export function cliEntraCredential(env: NodeJS.ProcessEnv, purpose: 'storage' | 'purge' = 'storage'): TokenCredential {
  const authorityHost = env.AZURE_AUTHORITY_HOST || DEFAULT_AUTHORITY_HOST;
  // Loaded on first use: most runs sign in with a SAS or key, and the identity library is a third of start-up time.
  let credential: Promise<TokenCredential> | undefined;
  const load = async () => {
    const { DefaultAzureCredential } = await import('@azure/identity');
    return new DefaultAzureCredential({ disableInstanceDiscovery: !isKnownAuthorityHost(authorityHost) });
  };
  return {
    async getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken | null> {
      try {
        credential ??= load();
        return await (await credential).getToken(scopes, options);
      } catch (error) {
        const reason = briefIdentityError(error);
        if (purpose === 'purge' && nothingToSignInWith(error)) {
          throw new UsageError(
            `--purge-endpoint needs an Entra ID sign-in for Azure Resource Manager, and none is set up here (${reason.slice(0, 200)}).`,
            PURGE_SIGN_IN_HINT,
          );
        }
        if (AUTHORITY_UNREACHABLE.test(reason) && !/CredentialUnavailable|not installed|az login/i.test(reason)) {
          throw new AuthError(
            `Could not reach Entra ID at ${authorityHost} (${reason}).`,
            'Check AZURE_AUTHORITY_HOST and that the network or proxy lets this machine through.',
          );
        }
        throw new AuthError(`No Entra ID sign-in worked (${reason}).`, SIGN_IN_HINT);
      }
    },
  };
}

/** Every credential DefaultAzureCredential tried said it was not set up (none refused): there is no sign-in at all. */
function nothingToSignInWith(error: unknown): boolean {
  const errors = (error as { errors?: unknown[] })?.errors;
  return (
    (error as Error)?.name === 'AggregateAuthenticationError' &&
    Array.isArray(errors) &&
    errors.length > 0 &&
    errors.every((e) => (e as Error)?.name === 'CredentialUnavailableError')
  );
}

/**
 * The CLI's Entra sign-in for the purge: the storage sign-in's when it is Entra ID, else DefaultAzureCredential
 * (environment, workload identity, managed identity, Azure CLI) beside the SAS, key or connection string.
 */
export function cliManagementSignIn(storage: StorageAuth, env: NodeJS.ProcessEnv): ManagementSignIn {
  const endpoint = managementEndpointForAuthority(env.AZURE_AUTHORITY_HOST);
  if (storage.kind === 'token') return { credential: storage.credential, method: storage.method, endpoint };
  return { credential: cliEntraCredential(env, 'purge'), method: 'Entra ID (DefaultAzureCredential)', endpoint };
}
