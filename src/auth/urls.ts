import { UsageError } from '../engine/errors.js';
import { normalizeDestinationPath } from '../engine/names/blob-name.js';
import { validateContainerName } from '../engine/names/container-name.js';
import { refuseUnexpanded } from '../engine/unexpanded.js';

/** A container URL taken apart: `https://acct.blob.core.windows.net/site/v2?sv=…` → service URL, container, path, SAS. */
export interface ContainerUrl {
  serviceUrl: string;
  container: string;
  path: string;
  /** The SAS query without its leading '?', or '' when there is none. */
  sas: string;
}

/**
 * Hosts that put the account in the path (emulators, IPs, custom ports): `http://127.0.0.1:10000/devstoreaccount1/c`.
 * The same rule the SDK applies.
 */
function isPathStyle(url: URL): boolean {
  return (
    /^\d+\.\d+\.\d+\.\d+$|^\[.*\]$|^localhost$/i.test(url.hostname) ||
    (url.port !== '' && !url.hostname.includes('.blob.'))
  );
}

export function parseContainerUrl(text: string, role: 'destination' | 'source' = 'destination'): ContainerUrl {
  // URL parsing would silently resolve '..' away, so dot segments are refused before it.
  const rawPath = text.replace(/[?#].*$/, '').replace(/^[a-z]+:\/\/[^/]*/i, '');
  const dot = rawPath.split('/').find((s) => /^(\.|%2e){1,2}$/i.test(s));
  if (dot) {
    throw new UsageError(
      `The ${role} URL's path contains a "${decodeURIComponent(dot)}" segment.`,
      'Give a plain container and virtual folder, e.g. https://myaccount.blob.core.windows.net/site/v2.',
    );
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `"${redactQuery(text)}" is not a URL.`,
      'Give the container URL, e.g. https://myaccount.blob.core.windows.net/mycontainer/optional/folder?<sas>.',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`The ${role} URL must start with https:// (got ${url.protocol}).`);
  }
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const accountSegments = isPathStyle(url) ? 1 : 0;
  const container = segments[accountSegments];
  if (!container) {
    throw new UsageError(
      `The ${role} URL ${url.origin}${url.pathname} names no container.`,
      'Add the container after the account, e.g. https://myaccount.blob.core.windows.net/mycontainer.',
    );
  }
  const service = `${url.origin}${accountSegments ? `/${segments[0]}` : ''}`;
  return {
    serviceUrl: service,
    container: validateContainerName(container),
    path: normalizeDestinationPath(segments.slice(accountSegments + 1).join('/')),
    sas: url.search.replace(/^\?/, ''),
  };
}

export interface ConnectionStringParts {
  accountName?: string;
  accountKey?: string;
  sas?: string;
  blobEndpoint: string;
}

/** The emulator's well-known development account (public, documented by Microsoft). */
export const DEV_ACCOUNT = {
  name: 'devstoreaccount1',
  key: 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==',
};

/**
 * Checks a connection string and says precisely what is missing; the SDK's own errors for these are terse.
 */
export function parseConnectionString(text: string): ConnectionStringParts {
  const fields = new Map<string, string>();
  for (const part of text.trim().split(';')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) {
      throw new UsageError(
        'The connection string is malformed: every part must be Key=Value, separated by ";".',
        'Copy it again from the portal (Storage account > Access keys) or `az storage account show-connection-string`.',
      );
    }
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  if (fields.get('usedevelopmentstorage')?.toLowerCase() === 'true') {
    return {
      accountName: DEV_ACCOUNT.name,
      accountKey: DEV_ACCOUNT.key,
      blobEndpoint: 'http://127.0.0.1:10000/devstoreaccount1',
    };
  }
  const accountName = fields.get('accountname');
  const accountKey = fields.get('accountkey');
  const sas = fields.get('sharedaccesssignature');
  const protocol = fields.get('defaultendpointsprotocol') ?? 'https';
  const suffix = fields.get('endpointsuffix') ?? 'core.windows.net';
  const blobEndpoint =
    fields.get('blobendpoint') ?? (accountName ? `${protocol}://${accountName}.blob.${suffix}` : undefined);
  if (!accountKey && !sas) {
    throw new UsageError(
      'The connection string has neither AccountKey nor SharedAccessSignature.',
      'Use the full string from the portal (Access keys) or one with a SAS; for OIDC, leave the connection string out.',
    );
  }
  if (accountKey && !accountName) throw new UsageError('The connection string has an AccountKey but no AccountName.');
  if (!blobEndpoint) throw new UsageError('The connection string has a SharedAccessSignature but no BlobEndpoint.');
  if (accountKey && !/^[A-Za-z0-9+/]+={0,2}$/.test(accountKey)) {
    throw new UsageError(
      'The AccountKey in the connection string is not base64.',
      'Copy the key again without spaces or quotes.',
    );
  }
  try {
    new URL(blobEndpoint);
  } catch {
    throw new UsageError(`The BlobEndpoint in the connection string is not a URL.`);
  }
  return { accountName, accountKey, sas, blobEndpoint: blobEndpoint.replace(/\/+$/, '') };
}

/** A connection string names its own account and endpoint: naming them again is ambiguous, so it is refused. */
export function connectionStringWithEndpoint(): UsageError {
  return new UsageError(
    (t) =>
      `The connection string already names the account and endpoint, so ${t.name('storageAccount')} and ${t.name('blobEndpoint')} must be left out.`,
    (t) => `Remove ${t.name('storageAccount')} / ${t.name('blobEndpoint')}, or sign in with a SAS token instead.`,
  );
}

/** The blob service URL for an account, or the explicit endpoint (sovereign clouds, private endpoints, emulators). */
export function blobServiceUrl(storageAccount: string | undefined, blobEndpoint: string | undefined): string {
  refuseUnexpanded('The blob endpoint', blobEndpoint);
  refuseUnexpanded('The storage account', storageAccount);
  if (blobEndpoint) {
    try {
      const url = new URL(blobEndpoint);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
      return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
    } catch {
      throw new UsageError(
        `The blob endpoint "${blobEndpoint}" is not an http(s) URL.`,
        'Give e.g. https://myaccount.blob.core.usgovcloudapi.net.',
      );
    }
  }
  if (!storageAccount) {
    throw new UsageError(
      'No storage account was given.',
      'Name the storage account, or give the full blob endpoint URL.',
    );
  }
  if (!/^[a-z0-9]{3,24}$/.test(storageAccount)) {
    throw new UsageError(
      `"${storageAccount}" is not a valid storage account name.`,
      'Account names are 3-24 lowercase letters and digits (the first part of <account>.blob.core.windows.net).',
    );
  }
  return `https://${storageAccount}.blob.core.windows.net`;
}

/** `https://acct.blob.core.windows.net` → acct; `http://127.0.0.1:10000/devstoreaccount1` → devstoreaccount1. */
export function accountNameOf(serviceUrl: string): string {
  const url = new URL(serviceUrl);
  return url.pathname.split('/').filter(Boolean)[0] ?? url.hostname.split('.')[0] ?? '';
}

/** A SAS as users paste it: with or without the leading '?'. Checked enough to give a useful error. */
export function normalizeSas(sas: string): string {
  const token = sas.trim().replace(/^\?/, '');
  if (!/(^|&)sig=/.test(token)) {
    throw new UsageError(
      'The SAS token has no signature (sig=).',
      'Paste the whole token, e.g. sv=2022-11-02&ss=b&srt=co&sp=wdl&se=...&sig=....',
    );
  }
  return token;
}

function redactQuery(text: string): string {
  return text.replace(/\?.*$/, '?…');
}

/** A container URL (`https://…`) is a container folder; anything else names a local folder. */
export function isContainerUrl(source: string): boolean {
  return /^https?:\/\//i.test(source.trim());
}

/** The blob service a download's source URL names, for a sign-in given no account or endpoint of its own. */
export function downloadEndpoint(source: string): string {
  return isContainerUrl(source) ? parseContainerUrl(source.trim(), 'source').serviceUrl : '';
}
