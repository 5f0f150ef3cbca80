import { AuthError, DestinationError, type SyncError, TransferError, UsageError } from './errors.js';
import { redact } from './redact.js';

interface HttpLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
  details?: { errorCode?: string };
}

const NETWORK_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH']);
/** Connections that opened but kept breaking or stalling, even after retries. */
const UNSTABLE_CODES = new Set(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED']);

export const PERMISSION_HINT =
  'Check that the identity has a data-plane role such as "Storage Blob Data Contributor" on the account or container ' +
  '(Owner/Contributor are not enough), that a SAS grants r, w, l (and d for deletes) and has not expired, that the ' +
  "machine's clock is right, and that the storage firewall admits this runner.";

/** The service's error code (e.g. `AuthorizationPermissionMismatch`), when the error carries one. */
export function storageErrorCode(error: unknown): string | undefined {
  const e = error as HttpLikeError;
  return e?.details?.errorCode ?? (typeof e?.code === 'string' ? e.code : undefined);
}

export function statusOf(error: unknown): number | undefined {
  return (error as HttpLikeError)?.statusCode;
}

/** The service refused the credential or its permission: every other request would be refused the same way. */
export function isRefused(error: unknown): boolean {
  const status = statusOf(error);
  return status === 401 || status === 403;
}

/** Short, secret-free text for one failed file: status and service error code, or the system error. */
export function failureReason(error: unknown): string {
  if (error instanceof TransferError) return redact(error.message);
  const status = statusOf(error);
  const code = storageErrorCode(error);
  const message = redact(firstLine((error as Error)?.message ?? String(error)));
  if (status) return `${status} ${code ?? ''}: ${message}`.replace(/ +:/, ':');
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

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
  if (code === 'ContainerNotFound') {
    return new DestinationError(
      `The container at ${destination} does not exist.`,
      'Create it first (az storage container create), check the name, or pass --create-container.',
    );
  }
  if (code && NETWORK_CODES.has(code)) {
    return new DestinationError(
      `Cannot reach ${destination} (${code}).`,
      'Check the account name or endpoint URL, DNS and the network path (private endpoint, proxy, firewall).',
    );
  }
  if (code && UNSTABLE_CODES.has(code)) {
    return new DestinationError(
      `The connection to ${destination} kept failing while trying to ${what} (${reason}).`,
      'Run again; if it persists, check the network path (proxy, firewall, VPN) or raise --timeout for a slow service.',
    );
  }
  if (code === 'InvalidResourceName' || code === 'OutOfRangeInput') {
    return new UsageError(`The service rejected the destination name at ${destination} (${reason}).`);
  }
  return undefined;
}

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
