import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, it } from 'node:test';
import { ResponseParser, type Http1Response, InvalidResponseError } from '../../src/storage/http1/response-parser.js';
import { llhttpVerdict } from '../support/llhttp-reference.js';

// The lean Put Blob's reading of HTTP/1.1 responses (src/storage/http1/response-parser.ts). Each response is fed whole and
// in every split into two pieces, and byte by byte, as TCP may deliver it; refusals are held against llhttp, the
// parser Node's own client uses (test/support/llhttp-reference.ts).

function feed(text: string, pieces: readonly number[], ended = false): Http1Response | undefined {
  const bytes = Buffer.from(text, 'latin1');
  const parser = new ResponseParser();
  let response: Http1Response | undefined;
  let from = 0;
  for (const to of [...pieces, bytes.length]) {
    assert.equal(response, undefined, 'no response before its last byte');
    response = parser.push(bytes.subarray(from, to));
    from = to;
  }
  return ended ? (response ?? parser.end()) : response;
}

/** Parses `text` in every way it can arrive; all must agree. */
function parse(text: string, ended = false): Http1Response | undefined {
  const whole = feed(text, [], ended);
  for (let cut = 1; cut < text.length; cut++) assert.deepEqual(feed(text, [cut], ended), whole, `split at ${cut}`);
  const bytes = Array.from({ length: text.length - 1 }, (_, i) => i + 1);
  assert.deepEqual(feed(text, bytes, ended), whole, 'byte by byte');
  return whole;
}

/** The error the parser throws for `text` given whole, after checking that every split throws the same. */
function refusal(text: string): InvalidResponseError {
  const errors = [[], ...Array.from({ length: text.length - 1 }, (_, i) => [i + 1])].map((cuts) => {
    try {
      feed(text, cuts);
    } catch (error) {
      assert.ok(error instanceof InvalidResponseError, String(error));
      return error;
    }
    assert.fail(`accepted, cut at ${cuts.join()}: ${JSON.stringify(text)}`);
  });
  for (const error of errors) assert.equal(error.message, errors[0]!.message);
  return errors[0]!;
}

