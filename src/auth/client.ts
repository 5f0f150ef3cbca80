import type { TokenCredential } from '@azure/identity';
import {
  AnonymousCredential,
  BlobServiceClient,
  type ContainerClient,
  newPipeline,
  type Pipeline,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { PutBlob } from '../engine/destination/destination.js';
import { UsageError } from '../engine/errors.js';
import { validateContainerName } from '../engine/plan/names.js';
import { normalizeSas, parseConnectionString } from './destination.js';
import { refuseEntraOverHttp } from './plain-http.js';
import { createPutBlob, type PutSigner, putsThroughSdk } from './put-blob.js';
import { retryPolicyFactory, type RetrySettings } from './retry-policy.js';

/** How to reach the account. Entry points decide which; this module only builds the client. */
export type StorageAuth =
  | { kind: 'connection-string'; connectionString: string }
  | { kind: 'sas'; serviceUrl: string; sasToken: string }
  | { kind: 'account-key'; serviceUrl: string; accountName: string; accountKey: string }
  | { kind: 'token'; serviceUrl: string; credential: TokenCredential; method: string };

export interface ClientOptions {
  /** One HTTP attempt's time limit; a stalled request is abandoned and retried. */
  tryTimeoutMs?: number;
  maxTries?: number;
}

/** Retries with exponential backoff on 408/429/5xx, resets and stalled attempts, tuned for CI. */
export function retrySettings(options: ClientOptions = {}): RetrySettings {
  return {
    maxTries: options.maxTries ?? 6,
    tryTimeoutMs: options.tryTimeoutMs ?? 120_000,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
  };
}

/** A pipeline whose retries are ours (see retry-policy.ts); the SDK's own are reduced to a single try. */
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

/** Seconds as a user writes them ("60", "2.5") to the per-try limit; empty means the default. */
export function parseTryTimeout(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new UsageError(
      `The timeout "${value}" is not a positive number of seconds.`,
      (t) => `Give the seconds as a number, e.g. 60, to ${t.name('timeout')}.`,
    );
  }
  return Math.round(seconds * 1000);
}

export interface Destination {
  container: ContainerClient;
  /** The container URL with no secret in it, for logs and outputs. */
  label: string;
  /** The method used, for the log ('OIDC (GitHub)', 'SAS token', …). */
  method: string;
  /** One request's time limit (see retrySettings). */
  tryTimeoutMs: number;
  /** Put Blob without the SDK's per-request overhead (see put-blob.ts); absent behind a proxy or when asked to be. */
  putBlob?: PutBlob;
}

export function connectContainer(auth: StorageAuth, containerName: string, options?: ClientOptions): Destination {
  const name = validateContainerName(containerName);
  const service = serviceClient(auth, options ?? {});
  const container = service.getContainerClient(name);
  const label = container.url.replace(/\?.*$/, '');
  const settings = retrySettings(options);
  const putBlob = putsThroughSdk(process.env)
    ? undefined
    : createPutBlob({
        containerUrl: container.url,
        signer: signerFor(auth),
        version: (container as unknown as ContextAccess).storageClientContext.version,
        settings,
        userAgent: 'azure-blob-sync',
      });
  return { container, label, method: methodName(auth), tryTimeoutMs: settings.tryTimeoutMs, putBlob };
}

/** The SDK keeps the container's request context protected; only the service version is read from it. */
interface ContextAccess {
  storageClientContext: { version: string };
}

/** The credential the service client was given, for the lean Put Blob to sign the same way. */
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

function methodName(auth: StorageAuth): string {
  switch (auth.kind) {
    case 'connection-string':
      return 'connection string';
    case 'sas':
      return 'SAS token';
    case 'account-key':
      return 'account key';
    case 'token':
      return auth.method;
  }
}
