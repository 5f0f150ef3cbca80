import type { HttpOperationResponse, RequestPolicy, RequestPolicyFactory, WebResource } from '@azure/storage-blob';
import { type RetrySettings, retrying, statusVerdict } from './retry.js';

/**
 * The retry policy the storage SDK's own lacks: it also retries 408, 429, 502 and 504, honours `Retry-After`, and
 * abandons an attempt that gets no response within the per-try limit (the SDK only passes that limit to the server).
 * It replaces the SDK's retries, which the client configures down to a single try.
 */
export function retryPolicyFactory(settings: RetrySettings): RequestPolicyFactory {
  return {
    create: (next) => ({
      sendRequest: (request) =>
        retrying({
          settings,
          signal: request.abortSignal,
          attempt: () => attemptOnce(next, request, settings.tryTimeoutMs),
          judge: (response) => statusVerdict(response.status, response),
        }),
    }),
  };
}

/** One try, abandoned (and marked `timedOut`) when it gets no response within the per-try limit. */
async function attemptOnce(
  next: RequestPolicy,
  request: WebResource,
  tryTimeoutMs: number,
): Promise<HttpOperationResponse> {
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
    return await next.sendRequest(request);
  } catch (error) {
    if (timedOut && error !== null && typeof error === 'object') Object.assign(error, { timedOut: true });
    throw error;
  } finally {
    clearTimeout(timer);
    caller?.removeEventListener('abort', forward);
    request.abortSignal = caller;
  }
}
