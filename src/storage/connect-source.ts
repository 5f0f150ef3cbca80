import {
  BlobSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
  type UserDelegationKey,
} from '@azure/storage-blob';
import { UsageError } from '../engine/errors.js';
import type { ContainerFolder } from './container-source.js';
import type { StorageAuth } from '../auth/storage-auth.js';
import { type ClientOptions, connectContainer, serviceClient } from './connect.js';
import { blobUrl } from './blob-url.js';
import type { ReadFolder } from './blob-read-source.js';
import { checkSourceSas } from './sas-check.js';
import type { SourceUrl } from './source-url.js';
import { accountNameOf, type ContainerUrl, normalizeSas, parseConnectionString } from '../auth/urls.js';

/**
 * How long a read-only SAS the product signs for one copy stays valid. A synchronous copy is one request; an
 * asynchronous Copy Blob of a large blob between regions can run for a while, so this is hours, not minutes.
 */
const COPY_SAS_LIFETIME_MS = 2 * 3600_000;
/** Signed a little in the past, so a service clock slightly behind the runner's accepts it. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** Where the destination is, to refuse a source that contains it or lies inside it. */
export interface DestinationPlace {
  /** The container URL, no secret. */
  containerUrl: string;
  path: string;
}

/**
 * Builds the source folder: a client that can list it and a way to authorise the service's copies, in this order:
 * the source's own SAS; the destination's key (or connection string) when it is the source's account, signing a
 * short-lived read-only SAS per blob; the run's Entra sign-in, in any account, signing a user delegation SAS; the
 * destination's SAS when it covers the source (an account SAS, or the same container).
 */
export function connectSourceFolder(
  source: SourceUrl,
  destinationAuth: StorageAuth,
  destination: DestinationPlace,
  options: ClientOptions = {},
): { folder: ContainerFolder; method: string } {
  const { url } = source;
  const label = `${url.serviceUrl}/${url.container}${url.path ? `/${url.path}` : ''}`;
  refuseOverlap(url, destination, label);
  const account = accountNameOf(url.serviceUrl);
  const tryTimeoutMs = options.tryTimeoutMs;

  const sas = source.sas ?? reusableSas(destinationAuth, url, destination);
  if (sas) {
    if (!source.sas) checkSourceSas(sas);
    const { container } = connectContainer(
      { kind: 'sas', serviceUrl: url.serviceUrl, sasToken: sas },
      url.container,
      options,
    );
    const method = source.sas ? 'source SAS' : "the destination's SAS";
    return {
      folder: {
        container,
        path: url.path,
        label,
        tryTimeoutMs,
        copyUrl: async (name) => blobUrl(container.url, name),
      },
      method,
    };
  }

  const key = accountKeyFor(destinationAuth, account);
  if (key) {
    const auth: StorageAuth = {
      kind: 'account-key',
      serviceUrl: url.serviceUrl,
      accountName: account,
      accountKey: key,
    };
    const { container } = connectContainer(auth, url.container, options);
    const credential = new StorageSharedKeyCredential(account, key);
    const copyUrl = async (name: string) =>
      `${blobUrl(container.url, name)}?${readSas(url.container, name, credential)}`;
    return {
      folder: { container, path: url.path, label, tryTimeoutMs, copyUrl },
      method: 'a read-only SAS signed with the account key',
    };
  }

  if (destinationAuth.kind === 'token') {
    const auth: StorageAuth = { ...destinationAuth, serviceUrl: url.serviceUrl };
    const { container } = connectContainer(auth, url.container, options);
    const keys = new DelegationKeys(auth);
    const copyUrl = async (name: string) => {
      const key = await keys.current();
      return `${blobUrl(container.url, name)}?${readSas(url.container, name, key, account)}`;
    };
    return {
      folder: { container, path: url.path, label, tryTimeoutMs, copyUrl },
      method: `${destinationAuth.method}, a read-only user delegation SAS`,
    };
  }

  throw new UsageError(
    `Nothing authorises reading the source at ${label}: the destination's credential is for another account or container.`,
    (t) =>
      `Pass a SAS for the source with r and l in ${t.name('sourceSasToken')}, or sign in with Entra ID (an identity with Storage Blob Data Reader on the source).`,
  );
}

/**
 * Connects to a container folder the runner reads (a download), in this order: the source's own SAS; the run's Entra
 * sign-in, in any account; its account key or connection string, in its own account; its SAS, when it covers the
 * folder (an account SAS, or the same container's). A SAS must grant r and l.
 */
