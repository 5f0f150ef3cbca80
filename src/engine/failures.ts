import { DestinationError, TransferError } from './errors.js';
import { redact } from './redact.js';

/** The shape of the storage SDK's errors (RestError), and of Node's system errors, as far as the engine reads them. */
interface HttpLikeError {
  statusCode?: number;
  code?: string;
  message?: string;
  details?: { errorCode?: string };
}

export const PERMISSION_HINT =
  'Check that the identity has a data-plane role such as "Storage Blob Data Contributor" on the account or container ' +
  '(Owner/Contributor are not enough), that a SAS grants w and l (and d for deletes) and has not expired, that the ' +
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

function firstLine(text: string): string {
  const line = text.split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/** The container does not exist, and the run may not create it. */
export function containerMissing(label: string): DestinationError {
  return new DestinationError(
    `The container at ${label} does not exist.`,
    (t) => `Create it first (az storage container create), check the name, or pass ${t.set('createContainer')}.`,
  );
}
