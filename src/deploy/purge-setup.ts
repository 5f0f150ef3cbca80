import type { TokenCredential } from '@azure/identity';
import { UsageError } from '../engine/errors.js';
import type { DeployOptions } from './options.js';
import type { PurgeTarget } from './purge-target.js';

/** The run's own Entra sign-in, for the management scope: what each entry point offers the purge. */
export interface ManagementSignIn {
  credential: TokenCredential;
  /** For the log: 'OIDC (GitHub workload identity federation)', 'service connection …'. */
  method: string;
  /** The Resource Manager endpoint of the sign-in's cloud, unless the user named one. */
  endpoint: string;
}

export interface PreparedPurge {
  target: PurgeTarget;
  credential: TokenCredential;
  method: string;
  managementEndpoint: string;
}

/**
 * Signs in for the purge before the sync sends anything: an entry point with no Entra sign-in to offer refuses
 * (UsageError, saying what to add), and a refused sign-in fails now rather than after the upload.
 */
export async function preparePurge(
  purge: NonNullable<DeployOptions['purge']>,
  signIn: (() => ManagementSignIn | Promise<ManagementSignIn>) | undefined,
): Promise<PreparedPurge> {
  if (!signIn) {
    throw new UsageError(
      (t) =>
        `${t.name('purgeEndpoint')} needs an Entra ID sign-in for Azure Resource Manager, which this run has none of.`,
    );
  }
  const login = await signIn();
  const managementEndpoint = purge.managementEndpoint ?? login.endpoint;
  await login.credential.getToken(`${managementEndpoint}/.default`);
  return { target: purge.target, credential: login.credential, method: login.method, managementEndpoint };
}
