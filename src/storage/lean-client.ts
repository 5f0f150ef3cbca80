import { bearerTokenAuthenticationPolicy, createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { StorageOAuthScopes } from '@azure/storage-blob';
import type { StoredHeaders, WriteOptions } from '../engine/ports/destination.js';
import { type HeaderSource, type RetrySettings, retrying, statusVerdict } from './retry.js';
import { Http1Pool } from './http1/pool.js';
import { signSharedKey } from './shared-key.js';
import { addressablePath } from './blob-url.js';
import { serviceError } from './service-error.js';
import { TransferError } from '../engine/errors.js';

/*
 * Put Blob for whole small files and ranged Get Blob, on keep-alive connections of our own (http1/pool.ts) instead of
 * through the SDK's operation pipeline. It replaces, for these two requests only, `BlockBlobClient.upload` and
 * `BlobClient.download`, which build a client object, serialize an operation spec and pass about 15 policies per
 * request: for a sync of many small files that was most of the client's CPU (docs/performance.md, "Why the code is
 * shaped as it is"). It keeps what the SDK path gives: the same signing (the SDK's string to sign for Shared Key, see
 * shared-key.ts; its bearer-token policy; a SAS rides in the URL), Content-MD5 that the service verifies, the one
 * retry loop (retry.ts, which also tells the run's concurrency of busy responses) and errors shaped like the SDK's (service-error.ts), which never quote the URL. Behind a proxy,
 * or with AZURE_BLOB_SYNC_SDK_PUTS set, the SDK sends instead. What would let it go: an SDK request path whose
 * per-request cost is close to a plain HTTP/1.1 request's (a leaner pipeline, or undici underneath at this cost).
 */

export type PutSigner =
  | { kind: 'none' }
  | { kind: 'shared-key'; accountName: string; accountKey: Buffer }
  | { kind: 'token'; credential: TokenCredential };

export interface PutBlobTarget {
  /** The container URL, a SAS query included when that is the credential. */
  containerUrl: string;
  signer: PutSigner;
  /** The service version the SDK speaks, sent as `x-ms-version`. */
  version: string;
  settings: RetrySettings;
  userAgent: string;
}

/** Proxies are the SDK's business (it reads HTTPS_PROXY / NO_PROXY); with one configured, puts go through it. */
export function proxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY'].some((name) => env[name] || env[name.toLowerCase()]);
}

/** The support switch that sends every put through the SDK, to tell a fault of the lean path from the service's. */
export const SDK_PUTS_VARIABLE = 'AZURE_BLOB_SYNC_SDK_PUTS';

/** Whether puts go through the SDK: behind a proxy, or with the switch set (to anything but empty, 0, false, no, off). */
export function putsThroughSdk(env: NodeJS.ProcessEnv): boolean {
  const value = env[SDK_PUTS_VARIABLE]?.trim().toLowerCase();
  return proxyConfigured(env) || (!!value && !['0', 'false', 'no', 'off'].includes(value));
}

/** Writes a whole blob in one request; fails with errors shaped like the SDK's. */
export type PutBlob = (blobName: string, body: Buffer, headers: StoredHeaders, options?: WriteOptions) => Promise<void>;

/** Reads `length` bytes of a blob from `position`, only while it is the version listed (`etag`). */
export type ReadRange = (
  blobName: string,
  position: number,
  length: number,
  etag: string | undefined,
  abortSignal?: AbortSignal,
) => Promise<Buffer>;

/** The two lean requests on one set of connections: a whole put, and a ranged read. */
export function createLeanClient(target: PutBlobTarget): { put: PutBlob; read: ReadRange } {
  const [base, sas] = target.containerUrl.split('?', 2) as [string, string | undefined];
  const origin = new URL(base);
  const secure = origin.protocol === 'https:';
  const endpoint: Endpoint = {
    pool: new Http1Pool({
      secure,
      hostname: origin.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: Number(origin.port) || (secure ? 443 : 80),
    }),
    tryTimeoutMs: target.settings.tryTimeoutMs,
  };
  const basePath = origin.pathname.replace(/\/$/, '');
  const sign = signerOf(target.signer, endpoint, target.containerUrl);
  /** Sends one request for a blob, retried as every request is; a status outside 2xx is the service's error. */
  const send = async (
    method: 'PUT' | 'GET',
    blobName: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    abortSignal: AbortSignal | undefined,
    maxBodyBytes?: number,
  ): Promise<Response> => {
    const path = `${basePath}/${addressablePath(blobName)}`;
    const pathAndQuery = sas ? `${path}?${sas}` : path;
    const response = await retrying({
      settings: target.settings,
      signal: abortSignal,
      // A fresh copy per try: each is signed with its own date.
      attempt: () => sign({ method, path, pathAndQuery, headers: { ...headers }, body, abortSignal, maxBodyBytes }),
      judge: (response) => statusVerdict(response.status, headerSource(response)),
    });
    if (response.status < 200 || response.status >= 300) {
      const text = response.body.length > 0 ? response.body.toString('utf8') : undefined;
      throw serviceError({ status: response.status, header: (name) => response.headers[name], text });
    }
    return response;
  };
  const put: PutBlob = async (blobName, body, headers, options = {}) => {
    await send('PUT', blobName, putHeaders(body, headers, options, target), body, options.abortSignal);
  };
  const read: ReadRange = async (blobName, position, length, etag, abortSignal) => {
    const headers: Record<string, string> = {
      'user-agent': target.userAgent,
      'x-ms-version': target.version,
      'x-ms-range': `bytes=${position}-${position + length - 1}`,
    };
    if (etag) headers['if-match'] = etag;
    const { body } = await send('GET', blobName, headers, undefined, abortSignal, length);
    if (body.length !== length) throw new TransferError(`the blob ended after ${position + body.length} bytes`);
    return body;
  };
  return { put, read };
}

