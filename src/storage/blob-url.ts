import { BlockBlobClient, type ContainerClient } from '@azure/storage-blob';
import { unsafeBlobName } from '../engine/names/blob-name.js';
import { TransferError } from '../engine/errors.js';
import { pipelineOf } from './sdk-access.js';

/**
 * A blob name as a URL path, each segment percent-encoded as the storage SDK's clients end up sending it
 * (`encodeURIComponent`, and `'` as `%27`): `my site/v 1` is `my%20site/v%201`. The lean Put Blob, the SDK's blob
 * clients (see `blobClient`), copies and the URLs a run shows all build a blob's path here, so they all name the same
 * blob.
 */
export function blobUrlPath(blobName: string): string {
  return blobName
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/'/g, '%27'))
    .join('/');
}

/**
 * The URL path of a blob that a request may address: a name the engine's check calls unsafe is refused here too,
 * before it can become a path that a URL parser resolves to another blob.
 */
export function addressablePath(blobName: string): string {
  const problem = unsafeBlobName(blobName);
  if (problem) throw new TransferError(`refused to address the blob "${blobName}": ${problem}`);
  return blobUrlPath(blobName);
}

/** The URL of a blob in a container, the container URL's query (a SAS) kept. */
export function blobUrl(containerUrl: string, blobName: string): string {
  const query = containerUrl.indexOf('?');
  const base = (query < 0 ? containerUrl : containerUrl.slice(0, query)).replace(/\/+$/, '');
  return `${base}/${addressablePath(blobName)}${query < 0 ? '' : containerUrl.slice(query)}`;
}

/**
 * The SDK's client for one blob of the container, built from `blobUrl` (not from the SDK's own joining, which resolves
 * dot segments) and sent through the container's pipeline: the same credential, retries and time limits.
 */
export function blobClient(container: ContainerClient, blobName: string): BlockBlobClient {
  return new BlockBlobClient(blobUrl(container.url, blobName), pipelineOf(container));
}
