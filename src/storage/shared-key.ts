import { createHmac } from 'node:crypto';

/*
 * Shared Key signing of a request whose headers are a plain object, as the lean connections send them (Put Blob and
 * ranged Get Blob; any other request's headers and query are signed the same way). It replaces the SDK's
 * storageSharedKeyCredentialPolicy, which wants the pipeline's request and header objects that the lean path exists
 * to avoid building per request, and signs what that policy signs
 * (https://learn.microsoft.com/rest/api/storageservices/authenticate-with-shared-key): test/unit/shared-key.test.ts
 * signs the same requests both ways and compares, and Azurite refuses a wrong signature. It can go with the lean path.
 */

/** The standard headers in the string to sign, in its order. */
const SIGNED_STANDARD = [
  'content-language',
  'content-encoding',
  'content-length',
  'content-md5',
  'content-type',
  'date',
  'if-modified-since',
  'if-match',
  'if-none-match',
  'if-unmodified-since',
  'range',
] as const;
const IS_SIGNED_STANDARD: ReadonlySet<string> = new Set(SIGNED_STANDARD);

export interface SharedKey {
  accountName: string;
  accountKey: Buffer;
}

/**
 * Sets `x-ms-date` and `authorization` on `headers`, signed as the SDK signs them:
 * - `pathAndQuery` is the URL's path as sent (encoded), and its query if it has one (`?comp=block&blockid=...`);
 * - header names may come in any case; two names equal but for case are refused, as a request would carry both;
 * - values are trimmed in place, as the SDK's header collection trims them, so the bytes signed are the bytes sent;
 * - a standard header empty, or a Content-Length of 0, is signed as empty;
 * - the `x-ms-` headers go in the order the SDK (and the service) sorts them, see compareHeaderNames.
 */
export function signSharedKey(
  key: SharedKey,
  method: string,
  pathAndQuery: string,
  headers: Record<string, string>,
  date = new Date(),
): void {
  headers['x-ms-date'] = date.toUTCString();
  const standard = new Map<string, string>();
  const canonical = new Map<string, string>();
  const seen = new Set<string>();
  for (const name in headers) {
    const value = String(headers[name]).trim();
    headers[name] = value;
    const lower = name.toLowerCase();
    if (seen.has(lower)) throw new TypeError(`The header ${lower} is set twice, in different case.`);
    seen.add(lower);
    if (lower.startsWith('x-ms-')) canonical.set(lower, value);
    else if (IS_SIGNED_STANDARD.has(lower)) standard.set(lower, value);
  }
  let toSign = method.toUpperCase();
  for (const name of SIGNED_STANDARD) {
    const value = standard.get(name);
    toSign += `\n${!value || (name === 'content-length' && value === '0') ? '' : value}`;
  }
  toSign += '\n';
  for (const name of [...canonical.keys()].sort(compareHeaderNames)) toSign += `${name}:${canonical.get(name)}\n`;
  toSign += canonicalResource(key.accountName, pathAndQuery);
  const signature = createHmac('sha256', key.accountKey).update(toSign, 'utf8').digest('base64');
  headers.authorization = `SharedKey ${key.accountName}:${signature}`;
}

/**
 * `/account/path`, then each query parameter on a line of its own as `name:value`, names in lower case and sorted,
 * values decoded. The SDK leaves out a parameter that is not `name=value` with both present (which the service
 * would not); those, and a name given twice, are refused here rather than signed into a 403.
 */
function canonicalResource(accountName: string, pathAndQuery: string): string {
  const mark = pathAndQuery.indexOf('?');
  const path = mark < 0 ? pathAndQuery : pathAndQuery.slice(0, mark);
  let resource = `/${accountName}${path || '/'}`;
  if (mark < 0) return resource;
  const parameters = new Map<string, string>();
  for (const part of pathAndQuery.slice(mark + 1).split('&')) {
    if (part === '') continue;
    const [name, value, ...more] = part.split('=');
    const lower = name!.toLowerCase();
    if (!lower || !value || more.length > 0) {
      throw new TypeError(
        `The query parameter ${lower || '(no name)'} is not name=value, which Shared Key cannot sign.`,
      );
    }
    if (parameters.has(lower)) throw new TypeError(`The query parameter ${lower} is given twice.`);
    try {
      parameters.set(lower, decodeURIComponent(value));
    } catch {
      throw new TypeError(`The query parameter ${lower} is not percent-encoded correctly.`);
    }
  }
  for (const name of [...parameters.keys()].sort()) resource += `\n${name}:${parameters.get(name)}`;
  return resource;
}

/**
 * Where each character of a lower-case header name sorts, as .NET's en-US culture sorts it: the storage service
 * compares the `x-ms-` names that way, and so does the SDK (its SharedKeyComparator). Hyphens and apostrophes do not
 * count at first; any character not listed does not count at all (none is in a header name).
 */
const ORDER = '!#$%&*.^_`|~+0123456789abcdefghijklmnopqrstuvwxyz';
const RANK = Uint8Array.from({ length: 128 }, (_, code) => ORDER.indexOf(String.fromCharCode(code)) + 1);
const rank = (name: string, i: number) => RANK[name.charCodeAt(i)] ?? 0;
/** Hyphens and apostrophes break ties: the name with one where the other has none sorts after it. */
const mark = (name: string, i: number) => {
  const code = name.charCodeAt(i);
  return code === 0x2d ? 2 : code === 0x27 ? 1 : 0;
};

/** Compares two lower-case header names in the service's order for the canonicalized headers. */
function compareHeaderNames(a: string, b: string): number {
  // What two names share at their start sorts the same in both: compare from where they differ.
  let start = 0;
  while (start < a.length && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let i = start;
  let j = start;
  for (;;) {
    while (i < a.length && rank(a, i) === 0) i++;
    while (j < b.length && rank(b, j) === 0) j++;
    if (i === a.length || j === b.length) break;
    const order = rank(a, i) - rank(b, j);
    if (order !== 0) return order;
    i++;
    j++;
  }
  if (i < a.length || j < b.length) return i < a.length ? 1 : -1;
  for (let k = start; k < Math.max(a.length, b.length); k++) {
    const order = mark(a, k) - mark(b, k);
    if (order !== 0) return order;
  }
  return 0;
}
