import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerParser, type Http1Answer, InvalidAnswerError } from '../../src/storage/http1/answer-parser.js';

// The lean Put Blob's reading of HTTP/1.1 answers (src/auth/http1/answer-parser.ts). Each answer is fed whole and
// in every split into two pieces, and byte by byte, as TCP may deliver it.

function feed(text: string, pieces: readonly number[], ended = false): Http1Answer | undefined {
  const bytes = Buffer.from(text, 'latin1');
  const parser = new AnswerParser();
  let answer: Http1Answer | undefined;
  let from = 0;
  for (const to of [...pieces, bytes.length]) {
    assert.equal(answer, undefined, 'no answer before its last byte');
    answer = parser.push(bytes.subarray(from, to));
    from = to;
  }
  return ended ? (answer ?? parser.end()) : answer;
}

/** Parses `text` in every way it can arrive; all must agree. */
function parse(text: string, ended = false): Http1Answer | undefined {
  const whole = feed(text, [], ended);
  for (let cut = 1; cut < text.length; cut++) assert.deepEqual(feed(text, [cut], ended), whole, `split at ${cut}`);
  const bytes = Array.from({ length: text.length - 1 }, (_, i) => i + 1);
  assert.deepEqual(feed(text, bytes, ended), whole, 'byte by byte');
  return whole;
}

function refused(text: string, pattern: RegExp): void {
  assert.throws(
    () => new AnswerParser().push(Buffer.from(text, 'latin1')),
    (error: unknown) => error instanceof InvalidAnswerError && pattern.test(error.message),
  );
}

describe('HTTP/1.1 answer parser', () => {
  it('reads a Put Blob success: status, headers in lower case, an empty body, a connection to reuse', () => {
    const answer = parse('HTTP/1.1 201 Created\r\nContent-Length: 0\r\nETag: "0x1"\r\nx-ms-request-id: r1\r\n\r\n');
    assert.equal(answer?.status, 201);
    assert.deepEqual(answer?.headers, { 'content-length': '0', etag: '"0x1"', 'x-ms-request-id': 'r1' });
    assert.equal(answer?.body.length, 0);
    assert.equal(answer?.keepAlive, true);
    assert.equal(answer?.keepAliveTimeoutS, undefined);
  });

  it('reads a body by its Content-Length', () => {
    const body = '<?xml version="1.0"?><Error><Code>Md5Mismatch</Code></Error>';
    const answer = parse(`HTTP/1.1 400 Bad\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    assert.equal(answer?.body.toString(), body);
  });

  it('reads a chunked body, with chunk extensions and trailers', () => {
    const answer = parse(
      'HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\nB \r\n, one world\r\n0\r\nx-trailer: t\r\n\r\n',
    );
    assert.equal(answer?.body.toString(), 'hello, one world');
    assert.equal(answer?.keepAlive, true);
  });

  it('skips interim 1xx answers and reads the final one', () => {
    const answer = parse(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Hints\r\nLink: x\r\n\r\nHTTP/1.1 201 OK\r\nContent-Length: 0\r\n\r\n',
    );
    assert.equal(answer?.status, 201);
    assert.deepEqual(answer?.headers, { 'content-length': '0' });
  });

  it('joins repeated headers, and takes a repeated equal Content-Length', () => {
    const answer = parse('HTTP/1.1 503 Busy\r\nVia: a\r\nVia: b\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok');
    assert.equal(answer?.headers.via, 'a, b');
    assert.equal(answer?.body.toString(), 'ok');
  });

  it('says when the connection cannot carry another request, and reads the Keep-Alive timeout', () => {
    assert.equal(parse('HTTP/1.1 201 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')?.keepAlive, false);
    assert.equal(parse('HTTP/1.0 201 OK\r\nContent-Length: 0\r\n\r\n')?.keepAlive, false);
    const kept = parse('HTTP/1.0 201 OK\r\nConnection: Keep-Alive\r\nKeep-Alive: timeout=5, max=100\r\n\r\n');
    assert.equal(kept, undefined, 'an HTTP/1.0 answer without a length ends with the connection');
    const timed = parse('HTTP/1.1 201 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n');
    assert.equal(timed?.keepAlive, true);
    assert.equal(timed?.keepAliveTimeoutS, 5);
  });

  it('reads an unframed body to the close of the connection, which then is not reused', () => {
    const answer = parse('HTTP/1.1 500 Oops\r\n\r\nthe rest', true);
    assert.equal(answer?.body.toString(), 'the rest');
    assert.equal(answer?.keepAlive, false);
    const coded = parse('HTTP/1.1 500 Oops\r\nTransfer-Encoding: gzip\r\n\r\nzz', true);
    assert.equal(coded?.body.toString(), 'zz');
  });

  it('has no answer when the connection closes before a framed one is complete', () => {
    const parser = new AnswerParser();
    assert.equal(parser.started, false);
    assert.equal(parser.push(Buffer.from('HTTP/1.1 201 OK\r\nContent-Length: 5\r\n\r\nab')), undefined);
    assert.equal(parser.started, true);
    assert.equal(parser.end(), undefined);
    assert.equal(new AnswerParser().end(), undefined);
  });

  it('answers 204 without a body even when no length is given', () => {
    assert.equal(parse('HTTP/1.1 204 No Content\r\n\r\n')?.keepAlive, true);
  });

  it('refuses what it cannot read the way every other reader would', () => {
    refused('HTTP/2 200 OK\r\n\r\n', /starts "HTTP\/2 200 OK"/);
    refused('SSH-2.0-OpenSSH\r\n\r\n', /starts "SSH-2.0/);
    refused('HTTP/1.1 201 OK\r\nX-A: 1\r\n folded\r\n\r\n', /header line reads " folded"/);
    refused('HTTP/1.1 201 OK\r\nno colon\r\n\r\n', /header line/);
    refused('HTTP/1.1 201 OK\r\nBad Name: 1\r\n\r\n', /header line/);
    refused('HTTP/1.1 201 OK\r\nContent-Length: 1, 2\r\n\r\n', /Content-Length is "1, 2"/);
    refused('HTTP/1.1 201 OK\r\nContent-Length: -1\r\n\r\n', /Content-Length/);
    refused('HTTP/1.1 101 Switching\r\n\r\n', /switches protocols/);
    refused('HTTP/1.1 201 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 201 OK\r\n\r\n', /bytes follow the end/);
    refused('HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /chunk size reads "zz"/);
    refused('HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', /longer than its size/);
    refused(`HTTP/1.1 201 OK\r\nX: ${'a'.repeat(70_000)}`, /head is too large/);
    refused(`HTTP/1.1 500 X\r\nContent-Length: 2000000\r\n\r\n${'a'.repeat(1_100_000)}`, /larger than a Put Blob/);
  });
});
