import { UsageError } from '../engine/errors.js';

/** Entra hosts that instance discovery knows; any other authority (Azure Stack, private clouds) skips discovery. */
const KNOWN_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
  'login.microsoftonline.de',
]);

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

export function isKnownAuthorityHost(authorityHost: string): boolean {
  try {
    return KNOWN_AUTHORITY_HOSTS.has(new URL(authorityHost).hostname.toLowerCase());
  } catch {
    return false;
  }
}

/**
 * The origin of an Entra authority a user gave (`https://login.microsoftonline.us/`): the credential adds the tenant
 * itself. It must be an https URL, since the identity library sends secrets to it.
 */
export function authorityOrigin(value: string, what: string, hint: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${what} "${value}" is not a URL.`, hint);
  }
  if (url.protocol !== 'https:') throw new UsageError(`${what} must use https:// (got ${value}).`, hint);
  return url.origin;
}
