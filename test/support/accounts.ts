import {
  BlobServiceClient,
  type ContainerClient,
  ContainerSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { DEV_ACCOUNT } from '../../src/auth/urls.js';
import type { AzuriteFixture } from './azurite.js';
import { md5Base64, pseudoRandomBytes } from './files.js';

/** A second account for cross-account copies: `useAzurite({ moreAccounts: [ACCT2] })`. */
export const ACCT2 = { name: 'acct2', key: Buffer.from('a second account key, for copy tests').toString('base64') };

/** Containers, connection strings and SASes in either account of one Azurite. */
export function accountsOf(azurite: AzuriteFixture) {
  const serviceUrl = (account: string) => `http://127.0.0.1:${azurite.azurite.port}/${account}`;
  const keyOf = (account: string) => (account === ACCT2.name ? ACCT2.key : DEV_ACCOUNT.key);
  let counter = 0;
  /** A container of that name, created when it does not exist yet. */
  const container = async (account: string, name: string): Promise<ContainerClient> => {
    const credential = new StorageSharedKeyCredential(account, keyOf(account));
    const client = new BlobServiceClient(serviceUrl(account), credential).getContainerClient(name);
    await client.createIfNotExists();
    return client;
  };
  return {
    container,
    serviceUrl,
    connectionString: (account: string) =>
      `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${keyOf(account)};BlobEndpoint=${serviceUrl(account)};`,
    newContainer: (account: string) => container(account, `copy-${process.pid}-${++counter}`),
    /** A container SAS; a negative `expiresInMs` gives an expired one. */
    sas(container: ContainerClient, permissions: string, expiresInMs = 3600_000): string {
      const account = container.accountName;
      return generateBlobSASQueryParameters(
        {
          containerName: container.containerName,
          permissions: ContainerSASPermissions.parse(permissions),
          startsOn: new Date(Date.now() - 2 * 3600_000),
          expiresOn: new Date(Date.now() + expiresInMs),
        },
        new StorageSharedKeyCredential(account, keyOf(account)),
      ).toString();
    },
  };
}

export const BIG = pseudoRandomBytes(40 * 1024 * 1024, 7);

/** A staging folder as a release pipeline leaves it: pages, a hashed asset, a 40 MiB archive, each with its MD5. */
export async function seedStaging(container: ContainerClient, folder = 'v1'): Promise<void> {
  const put = (name: string, body: Buffer | string, headers: Record<string, string> = {}) => {
    const data = Buffer.from(body);
    return container.getBlockBlobClient(name).uploadData(data, {
      blobHTTPHeaders: { blobContentMD5: Buffer.from(md5Base64(data), 'base64'), ...headers },
    });
  };
  await put(`${folder}/index.html`, '<h1>v1</h1>', {
    blobContentType: 'text/html; charset=utf-8',
    blobCacheControl: 'no-cache',
  });
  await put(`${folder}/assets/app.3f2a.js`, 'console.log(1)', {
    blobContentType: 'text/javascript; charset=utf-8',
    blobContentLanguage: 'en',
  });
  await put(`${folder}/app-1.0.tar.gz`, BIG, {
    blobContentType: 'application/gzip',
    blobContentDisposition: 'attachment',
  });
  await put('v2/index.html', '<h1>v2</h1>');
}
