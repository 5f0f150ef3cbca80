import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { ResponseParser, type Http1Response, InvalidResponseError } from '../../src/storage/http1/response-parser.js';
import { llhttpVerdict, type Verdict } from '../support/llhttp-reference.js';
import { type SeededRandom, seededRandom } from '../support/seeded-random.js';

// Seeded, bounded mutation fuzzing of the lean client's HTTP/1.1 response parser (src/storage/http1/response-parser.ts),
// the hand-written replacement of Node's own reading of responses (llhttp behind http.request). Valid responses are
// mutated (bytes flipped, CR/LF/NUL and other bytes inserted, line ends broken, lines duplicated or swapped, framing
// headers added, truncated), fed whole and split at random points, and held against llhttp itself
// (test/support/llhttp-reference.ts). The parser, and this test with it, can go when Node's client costs about what
// the lean connections cost per request.
// The seeds below run every time; ABS_FUZZ_SEED=<number> adds one (ABS_FUZZ_CASES cases, default 3000).

const SEEDS = [1, 2, 3, 0xc0ffee];
const CASES_PER_SEED = 5000;
/** Stands for a secret an echoing server might put anywhere in its response (a SAS signature, say). */
const MARKER = 'SIGsecret7Qz9';

const sized = (head: string, body: string) => `${head}Content-Length: ${body.length}\r\n\r\n${body}`;
const chunk = (data: string, extension = '') => `${data.length.toString(16)}${extension}\r\n${data}\r\n`;

const CORPUS = [
  // What Azure responses a Put Blob.
  'HTTP/1.1 201 Created\r\nContent-Length: 0\r\nContent-MD5: rL0Y20zC+Fzt72VPzMSk2A==\r\n' +
    'Last-Modified: Tue, 01 Jul 2025 10:00:00 GMT\r\nETag: "0x8DDB8F2C1A2B3C4"\r\n' +
    'Server: Windows-Azure-Blob/1.0 Microsoft-HTTPAPI/2.0\r\nx-ms-request-id: 0b4e1a2c-801e-0030-2b6f-123456000000\r\n' +
    'x-ms-version: 2025-11-05\r\nx-ms-request-server-encrypted: true\r\nDate: Tue, 01 Jul 2025 10:00:00 GMT\r\n\r\n',
  // A refusal that echoes the request, secret included.
  sized(
    `HTTP/1.1 403 Server failed ${MARKER}\r\nContent-Type: application/xml\r\nx-ms-error-code: AuthenticationFailed\r\n` +
      `x-ms-echo: /c/a.txt?sv=2024&sig=${MARKER}\r\n`,
    `<?xml version="1.0"?><Error><Code>AuthenticationFailed</Code><Message>sig=${MARKER}</Message></Error>`,
  ),
  // Chunked, with extensions and trailers.
  `HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\nx-ms-${MARKER}: 1\r\n\r\n` +
    `${chunk('hello', ';x=1')}${chunk(`, one ${MARKER} world`, `;q="a \\" ${MARKER}";${MARKER}`)}0\r\n` +
    `x-trailer: ${MARKER}\r\n\r\n`,
  // Interim responses first.
  'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n' +
    'HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n',
  // Throttled, and closing.
  sized('HTTP/1.1 503 Server Busy\r\nRetry-After: 1\r\nConnection: close\r\n', 'busy.'),
  'HTTP/1.0 201 Created\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n',
  sized('HTTP/1.1 201 Created\r\nKeep-Alive: timeout=30\r\nVia: a\r\nVia: b\r\n', 'ok'),
  // Read to the close.
  `HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\n\r\n<html>${MARKER}</html>`,
  'HTTP/1.1 204 No Content\r\nx-ms-request-id: r\r\n\r\n',
  // One byte below Node's head limit as Node counts it (reason, names, values): one more must be refused.
  `HTTP/1.1 200 OK\r\nX-Big: ${'a '.repeat(http.maxHeaderSize).slice(0, http.maxHeaderSize - 23)}\r\nContent-Length: 0\r\n\r\n`,
].map((text) => Buffer.from(text, 'latin1'));

/** llhttp's refusals that it makes at the offending byte: the parser must not wait for more bytes on those either. */
const AT_THE_BYTE = new Set([
  'HPE_CR_EXPECTED',
  'HPE_LF_EXPECTED',
  'HPE_STRICT',
  'HPE_INVALID_HEADER_TOKEN',
  'HPE_UNEXPECTED_SPACE',
  'HPE_INVALID_CHUNK_SIZE',
  'HPE_INVALID_CONSTANT',
  'HPE_INVALID_VERSION',
  'HPE_INVALID_STATUS',
  'HPE_HEADER_OVERFLOW',
]);

