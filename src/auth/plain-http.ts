import { UsageError } from '../engine/errors.js';

/**
 * Entra ID sends a bearer token, and the storage SDK sends one only over https: against an http endpoint it would
 * fail after the sign-in with a cryptic "not permitted for non-TLS protected" error and exit 1. An http blob endpoint
 * is an emulator's, which signs in with its key, so this is a usage error before anything is sent. `remedy` names
 * the entry point's own inputs.
 */
export function refuseEntraOverHttp(serviceUrl: string, remedy: string): void {
  if (new URL(serviceUrl).protocol !== 'http:') return;
  throw new UsageError(
    `The blob endpoint ${serviceUrl} is http, and Entra ID sign-in sends its token only over https.`,
    `An http endpoint (an emulator) needs a connection string, an account key or a SAS: ${remedy}`,
  );
}
