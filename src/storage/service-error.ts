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
 * so failures.ts and classify.ts read every request's errors the same way. What the server sent is quoted only as far
 * as it can be trusted: an error code only when it is a plain word, the message's first line without control
 * characters, capped, and without any long run of base64 or percent-encoded characters (an echoing server or proxy
 * may send back part of a SAS signature; failureReason also redacts `sig=` before it is shown).
 */
export function serviceError(response: RefusedResponse): RestError {
  const text = response.text ?? '';
  const parsed = response.parsed;
  const sentCode =
    response.header('x-ms-error-code') ?? (typeof parsed?.Code === 'string' ? parsed.Code : xmlText(text, 'Code'));
  const code = sentCode && ERROR_CODE.test(sentCode) ? sentCode : undefined;
  const sentMessage = typeof parsed?.Message === 'string' ? parsed.Message : xmlText(text, 'Message');
  const message = (sentMessage && quotable(sentMessage)) || `The service answered ${response.status}`;
  const error = new RestError(message, { code, statusCode: response.status });
  error.details = { errorCode: code };
  return error;
}

/** The service's error codes are words (BlobNotFound, ServerBusy…). */
const ERROR_CODE = /^\w{1,64}$/;
const MESSAGE_MAX = 300;
/** A run of characters a signature or a key is made of, long enough to be one's fragment. */
const SECRET_LIKE = /[A-Za-z0-9+/=%]{24,}/g;

// eslint-disable-next-line no-control-regex -- the point is to drop them
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** The first line of a message the server sent, as much of it as may be shown. */
function quotable(message: string): string {
  const line = message.split(/\r?\n/)[0]!.replace(CONTROL, '').trim();
  const shown = line.replace(SECRET_LIKE, '…');
  return shown.length > MESSAGE_MAX ? `${shown.slice(0, MESSAGE_MAX)}…` : shown;
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