export function connectReadFolder(
  source: SourceUrl,
  auth: StorageAuth | undefined,
  options: ClientOptions = {},
): { folder: ReadFolder; method: string } {
  const { url } = source;
  const label = `${url.serviceUrl}/${url.container}${url.path ? `/${url.path}` : ''}`;
  const account = accountNameOf(url.serviceUrl);
  const folder = (connected: StorageAuth): ReadFolder => {
    const { container, readRange, load } = connectContainer(connected, url.container, options);
    return { container, path: url.path, label, tryTimeoutMs: options.tryTimeoutMs, readRange, load };
  };
  const containerUrl = `${url.serviceUrl}/${url.container}`;
  const sas = source.sas ?? (auth && reusableSas(auth, url, { containerUrl, path: url.path }));
  if (sas) {
    if (!source.sas) checkSourceSas(sas);
    const method = source.sas ? 'source SAS' : 'SAS token';
    return { folder: folder({ kind: 'sas', serviceUrl: url.serviceUrl, sasToken: sas }), method };
  }
  if (auth?.kind === 'token') return { folder: folder({ ...auth, serviceUrl: url.serviceUrl }), method: auth.method };
  const key = auth && accountKeyFor(auth, account);
  if (key) {
    const method = auth.kind === 'connection-string' ? 'connection string' : 'account key';
    return {
      folder: folder({ kind: 'account-key', serviceUrl: url.serviceUrl, accountName: account, accountKey: key }),
      method,
    };
  }
  throw new UsageError(
    auth
      ? `Nothing authorises reading ${label}: the run's credential is for another account or container.`
      : `Nothing authorises reading ${label}.`,
    (t) =>
      `Put a SAS with r and l in the URL or in ${t.name('sourceSasToken')}, or sign in with Entra ID (an identity with Storage Blob Data Reader on the container), an account key or a connection string of that account.`,
  );
}

/** The destination's SAS reaches the source when it is an account SAS of the same account, or the same container's. */
function reusableSas(auth: StorageAuth, source: ContainerUrl, destination: DestinationPlace): string | undefined {
  let sas: string | undefined;
  let serviceUrl: string | undefined;
  if (auth.kind === 'sas') [sas, serviceUrl] = [normalizeSas(auth.sasToken), auth.serviceUrl];
  if (auth.kind === 'connection-string') {
    const parts = parseConnectionString(auth.connectionString);
    if (!parts.accountKey && parts.sas) [sas, serviceUrl] = [normalizeSas(parts.sas), parts.blobEndpoint];
  }
  if (!sas || !serviceUrl || !sameUrl(serviceUrl, source.serviceUrl)) return undefined;
  const accountSas = new URLSearchParams(sas).has('srt');
  return accountSas || sameUrl(destination.containerUrl, `${source.serviceUrl}/${source.container}`) ? sas : undefined;
}

function accountKeyFor(auth: StorageAuth, account: string): string | undefined {
  if (auth.kind === 'account-key') return auth.accountName === account ? auth.accountKey : undefined;
  if (auth.kind === 'connection-string') {
    const parts = parseConnectionString(auth.connectionString);
    return parts.accountKey && parts.accountName === account ? parts.accountKey : undefined;
  }
  return undefined;
}

/** A SAS that can only read this one blob, for a couple of hours. */
function readSas(
  containerName: string,
  blobName: string,
  key: StorageSharedKeyCredential | UserDelegationKey,
  account?: string,
): string {
  const now = Date.now();
  const values = {
    containerName,
    blobName,
    permissions: BlobSASPermissions.parse('r'),
    startsOn: new Date(now - CLOCK_SKEW_MS),
    expiresOn: new Date(now + COPY_SAS_LIFETIME_MS),
  };
  if (key instanceof StorageSharedKeyCredential) return generateBlobSASQueryParameters(values, key).toString();
  // Signed in the version the service issued the key for: a service a version behind the SDK (Azurite 3.35, Azure
  // Stack) lays out the string to sign of a newer version differently, and refuses the signature.
  return generateBlobSASQueryParameters({ ...values, version: key.signedVersion }, key, account!).toString();
}

/** One user delegation key for the run, renewed before SASes signed with it would outlive it. */
class DelegationKeys {
  private key?: Promise<UserDelegationKey>;
  private validUntil = 0;

  constructor(private readonly auth: StorageAuth) {}

  current(): Promise<UserDelegationKey> {
    const now = Date.now();
    if (!this.key || this.validUntil - now < COPY_SAS_LIFETIME_MS + CLOCK_SKEW_MS) {
      this.validUntil = now + 3 * COPY_SAS_LIFETIME_MS;
      const service = serviceClient(this.auth);
      this.key = service
        .getUserDelegationKey(new Date(now - CLOCK_SKEW_MS), new Date(this.validUntil))
        .catch((error) => {
          this.key = undefined;
          throw error;
        });
    }
    return this.key;
  }
}

/** A source that contains the destination (or lies inside it) would copy the copies again on every run. */
function refuseOverlap(source: ContainerUrl, destination: DestinationPlace, label: string): void {
  if (!sameUrl(destination.containerUrl, `${source.serviceUrl}/${source.container}`)) return;
  const [a, b] = [source.path, destination.path];
  const inside = (outer: string, inner: string) => outer === '' || inner === outer || inner.startsWith(`${outer}/`);
  if (inside(a, b) || inside(b, a)) {
    throw new UsageError(
      `The source ${label} and the destination overlap (one folder holds the other), so the copies would be copied again.`,
      'Use sibling folders, e.g. releases/v1.2 -> releases/latest.',
    );
  }
}

function sameUrl(a: string, b: string): boolean {
  const normal = (text: string) => {
    const url = new URL(text);
    return `${url.protocol}//${url.host.toLowerCase()}${decodeURIComponent(url.pathname).replace(/\/+$/, '')}`;
  };
  return normal(a) === normal(b);
}
