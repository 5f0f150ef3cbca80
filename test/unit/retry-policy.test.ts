import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryAfterMs } from '../../src/storage/retry.js';
import { backoffMs } from '../../src/storage/backoff.js';

const headers = (values: Record<string, string>) => ({
  headers: { get: (name: string) => values[name.toLowerCase()] },
});

describe('retry timing', () => {
  it('takes the wait the service asked for, in whichever header it used', () => {
    assert.equal(retryAfterMs(headers({ 'retry-after': '3' })), 3000);
    assert.equal(retryAfterMs(headers({ 'retry-after-ms': '250' })), 250);
    assert.equal(retryAfterMs(headers({ 'x-ms-retry-after-ms': '40', 'retry-after': '9' })), 40);
    const date = retryAfterMs(headers({ 'retry-after': new Date(Date.now() + 5000).toUTCString() }))!;
    assert.ok(date > 3000 && date <= 5000, String(date));
    assert.equal(retryAfterMs(headers({ 'retry-after': new Date(Date.now() - 5000).toUTCString() })), 0);
  });

  it('ignores a missing or unreadable Retry-After', () => {
    assert.equal(retryAfterMs(undefined), undefined);
    assert.equal(retryAfterMs(headers({})), undefined);
    assert.equal(retryAfterMs(headers({ 'retry-after': 'soon' })), undefined);
  });

  it('backs off exponentially with jitter of at most a fifth', () => {
    for (let attempt = 1; attempt <= 5; attempt++) {
      const expected = 500 * 2 ** (attempt - 1);
      for (let i = 0; i < 50; i++) {
        const delay = backoffMs(attempt, 500);
        assert.ok(delay >= expected * 0.8 && delay <= expected * 1.2, `${attempt}: ${delay}`);
      }
    }
  });
});