type Random = SeededRandom;

const INSERTS = ['\r', '\n', '\0', '\r\n', ' ', '\t', ':', ';', '"', '\\', '\x7f', '\x01', '\x80', '\xff', '0', 'f'];
const HEADER_LINES = [
  'Content-Length: 0',
  'Content-Length: 3',
  'Content-Length: 2',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: gzip',
  'Transfer-Encoding: gzip, chunked',
  'Transfer-Encoding: chunked\t',
  'Transfer-Encoding:',
  'Connection: close',
  'Connection: close\t',
  'Connection: keep-alive',
  'Proxy-Connection: close',
  'Content-Length:  1 ',
  'Content-Length: 1\t',
  ' folded',
  `X-Echo: ${MARKER}`,
  `X-${MARKER}: \0`,
  'X-Empty:',
];

/** Lines of `bytes` with their ends, to duplicate, swap or add headers. */
function lineStarts(bytes: Buffer): number[] {
  const starts = [0];
  for (let i = bytes.indexOf(10); i >= 0 && i + 1 < bytes.length; i = bytes.indexOf(10, i + 1)) starts.push(i + 1);
  return starts;
}

function mutate(input: Buffer, random: Random): Buffer {
  const text = input.toString('latin1');
  const at = random.below(text.length + 1);
  const starts = lineStarts(input);
  const line = (k: number) => text.slice(starts[k], starts[k + 1] ?? text.length);
  switch (random.below(10)) {
    case 0: // a byte replaced by any byte
      return Buffer.from(text.slice(0, at) + String.fromCharCode(random.below(256)) + text.slice(at + 1), 'latin1');
    case 1:
    case 2: // a telling byte inserted
      return Buffer.from(text.slice(0, at) + random.pick(INSERTS) + text.slice(at), 'latin1');
    case 3: // bytes removed
      return Buffer.from(text.slice(0, at) + text.slice(at + 1 + random.below(4)), 'latin1');
    case 4: {
      // a line end broken: CRLF to LF or CR alone
      const ends = [...text.matchAll(/\r\n/g)].map((match) => match.index);
      if (ends.length === 0) return input;
      const end = random.pick(ends);
      return Buffer.from(text.slice(0, end) + random.pick(['\n', '\r', '\n\r']) + text.slice(end + 2), 'latin1');
    }
    case 5: {
      // a line repeated (a header twice, a chunk twice)
      const k = random.below(starts.length);
      return Buffer.from(text.slice(0, starts[k]) + line(k) + text.slice(starts[k]), 'latin1');
    }
    case 6: {
      // a framing or telling header added after some line
      const k = 1 + random.below(Math.max(1, starts.length - 1));
      const start = starts[k] ?? text.length;
      return Buffer.from(`${text.slice(0, start)}${random.pick(HEADER_LINES)}\r\n${text.slice(start)}`, 'latin1');
    }
    case 7: {
      // two lines swapped
      if (starts.length < 3) return input;
      const k = random.below(starts.length - 1);
      const rest = text.slice(starts[k + 2] ?? text.length);
      return Buffer.from(text.slice(0, starts[k]) + line(k + 1) + line(k) + rest, 'latin1');
    }
    case 8: {
      // a digit changed (a status, a length, a chunk size)
      const digits = [...text.matchAll(/[0-9a-f]/g)].map((match) => match.index);
      if (digits.length === 0) return input;
      const where = random.pick(digits);
      return Buffer.from(text.slice(0, where) + random.pick([...'0123456789abfx']) + text.slice(where + 1), 'latin1');
    }
    default: // cut short
      return input.subarray(0, at);
  }
}

type Outcome =
  | {
      kind: 'response';
      status: number;
      headers: Record<string, string>;
      body: string;
      keepAlive: boolean;
      timeoutS?: number;
    }
  | { kind: 'refused'; message: string }
  | { kind: 'incomplete' };

/** What the parser makes of `bytes` cut at `cuts`, the connection closing after the last byte. */
function parse(bytes: Buffer, cuts: readonly number[]): Outcome {
  const parser = new ResponseParser();
  const seen = (response: Http1Response, more: boolean): Outcome => ({
    kind: 'response',
    status: response.status,
    headers: { ...response.headers },
    body: response.body.toString('latin1'),
    // Bytes in a later read are unasked-for data to the pool, which then drops the connection too.
    keepAlive: response.keepAlive && !more,
    timeoutS: response.keepAliveTimeoutS,
  });
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    let response: Http1Response | undefined;
    try {
      response = parser.push(bytes.subarray(from, to));
    } catch (error) {
      if (!(error instanceof InvalidResponseError)) throw error;
      return { kind: 'refused', message: error.message };
    }
    if (response) return seen(response, to < bytes.length);
    from = to;
  }
  const response = parser.end();
  return response ? seen(response, false) : { kind: 'incomplete' };
}

