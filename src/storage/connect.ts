import type { TokenCredential } from '@azure/identity';
import {
  AnonymousCredential,
  BlobServiceClient,
  type ContainerClient,
  newPipeline,
  type Pipeline,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { LoadListener } from '../engine/ports/destination.js';
import { UsageError } from '../engine/errors.js';
import { signInMethodName, type StorageAuth } from '../auth/storage-auth.js';
import { validateContainerName } from '../engine/names/container-name.js';
import { normalizeSas, parseConnectionString } from '../auth/urls.js';
import { refuseEntraOverHttp } from '../auth/plain-http.js';
import { createLeanClient, type PutBlob, type PutSigner, putsThroughSdk, type ReadRange } from './lean-client.js';
import { LoadRelay } from './load-relay.js';
import { retrySettings } from './retry.js';
import { retryPolicyFactory } from './retry-policy.js';
import { senderOf } from './sdk-access.js';

export interface ClientOptions {
  /** One HTTP attempt's time limit; a stalled request is abandoned and retried. */
  tryTimeoutMs?: number;
  maxTries?: number;
  /** Hears how the service responds to every try (see retrying). */
  load?: LoadListener;
}

/** A pipeline whose retries are ours (see retry.ts); the SDK's own are reduced to a single try. */
function pipelineFor(
  credential: StorageSharedKeyCredential | AnonymousCredential | TokenCredential,
  options: ClientOptions,
): Pipeline {
  const settings = retrySettings(options);
  const pipeline = newPipeline(credential, {
    retryOptions: { maxTries: 1, tryTimeoutInMs: settings.tryTimeoutMs },
    userAgentOptions: { userAgentPrefix: 'azure-blob-sync' },
  });
  pipeline.factories.push(retryPolicyFactory(settings));
  return pipeline;
}

export interface Destination {
  container: ContainerClient;
  /** The container URL with no secret in it, for logs and outputs. */
  label: string;
  /** The method used, for the log ('OIDC (GitHub)', 'SAS token', …). */
  method: string;
  /** One request's time limit (see retrySettings). */
  tryTimeoutMs: number;
  /** Put Blob without the SDK's per-request overhead (see lean-client.ts); absent behind a proxy or when asked to be. */
  putBlob?: PutBlob;
  /** Ranged Get Blob, likewise. */
  readRange?: ReadRange;
  /** Tells how the service responds to every request to this container, to whoever listens (see LoadRelay). */
  load: LoadRelay;
}

export function connectContainer(auth: StorageAuth, containerName: string, options?: ClientOptions): Destination {
  const name = validateContainerName(containerName);
  const load = new LoadRelay();
  const service = serviceClient(auth, { ...options, load });
  const container = service.getContainerClient(name);
  const label = container.url.replace(/\?.*$/, '');
  const settings = retrySettings({ ...options, load });
  const lean = putsThroughSdk(process.env)
    ? undefined
    : createLeanClient({
        containerUrl: container.url,
        signer: signerFor(auth),
        version: senderOf(container).version,
        settings,
        userAgent: 'azure-blob-sync',
      });
  return {
    container,
    label,
    method: signInMethodName(auth),
    tryTimeoutMs: settings.tryTimeoutMs,
    putBlob: lean?.put,
    readRange: lean?.read,
    load,
  };
}

/** The credential the service client was given, for the lean requests to sign the same way. */
function signerFor(auth: StorageAuth): PutSigner {
  const sharedKey = (accountName: string, accountKey: string): PutSigner => ({
    kind: 'shared-key',
    accountName,
    accountKey: Buffer.from(accountKey, 'base64'),
  });
  switch (auth.kind) {
    case 'connection-string': {
      const parts = parseConnectionString(auth.connectionString);
      return parts.accountKey && parts.accountName ? sharedKey(parts.accountName, parts.accountKey) : { kind: 'none' };
    }
    case 'sas':
      return { kind: 'none' };
    case 'account-key':
      return sharedKey(auth.accountName, auth.accountKey);
    case 'token':
      return { kind: 'token', credential: auth.credential };
  }
}

export function serviceClient(auth: StorageAuth, options: ClientOptions = {}): BlobServiceClient {
  const anonymous = () => pipelineFor(new AnonymousCredential(), options);
  switch (auth.kind) {
    case 'connection-string': {
      const parts = parseConnectionString(auth.connectionString);
      if (parts.accountKey && parts.accountName) {
        const key = new StorageSharedKeyCredential(parts.accountName, parts.accountKey);
        return new BlobServiceClient(parts.blobEndpoint, pipelineFor(key, options));
      }
      return new BlobServiceClient(`${parts.blobEndpoint}?${normalizeSas(parts.sas ?? '')}`, anonymous());
    }
    case 'sas':
      return new BlobServiceClient(`${auth.serviceUrl}?${normalizeSas(auth.sasToken)}`, anonymous());
    case 'account-key': {
      let key: StorageSharedKeyCredential;
      try {
        key = new StorageSharedKeyCredential(auth.accountName, auth.accountKey);
      } catch {
        throw new UsageError(
          'The account key is not valid base64.',
          'Copy the key again from the portal (Access keys).',
        );
      }
      return new BlobServiceClient(auth.serviceUrl, pipelineFor(key, options));
    }
    case 'token':
      // Each entry point refuses this earlier in its own terms; this keeps any other path from a token over http.
      refuseEntraOverHttp(auth.serviceUrl, 'give one of them instead of signing in with Entra ID.');
      return new BlobServiceClient(auth.serviceUrl, pipelineFor(auth.credential, options));
  }
}
