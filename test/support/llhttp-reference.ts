import http from 'node:http';
import { createRequire } from 'node:module';

// Node's own HTTP/1.1 response parser (llhttp, through the binding node:http's client uses), run as that client runs
// it: no lenient flags, Node's --max-http-header-size, the bodies of interim 1xx responses skipped. Tests hold the
// lean client's parser (src/storage/http1/response-parser.ts) against it. `_http_common` is Node's internal module that
// exposes the binding; if a Node release drops it, this throws and the tests that use it fail, saying so.

interface Binding {
  initialize(type: number, resource: object, maxHeaderSize: number, lenient: number): void;
  execute(bytes: Buffer): number | Error;
  finish(): undefined | Error;
  [callback: number]: unknown;
}
interface BindingClass {
  new (): Binding;
  RESPONSE: number;
  kLenientNone: number;
  kOnMessageBegin: number;
  kOnHeaders: number;
  kOnHeadersComplete: number;
  kOnBody: number;
  kOnMessageComplete: number;
  kOnExecute: number;
}

const { HTTPParser } = createRequire(import.meta.url)('_http_common') as { HTTPParser: BindingClass };
if (typeof HTTPParser?.prototype?.execute !== 'function') {
  throw new Error(`this Node (${process.version}) no longer exposes llhttp through _http_common`);
}

export type Verdict =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: Buffer; keepAlive: boolean }
  /** `atClose`: found only when the connection closed (llhttp's finish), not while reading. */
  | { kind: 'refused'; code: string; reason: string; atClose: boolean }
  | { kind: 'incomplete' };

/** What Node's client makes of `bytes` arriving on a connection, then of its close when `closed`. */
export function llhttpVerdict(bytes: Buffer, closed: boolean): Verdict {
  const parser = new HTTPParser();
  let raw: string[] = [];
  let inHead = true;
  let status = 0;
  let keepAlive = false;
  let body: Buffer[] = [];
  let response: Verdict | undefined;
  parser[HTTPParser.kOnMessageBegin] = () => {
    raw = [];
    body = [];
    inHead = true;
  };
  parser[HTTPParser.kOnHeaders] = (fields: string[]) => {
    if (inHead) raw.push(...fields); // after the head, these are trailers
  };
  parser[HTTPParser.kOnHeadersComplete] = (...args: unknown[]) => {
    const [, , fields, , , code, , , shouldKeepAlive] = args as [
      number,
      number,
      string[] | undefined,
      unknown,
      unknown,
      number,
      unknown,
      boolean,
      boolean,
    ];
    if (fields) raw.push(...fields);
    inHead = false;
    status = code;
    keepAlive = shouldKeepAlive;
    // Node's client skips the body of an interim response (_http_client.js, parserOnIncomingClient).
    return code >= 100 && code < 200 && code !== 101 ? 1 : 0;
  };
  parser[HTTPParser.kOnBody] = (chunk: Buffer) => body.push(Buffer.from(chunk));
  parser[HTTPParser.kOnMessageComplete] = () => {
    if (response || (status < 200 && status !== 101)) return;
    const headers: Record<string, string> = {};
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!.toLowerCase();
      headers[name] = headers[name] === undefined ? raw[i + 1]! : `${headers[name]}, ${raw[i + 1]!}`;
    }
    response = { kind: 'response', status, headers, body: Buffer.concat(body), keepAlive };
  };
  parser[HTTPParser.kOnExecute] = () => {};
  parser.initialize(HTTPParser.RESPONSE, {}, http.maxHeaderSize, HTTPParser.kLenientNone);
  const read = parser.execute(bytes);
  if (response) return response; // what follows a complete response belongs to no request
  if (read instanceof Error) return refusal(read, false);
  if (!closed) return { kind: 'incomplete' };
  const close = parser.finish();
  if (response) return response;
  return close instanceof Error ? refusal(close, true) : { kind: 'incomplete' };
}

function refusal(error: Error, atClose: boolean): Verdict {
  const { code, reason } = error as Error & { code: string; reason: string };
  return { kind: 'refused', code, reason, atClose };
}
