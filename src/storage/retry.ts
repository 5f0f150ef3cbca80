import type { HttpOperationResponse, RequestPolicy, RequestPolicyFactory, WebResource } from '@azure/storage-blob';
import { backoffMs, sleep } from './backoff.js';
import { RETRIABLE_CODES } from './network-errors.js';

export interface RetrySettings {
  /** Attempts per request, the first included. */
  maxTries: number;
  /** One attempt's time limit; a stalled attempt is abandoned and retried. */
  tryTimeoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Throttling, timeouts and server errors: the storage service's own advice is to retry these. */
export const RETRIABLE_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

export { RETRIABLE_CODES } from './network-errors.js';

/**
 * The retry policy the storage SDK's own lacks: it also retries 408, 429, 502 and 504, honours `Retry-After`, and
 * abandons an attempt that gets no answer within the per-try limit (the SDK only passes that limit to the server).
 * It replaces the SDK's retries, which the client configures down to a single try.
 */
export function retryPolicyFactory(settings: RetrySettings): RequestPolicyFactory {
  return { create: (next) => ({ sendRequest: (request) => sendWithRetries(next, request, settings) }) };
}

async function sendWithRetries(
  next: RequestPolicy,
  request: WebResource,
  settings: RetrySettings,
): Promise<HttpOperationResponse> {
  const caller = request.abortSignal;
  for (let attempt = 1; ; attempt++) {
    const outcome = await attemptOnce(next, request, settings.tryTimeoutMs);
    if (caller?.aborted) throw outcome.error ?? abortError();
    const last = attempt >= settings.maxTries;
    if (outcome.response) {
      if (last || !RETRIABLE_STATUS.has(outcome.response.status)) return outcome.response;
    } else if (last || !isRetriableError(outcome.error, outcome.timedOut)) {
      throw outcome.timedOut ? timeoutError(settings.tryTimeoutMs) : outcome.error;
    }
    const advised = retryAfterMs(outcome.response ?? (outcome.error as { response?: HeaderSource })?.response);
    await sleep(Math.min(advised ?? backoffMs(attempt, settings.baseDelayMs), settings.maxDelayMs), caller);
  }
}

interface Outcome {
  response?: HttpOperationResponse;
  error?: unknown;
  timedOut: boolean;
}

async function attemptOnce(next: RequestPolicy, request: WebResource, tryTimeoutMs: number): Promise<Outcome> {
  const caller = request.abortSignal;
  const controller = new AbortController();
  const forward = () => controller.abort();
  caller?.addEventListener('abort', forward);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, tryTimeoutMs);
  request.abortSignal = controller.signal;
  try {
    return { response: await next.sendRequest(request), timedOut };
  } catch (error) {
    return { error, timedOut };
  } finally {
    clearTimeout(timer);
    caller?.removeEventListener('abort', forward);
    request.abortSignal = caller;
  }
}

/** A status the SDK's deserializer turned into an error counts as much as one seen as a response. */
function isRetriableError(error: unknown, timedOut: boolean): boolean {
  if (timedOut) return true;
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  if (typeof statusCode === 'number' && RETRIABLE_STATUS.has(statusCode)) return true;
  return typeof code === 'string' && RETRIABLE_CODES.has(code);
}

export interface HeaderSource {
  headers: { get(name: string): string | undefined };
}

/** The wait the service asked for, from `x-ms-retry-after-ms`, `retry-after-ms` or `Retry-After` (seconds or a date). */
export function retryAfterMs(response: HeaderSource | undefined): number | undefined {
  if (!response?.headers) return undefined;
  const milliseconds = response.headers.get('x-ms-retry-after-ms') ?? response.headers.get('retry-after-ms');
  if (milliseconds !== undefined && Number.isFinite(Number(milliseconds))) return Math.max(0, Number(milliseconds));
  const value = response.headers.get('retry-after');
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export function timeoutError(tryTimeoutMs: number): Error {
  return Object.assign(new Error(`no answer within ${tryTimeoutMs / 1000} s, even after retries`), {
    code: 'ETIMEDOUT',
  });
}

export function abortError(): Error {
  return Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
}