describe('HTTP/1.1 response parser', () => {
  it('reads a Put Blob success: status, headers in lower case, an empty body, a connection to reuse', () => {
    const response = parse('HTTP/1.1 201 Created\r\nContent-Length: 0\r\nETag: "0x1"\r\nx-ms-request-id: r1\r\n\r\n');
    assert.equal(response?.status, 201);
    assert.deepEqual({ ...response?.headers }, { 'content-length': '0', etag: '"0x1"', 'x-ms-request-id': 'r1' });
    assert.equal(response?.body.length, 0);
    assert.equal(response?.keepAlive, true);
    assert.equal(response?.keepAliveTimeoutS, undefined);
  });

  it('reads a body by its Content-Length', () => {
    const body = '<?xml version="1.0"?><Error><Code>Md5Mismatch</Code></Error>';
    const response = parse(`HTTP/1.1 400 Bad\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    assert.equal(response?.body.toString(), body);
  });

  it('reads a chunked body, with chunk extensions and trailers', () => {
    const response = parse(
      'HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\nB;q="a \\" b";n\r\n, one world\r\n' +
        '0\r\nx-trailer: t\r\n\r\n',
    );
    assert.equal(response?.body.toString(), 'hello, one world');
    assert.equal(response?.keepAlive, true);
  });

  it('skips interim 1xx responses and reads the final one', () => {
    const response = parse(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Hints\r\nLink: x\r\n\r\nHTTP/1.1 201 OK\r\nContent-Length: 0\r\n\r\n',
    );
    assert.equal(response?.status, 201);
    assert.deepEqual({ ...response?.headers }, { 'content-length': '0' });
  });

  it('joins repeated headers, trims their values, and keeps any name as a name', () => {
    const response = parse('HTTP/1.1 503 Busy\r\nVia: a\r\nVia:\t b \r\n__proto__: x\r\nContent-Length: 2\r\n\r\nok');
    assert.equal(response?.headers.via, 'a, b');
    assert.equal(response?.headers.__proto__, 'x');
    assert.equal(response?.body.toString(), 'ok');
  });

  it('says when the connection cannot carry another request, and reads the Keep-Alive timeout', () => {
    assert.equal(parse('HTTP/1.1 201 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')?.keepAlive, false);
    assert.equal(parse('HTTP/1.1 201 OK\r\nConnection: x, Close\r\nContent-Length: 0\r\n\r\n')?.keepAlive, false);
    assert.equal(parse('HTTP/1.1 201 OK\r\nProxy-Connection: close\r\nContent-Length: 0\r\n\r\n')?.keepAlive, false);
    assert.equal(parse('HTTP/1.1 201 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n')?.keepAlive, true);
    // A tab after the option: llhttp 9.4 (Node 24) reads it, 9.3 (Node 20) does not; kept only if both would keep it.
    assert.equal(parse('HTTP/1.1 201 OK\r\nConnection: close\t\r\nContent-Length: 0\r\n\r\n')?.keepAlive, false);
    const tab = parse('HTTP/1.0 201 OK\r\nConnection: keep-alive\t\r\nContent-Length: 0\r\n\r\n');
    assert.equal(tab?.keepAlive, false);
    assert.equal(parse('HTTP/1.0 201 OK\r\nContent-Length: 0\r\n\r\n')?.keepAlive, false);
    const kept = parse('HTTP/1.0 201 OK\r\nConnection: Keep-Alive\r\nKeep-Alive: timeout=5, max=100\r\n\r\n');
    assert.equal(kept, undefined, 'an HTTP/1.0 response without a length ends with the connection');
    const timed = parse('HTTP/1.1 201 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n');
    assert.equal(timed?.keepAlive, true);
    assert.equal(timed?.keepAliveTimeoutS, 5);
  });

  it('reads an unframed body to the close of the connection, which then is not reused', () => {
    const response = parse('HTTP/1.1 500 Oops\r\n\r\nthe rest', true);
    assert.equal(response?.body.toString(), 'the rest');
    assert.equal(response?.keepAlive, false);
    const coded = parse('HTTP/1.1 500 Oops\r\nTransfer-Encoding: gzip\r\n\r\nzz', true);
    assert.equal(coded?.body.toString(), 'zz');
    // llhttp matches "chunked" only with spaces after it, so a tab makes the body run to the close there and here.
    const tabbed = parse('HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n', true);
    assert.equal(tabbed?.body.toString(), '0\r\n\r\n');
  });

  it('has no response when the connection closes before a framed one is complete', () => {
    const parser = new ResponseParser();
    assert.equal(parser.started, false);
    assert.equal(parser.push(Buffer.from('HTTP/1.1 201 OK\r\nContent-Length: 5\r\n\r\nab')), undefined);
    assert.equal(parser.started, true);
    assert.equal(parser.end(), undefined);
    assert.equal(new ResponseParser().end(), undefined);
  });

  it('responses 204 and 304 without a body even when a length is given', () => {
    assert.equal(parse('HTTP/1.1 204 No Content\r\n\r\n')?.keepAlive, true);
    assert.equal(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n')?.body.length, 0);
  });

  it('takes a complete response that bytes follow, and says its connection cannot be reused', () => {
    for (const after of ['HTTP/1.1 201 OK\r\n\r\n', '\r\n', 'x']) {
      const response = new ResponseParser().push(Buffer.from(`HTTP/1.1 201 OK\r\nContent-Length: 2\r\n\r\nok${after}`));
      assert.equal(response?.status, 201);
      assert.equal(response?.body.toString(), 'ok');
      assert.equal(response?.keepAlive, false, JSON.stringify(after));
    }
  });

  it('fails at the first bad byte, without waiting for the rest of the line or the per-try limit', () => {
    const parser = () => new ResponseParser();
    // A server ending its lines with LF alone: refused at the first LF, with no CRLF CRLF ever to come.
    assert.throws(() => parser().push(Buffer.from('HTTP/1.1 201 Created\n')), /LF alone, without CR \(at byte 20\)/);
    assert.throws(() => parser().push(Buffer.from('HTTP/1.1 201 Created\r\nETag: x\n')), /LF alone/);
    assert.throws(() => parser().push(Buffer.from('HTTP/1.1 201 Created\r\nETag: x\ry')), /CR not followed by LF/);
    assert.throws(() => parser().push(Buffer.from('HTTP/1.1 201 Created\r\nETag: x\0')), /a NUL in a header value/);
    assert.throws(() => parser().push(Buffer.from('HTTP/1.1 201 Created\r\nETag\r')), /without a colon/);
    assert.throws(() => parser().push(Buffer.from('SSH-')), /other than "HTTP\/1\.0"/);
    const chunked = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    assert.throws(() => parser().push(Buffer.from(`${chunked}2 `)), /a chunk size that is not hexadecimal/);
    assert.throws(() => parser().push(Buffer.from(`${chunked}2\r\nabc`)), /a chunk longer than its size/);
  });

  it('caps the head as Node does, on every read: the same heads refused at the same size', () => {
    const limit = http.maxHeaderSize;
    // Node counts the reason phrase, names and values (with the spaces after a value, not those before).
    const shapes = [
      (n: number) => `HTTP/1.1 201 OK\r\nX: ${'a'.repeat(n)}\r\nContent-Length: 0\r\n\r\n`,
      (n: number) => `HTTP/1.1 201 OK\r\nX:    ${'a'.repeat(n)}    \r\nContent-Length: 0\r\n\r\n`,
      (n: number) => `HTTP/1.1 100 Continue\r\n${`Y: ${'b'.repeat(n / 4)}\r\n`.repeat(4)}\r\nHTTP/1.1 201 OK\r\n\r\n`,
      (n: number) => `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: ${'t'.repeat(n)}\r\n\r\n`,
    ];
    for (const shape of shapes) {
      const size = (n: number) => (llhttpVerdict(Buffer.from(shape(n)), true).kind === 'refused' ? 'refused' : 'taken');
      let n = limit - 200;
      while (size(n) === 'taken' && n < limit + 100) n += 4; // the first size llhttp refuses, to 4 bytes
      assert.ok(n < limit + 100, 'llhttp refuses this shape near the limit');
      for (const m of [n - 8, n - 4, n, n + 4]) {
        let ours = 'taken';
        try {
          new ResponseParser().push(Buffer.from(shape(m)));
        } catch {
          ours = 'refused';
        }
        assert.equal(ours, size(m), `${m} bytes of value, shape ${shapes.indexOf(shape)}`);
      }
    }
    // A head too large is refused even when its end came in the same read, and before its end when it did not.
    assert.throws(
      () => new ResponseParser().push(Buffer.from(shapes[0]!(limit))),
      new RegExp(`a head of ${limit} bytes`),
    );
    const parser = new ResponseParser();
    parser.push(Buffer.from(`HTTP/1.1 201 OK\r\nX: ${'a'.repeat(limit - 10)}`));
    assert.throws(() => parser.push(Buffer.alloc(20, 'a')), /--max-http-header-size/);
  });

  const MARKER = 'sig=SECRETmarker';
  // [what, response, the refusal, which llhttp refuses it too: 'all', '9.3' (Node 20's), '9.4' (Node 24's), or 'none'
  // (stricter here, as the parser's header says)]
  const refusals: [string, string, RegExp, 'all' | '9.3' | '9.4' | 'none'][] = [
    ['Transfer-Encoding and Content-Length', 'Transfer-Encoding: chunked\r\nContent-Length: 2', /both Transfer/, 'all'],
    ['Content-Length and Transfer-Encoding', 'Content-Length: 2\r\nTransfer-Encoding: gzip', /both Transfer/, 'all'],
    ['Content-Length twice, equal', 'Content-Length: 2\r\ncontent-length: 2', /two Content-Length/, 'all'],
    ['Content-Length listing two', 'Content-Length: 2, 2', /not a number/, 'all'],
    ['Content-Length with a tab after it', 'Content-Length: 2\t', /not a number/, '9.3'],
    ['Content-Length below 0', 'Content-Length: -1', /not a number/, 'all'],
    ['Content-Length empty', 'Content-Length:', /not a number/, 'all'],
    ['a bare CR in a value', `X-Echo: a\r${MARKER}`, /CR not followed by LF/, 'all'],
    ['a NUL in a value', `X-Echo: ${MARKER}\0`, /a NUL in a header value/, 'all'],
    ['DEL in a value', `X-Echo: ${MARKER}\x7f`, /a control character in a header value/, 'all'],
    ['ESC in a value', `X-Echo: \x1b${MARKER}`, /a control character in a header value/, 'all'],
    ['a bare LF ending a header line', `X-Echo: ${MARKER}\nX: 1`, /LF alone/, 'all'],
    ['a folded line', `X-Echo: a\r\n ${MARKER}`, /folded/, 'all'],
    ['a space before the colon', `X-Echo : ${MARKER}`, /a header name with a character/, 'all'],
    ['no name', `: ${MARKER}`, /without a name/, 'all'],
    ['no colon', 'SECRETmarker', /without a colon/, 'all'],
    ['a name past ASCII', 'X-\xe9: 1', /a header name with a character/, 'all'],
    ['HTTP/1.0 and chunked', '', /Transfer-Encoding in an HTTP\/1\.0 response/, 'none'],
    ['an empty Transfer-Encoding', 'Transfer-Encoding:\r\nContent-Length: 0', /an empty Transfer-Encoding/, '9.4'],
  ];
  const [major = 0, minor = 0] = (process.versions.llhttp ?? '').split('.').map(Number);
  const here = major > 9 || (major === 9 && minor >= 4) ? '9.4' : '9.3';
  for (const [what, lines, pattern, refusedBy] of refusals) {
    const as = { all: ', as llhttp does', '9.3': ', as llhttp 9.3 does', '9.4': ', as llhttp 9.4 does', none: '' };
    it(`refuses ${what}${as[refusedBy] || ', where llhttp does not'}`, () => {
      const version = what.startsWith('HTTP/1.0') ? 'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked' : 'HTTP/1.1 200 OK';
      const text = `${version}\r\n${lines ? `${lines}\r\n` : ''}\r\n0\r\n\r\n`;
      const error = refusal(text);
      assert.match(error.message, pattern);
      assert.match(error.message, /^the server's response is not valid HTTP\/1\.1: .* \(at byte \d+\)$/);
      assert.ok(!error.message.includes('SECRET'), error.message);
      assert.equal(error.code, 'ERR_INVALID_HTTP_RESPONSE');
      const refusedHere = llhttpVerdict(Buffer.from(text, 'latin1'), true).kind === 'refused';
      assert.equal(refusedHere, refusedBy === 'all' || refusedBy === here, `llhttp ${process.versions.llhttp}`);
    });
  }

  it('refuses what it cannot read the way every other reader would, and never quotes the response', () => {
    const refused = (text: string, pattern: RegExp) => {
      const error = refusal(text);
      assert.match(error.message, pattern);
      assert.ok(!error.message.includes('SECRET'), error.message);
    };
    refused(`HTTP/2 200 ${MARKER}\r\n\r\n`, /status line other than/);
    refused(`${MARKER}\r\n\r\n`, /status line other than/);
    refused(`HTTP/1.1 201 ${MARKER}\x01\r\n\r\n`, /a control character in the reason phrase/);
    refused('HTTP/1.1 20\r\n\r\n', /status line that ends early/);
    refused('\r\nHTTP/1.1 201 OK\r\n\r\n', /an empty line where the status line belongs/);
    refused('HTTP/1.1 101 Switching\r\n\r\n', /switch of protocols/);
    refused('HTTP/1.1 100 Continue\r\nConnection: close\r\n\r\n', /interim response that closes/);
    refused(`HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n${MARKER}\r\n`, /chunk size that is not hex/);
    refused(`HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n2; a=${MARKER}\r\n`, /malformed chunk extension/);
    refused('HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n2;a=""\r\n', /malformed chunk extension/);
    refused('HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n2;a=b;\r\n', /chunk-size line that ends early/);
    refused(`HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n${MARKER}\r\n`, /chunk longer than its size/);
    refused(`HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 1\r\n\r\n`, /among the trailers/);
    refused(`HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: ${MARKER}\0\r\n\r\n`, /a NUL/);
    refused(`HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n200000\r\n`, /chunk larger than this request takes/);
    const big = 'a'.repeat(1_100_000);
    assert.throws(
      () => new ResponseParser().push(Buffer.from(`HTTP/1.1 500 X\r\nContent-Length: 2000000\r\n\r\n${big}`)),
      /a Content-Length larger than this request takes/,
    );
  });

  it('fills a ranged read of known length into one buffer, whatever the pieces, within the cap it is given', () => {
    const body = Buffer.alloc(3 * 1024 * 1024 + 7);
    for (let i = 0; i < body.length; i++) body[i] = (i * 31) & 0xff;
    const head = Buffer.from(`HTTP/1.1 206 Partial Content\r\nContent-Length: ${body.length}\r\n\r\n`);
    const whole = Buffer.concat([head, body]);
    for (const piece of [whole.length, 65_536, 1000, 7]) {
      const parser = new ResponseParser(body.length);
      let response: Http1Response | undefined;
      for (let at = 0; at < whole.length; at += piece)
        response = parser.push(whole.subarray(at, at + piece)) ?? response;
      assert.equal(response?.status, 206, `pieces of ${piece}`);
      assert.ok(response!.body.equals(body), `pieces of ${piece}`);
    }
    assert.throws(
      () => new ResponseParser(body.length - 1).push(head),
      /a Content-Length larger than this request takes/,
    );
  });
});
