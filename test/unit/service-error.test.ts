import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { serviceError } from '../../src/storage/service-error.js';

const answer = (text: string, headers: Record<string, string> = {}) =>
  serviceError({ status: 403, header: (name) => headers[name], text });

describe('serviceError', () => {
  it("keeps the service's code and the first line of its message", () => {
    const error = answer(
      '<?xml version="1.0"?><Error><Code>AuthorizationFailure</Code><Message>This request is not authorized.\nRequestId:0f6a2b1c-0000-4000-8000-000000000000\nTime:2026-12-05T07:00:00Z</Message></Error>',
    );
    assert.equal(error.statusCode, 403);
    assert.equal(error.code, 'AuthorizationFailure');
    assert.equal(error.message, 'This request is not authorized.');
    assert.equal(answer('', { 'x-ms-error-code': 'ServerBusy' }).code, 'ServerBusy');
  });

  it('quotes no code that is not a plain word, and no control character', () => {
    assert.equal(answer('', { 'x-ms-error-code': 'Bad code\r\nX: y' }).code, undefined);
    assert.equal(answer('<Code>a b</Code>').code, undefined);
    assert.equal(answer('<Message>one\u0007two\u001b[2J</Message>').message, 'onetwo[2J');
  });

  it('never quotes what looks like part of a signature or a key an echoing server sent back', () => {
    const signature = 'Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy%3D';
    for (const echoed of [
      `<Message>Bad request to /c/b?sv=2025-01-05&amp;sig=${signature}</Message>`,
      `<Message>${signature}</Message>`,
      `<Message>key Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==</Message>`,
    ]) {
      const message = answer(echoed).message;
      assert.ok(!message.includes('Zm9vYmFy') && !message.includes('Eby8vdM02'), message);
    }
  });

  it('caps a long message and says what the status was when there is none', () => {
    assert.ok(answer(`<Message>${'word '.repeat(200)}</Message>`).message.length <= 301);
    assert.equal(answer('').message, 'The service answered 403');
  });
});
