import { redact } from '../engine/redact.js';

/**
 * One secret-free line of an identity error. Entra's AADSTS code and text are what users search for; MSAL fills the
 * fields Entra did not send with "Not Available", which only bury it.
 */
export function briefIdentityError(error: unknown): string {
  const text = redact(error instanceof Error ? error.message : String(error))
    .replace(/\s+/g, ' ')
    .replace(/(?:Error\(s\)|Timestamp|Correlation ID|Trace ID): Not Available(?: - )?/g, '')
    .replace(/ - $/, '')
    .trim();
  return text.length > 500 ? `${text.slice(0, 497)}...` : text;
}

/** Errors that mean the authority never answered, rather than refused. */
export const AUTHORITY_UNREACHABLE =
  /ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|endpoints_resolution_error|network_error|certificate|self[- ]signed/i;
