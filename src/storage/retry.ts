import type { LoadListener } from '../engine/ports/destination.js';
import { backoffMs, sleep } from './backoff.js';
import { RETRIABLE_CODES } from './network-errors.js';

export { RETRIABLE_CODES } from './network-errors.js';

export interface RetrySettings {
  /** Attempts per request, the first included. */
  maxTries: number;
  /** One attempt's time limit; a stalled attempt is abandoned and retried. */
  tryTimeoutMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Hears of every try the service responded to: busy, or a final response (see LoadListener). */
  load?: LoadListener;
  /**
   * The first wait after a busy answer that `load` heard of. Fewer requests at once is what relieves the service
   * then; a long sleep would only hold a transfer's place in the run's concurrency. Later waits double, as any.
   */
  busyDelayMs?: number;
}

/** Retries with exponential backoff on 408/429/5xx, resets and stalled attempts, tuned for CI. */
export function retrySettings(
  options: { tryTimeoutMs?: number; maxTries?: number; load?: LoadListener } = {},
): RetrySettings {
  return {
    maxTries: options.maxTries ?? 6,
    tryTimeoutMs: options.tryTimeoutMs ?? 120_000,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
    load: options.load,
    busyDelayMs: 100,
  };
}

/** Throttling, timeouts and server errors: the storage service's own advice is to retry these. */
export const RETRIABLE_STATUS: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/**
 * The service's ways of saying it has more than it can take (ServerBusy, too many requests, a server-side timeout):
 * remedy is fewer requests at once, not only a retry.
 */
export function isBusy(status: number, errorCode: string | undefined): boolean {
  return status === 503 || status === 429 || (status === 500 && errorCode === 'OperationTimedOut');
}

/** The verdict on a response by its status: retried when the service advises it, its headers advising the wait. */
export function statusVerdict(status: number, response: HeaderSource): Verdict {
  if (!RETRIABLE_STATUS.has(status)) return { again: false };
  return { again: true, advice: response, busy: isBusy(status, response.headers.get('x-ms-error-code')) };
}

export interface HeaderSource {
  headers: { get(name: string): string | undefined };
}

/**
 * What the loop makes of a try that came back: final, or worth another try (with the response that advises the wait,
 * and whether it said the service is busy).
 */
export type Verdict = { again: false } | { again: true; advice?: HeaderSource; busy?: boolean };

export interface RetryLoop<T> {
  settings: RetrySettings;
  /** The caller's signal: once it aborts, no try is started and no wait goes on. */
  signal?: { aborted: boolean; addEventListener(type: 'abort', listener: () => void): void };
  /** One try. A try that runs out of time fails with an error marked `timedOut` (each kind of try keeps its own time). */
  attempt(tries: number): Promise<T>;
  /** Whether what came back asks for another try: a status the service says to retry. */
  judge(value: T): Verdict;
  /** Whether a failed try is worth another; by default a timeout, a retriable status or a connection failure. */
  retriableError?(error: unknown): boolean;
}

/**
 * The one retry loop of every request to the storage service: the SDK's pipeline (retry-policy.ts), the lean Put Blob
 * and the listing's pages. Exponential backoff with jitter, `Retry-After` honoured, at most `maxTries` tries; the last
 * response is returned as it is (the caller reads its status), the last error thrown (a timeout said as such). Every
 * try that got a response is told to `settings.load`, here and only here, so the run's concurrency follows the service's load.
 * One thing sits on top of it, not beside it: a large download's stream that breaks off midway is asked for again from
 * the byte it reached by the SDK's stream reader (blob-read-source.ts), and each of those requests goes through the
 * pipeline, so through this loop.
 */
export async function retrying<T>(loop: RetryLoop<T>): Promise<T> {
  const { settings, signal } = loop;
  const retriableError = loop.retriableError ?? isRetriableError;
  for (let tries = 1; ; tries++) {
    let advice: HeaderSource | undefined;
    let heardBusy = false;
    const last = tries >= settings.maxTries;
    const sentAt = performance.now();
    try {
      const value = await loop.attempt(tries);
      if (signal?.aborted) throw abortError();
      const verdict = loop.judge(value);
      if (verdict.again && verdict.busy && settings.load) {
        settings.load.busy(sentAt);
        heardBusy = true;
      } else if (!verdict.again) settings.load?.healthy();
      if (!verdict.again || last) return value;
      advice = verdict.advice;
    } catch (error) {
      if (signal?.aborted) throw error;
      const timedOut = isTimedOut(error);
      if (last || !(timedOut || retriableError(error))) throw timedOut ? timeoutError(settings.tryTimeoutMs) : error;
      advice = (error as { response?: HeaderSource }).response;
    }
    const base = heardBusy ? (settings.busyDelayMs ?? settings.baseDelayMs) : settings.baseDelayMs;
    await sleep(Math.min(retryAfterMs(advice) ?? backoffMs(tries, base), settings.maxDelayMs), signal);
  }
}

/** A timeout, a status the SDK's deserializer turned into an error, or a connection failure. */
export function isRetriableError(error: unknown): boolean {
  if (isTimedOut(error)) return true;
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  if (typeof statusCode === 'number' && RETRIABLE_STATUS.has(statusCode)) return true;
  return typeof code === 'string' && RETRIABLE_CODES.has(code);
}

function isTimedOut(error: unknown): boolean {
  return (error as { timedOut?: unknown })?.timedOut === true;
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
  return Object.assign(new Error(`no response within ${tryTimeoutMs / 1000} s, even after retries`), {
    code: 'ETIMEDOUT',
  });
}

export function abortError(): Error {
  return Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' });
}
