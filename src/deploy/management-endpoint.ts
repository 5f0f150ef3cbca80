import { UsageError } from '../engine/errors.js';

export const PUBLIC_MANAGEMENT_ENDPOINT = 'https://management.azure.com';

/** The Resource Manager endpoint of the cloud an Entra authority belongs to. */
const MANAGEMENT_BY_AUTHORITY: Record<string, string> = {
  'login.microsoftonline.com': PUBLIC_MANAGEMENT_ENDPOINT,
  'login.microsoftonline.us': 'https://management.usgovcloudapi.net',
  'login.chinacloudapi.cn': 'https://management.chinacloudapi.cn',
  'login.partner.microsoftonline.cn': 'https://management.chinacloudapi.cn',
  'login.microsoftonline.de': 'https://management.microsoftazure.de',
};

/** The management endpoint that follows the cloud of the sign-in's authority (public Azure when unknown). */
export function managementEndpointForAuthority(authorityHost: string | undefined): string {
  if (!authorityHost) return PUBLIC_MANAGEMENT_ENDPOINT;
  try {
    return MANAGEMENT_BY_AUTHORITY[new URL(authorityHost).hostname.toLowerCase()] ?? PUBLIC_MANAGEMENT_ENDPOINT;
  } catch {
    return PUBLIC_MANAGEMENT_ENDPOINT;
  }
}

/** A management endpoint a user gave: an https origin (bearer tokens only go over TLS). */
export function parseManagementEndpoint(value: string): string {
  let url: URL | undefined;
  try {
    url = new URL(value.trim());
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:') {
    throw new UsageError(
      (t) => `${t.name('managementEndpoint')} "${value}" is not an https URL.`,
      'Give the Resource Manager endpoint of the cloud, e.g. https://management.usgovcloudapi.net, or leave it empty to follow the sign-in.',
    );
  }
  return url.origin;
}