interface Endpoint {
  pool: Http1Pool;
  tryTimeoutMs: number;
}

interface Request {
  method: 'PUT' | 'GET';
  /** The URL's path, encoded, without the query. */
  path: string;
  pathAndQuery: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** The largest body the response may carry (a ranged read's length). */
  maxBodyBytes?: number;
  abortSignal?: AbortSignal;
}

interface Response {
  status: number;
  /** Names in lower case. */
  headers: Record<string, string>;
  body: Buffer;
}

/** Signs and sends one try. Tokens go through the SDK's bearer policy, which also answers a 401's challenge. */
function signerOf(
  signer: PutSigner,
  endpoint: Endpoint,
  containerUrl: string,
): (request: Request) => Promise<Response> {
  switch (signer.kind) {
    case 'none':
      return (request) => sendOnce(endpoint, request);
    case 'shared-key':
      return (request) => {
        signSharedKey(signer, request.method, request.path, request.headers);
        return sendOnce(endpoint, request);
      };
    case 'token': {
      const policy = bearerTokenAuthenticationPolicy({ credential: signer.credential, scopes: StorageOAuthScopes });
      const origin = new URL(containerUrl).origin;
      return async (request) => {
        const pipelineRequest = createPipelineRequest({
          url: `${origin}${request.pathAndQuery}`,
          method: request.method,
          body: request.body,
          headers: createHttpHeaders(request.headers),
          abortSignal: request.abortSignal,
          // The emulator's plain http; the bearer policy still refuses to send a token over it.
          allowInsecureConnection: true,
        });
        let body: Buffer = EMPTY;
        const response = await policy.sendRequest(pipelineRequest, async (signed) => {
          const headers: Record<string, string> = {};
          // The pipeline keeps the case a policy set; our connections expect names in lower case.
          for (const [name, value] of signed.headers) headers[name.toLowerCase()] = value;
          const response = await sendOnce(endpoint, { ...request, headers });
          body = response.body;
          return { status: response.status, headers: createHttpHeaders(response.headers), request: signed };
        });
        return { status: response.status, headers: response.headers.toJSON(), body };
      };
    }
  }
}

function putHeaders(
  body: Buffer,
  headers: StoredHeaders,
  options: WriteOptions,
  target: PutBlobTarget,
): Record<string, string> {
  const out: Record<string, string> = {
    'content-length': String(body.length),
    'user-agent': target.userAgent,
    'x-ms-version': target.version,
    'x-ms-blob-type': 'BlockBlob',
    'x-ms-blob-content-type': headers.contentType,
  };
  if (headers.md5) {
    // Content-MD5 makes the service check the bytes that arrived; x-ms-blob-content-md5 is what it stores and lists.
    out['content-md5'] = headers.md5;
    out['x-ms-blob-content-md5'] = headers.md5;
  }
  if (headers.cacheControl) out['x-ms-blob-cache-control'] = headers.cacheControl;
  if (headers.contentEncoding) out['x-ms-blob-content-encoding'] = headers.contentEncoding;
  if (headers.contentLanguage) out['x-ms-blob-content-language'] = headers.contentLanguage;
  if (headers.contentDisposition) out['x-ms-blob-content-disposition'] = headers.contentDisposition;
  if (options.tier) out['x-ms-access-tier'] = options.tier;
  const condition = options.condition;
  if (condition) {
    if ('ifNoneMatch' in condition) out['if-none-match'] = condition.ifNoneMatch;
    else out['if-match'] = condition.ifMatch;
  }
  for (const [key, value] of Object.entries(headers.metadata ?? {})) out[`x-ms-meta-${key}`] = value;
  return out;
}

/** One try: the whole response must arrive within the per-try limit, or the request is abandoned. */
async function sendOnce(endpoint: Endpoint, request: Request): Promise<Response> {
  const response = await endpoint.pool.send({
    method: request.method,
    path: request.pathAndQuery,
    headers: request.headers,
    body: request.body ?? EMPTY,
    maxBodyBytes: request.maxBodyBytes,
    timeoutMs: endpoint.tryTimeoutMs,
    signal: request.abortSignal,
  });
  return { status: response.status, headers: response.headers, body: response.body };
}

const EMPTY = Buffer.alloc(0);

function headerSource(response: Response): HeaderSource {
  return { headers: { get: (name: string) => response.headers[name] } };
}
