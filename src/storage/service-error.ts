import { RestError } from '@azure/core-rest-pipeline';

/** What a request got back when the service refused it, as each kind of request has it. */
export interface RefusedResponse {
  status: number;
  header(name: string): string | undefined;
  /** The error document as text (the lean client's responses). */
  text?: string;
  /** The error document as the SDK's pipeline parsed it. */
  parsed?: { Code?: unknown; Message?: unknown };
}

/**
 * A refusal or failure the service answered with, shaped like the SDK's errors (statusCode, code, details.errorCode),
 * so failures.ts and classify.ts read every request's errors the same way. The message is the service's own first
 * line, which failureReason redacts before it is shown.
 */
export function serviceError(response: RefusedResponse): RestError {
  const text = response.text ?? '';
  const parsed = response.parsed;
  const code =
    response.header('x-ms-error-code') ?? (typeof parsed?.Code === 'string' ? parsed.Code : xmlText(text, 'Code'));
  const message =
    (typeof parsed?.Message === 'string' ? parsed.Message : xmlText(text, 'Message'))?.split('\n')[0] ??
    `The service answered ${response.status}`;
  const error = new RestError(message, { code, statusCode: response.status });
  error.details = { errorCode: code };
  return error;
}

function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  return match?.[1]
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}
