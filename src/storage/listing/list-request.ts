import { createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { ContainerClient } from '@azure/storage-blob';
import { type RequestSender, senderOf } from '../sdk-access.js';
import { retrying } from '../retry.js';
import { serviceError } from '../service-error.js';
import { ListPageParser, type ListedBlob } from './list-parser.js';

/** The service's largest listing page. */
const PAGE_SIZE = 5000;

export interface ListLimits {
  /** How long the response may go without a byte before the page is asked for again. */
  tryTimeoutMs: number;
  /** Attempts per page whose response broke off after it began (the pipeline retries failures before that). */
  maxTries: number;
  /** Blobs per page; the service's largest unless a test wants many pages. */
  pageSize?: number;
  /** Read each blob's Last-Modified (see ListPageParser). */
  lastModified?: boolean;
  /** Keep directory stubs, as folders (a download creates them); left out otherwise. */
  folders?: boolean;
}

/**
 * Asks for one page of blobs under the prefix and hands each over as the response streams in (see ListPageParser).
 * It replaces the SDK's `listBlobsFlat`, which parses a whole page into a DOM and maps every blob to a model; what
 * would let it go: an SDK listing that hands blobs over as a page streams in and asks for a broken page again.
 * The body is read here, outside the pipeline, so this retries a response that breaks off or stalls midway. Each blob
 * is handed over as soon as it is parsed: holding a page of 5,000 until it was complete had them outlive the young
 * generation and pile up as garbage (performance.md has the peak memory it cost).
 * A retried page is asked for from the same marker, so it starts with the blobs already handed over: those up to the
 * last one handed over (the service lists in name order) are passed by, so none counts twice (transient-faults test).
 */
export async function listPage(
  container: ContainerClient,
  prefix: string | undefined,
  marker: string,
  onBlob: (blob: ListedBlob) => void,
  limits: ListLimits,
): Promise<string> {
  const sender = senderOf(container);
  const url = pageUrl(container.url, prefix, marker, limits.pageSize ?? PAGE_SIZE);
  let lastName: string | undefined;
  let tries = 0;
  const attempt = async () => {
    tries++;
    // Only on a retry, until the first new blob: the service's order is that of the names' UTF-8 bytes.
    let seenUpTo = lastName === undefined ? undefined : Buffer.from(lastName, 'utf8');
    const take = (blob: ListedBlob) => {
      if (seenUpTo) {
        if (Buffer.compare(Buffer.from(blob.name, 'utf8'), seenUpTo) <= 0) return;
        seenUpTo = undefined;
      }
      lastName = blob.name;
      onBlob(blob);
    };
    // The pipeline has retried the request itself; what is retried here is a response that broke off midway.
    const response = await sendListRequest(sender, url);
    try {
      return await readPage(response, limits, take);
    } catch (error) {
      throw new BrokeOff(error);
    }
  };
  try {
    return await retrying({
      settings: { maxTries: limits.maxTries, tryTimeoutMs: limits.tryTimeoutMs, baseDelayMs: 500, maxDelayMs: 30_000 },
      attempt,
      judge: () => ({ again: false }),
      retriableError: (error) => error instanceof BrokeOff,
    });
  } catch (error) {
    throw error instanceof BrokeOff ? brokeOff(error.failure, tries) : error;
  }
}

/** A response that broke off or stalled after it began. */
class BrokeOff extends Error {
  constructor(readonly failure: unknown) {
    super('the listing broke off midway');
  }
}

function pageUrl(containerUrl: string, prefix: string | undefined, marker: string, pageSize: number): string {
  const [base, sas] = containerUrl.split('?', 2) as [string, string | undefined];
  const query = [
    'restype=container',
    'comp=list',
    'include=metadata',
    `maxresults=${pageSize}`,
    ...(prefix ? [`prefix=${encodeURIComponent(prefix)}`] : []),
    ...(marker ? [`marker=${encodeURIComponent(marker)}`] : []),
  ];
  return `${base}?${sas ? `${sas}&` : ''}${query.join('&')}`;
}

async function sendListRequest(sender: RequestSender, url: string): Promise<PipelineResponse> {
  // Plain http is the emulator's; the SDK allows it the same way (and its token policy still refuses to send a
  // bearer token over it).
  const request = createPipelineRequest({
    url,
    method: 'GET',
    streamResponseStatusCodes: new Set([200]),
    allowInsecureConnection: true,
  });
  request.headers.set('x-ms-version', sender.version);
  const response = await sender.sendRequest(request);
  if (response.status === 200 && response.readableStreamBody) return response;
  throw serviceError({
    status: response.status,
    header: (name) => response.headers.get(name),
    parsed: (response as { parsedBody?: { Code?: unknown; Message?: unknown } }).parsedBody,
    text: response.bodyAsText ?? undefined,
  });
}

async function readPage(
  response: PipelineResponse,
  limits: ListLimits,
  onBlob: (blob: ListedBlob) => void,
): Promise<string> {
  const stallMs = limits.tryTimeoutMs;
  const body = response.readableStreamBody as NodeJS.ReadableStream & { destroy(error?: Error): void };
  const parser = new ListPageParser(onBlob, limits.lastModified);
  let timer: NodeJS.Timeout | undefined;
  const armStallTimer = () => {
    clearTimeout(timer);
    timer = setTimeout(() => body.destroy(stalled(stallMs)), stallMs);
  };
  body.setEncoding('utf8');
  try {
    armStallTimer();
    for await (const chunk of body) {
      armStallTimer();
      parser.write(chunk as string);
    }
    return parser.close();
  } catch (error) {
    body.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The last failure, saying how often the page was asked for; its code (ECONNRESET, ETIMEDOUT…) is kept. */
function brokeOff(error: unknown, attempts: number): Error {
  const { message, code } = error as { message?: string; code?: unknown };
  return Object.assign(
    new Error(`the listing broke off midway ${attempts} times (last: ${message ?? String(error)})`),
    {
      code: typeof code === 'string' ? code : 'ECONNRESET',
    },
  );
}

function stalled(ms: number): Error {
  return Object.assign(new Error(`the listing stalled: no data for ${ms / 1000} s`), { code: 'ETIMEDOUT' });
}
