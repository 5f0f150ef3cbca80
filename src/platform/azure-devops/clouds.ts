import { blobServiceUrl } from '../../auth/urls.js';
import { UsageError } from '../../engine/errors.js';

/** `environment` of an AzureRM service connection → the storage endpoint suffix of that cloud. */
const CLOUD_BLOB_SUFFIX: Record<string, string> = {
  azurecloud: 'core.windows.net',
  azureusgovernment: 'core.usgovcloudapi.net',
  azurechinacloud: 'core.chinacloudapi.cn',
  azuregermancloud: 'core.cloudapi.de',
};

/**
 * The blob service URL of `storageAccount` in the cloud a service connection names (its `environment` data;
 * public Azure when absent). Azure Stack and other private clouds have no fixed suffix: they need `blobEndpoint`.
 */
export function cloudBlobServiceUrl(storageAccount: string, environment: string | undefined): string {
  const publicUrl = blobServiceUrl(storageAccount, undefined); // also checks the account name
  if (!environment) return publicUrl;
  const suffix = CLOUD_BLOB_SUFFIX[environment.toLowerCase()];
  if (!suffix) {
    throw new UsageError(
      `The service connection is for the cloud "${environment}", whose blob endpoint cannot be derived from the account name.`,
      `Set \`blobEndpoint:\` to the account's blob service URL, e.g. https://${storageAccount}.blob.local.azurestack.external.`,
    );
  }
  return `https://${storageAccount}.blob.${suffix}`;
}