function randomCuts(length: number, random: Random): number[] {
  if (length < 2) return [];
  const cuts = new Set<number>();
  for (let n = 1 + random.below(4); n > 0; n--) cuts.add(1 + random.below(length - 1));
  return [...cuts].sort((a, b) => a - b);
}

const ERROR_FORM = /^the server's response is not valid HTTP\/1\.1: [^\r\n]+ \(at byte \d+\)$/;

/** Checks one input; returns how the parser and llhttp judged it. */
function check(bytes: Buffer, random: Random): { ours: Outcome['kind']; llhttp: Verdict['kind'] } {
  const started = Date.now();
  const whole = parse(bytes, []);
  const shown = () => JSON.stringify(bytes.toString('latin1'));
  for (let split = 0; split < 2; split++) {
    const cuts = randomCuts(bytes.length, random);
    assert.deepEqual(parse(bytes, cuts), whole, `split at ${cuts.join(', ')}: ${shown()}`);
  }
  if (bytes.length < 400 && random.below(8) === 0) {
    const everyByte = Array.from({ length: Math.max(0, bytes.length - 1) }, (_, i) => i + 1);
    assert.deepEqual(parse(bytes, everyByte), whole, `byte by byte: ${shown()}`);
  }
  if (whole.kind === 'refused') {
    assert.match(whole.message, ERROR_FORM, shown());
    assert.ok(!whole.message.includes(MARKER), `the message quotes the response: ${whole.message}`);
  }
  const llhttp = llhttpVerdict(bytes, true);
  if (whole.kind === 'response') {
    // Never a response llhttp would refuse, or frame otherwise.
    assert.equal(
      llhttp.kind,
      'response',
      `llhttp: ${JSON.stringify(llhttp)}; ours: ${JSON.stringify(whole)}: ${shown()}`,
    );
    if (llhttp.kind === 'response') {
      assert.equal(whole.status, llhttp.status, shown());
      assert.deepEqual(whole.headers, llhttp.headers, shown());
      assert.equal(whole.body, llhttp.body.toString('latin1'), shown());
      if (whole.keepAlive) assert.ok(llhttp.keepAlive, `kept a connection llhttp would not: ${shown()}`);
    }
  }
  if (llhttp.kind === 'refused' && !llhttp.atClose && AT_THE_BYTE.has(llhttp.code)) {
    assert.equal(whole.kind, 'refused', `llhttp refused at once (${llhttp.reason}), ours did not: ${shown()}`);
  }
  assert.ok(Date.now() - started < 1000, `one input took ${Date.now() - started} ms: ${shown()}`);
  return { ours: whole.kind, llhttp: llhttp.kind };
}

function run(seed: number, cases: number) {
  const random = seededRandom(seed);
  const tally = new Map<string, number>();
  for (let n = 0; n < cases; n++) {
    let bytes: Buffer = random.pick(CORPUS);
    for (let mutations = 1 + random.below(3); mutations > 0; mutations--) bytes = mutate(bytes, random);
    const { ours, llhttp } = check(bytes, random);
    const key = `${ours}/${llhttp}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  return tally;
}

describe('HTTP/1.1 response parser, fuzzed against llhttp', () => {
  it('reads every unmutated response as llhttp does', () => {
    for (const bytes of CORPUS) {
      const { ours, llhttp } = check(bytes, seededRandom(0));
      assert.equal(ours, 'response', bytes.toString('latin1'));
      assert.equal(llhttp, 'response');
    }
  });

  const extra = Number(process.env.ABS_FUZZ_SEED);
  const seeds = Number.isInteger(extra) && process.env.ABS_FUZZ_SEED ? [...SEEDS, extra] : SEEDS;
  for (const seed of seeds) {
    const cases = seed === extra ? Number(process.env.ABS_FUZZ_CASES ?? 3000) : CASES_PER_SEED;
    it(`holds on ${cases} mutated responses (seed ${seed})`, { timeout: 60_000 }, (t) => {
      const tally = run(seed, cases);
      t.diagnostic(`ours/llhttp: ${JSON.stringify(Object.fromEntries(tally))}`);
      // The mutations must reach both sides of the line, or the invariants above test little.
      assert.ok((tally.get('response/response') ?? 0) > cases / 20, 'enough mutated responses still valid');
      assert.ok((tally.get('refused/refused') ?? 0) > cases / 5, 'enough refused by both');
    });
  }
});
