import { AuthError, DestinationError, type SyncError, UsageError } from '../engine/errors.js';
import { UNREACHABLE_CODES, UNSTABLE_CODES } from './network-errors.js';
import { containerMissing, failureReason, isRefused, PERMISSION_HINT, storageErrorCode } from '../engine/failures.js';

/**
 * Turns an error that stops the whole run (listing, container creation, a refused credential) into a typed error
 * whose hint says what to do.
 */
export function classifyFatal(error: unknown, what: string, destination: string): SyncError | undefined {
  const code = storageErrorCode(error);
  const reason = failureReason(error);
  if (isRefused(error) || code === 'AuthenticationFailed') {
    return new AuthError(`The storage service refused to ${what} at ${destination} (${reason}).`, PERMISSION_HINT);
  }
  if (code === 'ContainerNotFound') return containerMissing(destination);
  if (code && UNREACHABLE_CODES.has(code)) {
    return new DestinationError(
      `Cannot reach ${destination} (${code}).`,
      'Check the account name or endpoint URL, DNS and the network path (private endpoint, proxy, firewall).',
    );
  }
  if (code && UNSTABLE_CODES.has(code)) {
    return new DestinationError(
      `The connection to ${destination} kept failing while trying to ${what} (${reason}).`,
      (t) =>
        `Run again; if it persists, check the network path (proxy, firewall, VPN) or raise ${t.name('timeout')} for a slow service.`,
    );
  }
  if (code === 'InvalidResourceName' || code === 'OutOfRangeInput') {
    return new UsageError(`The service rejected the destination name at ${destination} (${reason}).`);
  }
  return undefined;
}
